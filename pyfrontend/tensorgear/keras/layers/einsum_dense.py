"""``keras.layers.EinsumDense``: a dense layer whose product is an einsum equation.

Keras 3's layer: the equation has the form ``X,Y->Z`` (input, kernel,
output subscripts), ``...X,Y->...Z`` or ``X...,Y->Z...``; `output_shape`
gives the output's dims after the batch dim (None for one taken from the
input), and the kernel's shape follows from the equation: each kernel
subscript takes its size from the output (an output axis) or else from the
input (an input axis). `bias_axes` names output subscripts that get a bias,
shaped as Keras shapes it (ones between and after them). The product runs
through tg.einsum.
"""

import tensorgear as tg

from .. import activations, constraints, initializers, regularizers
from .core import weight_config
from .layer import Layer


class EinsumDense(Layer):
    """output = activation(einsum(equation, inputs, kernel) + bias)."""

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str):
            raise TypeError(f"EinsumDense: `equation` must be a string, got {equation!r}")
        self.equation = equation
        if isinstance(output_shape, int):
            self.partial_output_shape = (output_shape,)
        else:
            try:
                self.partial_output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"EinsumDense: `output_shape` must be an int or a tuple of ints and None, got "
                                 f"{output_shape!r}") from None
        if not all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
                   for d in self.partial_output_shape):
            raise ValueError(f"EinsumDense: `output_shape` must be an int or a tuple of positive ints and None, "
                             f"got {output_shape!r}")
        self.bias_axes = bias_axes
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        _analyze(self.equation, self.bias_axes, None, self.partial_output_shape)  # the equation's form, early

    def build(self, input_shape):
        kernel_shape, bias_shape, _, input_axes, output_axes = _analyze(
            self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape)
        if any(d is None for d in kernel_shape):
            raise ValueError(f"EinsumDense '{self.name}': the kernel's shape {tuple(kernel_shape)} (from "
                             f"{self.equation!r}, input shape {tuple(input_shape)} and output_shape "
                             f"{self.partial_output_shape}) must be fully known")
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling):
            # Keras 3 counts the fans over the kernel's input and output axes.
            fan_in = _product(kernel_shape[a] for a in input_axes)
            fan_out = _product(kernel_shape[a] for a in output_axes)
            base = init
            init = lambda shape, dtype=None: base.draw(shape, dtype, fan_in, fan_out)  # noqa: E731
        self.kernel = self.add_weight(name="kernel", shape=tuple(kernel_shape), initializer=init,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        if bias_shape is not None:
            self.bias = self.add_weight(name="bias", shape=tuple(bias_shape), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None

    def call(self, inputs, training=None):
        x = tg.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not activations.linear:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(_analyze(self.equation, self.bias_axes, tuple(input_shape), self.partial_output_shape)[2])

    def get_config(self):
        config = super().get_config()
        config.update({
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            **weight_config(self),
        })
        return config


def _product(values):
    p = 1
    for v in values:
        p *= int(v)
    return p


def _split(equation):
    """(input, kernel, output subscripts, where the ellipsis is: None, "left" or "right")."""
    form = "'X,Y->Z', '...X,Y->...Z' or 'X...,Y->Z...' (X, Y, Z: letters)"
    eq = equation.replace(" ", "")
    if eq.count("->") != 1 or eq.split("->")[0].count(",") != 1:
        raise ValueError(f"Invalid einsum equation {equation!r} for EinsumDense: expected {form}")
    lhs, out = eq.split("->")
    inp, ker = lhs.split(",")
    side = None
    if inp.startswith("...") and out.startswith("..."):
        inp, out, side = inp[3:], out[3:], "left"
    elif inp.endswith("...") and out.endswith("...") and len(inp) > 4:
        inp, out, side = inp[:-3], out[:-3], "right"
    if not (inp.isalpha() and ker.isalpha() and out.isalpha() and inp.isascii() and ker.isascii()
            and out.isascii()):
        raise ValueError(f"Invalid einsum equation {equation!r} for EinsumDense: expected {form}")
    return inp, ker, out, side


def _analyze(equation, bias_axes, input_shape, partial_output_shape):
    """Keras 3's shapes: (kernel shape, bias shape or None, full output shape, the kernel's
    input axes, its output axes). With input_shape None, only the equation and bias_axes are
    checked."""
    inp, ker, out, side = _split(equation)
    for c in out:
        if c not in inp and c not in ker:
            raise ValueError(f"Dimension '{c}' was specified in the output '{out}' but has no corresponding dim "
                             f"in the input spec '{inp}' or weight spec '{ker}'")
    for c in ker:
        if c not in inp and c not in out:
            raise ValueError(f"Weight dimension '{c}' did not have a match in either the input spec '{inp}' or "
                             f"the output spec '{out}'. For this layer, the weight must be fully specified.")
    if bias_axes is not None:
        for c in bias_axes:
            if c not in out:
                raise ValueError(f"Bias dimension '{c}' was requested, but is not part of the output spec '{out}'")
    if input_shape is None:
        return None
    elided = len(input_shape) - len(inp)
    if elided < 0 or (elided > 0 and side is None):
        raise ValueError(f"EinsumDense: input shape {input_shape} does not fit the equation {equation!r} "
                         f"({len(inp)} input subscripts)")
    # The full output shape: the batch dim, then the elided dims on their side.
    output_shape = [input_shape[0]] + list(partial_output_shape)
    if side == "left":
        output_shape[1:1] = list(input_shape[1:elided])
    elif side == "right":
        output_shape += list(input_shape[len(input_shape) - elided:])
    shift = elided if side == "left" else 0
    in_dim = {c: input_shape[i + shift] for i, c in enumerate(inp)}
    if len(output_shape) - (elided if side else 0) != len(out):
        raise ValueError(f"EinsumDense: output_shape {partial_output_shape} does not fit the output subscripts "
                         f"'{out}' of {equation!r} (after the batch dim)")
    out_dim = {c: output_shape[i + shift] for i, c in enumerate(out)}
    for c in inp:
        if c in out_dim and out_dim[c] is not None and out_dim[c] != in_dim[c]:
            raise ValueError(f"Input shape and output shape do not match at shared dimension '{c}'. Input shape "
                             f"is {in_dim[c]}, and output shape is {out_dim[c]}.")
        if c in out_dim and out_dim[c] is None:
            out_dim[c] = in_dim[c]
            output_shape[out.index(c) + shift] = in_dim[c]
    kernel_shape, input_axes, output_axes = [], [], []
    for i, c in enumerate(ker):
        if c in out_dim:
            kernel_shape.append(out_dim[c])
            output_axes.append(i)
        else:
            kernel_shape.append(in_dim[c])
            input_axes.append(i)
    bias_shape = None
    if bias_axes is not None:
        first = min(out.index(c) for c in bias_axes)
        bias_shape = [out_dim[c] if c in bias_axes else 1 for c in out[first:]]
        if side == "right":
            bias_shape += [1] * elided
    return kernel_shape, bias_shape, output_shape, input_axes, output_axes

"""Keras 3's recurrent cells: SimpleRNNCell, LSTMCell, GRUCell, and StackedRNNCells.

A cell is one timestep: ``call(inputs, states, training)`` -> ``(output, new_states)``, in table
ops. ``keras.layers.RNN(cell)`` runs a cell over a sequence; SimpleRNN, LSTM and GRU run the same
equations through the engine's fused ``rnn_sequence`` op instead (``fused_operands``), and use
the cell's step only where that op does not apply (other activations, recurrent dropout, GRU
with reset_after=False).
"""

import tensorgear as tg

from ... import activations, constraints, initializers, regularizers
from ..core import _positive_int
from ..layer import Layer


# The activations the fused recurrence computes, by any of their spellings (Keras's, tf's, tf.nn's).
_TANH = tuple(f for f in (activations.tanh, getattr(tg, "tanh", None), getattr(tg.nn, "tanh", None)) if f is not None)
_SIGMOID = tuple(f for f in (activations.sigmoid, getattr(tg, "sigmoid", None), getattr(tg.nn, "sigmoid", None))
                 if f is not None)
_RELU = tuple(f for f in (activations.relu, getattr(tg.nn, "relu", None)) if f is not None)


def _rate(value, name):
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise TypeError(f"`{name}` must be a float between 0 and 1, got {value!r}")
    return min(1.0, max(0.0, float(value)))


class DropoutRNNCell:
    """The dropout masks of a cell: one mask per sequence (drawn on its first step, reused on every
    step until the layer resets it), for the inputs and for the recurrent state (Keras 3)."""

    def get_dropout_mask(self, step_input):
        if getattr(self, "_dropout_mask", None) is None and self.dropout > 0:
            self._dropout_mask = tg.nn.dropout(tg.ones_like(step_input), rate=self.dropout, seed=self.seed)
        return getattr(self, "_dropout_mask", None)

    def get_recurrent_dropout_mask(self, step_state):
        if getattr(self, "_recurrent_dropout_mask", None) is None and self.recurrent_dropout > 0:
            self._recurrent_dropout_mask = tg.nn.dropout(tg.ones_like(step_state), rate=self.recurrent_dropout,
                                                         seed=self.seed)
        return getattr(self, "_recurrent_dropout_mask", None)

    def reset_dropout_mask(self):
        self.__dict__["_dropout_mask"] = None

    def reset_recurrent_dropout_mask(self):
        self.__dict__["_recurrent_dropout_mask"] = None


class _GatedCell(Layer, DropoutRNNCell):
    """What the three built-in cells share: units, activations, the three weights' initializers,
    regularizers and constraints, dropout rates and the seed; ``gates`` weight blocks."""

    gates = 1
    _default_activation = "tanh"

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.units = _positive_int(units, "units", type(self).__name__)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(dropout, "dropout")
        self.recurrent_dropout = _rate(recurrent_dropout, "recurrent_dropout")
        self.seed = seed
        self.state_size = self.units
        self.output_size = self.units
        self.__dict__["_dropout_mask"] = None
        self.__dict__["_recurrent_dropout_mask"] = None

    def _add_kernels(self, input_dim):
        width = self.gates * self.units
        self.kernel = self.add_weight(shape=(int(input_dim), width), name="kernel",
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, width), name="recurrent_kernel",
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)

    def _add_bias(self, shape, initializer=None):
        if not self.use_bias:
            self.bias = None
            return
        self.bias = self.add_weight(shape=shape, name="bias", initializer=initializer or self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def build(self, input_shape):
        input_dim = input_shape[-1] if input_shape else None
        if input_dim is None:
            raise ValueError(f"{type(self).__name__} needs a known input feature size; got input shape {input_shape}")
        self._add_kernels(input_dim)
        self._add_bias((self.gates * self.units,))

    def get_initial_state(self, batch_size=None):
        sizes = self.state_size if isinstance(self.state_size, (list, tuple)) else [self.state_size]
        return [tg.zeros((batch_size, s), dtype=self.dtype) for s in sizes]

    def _inputs_for_step(self, inputs, states, training):
        """The step's inputs and h_prev with the dropout masks applied (training only)."""
        h = states[0]
        if training:
            mask = self.get_dropout_mask(inputs)
            if mask is not None:
                inputs = inputs * mask
            rmask = self.get_recurrent_dropout_mask(h)
            if rmask is not None:
                h = h * rmask
        return inputs, h

    # ---- the fused path --------------------------------------------------------------------------

    fused_cell = None  # the rnn_sequence cell name when the activations allow it

    def fused_cell_name(self, training):
        """The rnn_sequence cell for this configuration, or None when the fused op does not compute it."""
        if training and self.recurrent_dropout > 0:
            return None
        return self.fused_cell

    def fused_operands(self, sequences, training):
        """(xp, recurrent_bias) for rnn_sequence: the input projections of every step (one GEMM
        over the batch and time), the input dropout mask applied first, and the bias that is added
        to h_prev @ recurrent_kernel at each step."""
        if training and self.dropout > 0:
            mask = self.get_dropout_mask(sequences[:, 0, :])
            sequences = sequences * tg.expand_dims(mask, 1)
        input_bias, recurrent_bias = self._split_bias()
        xp = tg._C.dense(sequences, self.kernel, input_bias, "linear")
        if recurrent_bias is None:
            recurrent_bias = tg.zeros((self.gates * self.units,), dtype=xp.dtype)
        return xp, recurrent_bias

    def _split_bias(self):
        return self.bias, None

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        })
        return config


class SimpleRNNCell(_GatedCell):
    """h = activation(x @ kernel + h_prev @ recurrent_kernel + bias)."""

    gates = 1

    def __init__(self, units, activation="tanh", use_bias=True, **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, use_bias=use_bias, **kwargs)

    @property
    def fused_cell(self):
        if self.activation in _TANH:
            return "simple_tanh"
        return "simple_relu" if self.activation in _RELU else None

    def call(self, inputs, states, training=False):
        prev = states[0] if isinstance(states, (list, tuple)) else states
        inputs, h = self._inputs_for_step(inputs, [prev], training)
        z = tg.matmul(inputs, self.kernel)
        if self.bias is not None:
            z = z + self.bias
        output = self.activation(z + tg.matmul(h, self.recurrent_kernel))
        return output, ([output] if isinstance(states, (list, tuple)) else output)

    def get_config(self):
        config = super().get_config()
        del config["recurrent_activation"]
        return config


class LSTMCell(_GatedCell):
    """Keras's LSTM step, gates i, f, c, o in the kernels' columns:
    z = x @ kernel + h_prev @ recurrent_kernel + bias; c = f * c_prev + i * activation(z_c);
    h = o * activation(c), the gates i, f, o through recurrent_activation."""

    gates = 4

    def __init__(self, units, unit_forget_bias=True, implementation=2, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)
        self.implementation = implementation
        self.state_size = [self.units, self.units]

    @property
    def fused_cell(self):
        return "lstm" if self.activation in _TANH and self.recurrent_activation in _SIGMOID else None

    def build(self, input_shape):
        input_dim = input_shape[-1] if input_shape else None
        if input_dim is None:
            raise ValueError(f"LSTMCell needs a known input feature size; got input shape {input_shape}")
        self._add_kernels(input_dim)
        initializer = None
        if self.unit_forget_bias:
            u, base = self.units, self.bias_initializer

            def initializer(shape, dtype=None):  # the forget gate's bias starts at 1 (Jozefowicz et al.)
                return tg.concat([base((u,), dtype), tg.ones((u,), dtype=dtype or self.dtype),
                                  base((2 * u,), dtype)], axis=0)
        self._add_bias((4 * self.units,), initializer)

    def call(self, inputs, states, training=False):
        h_prev, c_prev = states[0], states[1]
        inputs, h = self._inputs_for_step(inputs, [h_prev], training)
        z = tg.matmul(inputs, self.kernel) + tg.matmul(h, self.recurrent_kernel)
        if self.bias is not None:
            z = z + self.bias
        u = self.units
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u:2 * u])
        c = f * c_prev + i * self.activation(z[:, 2 * u:3 * u])
        o = self.recurrent_activation(z[:, 3 * u:])
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self):
        config = super().get_config()
        config.update({"unit_forget_bias": self.unit_forget_bias, "implementation": self.implementation})
        return config


class GRUCell(_GatedCell):
    """Keras's GRU step, gates z, r, h in the kernels' columns. With reset_after (Keras 3's
    default, cuDNN's variant) r scales h_prev @ recurrent_kernel_h + recurrent bias; without it,
    h_prev is scaled before its product. The bias is (2, 3 * units) with reset_after (input and
    recurrent rows), else (3 * units,)."""

    gates = 3

    def __init__(self, units, reset_after=True, implementation=2, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)
        self.implementation = implementation

    @property
    def fused_cell(self):
        return "gru" if (self.reset_after and self.activation in _TANH
                         and self.recurrent_activation in _SIGMOID) else None

    def build(self, input_shape):
        input_dim = input_shape[-1] if input_shape else None
        if input_dim is None:
            raise ValueError(f"GRUCell needs a known input feature size; got input shape {input_shape}")
        self._add_kernels(input_dim)
        self._add_bias((2, 3 * self.units) if self.reset_after else (3 * self.units,))

    def _split_bias(self):
        if self.bias is None:
            return None, None
        if self.reset_after:
            return self.bias[0], self.bias[1]
        return self.bias, None

    def call(self, inputs, states, training=False):
        prev = states[0] if isinstance(states, (list, tuple)) else states
        inputs, h = self._inputs_for_step(inputs, [prev], training)
        input_bias, recurrent_bias = self._split_bias()
        x = tg.matmul(inputs, self.kernel)
        if input_bias is not None:
            x = x + input_bias
        u = self.units
        if self.reset_after:
            inner = tg.matmul(h, self.recurrent_kernel)
            if recurrent_bias is not None:
                inner = inner + recurrent_bias
            z = self.recurrent_activation(x[:, :u] + inner[:, :u])
            r = self.recurrent_activation(x[:, u:2 * u] + inner[:, u:2 * u])
            hh = self.activation(x[:, 2 * u:] + r * inner[:, 2 * u:])
        else:
            inner = tg.matmul(h, self.recurrent_kernel[:, :2 * u])
            z = self.recurrent_activation(x[:, :u] + inner[:, :u])
            r = self.recurrent_activation(x[:, u:2 * u] + inner[:, u:])
            hh = self.activation(x[:, 2 * u:] + tg.matmul(r * h, self.recurrent_kernel[:, 2 * u:]))
        output = z * prev + (1.0 - z) * hh
        return output, ([output] if isinstance(states, (list, tuple)) else output)

    def get_config(self):
        config = super().get_config()
        config.update({"reset_after": self.reset_after, "implementation": self.implementation})
        return config


class StackedRNNCells(Layer):
    """Several cells as one: each step runs them in order, the output of one the input of the next;
    the state is the list of their states."""

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if "call" not in dir(cell) or "state_size" not in dir(cell):
                raise ValueError(f"All cells must have a `call` method and a `state_size` attribute. Received: {cell}")
        self.cells = list(cells)

    @property
    def state_size(self):
        return [c.state_size for c in self.cells]

    @property
    def output_size(self):
        last = self.cells[-1]
        size = getattr(last, "output_size", None)
        if size is None:
            size = last.state_size[0] if isinstance(last.state_size, (list, tuple)) else last.state_size
        return size

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            fn = getattr(cell, "get_initial_state", None)
            if fn is not None:
                states.append(fn(batch_size=batch_size))
            else:
                sizes = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [cell.state_size]
                states.append([tg.zeros((batch_size, s), dtype=self.dtype) for s in sizes])
        return states

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell.build(shape)
                cell.__dict__["built"] = True
            size = getattr(cell, "output_size", None) or (
                cell.state_size[0] if isinstance(cell.state_size, (list, tuple)) else cell.state_size)
            shape = shape[:-1] + (size,)

    def call(self, inputs, states, training=False):
        new_states = []
        for cell, state in zip(self.cells, states):
            state = list(state) if isinstance(state, (list, tuple)) else [state]
            kwargs = {"training": training} if isinstance(cell, Layer) and cell._call_signature.training else {}
            inputs, new = cell(inputs, state, **kwargs)
            new_states.append(list(new) if isinstance(new, (list, tuple)) else [new])
        return inputs, new_states

    def get_config(self):
        from ...saving import keras_config

        config = super().get_config()
        config["cells"] = [keras_config.serialize_layer(c) for c in self.cells]
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...saving import keras_config

        config = dict(config)
        config["cells"] = [keras_config.deserialize_layer(c, custom_objects) for c in config["cells"]]
        return cls(**config)

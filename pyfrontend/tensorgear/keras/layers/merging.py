"""Merging layers: Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot, and their functional forms (``layers.add([a, b])``, ...).

Each takes a list of tensors (the outputs of several layers in a functional
model). The element-wise ones broadcast as the ops do; the shapes must agree
up to broadcasting, else a ValueError names them.
"""

import functools

import tensorgear as tg

from .layer import Layer


def _shapes(inputs):
    return [tuple(x.shape) for x in inputs]


class _Merge(Layer):
    """Base of the merging layers: checks the list, then folds it."""

    _min_inputs = 2

    def _check_inputs(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list of inputs. "
                             f"Received: inputs={inputs!r} (not a list of tensors)")
        if len(inputs) < self._min_inputs:
            raise ValueError(f"A merge layer ({type(self).__name__}) should be called on a list of at least "
                             f"{self._min_inputs} inputs. Got {len(inputs)} inputs.")

    def call(self, inputs):
        self._check_inputs(inputs)
        try:
            return self._merge(list(inputs))
        except ValueError as exc:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): inputs have incompatible shapes "
                             f"{_shapes(inputs)}") from exc

    def _merge(self, inputs):
        raise NotImplementedError

    def compute_mask(self, inputs, mask=None):
        """Keras 3: a position is kept when any input keeps it (None unless every input has a mask)."""
        if mask is None:
            return None
        masks = _check_masks(inputs, mask)
        if any(m is None for m in masks):
            return None
        return functools.reduce(tg.logical_or, masks)


def _check_masks(inputs, mask):
    if not isinstance(mask, (list, tuple)):
        raise ValueError(f"`mask` should be a list. Received: mask={mask!r}")
    if not isinstance(inputs, (list, tuple)) or len(mask) != len(inputs):
        raise ValueError(f"The lists `inputs` and `mask` should have the same length. Received: "
                         f"{len(inputs) if isinstance(inputs, (list, tuple)) else inputs!r} inputs and "
                         f"{len(mask)} masks")
    return list(mask)


class Add(_Merge):
    """The element-wise sum of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(tg.add, inputs)


class Subtract(_Merge):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def _check_inputs(self, inputs):
        super()._check_inputs(inputs)
        if len(inputs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: {len(inputs)} inputs")

    def _merge(self, inputs):
        return tg.subtract(inputs[0], inputs[1])


class Multiply(_Merge):
    """The element-wise product of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(tg.multiply, inputs)


class Average(_Merge):
    """The element-wise mean of the inputs."""

    def _merge(self, inputs):
        return functools.reduce(tg.add, inputs) / float(len(inputs))


class Maximum(_Merge):
    def _merge(self, inputs):
        return functools.reduce(tg.maximum, inputs)


class Minimum(_Merge):
    def _merge(self, inputs):
        return functools.reduce(tg.minimum, inputs)


class Concatenate(_Merge):
    """Joins the inputs along `axis` (every other dimension must match)."""

    _min_inputs = 1

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, inputs):
        self._check_inputs(inputs)
        shapes = _shapes(inputs)
        rank = len(shapes[0])
        axis = self.axis + rank if self.axis < 0 else self.axis
        if any(len(s) != rank for s in shapes) or not 0 <= axis < rank or any(
                s[:axis] + s[axis + 1:] != shapes[0][:axis] + shapes[0][axis + 1:] for s in shapes):
            raise ValueError(
                "A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. "
                f"Received: input_shape={shapes}, axis={self.axis}")
        return tg.concat(list(inputs), axis=axis)

    def compute_mask(self, inputs, mask=None):
        """Keras 3: each input's mask widened to its shape (all true when it has none), joined
        along the axis, then any() over the last axis."""
        if mask is None:
            return None
        masks = _check_masks(inputs, mask)
        if all(m is None for m in masks):
            return None
        full = []
        for x, m in zip(inputs, masks):
            if m is None:
                m = tg.ones(tuple(x.shape), dtype=tg.bool)
            elif m.ndim < x.ndim:
                m = tg.broadcast_to(tg.expand_dims(m, -1), tuple(x.shape))
            full.append(m)
        return tg.reduce_any(tg.concat(full, axis=self.axis), axis=-1)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class Dot(_Merge):
    """The dot product of two batches of samples along `axes` (an int, or one
    axis per input; the batch axis 0 is never reduced), as Keras's batch_dot:
    two (batch, n) inputs give (batch, 1). With normalize=True the samples are
    L2-normalised along those axes first (cosine proximity)."""

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axes, int):
            axes = [axes, axes]
        axes = [int(a) for a in axes]
        if len(axes) != 2:
            raise ValueError(f"Dot: `axes` should be an int or a list of two ints. Received: axes={axes}")
        self.axes = axes
        self.normalize = bool(normalize)

    def _check_inputs(self, inputs):
        super()._check_inputs(inputs)
        if len(inputs) != 2:
            raise ValueError(f"A `Dot` layer should be called on exactly 2 inputs. Received: {len(inputs)} inputs")

    def compute_mask(self, inputs, mask=None):
        return None

    def call(self, inputs):
        self._check_inputs(inputs)
        x, y = inputs
        ax = [a % len(t.shape) for a, t in zip(self.axes, (x, y))]
        if 0 in ax or x.shape[ax[0]] != y.shape[ax[1]] or x.shape[0] != y.shape[0]:
            raise ValueError(f"Dot: incompatible input shapes {_shapes(inputs)} for axes {self.axes} "
                             f"(the batch axis 0 cannot be reduced)")
        if self.normalize:
            x, y = tg.math.l2_normalize(x, axis=ax[0]), tg.math.l2_normalize(y, axis=ax[1])
        return _batch_dot(x, y, ax[0], ax[1])

    def get_config(self):
        config = super().get_config()
        config.update({"axes": list(self.axes), "normalize": self.normalize})
        return config


def _batch_dot(x, y, ax, ay):
    """Per sample, the contraction of x's axis ax with y's axis ay; the rest of
    x's axes, then the rest of y's. Rank-2 inputs give (batch, 1)."""
    batch = x.shape[0]
    rest_x = [d for d in range(1, len(x.shape)) if d != ax]
    rest_y = [d for d in range(1, len(y.shape)) if d != ay]
    xs = tg.transpose(x, [0] + rest_x + [ax])
    ys = tg.transpose(y, [0, ay] + rest_y)
    k = x.shape[ax]
    out_x = [x.shape[d] for d in rest_x]
    out_y = [y.shape[d] for d in rest_y]
    m = 1
    for d in out_x:
        m *= d
    n = 1
    for d in out_y:
        n *= d
    out = tg.matmul(tg.reshape(xs, (batch, m, k)), tg.reshape(ys, (batch, k, n)))
    shape = (batch,) + tuple(out_x) + tuple(out_y)
    return tg.reshape(out, shape if len(shape) > 1 else (batch, 1))


def _functional(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = f"Functional form of `{cls.__name__}`: {cls.__name__}(**kwargs)(inputs)."
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
average = _functional(Average)
maximum = _functional(Maximum)
minimum = _functional(Minimum)


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional form of `Dot`."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)

"""Layers that pad, crop or upsample the spatial axes: ZeroPadding1D/2D,
Cropping1D/2D, UpSampling1D/2D (Keras 3's arguments; channels last unless
data_format="channels_first")."""

import tensorgear as tg

from .convolutional import _data_format
from .layer import Layer


def _pairs(value, rank, arg, layer, allow_zero=True):
    """An int, `rank` ints (symmetric) or `rank` pairs -> `rank` (before, after) pairs."""
    def check(v):
        if not isinstance(v, int) or isinstance(v, bool) or v < (0 if allow_zero else 1):
            raise ValueError(f"{layer}: `{arg}` must hold non-negative ints. Received: {arg}={value!r}")
        return v

    if isinstance(value, int) and not isinstance(value, bool):
        v = check(value)
        return ((v, v),) * rank
    items = tuple(value) if isinstance(value, (list, tuple)) else None
    if rank == 1 and items is not None and len(items) == 2 and all(isinstance(v, int) for v in items):
        return ((check(items[0]), check(items[1])),)
    if items is None or len(items) != rank:
        raise ValueError(f"{layer}: `{arg}` must be an int, a tuple of {rank} ints or a tuple of {rank} tuples of "
                         f"2 ints. Received: {arg}={value!r}")
    out = []
    for item in items:
        if isinstance(item, int):
            out.append((check(item), check(item)))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            out.append((check(item[0]), check(item[1])))
        else:
            raise ValueError(f"{layer}: `{arg}` must be an int, a tuple of {rank} ints or a tuple of {rank} tuples "
                             f"of 2 ints. Received: {arg}={value!r}")
    return tuple(out)


class _Spatial(Layer):
    """The spatial axes of a rank+2 input, from data_format (1-D layers: always channels last)."""

    rank = 2

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format, type(self).__name__)

    def _spatial_axes(self, ndim):
        if ndim != self.rank + 2:
            raise ValueError(f"Input 0 of layer '{self.name}' ({type(self).__name__}) is incompatible with the "
                             f"layer: expected ndim={self.rank + 2}, found ndim={ndim}")
        first = 1 if self.data_format == "channels_last" else 2
        return list(range(first, first + self.rank))

    def get_config(self):
        config = super().get_config()
        if self.rank == 2:
            config["data_format"] = self.data_format
        return config


class _ZeroPadding(_Spatial):
    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = _pairs(padding, self.rank, "padding", type(self).__name__)

    def call(self, inputs):
        pads = [[0, 0]] * inputs.ndim
        for axis, pair in zip(self._spatial_axes(inputs.ndim), self.padding):
            pads[axis] = list(pair)
        return tg.pad(inputs, pads)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(self._spatial_axes(len(shape)), self.padding):
            shape[axis] = None if shape[axis] is None else shape[axis] + a + b
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config["padding"] = self.padding[0] if self.rank == 1 else self.padding
        return config


class ZeroPadding2D(_ZeroPadding):
    """Zeros around each image: padding int, (h, w) or ((top, bottom), (left, right))."""

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format=data_format, **kwargs)


class ZeroPadding1D(_ZeroPadding):
    """Zeros at the start and end of each sequence: padding int or (left, right)."""

    rank = 1

    def __init__(self, padding=1, **kwargs):
        super().__init__(padding, **kwargs)


class _Cropping(_Spatial):
    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", type(self).__name__)

    def call(self, inputs):
        index = [slice(None)] * inputs.ndim
        for axis, (a, b) in zip(self._spatial_axes(inputs.ndim), self.cropping):
            n = inputs.shape[axis]
            if a + b >= n:
                raise ValueError(f"Layer '{self.name}' ({type(self).__name__}): cropping {self.cropping} leaves "
                                 f"nothing of an input of shape {tuple(inputs.shape)}")
            index[axis] = slice(a, n - b)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (a, b) in zip(self._spatial_axes(len(shape)), self.cropping):
            shape[axis] = None if shape[axis] is None else shape[axis] - a - b
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config["cropping"] = self.cropping[0] if self.rank == 1 else self.cropping
        return config


class Cropping2D(_Cropping):
    """Crops each image: cropping int, (h, w) or ((top, bottom), (left, right))."""

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format=data_format, **kwargs)


class Cropping1D(_Cropping):
    """Crops the start and end of each sequence: cropping int or (start, end)."""

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, **kwargs)


class UpSampling2D(_Spatial):
    """Repeats rows and columns `size` times ("nearest"), or resizes bilinearly
    to that size ("bilinear", tf.image.resize's half-pixel centres)."""

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        size = (size, size) if isinstance(size, int) else tuple(size)
        if len(size) != 2 or any(not isinstance(s, int) or s < 1 for s in size):
            raise ValueError(f"UpSampling2D: `size` must be an int or a tuple of 2 positive ints. "
                             f"Received: size={size!r}")
        self.size = size
        if interpolation not in ("nearest", "bilinear"):
            raise ValueError(f"UpSampling2D: `interpolation` must be 'nearest' or 'bilinear' (the methods "
                             f"tensorgear has). Received: interpolation={interpolation!r}")
        self.interpolation = interpolation

    def call(self, inputs):
        self._spatial_axes(inputs.ndim)
        x = inputs if self.data_format == "channels_last" else tg.transpose(inputs, [0, 2, 3, 1])
        if not x.dtype.is_floating:
            x = tg.cast(x, self.dtype)
        out = tg._C.resize(x, (x.shape[1] * self.size[0], x.shape[2] * self.size[1]), self.interpolation)
        return out if self.data_format == "channels_last" else tg.transpose(out, [0, 3, 1, 2])

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, s in zip(self._spatial_axes(len(shape)), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * s
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"size": self.size, "interpolation": self.interpolation})
        return config


class UpSampling1D(Layer):
    """Repeats each step of a (batch, steps, features) sequence `size` times."""

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"UpSampling1D: `size` must be a positive int. Received: size={size!r}")
        self.size = size

    def call(self, inputs):
        if inputs.ndim != 3:
            raise ValueError(f"Input 0 of layer '{self.name}' (UpSampling1D) is incompatible with the layer: "
                             f"expected ndim=3, found ndim={inputs.ndim}")
        n, steps, features = inputs.shape
        tiled = tg.tile(tg.expand_dims(inputs, 2), [1, 1, self.size, 1])
        return tg.reshape(tiled, (n, steps * self.size, features))

    def compute_output_shape(self, input_shape):
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else steps * self.size, input_shape[2])

    def get_config(self):
        config = super().get_config()
        config["size"] = self.size
        return config

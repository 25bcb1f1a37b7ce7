"""Image preprocessing layers (Keras 3's arguments and defaults): Resizing and
CenterCrop, and the augmentations RandomFlip, RandomRotation, RandomZoom,
RandomTranslation and RandomContrast.

The augmentations act when `training` is true, which is the default of
their call as in Keras 3 (so `layer(images)` augments; fit passes True,
evaluate and predict pass False). Their randomness comes from tg.random with
the layer's `seed` as the op seed: a seeded layer repeats its sequence of
draws after tg.random.set_seed / keras.utils.set_random_seed. The geometric
ones draw one projective transform per image and sample through
tg.image.transform (one kernel per device, with its gradient).

Images are (batch, height, width, channels), or one (height, width,
channels) image, channels last unless data_format="channels_first"; the
output is in the layer's float dtype.
"""

import math

import tensorgear as tg

from .convolutional import _data_format
from .layer import Layer

_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("bilinear", "nearest")


class _ImageLayer(Layer):
    """Images to (float NHWC batch, how to undo that) and back."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format, type(self).__name__)

    def _to_nhwc(self, inputs):
        x = inputs if inputs.dtype == tg.as_dtype(self.dtype) else tg.cast(inputs, self.dtype)
        if x.ndim not in (3, 4):
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) expects images of rank 3 or 4, got shape "
                             f"{tuple(inputs.shape)}")
        single = x.ndim == 3
        if single:
            x = tg.expand_dims(x, 0)
        if self.data_format == "channels_first":
            x = tg.transpose(x, [0, 2, 3, 1])
        return x, single

    def _from_nhwc(self, x, single):
        if self.data_format == "channels_first":
            x = tg.transpose(x, [0, 3, 1, 2])
        return tg.squeeze(x, 0) if single else x

    def _hw_axes(self, ndim):
        first = ndim - 3 if self.data_format == "channels_last" else ndim - 2
        return first, first + 1

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


def _target(value, arg, layer):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{layer}: `{arg}` must be a positive int. Received: {arg}={value!r}")
    return value


def _choice(value, allowed, arg, layer):
    v = str(value).lower()
    if v not in allowed:
        raise ValueError(f"{layer}: `{arg}` must be one of {allowed}. Received: {arg}={value!r}")
    return v


class Resizing(_ImageLayer):
    """Resizes images to (height, width); crop_to_aspect_ratio first crops the
    largest centred window of the target's aspect ratio, pad_to_aspect_ratio
    pads with fill_value to it instead."""

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = _target(height, "height", "Resizing")
        self.width = _target(width, "width", "Resizing")
        self.interpolation = _choice(interpolation, _INTERPOLATIONS, "interpolation", "Resizing")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: only one of `crop_to_aspect_ratio` and `pad_to_aspect_ratio` can be True")
        if str(fill_mode).lower() != "constant":
            raise ValueError(f"Resizing: `fill_mode` must be 'constant'. Received: fill_mode={fill_mode!r}")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = "constant"
        self.fill_value = float(fill_value)

    def call(self, inputs):
        x, single = self._to_nhwc(inputs)
        h, w = x.shape[1], x.shape[2]
        if self.crop_to_aspect_ratio:
            ch = max(min(h, int(w * self.height / self.width)), 1)
            cw = max(min(w, int(h * self.width / self.height)), 1)
            top, left = (h - ch) // 2, (w - cw) // 2
            x = x[:, top:top + ch, left:left + cw, :]
        elif self.pad_to_aspect_ratio:
            ph = max(h, int(w * self.height / self.width))
            pw = max(w, int(h * self.width / self.height))
            # Keras pads (size difference) // 2 on each side: an odd difference loses one row
            top, left = (ph - h) // 2, (pw - w) // 2
            x = tg.pad(x, [[0, 0], [top, top], [left, left], [0, 0]], constant_values=self.fill_value)
        if (x.shape[1], x.shape[2]) != (self.height, self.width):
            x = tg._C.resize(x, (self.height, self.width), self.interpolation)
        return self._from_nhwc(x, single)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        hi, wi = self._hw_axes(len(shape))
        shape[hi], shape[wi] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width, "interpolation": self.interpolation,
                       "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                       "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                       "fill_value": self.fill_value})
        return config


class CenterCrop(_ImageLayer):
    """The centred (height, width) window of each image; an image smaller than
    that is resized up to it (bilinear, cropped to the target's aspect ratio)."""

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = _target(height, "height", "CenterCrop")
        self.width = _target(width, "width", "CenterCrop")

    def call(self, inputs):
        x, single = self._to_nhwc(inputs)
        h, w = x.shape[1], x.shape[2]
        if h >= self.height and w >= self.width:
            top, left = (h - self.height) // 2, (w - self.width) // 2
            x = x[:, top:top + self.height, left:left + self.width, :]
        else:
            x = Resizing(self.height, self.width, crop_to_aspect_ratio=True, dtype=self.dtype)(x)
        return self._from_nhwc(x, single)

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self):
        config = super().get_config()
        config.update({"height": self.height, "width": self.width})
        return config


def _range(factor, arg, layer, symmetric_around=0.0, lowest=None):
    """A factor float f -> (-f, f) around symmetric_around, or a (lower, upper) pair."""
    if isinstance(factor, (int, float)) and not isinstance(factor, bool):
        lower, upper = -abs(factor), abs(factor)
    elif isinstance(factor, (list, tuple)) and len(factor) == 2:
        lower, upper = float(factor[0]), float(factor[1])
    else:
        raise ValueError(f"{layer}: `{arg}` must be a float or a tuple of 2 floats. Received: {arg}={factor!r}")
    if lower > upper:
        raise ValueError(f"{layer}: `{arg}` must have lower <= upper. Received: {arg}={factor!r}")
    if lowest is not None and lower < lowest:
        raise ValueError(f"{layer}: `{arg}` must be >= {lowest}. Received: {arg}={factor!r}")
    return float(lower) + symmetric_around, float(upper) + symmetric_around


class _RandomLayer(_ImageLayer):
    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError(f"{type(self).__name__}: `seed` must be an int or None. Received: seed={seed!r}")
        self.seed = seed

    def _uniform(self, n, lower, upper):
        if lower == upper:
            return tg.ones([n], dtype=tg.float64) * lower
        return tg.random.uniform([n], minval=lower, maxval=upper, dtype=tg.float64, seed=self.seed)

    def call(self, inputs, training=True):
        if not training:
            return inputs if inputs.dtype == tg.as_dtype(self.dtype) else tg.cast(inputs, self.dtype)
        x, single = self._to_nhwc(inputs)
        return self._from_nhwc(self._augment(x), single)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["seed"] = self.seed
        return config


class RandomFlip(_RandomLayer):
    """Flips each image left-right and/or up-down, each with probability 1/2."""

    _MODES = ("horizontal", "vertical", "horizontal_and_vertical")

    def __init__(self, mode="horizontal_and_vertical", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = _choice(mode, self._MODES, "mode", "RandomFlip")

    def _augment(self, x):
        n = x.shape[0]
        for axis, on in ((2, "horizontal" in self.mode), (1, "vertical" in self.mode)):
            if on:
                flip = tg.reshape(tg.random.uniform([n], dtype=tg.float32, seed=self.seed) < 0.5, (n, 1, 1, 1))
                x = tg.where(flip, tg.reverse(x, [axis]), x)
        return x

    def get_config(self):
        config = super().get_config()
        config["mode"] = self.mode
        return config


class _RandomTransform(_RandomLayer):
    """A projective transform per image, sampled with fill_mode / interpolation."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, data_format=None,
                 **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        name = type(self).__name__
        self.fill_mode = _choice(fill_mode, _FILL_MODES, "fill_mode", name)
        self.interpolation = _choice(interpolation, _INTERPOLATIONS, "interpolation", name)
        self.fill_value = float(fill_value)

    def _augment(self, x):
        n, h, w = x.shape[0], x.shape[1], x.shape[2]
        transforms = self._transforms(n, float(h), float(w))
        return tg.image.transform(x, transforms, interpolation=self.interpolation, fill_mode=self.fill_mode,
                                  fill_value=self.fill_value)

    def get_config(self):
        config = super().get_config()
        config.update({"fill_mode": self.fill_mode, "interpolation": self.interpolation,
                       "fill_value": self.fill_value})
        return config


def _rows(*columns):
    """[n, 8] transforms from 8 columns (each [n] float64 tensors or numbers)."""
    n = next(c.shape[0] for c in columns if hasattr(c, "shape"))
    cols = [c if hasattr(c, "shape") else tg.ones([n], dtype=tg.float64) * float(c) for c in columns]
    return tg.stack(cols, axis=1)


class RandomRotation(_RandomTransform):
    """Rotates each image about its centre by a random angle: `factor` is a
    fraction of a full turn, a float f for [-f, f] or a (lower, upper) pair
    (positive: counter-clockwise)."""

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.factor = factor
        self._lower, self._upper = _range(factor, "factor", "RandomRotation")

    def _transforms(self, n, h, w):
        angle = self._uniform(n, self._lower * 2 * math.pi, self._upper * 2 * math.pi)
        cos, sin = tg.cos(angle), tg.sin(angle)
        x_offset = ((w - 1) - (cos * (w - 1) - sin * (h - 1))) / 2.0
        y_offset = ((h - 1) - (sin * (w - 1) + cos * (h - 1))) / 2.0
        return _rows(cos, -sin, x_offset, sin, cos, y_offset, 0.0, 0.0)

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class RandomZoom(_RandomTransform):
    """Zooms each image about its centre: height_factor f draws a zoom in
    [1 - f, 1 + f] of the height (negative values zoom in, positive out);
    width_factor likewise, or None to keep the aspect ratio."""

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height = _range(height_factor, "height_factor", "RandomZoom", 1.0, lowest=-1.0)
        self._width = None if width_factor is None else _range(width_factor, "width_factor", "RandomZoom", 1.0,
                                                               lowest=-1.0)

    def _transforms(self, n, h, w):
        zoom_h = self._uniform(n, *self._height)
        zoom_w = zoom_h if self._width is None else self._uniform(n, *self._width)
        x_offset = (w - 1) / 2.0 * (1.0 - zoom_w)
        y_offset = (h - 1) / 2.0 * (1.0 - zoom_h)
        return _rows(zoom_w, 0.0, x_offset, 0.0, zoom_h, y_offset, 0.0, 0.0)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomTranslation(_RandomTransform):
    """Shifts each image by a random fraction of its height and width
    (height_factor, width_factor: a float f for [-f, f] or a pair)."""

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(fill_mode=fill_mode, interpolation=interpolation, seed=seed, fill_value=fill_value,
                         data_format=data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height = _range(height_factor, "height_factor", "RandomTranslation", lowest=-1.0)
        self._width = _range(width_factor, "width_factor", "RandomTranslation", lowest=-1.0)

    def _transforms(self, n, h, w):
        dy = self._uniform(n, *self._height) * h
        dx = self._uniform(n, *self._width) * w
        return _rows(1.0, 0.0, -dx, 0.0, 1.0, -dy, 0.0, 0.0)

    def get_config(self):
        config = super().get_config()
        config.update({"height_factor": self.height_factor, "width_factor": self.width_factor})
        return config


class RandomContrast(_RandomLayer):
    """(x - mean) * c + mean per image and channel (the mean over height and
    width), clipped to value_range. As Keras 3 computes it, a float factor f
    in [0, 1] draws c from [1, 1 + f], and a pair draws it from
    [1 - lower, 1 + upper] of the sorted pair."""

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        bad = ValueError(f"RandomContrast: `factor` must be a number in [0, 1] or a pair (lower, upper) with "
                         f"lower <= 1 and upper >= 0. Received: factor={factor!r}")
        if isinstance(factor, (int, float)) and not isinstance(factor, bool):
            if not 0 <= factor <= 1:
                raise bad
            lower, upper = 0.0, float(factor)
        elif isinstance(factor, (list, tuple)) and len(factor) == 2:
            if factor[0] > 1 or factor[1] < 0:
                raise bad
            lower, upper = sorted(float(f) for f in factor)
        else:
            raise bad
        self.factor = factor
        self._lower, self._upper = 1.0 - lower, 1.0 + upper
        if len(tuple(value_range)) != 2 or value_range[0] >= value_range[1]:
            raise ValueError(f"RandomContrast: `value_range` must be (low, high) with low < high. "
                             f"Received: value_range={value_range!r}")
        self.value_range = tuple(float(v) for v in value_range)

    def _augment(self, x):
        n = x.shape[0]
        c = tg.cast(tg.reshape(self._uniform(n, self._lower, self._upper), (n, 1, 1, 1)), x.dtype)
        y = tg.image.adjust_contrast(x, c)
        return tg.clip_by_value(y, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "value_range": list(self.value_range)})
        config.pop("data_format")
        return config

"""``tf.image``: resizing, flips, crops and colour adjustments of NHWC images.

Images are ``[batch, height, width, channels]`` or one ``[height, width,
channels]`` image, as in TensorFlow. ``resize`` and ``transform`` run the
engine's image_transform op (one sampling kernel per device, with its
gradient); the rest are compositions of the tensor ops.
"""

import numbers

from . import _C

_RESIZE_METHODS = {"bilinear": "bilinear", "nearest": "nearest", "nearest_neighbor": "nearest"}
_FILL_MODES = ("reflect", "wrap", "constant", "nearest")


class ResizeMethod:
    BILINEAR = "bilinear"
    NEAREST_NEIGHBOR = "nearest"
    BICUBIC = "bicubic"
    AREA = "area"
    LANCZOS3 = "lanczos3"
    LANCZOS5 = "lanczos5"
    GAUSSIAN = "gaussian"
    MITCHELLCUBIC = "mitchellcubic"


def _batched(images, op):
    """(a rank-4 tensor, whether the input was one rank-3 image)."""
    images = _C.convert_to_tensor(images)
    if images.ndim == 3:
        return _C.expand_dims(images, 0), True
    if images.ndim != 4:
        raise ValueError(f"{op}: images must have rank 3 [height, width, channels] or 4 [batch, height, width, "
                         f"channels], got shape {tuple(images.shape)}")
    return images, False


def _unbatched(images, single):
    return _C.squeeze(images, 0) if single else images


def _size_pair(size, op, what="size"):
    if hasattr(size, "numpy"):
        size = size.numpy().tolist()
    try:
        h, w = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ValueError(f"{op}: {what} must be two ints (height, width), got {size!r}") from None
    if h < 1 or w < 1:
        raise ValueError(f"{op}: {what} must be positive, got ({h}, {w})")
    return h, w


def _sampled(images, run):
    """run(float images) over images of any numeric dtype: integers are sampled
    exactly in float64 and come back in their dtype (nearest) or as float32."""
    if images.dtype.is_floating:
        return run(images), True
    return run(_C.cast(images, _C.float64)), False


def resize(images, size, method=ResizeMethod.BILINEAR, preserve_aspect_ratio=False, antialias=False, name=None):
    """tf.image.resize: half-pixel centres; "bilinear" or "nearest".

    As in TensorFlow, the result is float32 unless the method is "nearest",
    which keeps the images' dtype.
    """
    key = str(method).lower()
    if key not in _RESIZE_METHODS:
        raise ValueError(f"resize: method must be 'bilinear' or 'nearest' (the methods tensorgear has), got "
                         f"{method!r}")
    if antialias and key == "bilinear":
        raise ValueError("resize: antialias=True is not supported (tensorgear resizes without an antialiasing "
                         "filter)")
    how = _RESIZE_METHODS[key]
    x, single = _batched(images, "resize")
    h, w = _size_pair(size, "resize")
    if preserve_aspect_ratio:
        scale = min(h / x.shape[1], w / x.shape[2])
        h, w = max(1, int(round(x.shape[1] * scale))), max(1, int(round(x.shape[2] * scale)))
    out, _ = _sampled(x, lambda f: _C.resize(f, (h, w), how))
    out = _C.cast(out, x.dtype if how == "nearest" else _C.float32)
    return _unbatched(out, single)


def transform(images, transforms, interpolation="nearest", output_shape=None, fill_mode="constant",
              fill_value=0.0, name=None):
    """Projective transforms of images (TensorFlow's ImageProjectiveTransformV3).

    transforms: [8] or [batch, 8]; row [a0, a1, a2, b0, b1, b2, c0, c1] maps
    output point (x, y) to input point ((a0 x + a1 y + a2) / k,
    (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1. fill_mode "reflect",
    "wrap", "constant" (fill_value) or "nearest" says what lies outside.
    """
    x, single = _batched(images, "transform")
    is_data = not hasattr(transforms, "device")
    t = _C.convert_to_tensor(transforms)
    if is_data and t.device != x.device:  # Python data goes where the images are
        t = t.to(x.device)
    if not t.dtype.is_floating:
        t = _C.cast(t, _C.float64)
    if t.ndim == 1:
        t = _C.expand_dims(t, 0)
    if str(fill_mode).lower() not in _FILL_MODES:
        raise ValueError(f"transform: fill_mode must be one of {_FILL_MODES}, got {fill_mode!r}")
    if not isinstance(fill_value, numbers.Real):
        raise TypeError(f"transform: fill_value must be a number, got {type(fill_value).__name__}")
    size = (x.shape[1], x.shape[2]) if output_shape is None else _size_pair(output_shape, "transform",
                                                                            "output_shape")
    out, was_float = _sampled(x, lambda f: _C.image_transform(f, t, size, interpolation, fill_mode,
                                                              float(fill_value)))
    if not was_float:
        out = _C.cast(out, x.dtype if str(interpolation).lower() == "nearest" else _C.float32)
    return _unbatched(out, single)


def flip_left_right(image):
    x = _C.convert_to_tensor(image)
    if x.ndim not in (3, 4):
        raise ValueError(f"flip_left_right: image must have rank 3 or 4, got shape {tuple(x.shape)}")
    return _C.reverse(x, [x.ndim - 2])


def flip_up_down(image):
    x = _C.convert_to_tensor(image)
    if x.ndim not in (3, 4):
        raise ValueError(f"flip_up_down: image must have rank 3 or 4, got shape {tuple(x.shape)}")
    return _C.reverse(x, [x.ndim - 3])


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    x, single = _batched(image, "crop_to_bounding_box")
    _, h, w, _ = x.shape
    if offset_height < 0 or offset_width < 0 or target_height < 1 or target_width < 1 or \
            offset_height + target_height > h or offset_width + target_width > w:
        raise ValueError(f"crop_to_bounding_box: the box at ({offset_height}, {offset_width}) of size "
                         f"({target_height}, {target_width}) does not fit an image of size ({h}, {w})")
    out = x[:, offset_height:offset_height + target_height, offset_width:offset_width + target_width, :]
    return _unbatched(out, single)


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    x, single = _batched(image, "pad_to_bounding_box")
    _, h, w, _ = x.shape
    after_h, after_w = target_height - offset_height - h, target_width - offset_width - w
    if offset_height < 0 or offset_width < 0 or after_h < 0 or after_w < 0:
        raise ValueError(f"pad_to_bounding_box: an image of size ({h}, {w}) at ({offset_height}, {offset_width}) "
                         f"does not fit the target size ({target_height}, {target_width})")
    out = _C.pad(x, [[0, 0], [offset_height, after_h], [offset_width, after_w], [0, 0]])
    return _unbatched(out, single)


def resize_with_crop_or_pad(image, target_height, target_width):
    """Centres the image in the target size, cropping or zero-padding each axis."""
    x, single = _batched(image, "resize_with_crop_or_pad")
    _, h, w, _ = x.shape
    if target_height < 1 or target_width < 1:
        raise ValueError(f"resize_with_crop_or_pad: the target size must be positive, got "
                         f"({target_height}, {target_width})")
    crop_h, crop_w = max(h - target_height, 0), max(w - target_width, 0)
    x = crop_to_bounding_box(x, crop_h // 2, crop_w // 2, min(h, target_height), min(w, target_width))
    pad_h, pad_w = max(target_height - h, 0), max(target_width - w, 0)
    x = pad_to_bounding_box(x, pad_h // 2, pad_w // 2, target_height, target_width)
    return _unbatched(x, single)


def central_crop(image, central_fraction):
    if not 0.0 < central_fraction <= 1.0:
        raise ValueError(f"central_crop: central_fraction must be in (0, 1], got {central_fraction}")
    x, single = _batched(image, "central_crop")
    _, h, w, _ = x.shape
    # TensorFlow's offsets: int((size - size * fraction) / 2) from each side
    top, left = int((h - h * central_fraction) / 2), int((w - w * central_fraction) / 2)
    out = x[:, top:h - top, left:w - left, :]
    return _unbatched(out, single)


def _scalar_like(value, x):
    """A Python number or tensor at x's dtype (a number converts at that precision)."""
    return _C._operand(value, dtype=x.dtype)  # Python data joins x's device


def adjust_brightness(image, delta):
    x = _C.convert_to_tensor(image)
    return _C.add(x, _scalar_like(delta, x))


def adjust_contrast(images, contrast_factor):
    """(x - mean) * factor + mean, the mean over each image's height and width per channel."""
    x = _C.convert_to_tensor(images)
    if x.ndim < 3:
        raise ValueError(f"adjust_contrast: images must have rank >= 3, got shape {tuple(x.shape)}")
    mean = _C.reduce_mean(x, axis=[x.ndim - 3, x.ndim - 2], keepdims=True)
    factor = _scalar_like(contrast_factor, x)
    return _C.add(_C.multiply(_C.subtract(x, mean), factor), mean)


def rgb_to_grayscale(images):
    x = _C.convert_to_tensor(images)
    if x.ndim < 1 or x.shape[-1] != 3:
        raise ValueError(f"rgb_to_grayscale: the last axis must hold 3 channels, got shape {tuple(x.shape)}")
    weights = _C.constant([0.2989, 0.5870, 0.1140], dtype=x.dtype if x.dtype.is_floating else _C.float32)
    gray = _C.reduce_sum(_C.multiply(_C.cast(x, weights.dtype), weights), axis=-1, keepdims=True)
    return gray if x.dtype.is_floating else _C.cast(gray, x.dtype)


def per_image_standardization(image):
    """(x - mean) / max(stddev, 1 / sqrt(N)) over each image's height, width and channels."""
    x = _C.convert_to_tensor(image)
    if x.ndim < 3:
        raise ValueError(f"per_image_standardization: image must have rank >= 3, got shape {tuple(x.shape)}")
    if not x.dtype.is_floating:
        x = _C.cast(x, _C.float32)
    axes = [x.ndim - 3, x.ndim - 2, x.ndim - 1]
    n = x.shape[-3] * x.shape[-2] * x.shape[-1]
    mean = _C.reduce_mean(x, axis=axes, keepdims=True)
    std = _C.reduce_std(x, axis=axes, keepdims=True)
    floor = _scalar_like(1.0 / max(n, 1) ** 0.5, x)
    return _C.divide(_C.subtract(x, mean), _C.maximum(std, floor))


# ---- random augmentations (TensorFlow's tf.image.random_*; the draws are tg.random's) -------

def _coin_per_image(x, seed):
    """A bool per image of a batch (or one for a single image), true with probability 1/2."""
    n = x.shape[0] if x.ndim == 4 else 1
    heads = _C.random_uniform([n], seed=seed) < 0.5
    return _C.reshape(heads, [n, 1, 1, 1] if x.ndim == 4 else [1, 1, 1])


def random_flip_left_right(image, seed=None):
    """Flips each image left to right with probability 1/2."""
    x = _C.convert_to_tensor(image)
    flipped = flip_left_right(x)
    return _C.where(_coin_per_image(x, seed), flipped, x)


def random_flip_up_down(image, seed=None):
    """Flips each image upside down with probability 1/2."""
    x = _C.convert_to_tensor(image)
    flipped = flip_up_down(x)
    return _C.where(_coin_per_image(x, seed), flipped, x)


def random_brightness(image, max_delta, seed=None):
    """adjust_brightness by one delta drawn uniformly from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError(f"random_brightness: max_delta must be non-negative, got {max_delta}")
    delta = float(_C.random_uniform([], -max_delta, max_delta, dtype=_C.float64, seed=seed))
    return adjust_brightness(image, delta)


def random_contrast(image, lower, upper, seed=None):
    """adjust_contrast by one factor drawn uniformly from [lower, upper)."""
    if upper <= lower:
        raise ValueError(f"random_contrast: upper must be > lower, got lower={lower}, upper={upper}")
    if lower < 0:
        raise ValueError(f"random_contrast: lower must be non-negative, got {lower}")
    factor = float(_C.random_uniform([], lower, upper, dtype=_C.float64, seed=seed))
    return adjust_contrast(image, factor)


def random_crop(value, size, seed=None, name=None):
    """A slice of `size` at a uniformly drawn offset (every dim of size must fit value's)."""
    x = _C.convert_to_tensor(value)
    size = [int(s) for s in (size.numpy() if hasattr(size, "numpy") else size)]
    shape = [int(d) for d in x.shape]
    if len(size) != len(shape) or any(s < 0 or s > d for s, d in zip(size, shape)):
        raise ValueError(f"random_crop: size {size} does not fit a value of shape {tuple(shape)}")
    limits = [d - s + 1 for d, s in zip(shape, size)]
    draws = _C.random_uniform([len(shape)], 0, 2 ** 31 - 1, dtype=_C.int64, seed=seed).numpy()
    offsets = [int(d % lim) for d, lim in zip(draws, limits)]
    return _C.slice(x, offsets, size)


# ---- dtype conversion and channels ------------------------------------------------------------

def _int_max(dtype):
    return {"uint8": 255, "int32": 2 ** 31 - 1, "int64": 2 ** 63 - 1}[dtype.name]


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """TensorFlow's conversion: integers map [0, MAX] to floats in [0, 1] and back (floats are
    scaled by MAX + 0.5 before the cast), integer dtypes rescale by their ranges, floats cast."""
    x = _C.convert_to_tensor(image)
    out = _C.as_dtype(dtype)
    src = x.dtype
    if src == out:
        return x
    if src.is_floating and out.is_floating:
        return _C.cast(x, out)
    if not src.is_floating and not out.is_floating:
        in_max, out_max = _int_max(src), _int_max(out)
        if in_max > out_max:
            return _C.cast(_C.floordiv(x, _C.constant((in_max + 1) // (out_max + 1), dtype=src)), out)
        return _C.multiply(_C.cast(x, out), _C.constant((out_max + 1) // (in_max + 1), dtype=out))
    if not src.is_floating:
        return _C.multiply(_C.cast(x, out), _C.constant(1.0 / _int_max(src), dtype=out))
    scaled = _C.multiply(x, _C.constant(_int_max(out) + 0.5, dtype=src))
    if saturate:
        scaled = _C.clip_by_value(scaled, 0.0, float(_int_max(out)))
    return _C.cast(scaled, out)


def grayscale_to_rgb(images, name=None):
    """Repeats the single channel three times."""
    x = _C.convert_to_tensor(images)
    if x.ndim < 1 or x.shape[-1] != 1:
        raise ValueError(f"grayscale_to_rgb: the last axis must hold 1 channel, got shape {tuple(x.shape)}")
    return _C.concat([x, x, x], axis=-1)


def rot90(image, k=1, name=None):
    """Rotates each image counter-clockwise by k quarter turns."""
    x = _C.convert_to_tensor(image)
    if x.ndim not in (3, 4):
        raise ValueError(f"rot90: image must have rank 3 or 4, got shape {tuple(x.shape)}")
    h, w = x.ndim - 3, x.ndim - 2
    perm = list(range(x.ndim))
    perm[h], perm[w] = perm[w], perm[h]
    k = int(k) % 4
    if k == 1:
        return _C.reverse(_C.transpose(x, perm), [h])
    if k == 2:
        return _C.reverse(x, [h, w])
    if k == 3:
        return _C.transpose(_C.reverse(x, [h]), perm)
    return x


def transpose(image, name=None):
    """Swaps the height and width axes."""
    x = _C.convert_to_tensor(image)
    if x.ndim not in (3, 4):
        raise ValueError(f"transpose: image must have rank 3 or 4, got shape {tuple(x.shape)}")
    perm = list(range(x.ndim))
    perm[x.ndim - 3], perm[x.ndim - 2] = perm[x.ndim - 2], perm[x.ndim - 3]
    return _C.transpose(x, perm)


def adjust_gamma(image, gamma=1, gain=1):
    """gain * x ** gamma (integer images are scaled to [0, 1] and back, as TensorFlow does)."""
    x = _C.convert_to_tensor(image)
    if gamma < 0:
        raise ValueError(f"adjust_gamma: gamma must be non-negative, got {gamma}")
    f = x if x.dtype.is_floating else convert_image_dtype(x, _C.float32)
    out = _C.multiply(_C.pow(f, _C.constant(float(gamma), dtype=f.dtype)), _C.constant(float(gain), dtype=f.dtype))
    return out if x.dtype.is_floating else convert_image_dtype(out, x.dtype, saturate=True)

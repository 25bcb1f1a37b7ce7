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

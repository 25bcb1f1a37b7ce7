"""tg.nn's normalization functions (TensorFlow's names), as compositions of
table ops, so they are differentiable to any order: moments,
batch_normalization, l2_normalize."""

from ._C import convert_to_tensor as _tensor
from ._C import reduce_mean, rsqrt, squeeze, stop_gradient, subtract
from .math import l2_normalize, squared_difference  # noqa: F401  (tf.nn.l2_normalize)


def moments(x, axes, shift=None, keepdims=False, name=None):
    """(mean, variance) of x over `axes`; the variance's gradient does not flow
    through the mean (TensorFlow's definition)."""
    x = _tensor(x)
    axes = [int(a) for a in ([axes] if isinstance(axes, int) else axes)]
    mean = reduce_mean(x, axis=axes, keepdims=True)
    variance = reduce_mean(squared_difference(x, stop_gradient(mean)), axis=axes, keepdims=True)
    if not keepdims:
        mean, variance = squeeze(mean, axes), squeeze(variance, axes)
    return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """(x - mean) * scale / sqrt(variance + epsilon) + offset (offset, scale may be None)."""
    inv = rsqrt(variance + variance_epsilon)
    if scale is not None:
        inv = inv * scale
    y = subtract(x, mean) * inv
    return y + offset if offset is not None else y

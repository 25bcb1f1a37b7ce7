"""tg.nn: activations and losses on logits (TensorFlow's tf.nn names).

All of them run as fused C++ kernels (one pass per row for softmax and the
softmax cross-entropies) with gradient rules that support higher order.

* ``sparse_softmax_cross_entropy_with_logits(labels, logits)``: integer class
  ids of shape ``logits.shape[:-1]``; an id outside ``[0, classes)`` raises
  IndexError naming it.
* ``softmax_cross_entropy_with_logits(labels, logits, axis=-1)``: a
  distribution per row; differentiable in both arguments (the gradient wrt
  logits is ``softmax * sum(labels) - labels``, exact when the labels do not
  sum to one). ``softmax_cross_entropy_with_logits_v2`` is the same function.
* ``sigmoid_cross_entropy_with_logits(labels, logits)``: element-wise
  ``max(x, 0) - x * z + log1p(exp(-|x|))``, stable for any x.
"""

from ._C import (  # noqa: F401
    relu, sigmoid, tanh, softplus,
    softmax, log_softmax,
    sparse_softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
    sigmoid_cross_entropy_with_logits,
)

from ._C import convert_to_tensor as _tensor, dropout_mask as _dropout_mask, multiply as _multiply
from ._C import erf as _erf

softmax_cross_entropy_with_logits_v2 = softmax_cross_entropy_with_logits


def dropout(x, rate, noise_shape=None, seed=None, name=None):
    """Zeroes each element with probability `rate`, scales the rest by 1/(1-rate).

    `noise_shape` (broadcastable to x's shape) shares one keep/drop decision
    along its size-1 axes, as in TensorFlow.
    """
    x = _tensor(x)
    if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be a float in [0, 1), got {rate!r}")
    if x.dtype not in ("float32", "float64"):
        raise TypeError(f"dropout: x must be a float tensor, got dtype {x.dtype}")
    if rate == 0:
        return x
    shape = tuple(x.shape)
    if noise_shape is not None:
        if len(tuple(noise_shape)) != x.ndim:
            raise ValueError(f"dropout: noise_shape {tuple(noise_shape)} must have rank {x.ndim} like x {shape}")
        shape = tuple(s if d is None else int(d) for d, s in zip(noise_shape, shape))
    return _multiply(x, _dropout_mask(shape, float(rate), x.dtype, seed))

def gelu(features, approximate=False, name=None):
    """x * Phi(x), Phi the standard normal CDF: 0.5 x (1 + erf(x / sqrt(2))); with
    approximate=True the tanh form 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    x = _tensor(features)
    if approximate:
        return 0.5 * x * (1.0 + tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1.0 + _erf(x * _RSQRT_2))


_SQRT_2_OVER_PI = 0.7978845608028654
_RSQRT_2 = 0.7071067811865476

__all__ = [
    "relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
    "sparse_softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2", "sigmoid_cross_entropy_with_logits", "dropout", "gelu",
]

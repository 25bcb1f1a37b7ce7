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

softmax_cross_entropy_with_logits_v2 = softmax_cross_entropy_with_logits

__all__ = [
    "relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
    "sparse_softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2", "sigmoid_cross_entropy_with_logits",
]

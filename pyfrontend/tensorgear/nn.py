"""tg.nn: activations and losses on logits (TensorFlow's tf.nn names)."""

from ._C import relu, sigmoid, tanh, softplus, softmax, log_softmax  # noqa: F401

"""``keras.activations``: activation functions, looked up by name with ``get``.

The common ones are the engine's own fused kernels (tg.nn.relu, softmax, ...);
the rest are short compositions of tensorgear ops.

``softmax`` and ``sigmoid`` leave the logits they were given on their output
(``output._keras_logits``), as Keras 3 does: a cross-entropy loss on
probabilities then computes from the logits instead, stable and fused.
"""

import tensorgear as tg

from ..utils.lookup import Lookup

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """max(x, 0), optionally leaky below `threshold`, capped at `max_value`."""
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return tg.nn.relu(x)
    if threshold != 0.0:
        out = tg.where(x > threshold, x, negative_slope * (x - threshold))
    elif negative_slope != 0.0:
        out = tg.where(x > 0, x, negative_slope * x)
    else:
        out = tg.nn.relu(x)
    if max_value is not None:
        out = tg.minimum(out, tg.cast(max_value, out.dtype))
    return out


def leaky_relu(x, negative_slope=0.2):
    return tg.where(x > 0, x, negative_slope * x)


def relu6(x):
    return tg.minimum(tg.nn.relu(x), tg.cast(6.0, x.dtype))


def sigmoid(x):
    output = tg.nn.sigmoid(x)
    output._keras_logits = x  # read by the binary cross-entropy (see losses/losses.py)
    return output


def hard_sigmoid(x):
    return tg.clip_by_value(x * (1.0 / 6.0) + 0.5, 0.0, 1.0)


def softmax(x, axis=-1):
    output = tg.nn.softmax(x, axis=axis)
    if axis == -1 or axis == output.ndim - 1:
        # The cross-entropies normalise over the last axis: they may use these logits.
        output._keras_logits = x
    return output


def log_softmax(x, axis=-1):
    return tg.nn.log_softmax(x, axis=axis)


def tanh(x):
    return tg.tanh(x)


def linear(x):
    return x


def exponential(x):
    return tg.exp(x)


def elu(x, alpha=1.0):
    return tg.where(x > 0, x, alpha * tg.math.expm1(tg.minimum(x, tg.cast(0.0, x.dtype))))


def selu(x):
    return _SELU_SCALE * elu(x, _SELU_ALPHA)


def softplus(x):
    return tg.nn.softplus(x)


def softsign(x):
    return x / (tg.abs(x) + 1.0)


def silu(x):
    return x * tg.nn.sigmoid(x)


swish = silu


def gelu(x, approximate=False):
    """x * Phi(x) (exact, through erf) or its tanh approximation: tf.nn.gelu."""
    return tg.nn.gelu(x, approximate=approximate)


def mish(x):
    return x * tg.tanh(tg.nn.softplus(x))


_LOOKUP = Lookup("activation function", {
    "relu": relu, "leaky_relu": leaky_relu, "relu6": relu6, "sigmoid": sigmoid,
    "hard_sigmoid": hard_sigmoid, "softmax": softmax, "log_softmax": log_softmax, "tanh": tanh,
    "linear": linear, "exponential": exponential, "elu": elu, "selu": selu, "softplus": softplus,
    "softsign": softsign, "silu": silu, "swish": swish, "gelu": gelu, "mish": mish,
}, default=linear, wrap=lambda fn: _KERAS_FOR_TG_NN.get(fn, fn))
get, serialize, deserialize = _LOOKUP.get, _LOOKUP.serialize, _LOOKUP.deserialize
# `Dense(10, activation=tf.nn.softmax)` is TF's classic spelling: it gets Keras's softmax,
# whose output carries its logits for the loss.
_KERAS_FOR_TG_NN = {tg.nn.softmax: softmax, tg.nn.sigmoid: sigmoid}

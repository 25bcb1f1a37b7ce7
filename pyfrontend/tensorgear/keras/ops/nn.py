"""keras.ops' neural-network functions (Keras 3's names and arguments) on tensorgear's tf.nn
ops and Keras losses."""

import tensorgear as tg

from .. import losses as _losses
from .core import convert_to_tensor as _t
from .symbolic import keras_op

_EPSILON = 1e-7  # Keras's backend epsilon, for the probability clips


def _activation(class_name, fn):
    @keras_op(class_name, ("x",), "keras.src.ops.nn")
    def op(x):
        x = _t(x)
        return fn(x if x.dtype.is_floating else tg.cast(x, "float32"))

    op.__name__ = op.__qualname__ = class_name.lower()
    return op


relu = _activation("Relu", tg.nn.relu)
relu6 = _activation("Relu6", lambda x: tg.clip_by_value(x, 0.0, 6.0))
sigmoid = _activation("Sigmoid", tg.sigmoid)
softplus = _activation("Softplus", tg.nn.softplus)
silu = swish = _activation("Silu", lambda x: x * tg.sigmoid(x))
tanh = _activation("Tanh", tg.tanh)
softsign = _activation("Softsign", lambda x: x / (tg.abs(x) + 1.0))
selu = _activation("Selu", lambda x: 1.0507009873554805 * tg.where(x > 0, x, 1.6732632423543772 *
                                                                    (tg.exp(tg.minimum(x, 0.0)) - 1.0)))


@keras_op("Gelu", ("x",), "keras.src.ops.nn")
def gelu(x, approximate=True):
    return tg.nn.gelu(_t(x), approximate=approximate)


@keras_op("Elu", ("x",), "keras.src.ops.nn")
def elu(x, alpha=1.0):
    x = _t(x)
    return tg.where(x > 0, x, alpha * (tg.exp(tg.minimum(x, 0.0)) - 1.0))


@keras_op("LeakyRelu", ("x",), "keras.src.ops.nn")
def leaky_relu(x, negative_slope=0.2):
    x = _t(x)
    return tg.where(x > 0, x, x * negative_slope)


@keras_op("Softmax", ("x",), "keras.src.ops.nn")
def softmax(x, axis=-1):
    return tg.nn.softmax(_t(x), axis=axis)


@keras_op("LogSoftmax", ("x",), "keras.src.ops.nn")
def log_softmax(x, axis=-1):
    return tg.nn.log_softmax(_t(x), axis=axis)


@keras_op("OneHot", ("x",), "keras.src.ops.nn")
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported")
    return tg.one_hot(tg.cast(_t(x), "int64"), num_classes, axis=axis, dtype=dtype or "float32")


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise binary cross-entropy (no reduction)."""
    t, o = _t(target), _t(output)
    t = tg.cast(t, o.dtype)
    if from_logits:
        return tg.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=o)
    o = tg.clip_by_value(o, _EPSILON, 1.0 - _EPSILON)
    return -(t * tg.math.log(o) + (1.0 - t) * tg.math.log(1.0 - o))


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy over `axis` of one-hot targets, one value per sample."""
    return _losses.categorical_crossentropy(_t(target), _t(output), from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Cross-entropy of integer targets, one value per sample."""
    return _losses.sparse_categorical_crossentropy(_t(target), _t(output), from_logits=from_logits, axis=axis)


def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) over axes."""
    x = _t(x)
    return tg.nn.moments(x if x.dtype.is_floating else tg.cast(x, "float32"), axes=axes, keepdims=keepdims)


def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, the 1-D statistics along `axis`."""
    x = _t(x)
    shape = [1] * x.ndim
    shape[axis] = int(x.shape[axis])

    def along(v):
        return None if v is None else tg.reshape(_t(v), shape)

    return tg.nn.batch_normalization(x, along(mean), along(variance), along(offset), along(scale), epsilon)


def _channels_last(x, data_format, spatial):
    if data_format in (None, "channels_last"):
        return x, lambda y: y
    if data_format != "channels_first":
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    to_last = [0] + list(range(2, 2 + spatial)) + [1]
    to_first = [0, spatial + 1] + list(range(1, spatial + 1))
    return tg.transpose(x, to_last), lambda y: tg.transpose(y, to_first)


def _padding(padding):
    p = str(padding).upper()
    if p not in ("VALID", "SAME"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return p


def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """1-D or 2-D convolution (inputs (batch, *spatial, channels) by default, kernel (*window, in,
    out))."""
    x = _t(inputs)
    spatial = x.ndim - 2
    x, back = _channels_last(x, data_format, spatial)
    k = _t(kernel)
    if spatial == 1:
        return back(tg.nn.conv1d(x, k, strides, _padding(padding), dilations=dilation_rate))
    if spatial == 2:
        return back(tg.nn.conv2d(x, k, strides, _padding(padding), dilations=dilation_rate))
    raise ValueError(f"conv: inputs must have rank 3 or 4 (1-D or 2-D convolution), got shape {tuple(x.shape)}")


def _pool(fn, inputs, pool_size, strides, padding, data_format):
    x = _t(inputs)
    spatial = x.ndim - 2
    x, back = _channels_last(x, data_format, spatial)
    return back(fn(x, pool_size, pool_size if strides is None else strides, _padding(padding)))


def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(tg.nn.max_pool, inputs, pool_size, strides, padding, data_format)


def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    return _pool(tg.nn.avg_pool, inputs, pool_size, strides, padding, data_format)

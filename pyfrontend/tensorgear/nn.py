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
* ``masked_softmax(logits, mask, axis=-1, all_masked="zeros")`` (not a
  TensorFlow name): softmax in one kernel giving no weight where ``mask``
  (broadcastable to the logits) is false, as Keras's Softmax layer (masked
  logits become -1e9, masked outputs 0). A row with no true entry gives
  zeros, or equal weights with ``all_masked="uniform"`` (Keras's
  ``dot_product_attention``). The attention layers use it.
* ``sigmoid_cross_entropy_with_logits(labels, logits)``: element-wise
  ``max(x, 0) - x * z + log1p(exp(-|x|))``, stable for any x.

Convolution and pooling (``conv2d``, ``convolution``, ``conv1d``,
``depthwise_conv2d``, ``conv2d_transpose``, ``max_pool2d``, ``avg_pool2d``,
``max_pool``, ``avg_pool`` and their 1-D forms) follow TensorFlow's
signatures: channels-last inputs (NHWC / NWC; NCHW / NCW are transposed in
and out), HWIO filters with ``in_channels = C / groups`` (so a filter with
fewer input channels than the input makes a grouped convolution, as in
TensorFlow), ``strides`` / ``dilations`` / ``ksize`` as an int or a list of
1, 2 (1 for 1-D) or 4 (3) ints, ``padding`` "VALID", "SAME" (TensorFlow's
rule) or explicit amounts per dimension. ``avg_pool`` leaves padding out of
each window's count; the gradient of ``max_pool`` goes to the first maximum
of each window, as TensorFlow's CPU kernel. They run as ops of the engine's
table (conv2d by im2col and GEMM), with gradients for inputs and filters.
"""

from ._C import (  # noqa: F401
    relu, sigmoid, tanh, softplus,
    softmax, log_softmax, masked_softmax,
    sparse_softmax_cross_entropy_with_logits,
    softmax_cross_entropy_with_logits,
    sigmoid_cross_entropy_with_logits,
)

from ._C import convert_to_tensor as _tensor, dropout_mask as _dropout_mask, multiply as _multiply
from ._C import erf as _erf
from ._C import (
    conv2d as _conv2d, conv2d_backprop_input as _conv2d_backprop_input, max_pool2d as _max_pool2d,
    avg_pool2d as _avg_pool2d, transpose as _transpose, expand_dims as _expand_dims, squeeze as _squeeze,
    reshape as _reshape,
)

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


# ---- convolution and pooling -------------------------------------------------------------

_CHANNELS_LAST = {1: "NWC", 2: "NHWC"}
_CHANNELS_FIRST = {1: "NCW", 2: "NCHW"}


def bias_add(value, bias, data_format=None, name=None):
    """value + bias along the channel axis (TensorFlow's tf.nn.bias_add): the last axis, or axis 1
    for a channels-first data_format ("NC..." such as "NCHW"); bias is 1-D, one value per channel."""
    x, b = _tensor(value), _tensor(bias)
    if b.ndim != 1:
        raise ValueError(f"bias_add: bias must be 1-D, got shape {tuple(b.shape)}")
    channels_first = data_format is not None and str(data_format).upper().startswith("NC")
    if data_format is not None and not channels_first and not str(data_format).upper().startswith("N"):
        raise ValueError(f"bias_add: data_format must start with 'N' ('NHWC', 'NCHW', ...), got {data_format!r}")
    if x.ndim < 2:  # TensorFlow's BiasAdd too
        raise ValueError(f"bias_add: value must be at least 2-D, got shape {tuple(x.shape)}")
    axis = 1 if channels_first else x.ndim - 1
    if x.shape[axis] != b.shape[0]:
        raise ValueError(f"bias_add: bias of shape {tuple(b.shape)} does not match the {x.shape[axis]} channels of "
                         f"value of shape {tuple(x.shape)} (axis {axis})")
    return x + (_reshape(b, [-1] + [1] * (x.ndim - 2)) if channels_first else b)


def _layout(data_format, rank, op):
    """True for channels-last, False for channels-first; ValueError otherwise."""
    if data_format is None or data_format == _CHANNELS_LAST[rank]:
        return True
    if data_format == _CHANNELS_FIRST[rank]:
        return False
    raise ValueError(f"{op}: data_format must be {_CHANNELS_LAST[rank]!r} or {_CHANNELS_FIRST[rank]!r}, "
                     f"got {data_format!r}")


def _spatial(value, rank, what, channels_last, op, default=None):
    """An int, or a list of 1, rank or rank + 2 ints (the batch and channel entries 1), as `rank` ints."""
    if value is None:
        if default is None:
            raise ValueError(f"{op}: {what} is required")
        value = default
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * rank
    try:
        v = [int(x) for x in value]
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int or a list of ints, got {value!r}") from None
    if len(v) == 1:
        return (v[0],) * rank
    if len(v) == rank:
        return tuple(v)
    if len(v) == rank + 2:
        outer = (v[0], v[-1]) if channels_last else (v[0], v[1])
        if outer != (1, 1):
            raise ValueError(f"{op}: {what} along the batch and channel dimensions must be 1, got {v}")
        return tuple(v[1:-1] if channels_last else v[2:])
    raise ValueError(f"{op}: {what} must be an int or a list of 1, {rank} or {rank + 2} ints, got {v}")


def _padding(padding, rank, channels_last, op):
    """"VALID" / "SAME", or explicit [[before, after], ...] over all rank + 2 dims -> a flat tuple for
    the spatial dims ((top, bottom, left, right) for 2-D)."""
    if isinstance(padding, str):
        if padding.upper() not in ("VALID", "SAME"):
            raise ValueError(f"{op}: padding must be 'VALID', 'SAME' or explicit amounts, got {padding!r}")
        return padding.upper()
    try:
        pairs = [tuple(int(x) for x in p) for p in padding]
    except TypeError:
        raise TypeError(f"{op}: padding must be 'VALID', 'SAME' or a list of [before, after] pairs, "
                        f"got {padding!r}") from None
    if len(pairs) != rank + 2 or any(len(p) != 2 for p in pairs):
        raise ValueError(f"{op}: explicit padding must be {rank + 2} [before, after] pairs, got {padding!r}")
    outer = [pairs[0], pairs[-1]] if channels_last else pairs[:2]
    if any(p != (0, 0) for p in outer):
        raise ValueError(f"{op}: explicit padding along the batch and channel dimensions must be 0, got {padding!r}")
    spatial = pairs[1:-1] if channels_last else pairs[2:]
    return tuple(x for p in spatial for x in p)


def _to_last(x, channels_last):
    return x if channels_last else _transpose(x, [0, 2, 3, 1])


def _from_last(y, channels_last):
    return y if channels_last else _transpose(y, [0, 3, 1, 2])


def _as_2d(value, rank):
    """A 1-D op's per-dim value as the 2-D op's, with a unit height in front."""
    if isinstance(value, str):
        return value
    if len(value) == 2 * rank:  # explicit (left, right)
        return (0, 0) + tuple(value)
    return (1,) + tuple(value)


def _check_rank(x, rank, op):
    if x.ndim != rank + 2:
        raise ValueError(f"{op}: expected an input of rank {rank + 2}, got shape {tuple(x.shape)}")


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None, name=None):
    """2-D convolution: input [N, H, W, C] (NHWC), filters [KH, KW, C / groups, O] -> [N, OH, OW, O]."""
    last = _layout(data_format, 2, "conv2d")
    x = _tensor(input)
    _check_rank(x, 2, "conv2d")
    s = _spatial(strides, 2, "strides", last, "conv2d")
    d = _spatial(dilations, 2, "dilations", last, "conv2d", default=1)
    p = _padding(padding, 2, last, "conv2d")
    return _from_last(_conv2d(_to_last(x, last), filters, s, p, d), last)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None, name=None):
    """1-D convolution: input [N, W, C] (NWC), filters [KW, C / groups, O] -> [N, OW, O]; conv2d with a unit height."""
    last = _layout(data_format, 1, "conv1d")
    x = _tensor(input)
    _check_rank(x, 1, "conv1d")
    w = _tensor(filters)
    if w.ndim != 3:
        raise ValueError(f"conv1d: filters must have rank 3 [width, in_channels, out_channels], got shape "
                         f"{tuple(w.shape)}")
    s = _as_2d(_spatial(stride, 1, "stride", last, "conv1d"), 1)
    d = _as_2d(_spatial(dilations, 1, "dilations", last, "conv1d", default=1), 1)
    p = _as_2d(_padding(padding, 1, last, "conv1d"), 1)
    x4 = _expand_dims(x if last else _transpose(x, [0, 2, 1]), 1)
    y = _squeeze(_conv2d(x4, _expand_dims(w, 0), s, p, d), [1])
    return y if last else _transpose(y, [0, 2, 1])


def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None, name=None):
    """conv1d or conv2d by the input's rank (3 or 4)."""
    x = _tensor(input)
    if x.ndim == 3:
        return conv1d(x, filters, 1 if strides is None else strides, padding,
                      data_format=data_format or "NWC", dilations=dilations)
    if x.ndim == 4:
        return conv2d(x, filters, 1 if strides is None else strides, padding,
                      data_format=data_format or "NHWC", dilations=dilations)
    if x.ndim == 5:
        raise NotImplementedError("convolution: 3-D convolution (a rank-5 input) is not supported yet")
    raise ValueError(f"convolution: expected an input of rank 3 or 4, got shape {tuple(x.shape)}")


def depthwise_conv2d(input, filter, strides, padding, data_format=None, dilations=None, name=None):
    """Each input channel convolved with its own `multiplier` filters: filter [KH, KW, C, multiplier] ->
    [N, OH, OW, C * multiplier], output channel c * multiplier + m (conv2d with C groups)."""
    last = _layout(data_format, 2, "depthwise_conv2d")
    w = _tensor(filter)
    if w.ndim != 4:
        raise ValueError(f"depthwise_conv2d: filter must have rank 4 [height, width, in_channels, multiplier], "
                         f"got shape {tuple(w.shape)}")
    kh, kw, c, m = w.shape
    return conv2d(input, _reshape(w, [kh, kw, 1, c * m]), strides, padding,
                  data_format="NHWC" if last else "NCHW", dilations=dilations)


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC", dilations=None,
                     name=None):
    """The gradient of conv2d with respect to its input: input [N, OH, OW, O], filters [KH, KW, C, O] (as the
    forward conv2d's), output_shape the forward's input shape [N, H, W, C]."""
    last = _layout(data_format, 2, "conv2d_transpose")
    x = _tensor(input)
    _check_rank(x, 2, "conv2d_transpose")
    shape = [int(v) for v in (output_shape.numpy() if hasattr(output_shape, "numpy") else output_shape)]
    if len(shape) != 4:
        raise ValueError(f"conv2d_transpose: output_shape must have 4 entries, got {shape}")
    if not last:
        shape = [shape[0], shape[2], shape[3], shape[1]]
    s = _spatial(strides, 2, "strides", last, "conv2d_transpose")
    d = _spatial(dilations, 2, "dilations", last, "conv2d_transpose", default=1)
    p = _padding(padding, 2, last, "conv2d_transpose")
    return _from_last(_conv2d_backprop_input(shape, filters, _to_last(x, last), s, p, d), last)


def _pool2d(fn, op, input, ksize, strides, padding, data_format):
    last = _layout(data_format, 2, op)
    x = _tensor(input)
    _check_rank(x, 2, op)
    k = _spatial(ksize, 2, "ksize", last, op)
    s = _spatial(strides, 2, "strides", last, op)
    p = _padding(padding, 2, last, op)
    return _from_last(fn(_to_last(x, last), k, s, p), last)


def _pool1d(fn, op, input, ksize, strides, padding, data_format):
    last = _layout(data_format, 1, op)
    x = _tensor(input)
    _check_rank(x, 1, op)
    k = _as_2d(_spatial(ksize, 1, "ksize", last, op), 1)
    s = _as_2d(_spatial(strides, 1, "strides", last, op), 1)
    p = _as_2d(_padding(padding, 1, last, op), 1)
    y = _squeeze(fn(_expand_dims(x if last else _transpose(x, [0, 2, 1]), 1), k, s, p), [1])
    return y if last else _transpose(y, [0, 2, 1])


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The maximum of each ksize window per channel: [N, H, W, C] -> [N, OH, OW, C]."""
    return _pool2d(_max_pool2d, "max_pool2d", input, ksize, strides, padding, data_format)


def avg_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """The mean of each ksize window per channel, padding left out of the count."""
    return _pool2d(_avg_pool2d, "avg_pool2d", input, ksize, strides, padding, data_format)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool1d(_max_pool2d, "max_pool1d", input, ksize, strides, padding, data_format)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    return _pool1d(_avg_pool2d, "avg_pool1d", input, ksize, strides, padding, data_format)


def _pool_by_rank(op, one, two, input, ksize, strides, padding, data_format):
    x = _tensor(input)
    if x.ndim == 3:
        return one(x, ksize, strides, padding, data_format=data_format or "NWC")
    if x.ndim == 4:
        return two(x, ksize, strides, padding, data_format=data_format or "NHWC")
    if x.ndim == 5:
        raise NotImplementedError(f"{op}: 3-D pooling (a rank-5 input) is not supported yet")
    raise ValueError(f"{op}: expected an input of rank 3 or 4, got shape {tuple(x.shape)}")


def max_pool(input, ksize, strides, padding, data_format=None, name=None):
    """max_pool1d or max_pool2d by the input's rank (3 or 4)."""
    return _pool_by_rank("max_pool", max_pool1d, max_pool2d, input, ksize, strides, padding, data_format)


def avg_pool(input, ksize, strides, padding, data_format=None, name=None):
    """avg_pool1d or avg_pool2d by the input's rank (3 or 4)."""
    return _pool_by_rank("avg_pool", avg_pool1d, avg_pool2d, input, ksize, strides, padding, data_format)

__all__ = [
    "relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
    "sparse_softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
    "softmax_cross_entropy_with_logits_v2", "sigmoid_cross_entropy_with_logits", "dropout", "gelu",
    "conv2d", "conv1d", "convolution", "depthwise_conv2d", "conv2d_transpose", "max_pool2d", "avg_pool2d",
    "max_pool1d", "avg_pool1d", "max_pool", "avg_pool",
]

from .nn_normalization import batch_normalization, l2_normalize, moments  # noqa: E402,F401
from .math import top_k  # noqa: E402,F401  (tf.nn.top_k is tf.math.top_k)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, data_format=None,
                     dilations=None, name=None):
    """A depthwise conv2d (depthwise_filter [KH, KW, C, M]) followed by a 1x1 conv2d
    (pointwise_filter [1, 1, C * M, O]) at stride 1, as TensorFlow's."""
    pw = _tensor(pointwise_filter)
    if pw.ndim != 4 or pw.shape[0] != 1 or pw.shape[1] != 1:
        raise ValueError(f"separable_conv2d: pointwise_filter must have shape [1, 1, in, out], got {tuple(pw.shape)}")
    depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, data_format=data_format,
                                 dilations=dilations)
    fmt = "NCHW" if data_format in ("NCHW", "channels_first") else "NHWC"
    return conv2d(depthwise, pw, 1, "VALID", data_format=fmt)

"""Keras's losses, as per-sample functions and as Loss classes.

Cross-entropies on probabilities go through the engine's fused log-sum-exp
kernels: log(clip(p)) are logits of the normalized distribution p, so
softmax_cross_entropy_with_logits(labels, log(clip(p))) equals -sum(y log p)
with the clip Keras applies (epsilon 1e-7).

Probabilities made by keras.activations.softmax / sigmoid (a Dense or
Activation layer's, in any kind of model) carry the logits they came from as
``_keras_logits``, as in Keras 3; the cross-entropies then compute from those
logits: one fused, stable kernel, no clipping.
"""

import tensorgear as tg

from ..backend import epsilon
from ..backend.tensor_utils import dtype_name, is_float_dtype, to_tensor
from .loss import LossFunctionWrapper, prepare_targets, squeeze_or_expand_to_same_rank


def _clip_probs(p):
    eps = epsilon()
    return tg.clip_by_value(p, eps, 1.0 - eps)


def sparse_labels(y_true, y_pred):
    """Integer class ids shaped like y_pred without its class axis."""
    y_true = to_tensor(y_true)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = tg.reshape(y_true, tuple(y_true.shape)[:-1])
    if not dtype_name(y_true.dtype).startswith("int"):
        y_true = tg.cast(y_true, "int64")
    return y_true


# ---- regression ---------------------------------------------------------------------

def mean_squared_error(y_true, y_pred):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return tg.reduce_mean(tg.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return tg.reduce_mean(tg.abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    diff = tg.abs((y_true - y_pred) / tg.maximum(tg.abs(y_true), tg.constant(epsilon(), dtype=y_pred.dtype)))
    return 100.0 * tg.reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    eps = tg.constant(epsilon(), dtype=y_pred.dtype)
    first = tg.log(tg.maximum(y_pred, eps) + 1.0)
    second = tg.log(tg.maximum(y_true, eps) + 1.0)
    return tg.reduce_mean(tg.square(first - second), axis=-1)


def huber(y_true, y_pred, delta=1.0):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    error = y_pred - y_true
    abs_error = tg.abs(error)
    quadratic = 0.5 * tg.square(error)
    linear = delta * abs_error - 0.5 * delta * delta
    return tg.reduce_mean(tg.where(abs_error <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    x = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2), stable for large |x|
    return tg.reduce_mean(x + tg.nn.softplus(-2.0 * x) - 0.6931471805599453, axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_true = _l2_normalize(y_true, axis)
    y_pred = _l2_normalize(y_pred, axis)
    return -tg.reduce_sum(y_true * y_pred, axis=axis)


def _l2_normalize(x, axis):
    sq = tg.reduce_sum(tg.square(x), axis=axis, keepdims=True)
    return x * tg.math.rsqrt(tg.maximum(sq, tg.constant(1e-12, dtype=x.dtype)))


# ---- probabilistic ------------------------------------------------------------------

def _with_logits(y_pred, from_logits, axis=-1):
    """(the logits behind y_pred, True) when an activation left them on it, else as given."""
    if not from_logits and axis == -1:
        logits = getattr(y_pred, "_keras_logits", None)
        if logits is not None:
            return logits, True
    return y_pred, from_logits


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred, from_logits = _with_logits(y_pred, from_logits)
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        values = tg.nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=y_pred)
    else:
        p = _clip_probs(y_pred)
        values = -(y_true * tg.log(p) + (1.0 - y_true) * tg.log(1.0 - p))
    return tg.reduce_mean(values, axis=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    y_pred, from_logits = _with_logits(y_pred, from_logits, axis)
    y_true, y_pred = prepare_targets(y_true, y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(
            f"categorical_crossentropy: targets must be one-hot with the shape of the predictions; "
            f"got y_true shape {tuple(y_true.shape)} and y_pred shape {tuple(y_pred.shape)}. "
            f"For integer class ids use sparse_categorical_crossentropy.")
    if label_smoothing:
        n = float(y_pred.shape[axis])
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / n
    logits = y_pred if from_logits else tg.log(_clip_probs(y_pred))
    return tg.nn.softmax_cross_entropy_with_logits(labels=y_true, logits=logits, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    y_pred, from_logits = _with_logits(y_pred, from_logits, axis)
    if from_logits and ignore_class is None and type(y_true) is tg.Tensor and type(y_pred) is tg.Tensor \
            and y_true.ndim == 1 and y_pred.ndim == 2 and y_true.dtype == tg.int64:
        # the trainer's hot path: int64 class ids (the data adapter converts them) and a batch of logits
        return _checked_sparse_xent(y_true, y_pred)
    y_pred = to_tensor(y_pred)
    if not is_float_dtype(y_pred.dtype):
        y_pred = tg.cast(y_pred, "float32")
    labels = sparse_labels(y_true, y_pred)
    logits = y_pred if from_logits else tg.log(_clip_probs(y_pred))
    if ignore_class is None:
        return _sparse_softmax_xent(labels, logits)
    keep = tg.not_equal(labels, tg.constant(ignore_class, dtype=labels.dtype))
    safe = tg.where(keep, labels, tg.zeros_like(labels))
    values = _sparse_softmax_xent(safe, logits)
    return values * tg.cast(keep, values.dtype)


def _sparse_softmax_xent(labels, logits):
    lead = tuple(logits.shape)[:-1]
    if tuple(labels.shape) != lead:
        raise ValueError(
            f"sparse_categorical_crossentropy: labels of shape {tuple(labels.shape)} do not match "
            f"predictions of shape {tuple(logits.shape)} (expected labels of shape {lead})")
    return _checked_sparse_xent(labels, logits)


def _checked_sparse_xent(labels, logits):
    try:
        return tg.nn.sparse_softmax_cross_entropy_with_logits(labels, logits)
    except IndexError as exc:  # a label outside [0, classes): report it as bad input
        raise ValueError(f"sparse_categorical_crossentropy: {exc} (the model has {logits.shape[-1]} outputs, so "
                         f"labels must be integer class ids in [0, {logits.shape[-1]}))") from None


def kl_divergence(y_true, y_pred):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    eps = epsilon()
    y_true = tg.clip_by_value(y_true, eps, 1.0)
    y_pred = tg.clip_by_value(y_pred, eps, 1.0)
    return tg.reduce_sum(y_true * tg.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return tg.reduce_mean(y_pred - y_true * tg.log(y_pred + epsilon()), axis=-1)


def hinge(y_true, y_pred):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    # {0, 1} labels become {-1, 1}, as Keras does
    y_true = tg.where(tg.equal(y_true, 0.0), -tg.ones_like(y_true), y_true)
    return tg.reduce_mean(tg.nn.relu(1.0 - y_true * y_pred), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = prepare_targets(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    y_true = tg.where(tg.equal(y_true, 0.0), -tg.ones_like(y_true), y_true)
    return tg.reduce_mean(tg.square(tg.nn.relu(1.0 - y_true * y_pred)), axis=-1)


# ---- classes ------------------------------------------------------------------------

class MeanSquaredError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsoluteError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction=reduction, name=name, dtype=dtype)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction=reduction, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction=reduction, name=name, dtype=dtype)


class Huber(LossFunctionWrapper):
    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, reduction=reduction, name=name, dtype=dtype, delta=delta)
        self.delta = delta


class LogCosh(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction=reduction, name=name, dtype=dtype)


class CosineSimilarity(LossFunctionWrapper):
    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity", dtype=None):
        super().__init__(cosine_similarity, reduction=reduction, name=name, dtype=dtype, axis=axis)
        self.axis = axis


class KLDivergence(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction=reduction, name=name, dtype=dtype)


class Poisson(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction=reduction, name=name, dtype=dtype)


class Hinge(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction=reduction, name=name, dtype=dtype)


class SquaredHinge(LossFunctionWrapper):
    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction=reduction, name=name, dtype=dtype)


class BinaryCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class CategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits, self.label_smoothing, self.axis = from_logits, label_smoothing, axis


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction=reduction, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits, self.ignore_class = from_logits, ignore_class

    # the data adapter converts this loss's targets to int64 class ids once, up front
    is_sparse_categorical = True


# aliases (Keras names)
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
huber_loss = huber
logcosh = log_cosh

"""Accuracy metrics: Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy,
TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy (and their per-sample functions)."""

import tensorgear as tg

from ..backend import floatx
from ..backend.tensor_utils import dtype_name, is_float_dtype, to_tensor
from ..losses.loss import squeeze_or_expand_to_same_rank
from .reduction_metrics import MeanMetricWrapper


def _tensors(y_true, y_pred):
    return to_tensor(y_true), to_tensor(y_pred)


def accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred exactly (per element)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    if dtype_name(y_true.dtype) != dtype_name(y_pred.dtype):
        y_true = tg.cast(y_true, y_pred.dtype)
    return tg.cast(tg.equal(y_true, y_pred), floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_true, y_pred = _tensors(y_true, y_pred)
    if not is_float_dtype(y_pred.dtype):
        y_pred = tg.cast(y_pred, floatx())
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = tg.cast(tg.greater(y_pred, tg.constant(threshold, dtype=y_pred.dtype)), y_pred.dtype)
    if dtype_name(y_true.dtype) != dtype_name(y_pred.dtype):
        y_true = tg.cast(y_true, y_pred.dtype)
    return tg.cast(tg.equal(y_true, predicted), floatx())


def categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _tensors(y_true, y_pred)
    return tg.cast(tg.equal(tg.argmax(y_true, axis=-1), tg.argmax(y_pred, axis=-1)), floatx())


def _sparse_targets(y_true, y_pred):
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = tg.reshape(y_true, tuple(y_true.shape)[:-1])
    if dtype_name(y_true.dtype) != "int64":
        y_true = tg.cast(y_true, "int64")
    return y_true


def sparse_categorical_accuracy(y_true, y_pred):
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = _sparse_targets(y_true, y_pred)
    return tg.cast(tg.equal(y_true, tg.argmax(y_pred, axis=-1)), floatx())


def _in_top_k(target_scores, y_pred, k):
    """TensorFlow's in_top_k: fewer than k classes score strictly higher than the target."""
    higher = tg.reduce_sum(tg.cast(tg.greater(y_pred, target_scores), "int32"), axis=-1)
    return tg.cast(tg.less(higher, tg.constant(k, dtype="int32")), floatx())


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = _tensors(y_true, y_pred)
    if not is_float_dtype(y_pred.dtype):
        y_pred = tg.cast(y_pred, floatx())
    labels = tg.argmax(y_true, axis=-1)
    target = tg.reduce_sum(y_pred * tg.one_hot(labels, int(y_pred.shape[-1]), dtype=y_pred.dtype), axis=-1,
                           keepdims=True)
    return _in_top_k(target, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    y_true, y_pred = _tensors(y_true, y_pred)
    if not is_float_dtype(y_pred.dtype):
        y_pred = tg.cast(y_pred, floatx())
    labels = _sparse_targets(y_true, y_pred)
    target = tg.reduce_sum(y_pred * tg.one_hot(labels, int(y_pred.shape[-1]), dtype=y_pred.dtype), axis=-1,
                           keepdims=True)
    return _in_top_k(target, y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels exactly."""

    _direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches binary labels."""

    _direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches argmax of one-hot labels."""

    _direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches integer labels."""

    _direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    def _update_sparse_fast(self, labels, y_pred, batch_size):
        """The fit loop's path: labels already int64 of shape (batch,), no sample weights."""
        if labels.ndim != 1:
            return self.update_state(labels, y_pred)
        matches = tg.equal(labels, tg.argmax(y_pred, axis=-1))
        self.total.assign_add(tg.reduce_sum(tg.cast(matches, self._dtype)))
        self.count.assign_add(float(batch_size))


class TopKCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None):
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k

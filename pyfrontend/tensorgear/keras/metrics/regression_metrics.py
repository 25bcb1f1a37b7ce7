"""Regression and probabilistic metrics: the running mean of a loss function."""

import tensorgear as tg

from ..losses import losses as L
from .reduction_metrics import MeanMetricWrapper


class MeanSquaredError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(L.mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(L.mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(L.mean_absolute_percentage_error, name=name, dtype=dtype)


class RootMeanSquaredError(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(L.mean_squared_error, name=name, dtype=dtype)

    def result(self):
        return tg.sqrt(super().result())


class BinaryCrossentropy(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(L.binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False, label_smoothing=0,
                 axis=-1):
        super().__init__(L.categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False, axis=-1):
        super().__init__(L.sparse_categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         axis=axis)


class KLDivergence(MeanMetricWrapper):
    _direction = "down"

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(L.kl_divergence, name=name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    _direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        # the metric is +cosine (the loss is its negative)
        super().__init__(lambda yt, yp, axis=-1: -L.cosine_similarity(yt, yp, axis=axis), name=name, dtype=dtype,
                         axis=axis)

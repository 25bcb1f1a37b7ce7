"""Metrics that reduce values: Sum, Mean, and MeanMetricWrapper (the mean of fn(y_true, y_pred))."""

import tensorgear as tg

from ..backend.tensor_utils import is_float_dtype, to_tensor
from ..losses.loss import _broadcast_weights, apply_mask
from .metric import Metric, divide_no_nan


def _as_values(values, dtype):
    values = to_tensor(values)
    if values.dtype is not tg.as_dtype(dtype):  # dtypes are singletons: identity is the cheap test
        values = tg.cast(values, dtype)
    return values


def _numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class Sum(Metric):
    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")

    def update_state(self, values, sample_weight=None):
        values = _as_values(values, self._dtype)
        if sample_weight is not None:
            values = values * _broadcast_weights(sample_weight, values)
        self.total.assign_add(tg.reduce_sum(values))

    def result(self):
        return tg.identity(self.total)


class Mean(Metric):
    """The (weighted) mean of all values seen since the last reset."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, values, sample_weight=None):
        values = _as_values(values, self._dtype)
        if sample_weight is None:
            self.total.assign_add(tg.reduce_sum(values))
            self.count.assign_add(tg.constant(float(_numel(values.shape)), dtype=self._dtype))
            return
        sw = _broadcast_weights(sample_weight, values)
        sw = tg.broadcast_to(sw, tuple(values.shape))
        self.total.assign_add(tg.reduce_sum(values * sw))
        self.count.assign_add(tg.reduce_sum(sw))

    def result(self):
        return divide_no_nan(tg.identity(self.total), tg.identity(self.count))


class MeanMetricWrapper(Mean):
    """The running mean of fn(y_true, y_pred, **kwargs) over all samples seen."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "mean_metric_wrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:  # Keras 3: masked predictions do not count
            sample_weight = apply_mask(sample_weight, mask, values.dtype, "sum")
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update({k: v for k, v in self._fn_kwargs.items()})
        return config

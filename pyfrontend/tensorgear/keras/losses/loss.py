"""The Loss base class and Keras's reductions of per-sample losses to one number."""

import numpy as np

import tensorgear as tg

from ..backend.tensor_utils import dtype_name, is_float_dtype, to_tensor
from ..utils.naming import to_snake_case

REDUCTIONS = ("sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight")


def standardize_reduction(reduction):
    if reduction == "auto":  # Keras 2 spelling
        reduction = "sum_over_batch_size"
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`. Expected one of {list(REDUCTIONS)}. "
            f"Received: reduction={reduction!r}")
    return reduction


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rule for targets vs predictions whose ranks differ by one trailing 1."""
    r1, r2 = len(x1.shape), len(x2.shape)
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            return x1, tg.reshape(x2, tuple(x2.shape) + (1,))
        return tg.reshape(x1, tuple(x1.shape)[:-1]), x2
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            return tg.reshape(x1, tuple(x1.shape) + (1,)), x2
        return x1, tg.reshape(x2, tuple(x2.shape)[:-1])
    return x1, x2


def prepare_targets(y_true, y_pred):
    """Both as tensors, y_true cast to y_pred's float dtype (Keras does the same)."""
    y_pred = to_tensor(y_pred)
    if not is_float_dtype(y_pred.dtype):
        y_pred = tg.cast(y_pred, "float32")
    y_true = to_tensor(y_true)
    if dtype_name(y_true.dtype) != dtype_name(y_pred.dtype):
        y_true = tg.cast(y_true, y_pred.dtype)
    return y_true, y_pred


def _broadcast_weights(sample_weight, values):
    sw = to_tensor(sample_weight, values.dtype)
    rv, rs = len(values.shape), len(sw.shape)
    if rs > rv and sw.shape[-1] == 1:
        sw = tg.reshape(sw, tuple(sw.shape)[:-1])
        rs -= 1
    while rs < rv:
        sw = tg.reshape(sw, tuple(sw.shape) + (1,))
        rs += 1
    return sw


def apply_mask(sample_weight, mask, dtype, reduction):
    """Keras 3: the mask of y_pred as a sample weight. For the mean reductions the kept entries
    weigh total/kept, so the loss is the mean over the unmasked entries only."""
    keep = tg.cast(mask, dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        total = float(int(np.prod(tuple(mask.shape))))
        kept = tg.reduce_sum(keep)
        scale = tg.where(kept > 0, total / tg.maximum(kept, tg.ones_like(kept)), tg.zeros_like(kept))
        keep = keep * scale
    if sample_weight is None:
        return keep
    return _broadcast_weights(sample_weight, keep) * keep


def reduce_weighted_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Weights per-sample losses and reduces them as Keras's `reduction` says."""
    if sample_weight is None and reduction == "sum_over_batch_size":  # the common case, first
        return tg.reduce_mean(values) if values.ndim else values
    sw = None
    if sample_weight is not None:
        sw = _broadcast_weights(sample_weight, values)
        values = values * sw
    if reduction is None or reduction == "none":
        return values
    if reduction == "sum":
        return tg.reduce_sum(values)
    if reduction == "mean_with_sample_weight" and sw is not None:
        total_w = tg.reduce_sum(tg.broadcast_to(sw, tuple(values.shape)))
        return tg.reduce_sum(values) / tg.maximum(total_w, tg.constant(1e-12, dtype=values.dtype))
    # sum_over_batch_size and mean: the sum divided by the number of elements
    if values.ndim == 0:
        return values
    return tg.reduce_mean(values)



class Loss:
    """Base class: ``call(y_true, y_pred)`` gives per-sample losses; ``__call__`` weights
    them by ``sample_weight`` and applies the reduction (default: mean over the batch)."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self.dtype = dtype

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = getattr(y_pred, "_keras_mask", None)
        values = self.call(y_true, y_pred)
        out_mask = getattr(values, "_keras_mask", None)
        mask = in_mask if out_mask is None else out_mask if in_mask is None else tg.logical_and(in_mask, out_mask)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask, values.dtype, self.reduction)
        return reduce_weighted_values(values, sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred)")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, reduction={self.reduction}>"


class LossFunctionWrapper(Loss):
    """A Loss around a per-sample function fn(y_true, y_pred, **kwargs)."""

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config.update(self._fn_kwargs)
        return config

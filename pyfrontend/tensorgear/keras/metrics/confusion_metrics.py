"""Threshold-based metrics: Precision, Recall and AUC.

They count true/false positives/negatives at one or more thresholds
(predictions > threshold count as positive); AUC integrates the ROC or PR curve
over ``num_thresholds`` evenly spaced thresholds as Keras does.
"""

import tensorgear as tg

from ..backend import epsilon, floatx
from ..backend.tensor_utils import is_float_dtype, to_tensor
from ..losses.loss import _broadcast_weights
from .metric import Metric, divide_no_nan


def _flat_inputs(y_true, y_pred, sample_weight, class_id=None):
    """Flattened (labels bool, scores float, weights or None), optionally one class column."""
    y_true, y_pred = to_tensor(y_true), to_tensor(y_pred)
    if not is_float_dtype(y_pred.dtype):
        y_pred = tg.cast(y_pred, floatx())
    sw = None
    if sample_weight is not None:
        sw = tg.broadcast_to(_broadcast_weights(sample_weight, y_pred), tuple(y_pred.shape))
    if class_id is not None:
        y_true = y_true[..., class_id]
        y_pred = y_pred[..., class_id]
        sw = sw[..., class_id] if sw is not None else None
    if tuple(y_true.shape) != tuple(y_pred.shape):
        n_true = 1
        for d in y_true.shape:
            n_true *= d
        n_pred = 1
        for d in y_pred.shape:
            n_pred *= d
        if n_true != n_pred:
            raise ValueError(
                f"Labels of shape {tuple(y_true.shape)} and predictions of shape {tuple(y_pred.shape)} "
                f"are not compatible")
    labels = tg.not_equal(tg.reshape(tg.cast(y_true, y_pred.dtype), (-1,)), tg.constant(0.0, dtype=y_pred.dtype))
    scores = tg.reshape(y_pred, (-1,))
    if sw is not None:
        sw = tg.reshape(tg.cast(sw, y_pred.dtype), (-1,))
    return labels, scores, sw


def _confusion_counts(labels, scores, sw, thresholds_t, which):
    """Weighted counts per threshold of the requested cells ('tp', 'fp', 'tn', 'fn')."""
    pred_pos = tg.greater(tg.reshape(scores, (-1, 1)), tg.reshape(thresholds_t, (1, -1)))
    label_pos = tg.reshape(labels, (-1, 1))
    w = None if sw is None else tg.reshape(sw, (-1, 1))
    out = {}
    cells = {
        "tp": lambda: tg.logical_and(pred_pos, label_pos),
        "fp": lambda: tg.logical_and(pred_pos, tg.logical_not(label_pos)),
        "fn": lambda: tg.logical_and(tg.logical_not(pred_pos), label_pos),
        "tn": lambda: tg.logical_and(tg.logical_not(pred_pos), tg.logical_not(label_pos)),
    }
    for cell in which:
        hits = tg.cast(cells[cell](), floatx())
        if w is not None:
            hits = hits * w
        out[cell] = tg.reduce_sum(hits, axis=0)
    return out


class _ThresholdMetric(Metric):
    _direction = "up"
    _cells = ()

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None, default=0.5):
        super().__init__(name=name, dtype=dtype)
        if top_k is not None:
            raise NotImplementedError(f"{type(self).__name__}(top_k=...) is not supported by tensorgear yet")
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        if thresholds is None:
            thresholds = [default]
        self._single = not isinstance(thresholds, (list, tuple))
        self.thresholds = [float(thresholds)] if self._single else [float(t) for t in thresholds]
        for t in self.thresholds:
            if not 0.0 <= t <= 1.0:
                raise ValueError(f"Threshold values must be in [0, 1]. Received: {thresholds}")
        self._single = self._single or len(self.thresholds) == 1
        self._thresholds_t = None
        for cell in self._cells:
            setattr(self, {"tp": "true_positives", "fp": "false_positives", "fn": "false_negatives",
                           "tn": "true_negatives"}[cell],
                    self.add_variable(shape=(len(self.thresholds),), initializer="zeros", name=cell))

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._thresholds_t is None:
            self._thresholds_t = tg.constant(self.thresholds, dtype=floatx())
        labels, scores, sw = _flat_inputs(y_true, y_pred, sample_weight, self.class_id)
        counts = _confusion_counts(labels, scores, sw, tg.cast(self._thresholds_t, scores.dtype), self._cells)
        for cell, value in counts.items():
            var = {"tp": "true_positives", "fp": "false_positives", "fn": "false_negatives",
                   "tn": "true_negatives"}[cell]
            getattr(self, var).assign_add(tg.cast(value, self._dtype))

    def _finish(self, value):
        return value[0] if self._single else value

    def get_config(self):
        config = super().get_config()
        config.update({"thresholds": self.init_thresholds, "top_k": self.top_k, "class_id": self.class_id})
        return config


class Precision(_ThresholdMetric):
    """true_positives / (true_positives + false_positives), at threshold 0.5 by default."""

    _cells = ("tp", "fp")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="precision", dtype=None):
        super().__init__(thresholds, top_k, class_id, name, dtype)

    def result(self):
        tp = tg.identity(self.true_positives)
        return self._finish(divide_no_nan(tp, tp + tg.identity(self.false_positives)))


class Recall(_ThresholdMetric):
    """true_positives / (true_positives + false_negatives), at threshold 0.5 by default."""

    _cells = ("tp", "fn")

    def __init__(self, thresholds=None, top_k=None, class_id=None, name="recall", dtype=None):
        super().__init__(thresholds, top_k, class_id, name, dtype)

    def result(self):
        tp = tg.identity(self.true_positives)
        return self._finish(divide_no_nan(tp, tp + tg.identity(self.false_negatives)))


class AUC(Metric):
    """Area under the ROC (default) or precision-recall curve, Riemann sum over thresholds."""

    _direction = "up"

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name="auc", dtype=None,
                 thresholds=None, multi_label=False, num_labels=None, label_weights=None, from_logits=False):
        super().__init__(name=name, dtype=dtype)
        curve = str(curve).upper()
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid curve: "{curve}". Valid options are: "ROC", "PR"')
        summation_method = str(summation_method).lower()
        if summation_method not in ("interpolation", "minoring", "majoring"):
            raise ValueError(f'Invalid summation method: "{summation_method}". Valid options are: '
                             f'"interpolation", "minoring", "majoring"')
        if multi_label:
            raise NotImplementedError("AUC(multi_label=True) is not supported by tensorgear yet")
        self.curve, self.summation_method = curve, summation_method
        self.multi_label, self.label_weights, self._from_logits = multi_label, label_weights, from_logits
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self._init_from_thresholds = True
        else:
            if num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. Received: "
                                 f"num_thresholds={num_thresholds}")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._init_from_thresholds = False
        eps = epsilon()
        self.thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.num_thresholds = len(self.thresholds)
        self._thresholds_t = None
        n = self.num_thresholds
        self.true_positives = self.add_variable(shape=(n,), initializer="zeros", name="true_positives")
        self.false_positives = self.add_variable(shape=(n,), initializer="zeros", name="false_positives")
        self.true_negatives = self.add_variable(shape=(n,), initializer="zeros", name="true_negatives")
        self.false_negatives = self.add_variable(shape=(n,), initializer="zeros", name="false_negatives")

    def update_state(self, y_true, y_pred, sample_weight=None):
        if self._thresholds_t is None:
            self._thresholds_t = tg.constant(self.thresholds, dtype=floatx())
        labels, scores, sw = _flat_inputs(y_true, y_pred, sample_weight)
        if self._from_logits:
            scores = tg.nn.sigmoid(scores)
        counts = _confusion_counts(labels, scores, sw, tg.cast(self._thresholds_t, scores.dtype),
                                   ("tp", "fp", "tn", "fn"))
        self.true_positives.assign_add(tg.cast(counts["tp"], self._dtype))
        self.false_positives.assign_add(tg.cast(counts["fp"], self._dtype))
        self.true_negatives.assign_add(tg.cast(counts["tn"], self._dtype))
        self.false_negatives.assign_add(tg.cast(counts["fn"], self._dtype))

    def _interpolate_pr_auc(self, tp, fp, fn):
        """Davis & Goadrich (2006) interpolation of the PR curve, as Keras computes it."""
        n = self.num_thresholds
        dtp = tp[: n - 1] - tp[1:]
        p = tp + fp
        dp = p[: n - 1] - p[1:]
        zero = tg.zeros_like(dp)
        prec_slope = divide_no_nan(dtp, tg.maximum(dp, zero))
        intercept = tp[1:] - prec_slope * p[1:]
        both_pos = tg.logical_and(tg.greater(p[: n - 1], zero), tg.greater(p[1:], zero))
        safe_p_ratio = tg.where(both_pos, divide_no_nan(p[: n - 1], tg.maximum(p[1:], zero)), tg.ones_like(dp))
        pr_auc_increment = divide_no_nan(prec_slope * (dtp + intercept * tg.log(safe_p_ratio)),
                                         tg.maximum(tp[1:] + fn[1:], zero))
        return tg.reduce_sum(pr_auc_increment)

    def result(self):
        tp = tg.identity(self.true_positives)
        fp = tg.identity(self.false_positives)
        tn = tg.identity(self.true_negatives)
        fn = tg.identity(self.false_negatives)
        n = self.num_thresholds
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc(tp, fp, fn)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = divide_no_nan(fp, fp + tn), recall
        else:
            x, y = recall, divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[: n - 1] + y[1:]) * 0.5
        elif self.summation_method == "minoring":
            heights = tg.minimum(y[: n - 1], y[1:])
        else:
            heights = tg.maximum(y[: n - 1], y[1:])
        return tg.reduce_sum((x[: n - 1] - x[1:]) * heights)

    def get_config(self):
        config = super().get_config()
        config.update({"num_thresholds": self.num_thresholds, "curve": self.curve,
                       "summation_method": self.summation_method, "multi_label": self.multi_label,
                       "from_logits": self._from_logits})
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config

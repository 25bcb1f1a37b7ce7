"""Shared by EarlyStopping, ModelCheckpoint and ReduceLROnPlateau: is a monitored value
to be minimized or maximized, and did it improve?"""

import operator
import warnings


def monitor_op(mode, monitor, model, owner):
    """operator.lt (minimize) or operator.gt (maximize) for `monitor` under `mode`."""
    if mode not in ("auto", "min", "max"):
        warnings.warn(f"{owner} mode {mode!r} is unknown, fallback to auto mode.", stacklevel=3)
        mode = "auto"
    if mode == "min":
        return operator.lt
    if mode == "max":
        return operator.gt
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name == "loss":
        return operator.lt
    for metric in getattr(model, "metrics", None) or []:
        if getattr(metric, "name", None) == name:
            direction = getattr(metric, "_direction", None)
            if direction == "up":
                return operator.gt
            if direction == "down":
                return operator.lt
    lowered = name.lower()
    if any(s in lowered for s in ("acc", "auc", "precision", "recall", "fmeasure")):
        return operator.gt
    if any(s in lowered for s in ("loss", "error", "crossentropy", "divergence", "hinge")):
        return operator.lt
    raise ValueError(
        f"{owner} callback received monitor={monitor} but Keras isn't able to automatically determine whether "
        f"that metric should be maximized or minimized. Pass `mode='max'` in order to monitor based on the "
        f"highest metric value, or pass `mode='min'` in order to use the lowest value.")

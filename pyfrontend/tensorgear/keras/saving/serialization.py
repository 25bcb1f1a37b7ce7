"""Model configs and compile arguments as JSON-able dicts."""

import warnings

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from ..metrics.metric import Metric


def serialize_keras_object(obj):
    """A model's (or layer's) entry as Keras 3 writes it at the top of config.json."""
    from .keras_config import serialize_layer

    entry = serialize_layer(obj)
    name = type(obj).__name__
    if entry["module"] == "keras.layers" and name == "Sequential":
        entry["module"] = "keras"
    elif entry["module"] == "keras.layers" and name == "Functional":
        entry["module"], entry["registered_name"] = "keras.src.models.functional", "Functional"
        entry["build_config"] = {"input_shape": None}
    return entry


def _serialize_metric(m):
    if isinstance(m, str):
        return m
    if isinstance(m, Metric):
        if type(m).__name__ in metrics_module._CLASSES:
            return {"class_name": type(m).__name__, "config": m.get_config()}
        return {"custom": type(m).__name__}
    return {"custom": getattr(m, "__name__", str(m))}


def _serialize_loss(loss):
    if loss is None or isinstance(loss, str):
        return loss
    if isinstance(loss, dict):
        return {k: _serialize_loss(v) for k, v in loss.items()}
    if isinstance(loss, (list, tuple)):
        return [_serialize_loss(v) for v in loss]
    serialized = losses_module.serialize(losses_module.get(loss))
    return serialized if isinstance(serialized, dict) else {"custom": serialized}


def serialize_compile_args(optimizer, compile_config):
    """compile()'s arguments as Keras 3 writes them in config.json (losses, metrics and their
    weights may be dicts or lists, per output)."""
    from .keras_config import to_keras

    def metric_list(ms):
        if ms is None:
            return None
        if isinstance(ms, dict):
            return {k: metric_list(v) for k, v in ms.items()}
        if isinstance(ms, (str, Metric)) or callable(ms):
            return _serialize_metric(ms)
        return [metric_list(m) for m in ms]

    return {"optimizer": to_keras(optimizers_module.serialize(optimizer)),
            "loss": to_keras(_serialize_loss(compile_config.get("loss"))),
            "loss_weights": compile_config.get("loss_weights"),
            "metrics": to_keras(metric_list(compile_config.get("metrics"))),
            "weighted_metrics": to_keras(metric_list(compile_config.get("weighted_metrics"))),
            "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False}


def _deserialize_custom(entry, custom_objects, what):
    name = entry["custom"]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    raise ValueError(f"The saved model was compiled with a custom {what} '{name}'; pass it in "
                     f"custom_objects={{'{name}': ...}} to load_model(), or load with compile=False")


def deserialize_compile_args(config, custom_objects=None):
    """compile()'s arguments from a config written by Keras 3 or by serialize_compile_args."""
    from .keras_config import from_keras

    config = from_keras(config)

    def loss_of(entry):
        if isinstance(entry, dict) and "class_name" not in entry and "custom" not in entry:
            return {k: loss_of(v) for k, v in entry.items()}
        if isinstance(entry, list):
            return [loss_of(v) for v in entry]
        if isinstance(entry, dict):
            return _deserialize_custom(entry, custom_objects, "loss") if "custom" in entry else \
                losses_module.deserialize(entry, custom_objects)
        return entry

    def metrics_of(entry):
        if entry is None or isinstance(entry, str):
            return entry
        if isinstance(entry, list):
            return [metrics_of(m) for m in entry]
        if "custom" in entry:
            return _deserialize_custom(entry, custom_objects, "metric")
        if "class_name" in entry:
            return metrics_module.deserialize(entry, custom_objects)
        return {k: metrics_of(v) for k, v in entry.items()}

    return {"optimizer": optimizers_module.deserialize(config["optimizer"], custom_objects),
            "loss": loss_of(config.get("loss")), "metrics": metrics_of(config.get("metrics")),
            "weighted_metrics": metrics_of(config.get("weighted_metrics")),
            "loss_weights": config.get("loss_weights")}


def warn_not_compiled(reason):
    warnings.warn(f"The loaded model was not compiled: {reason}", stacklevel=3)

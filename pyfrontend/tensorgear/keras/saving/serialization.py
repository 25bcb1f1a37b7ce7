"""Model configs and compile arguments as JSON-able dicts."""

import warnings

from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from ..metrics.metric import Metric


def serialize_keras_object(obj):
    return {"module": type(obj).__module__, "class_name": type(obj).__name__, "config": obj.get_config(),
            "build_config": {"input_shape": _jsonable_shape(getattr(obj, "_build_input_shape", None))}}


def _jsonable_shape(shape):
    if shape is None:
        return None
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [list(s) for s in shape]
    return list(shape)


def _serialize_metric(m):
    if isinstance(m, str):
        return m
    if isinstance(m, Metric):
        if type(m).__name__ in metrics_module._CLASSES:
            return {"class_name": type(m).__name__, "config": m.get_config()}
        return {"custom": type(m).__name__}
    return {"custom": getattr(m, "__name__", str(m))}


def serialize_compile_args(optimizer, compile_config):
    loss = compile_config.get("loss")
    if loss is not None and not isinstance(loss, str):
        serialized = losses_module.serialize(losses_module.get(loss))
        loss = serialized if isinstance(serialized, dict) else {"custom": serialized}

    def metric_list(ms):
        if ms is None:
            return None
        if isinstance(ms, (str, Metric)) or callable(ms):
            ms = [ms]
        return [_serialize_metric(m) for m in ms]

    return {"optimizer": optimizers_module.serialize(optimizer), "loss": loss,
            "metrics": metric_list(compile_config.get("metrics")),
            "weighted_metrics": metric_list(compile_config.get("weighted_metrics")),
            "loss_weights": compile_config.get("loss_weights")}


def _deserialize_custom(entry, custom_objects, what):
    name = entry["custom"]
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    raise ValueError(f"The saved model was compiled with a custom {what} '{name}'; pass it in "
                     f"custom_objects={{'{name}': ...}} to load_model(), or load with compile=False")


def deserialize_compile_args(config, custom_objects=None):
    loss = config.get("loss")
    if isinstance(loss, dict):
        loss = _deserialize_custom(loss, custom_objects, "loss") if "custom" in loss else \
            losses_module.deserialize(loss, custom_objects)

    def metric_list(ms):
        if ms is None:
            return None
        out = []
        for m in ms:
            if isinstance(m, dict):
                m = _deserialize_custom(m, custom_objects, "metric") if "custom" in m else \
                    metrics_module.deserialize(m, custom_objects)
            out.append(m)
        return out

    return {"optimizer": optimizers_module.deserialize(config["optimizer"], custom_objects), "loss": loss,
            "metrics": metric_list(config.get("metrics")),
            "weighted_metrics": metric_list(config.get("weighted_metrics")),
            "loss_weights": config.get("loss_weights")}


def warn_not_compiled(reason):
    warnings.warn(f"The loaded model was not compiled: {reason}", stacklevel=3)

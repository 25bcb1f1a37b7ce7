"""``keras.optimizers.schedules``: learning rates that change with the step count."""

from .learning_rate_schedule import (  # noqa: F401
    CosineDecay, ExponentialDecay, InverseTimeDecay, LearningRateSchedule, PiecewiseConstantDecay,
    PolynomialDecay, schedule_value,
)

_CLASSES = {c.__name__: c for c in (CosineDecay, ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay,
                                    PolynomialDecay)}


def serialize(schedule):
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config, custom_objects=None):
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown learning rate schedule {name!r}. Known: {sorted(_CLASSES)}")
    return cls.from_config(config.get("config", {}))

"""``keras.optimizers``: SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta and lookup by name."""

from . import schedules  # noqa: F401
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

_CLASSES = {"SGD": SGD, "RMSprop": RMSprop, "Adam": Adam, "AdamW": AdamW, "Adagrad": Adagrad,
            "Adadelta": Adadelta}
_NAMES = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
          "adadelta": Adadelta}

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "schedules", "get",
           "serialize", "deserialize"]


def get(identifier):
    """An Optimizer for a name (case-insensitive: 'rmsprop', 'Adam'), an instance or a config dict."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _NAMES.get(identifier.lower().replace("_", ""))
        if cls is None:
            raise ValueError(
                f"Could not interpret optimizer identifier: {identifier!r}. Valid names (case-insensitive): "
                f"{sorted(_NAMES)}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise TypeError(f"Could not interpret optimizer identifier: {identifier!r} "
                    f"(of type {type(identifier).__name__})")


def serialize(optimizer):
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name) or _NAMES.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer {name!r}. Known: {sorted(_CLASSES)}")
    return cls.from_config(config.get("config", {}))

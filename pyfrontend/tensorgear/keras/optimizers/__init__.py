"""``keras.optimizers``: SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Nadam, Adamax, Lion, Ftrl and lookup
by name."""

from ..utils.lookup import REJECT, Lookup
from . import schedules  # noqa: F401
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .ftrl import Ftrl
from .lion import Lion
from .nadam import Nadam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "Nadam", "Adamax", "Lion", "Ftrl",
           "schedules", "get", "serialize", "deserialize"]

# neither None nor a function is an optimizer: compile(optimizer=None) is an error, as in Keras
_LOOKUP = Lookup("optimizer", {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
                               "adadelta": Adadelta, "nadam": Nadam, "adamax": Adamax, "lion": Lion,
                               "ftrl": Ftrl}, base=Optimizer, wrap=REJECT, default=REJECT)
get, serialize, deserialize = _LOOKUP.get, _LOOKUP.serialize, _LOOKUP.deserialize

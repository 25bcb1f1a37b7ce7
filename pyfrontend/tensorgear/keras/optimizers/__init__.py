"""``keras.optimizers``: SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta and lookup by name."""

from ..utils.lookup import REJECT, Lookup
from . import schedules  # noqa: F401
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adadelta", "schedules", "get",
           "serialize", "deserialize"]

# neither None nor a function is an optimizer: compile(optimizer=None) is an error, as in Keras
_LOOKUP = Lookup("optimizer", {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad,
                               "adadelta": Adadelta}, base=Optimizer, wrap=REJECT, default=REJECT)
get, serialize, deserialize = _LOOKUP.get, _LOOKUP.serialize, _LOOKUP.deserialize

"""``keras.regularizers``: weight penalties added to the training loss (L1, L2, L1L2)."""

import tensorgear as tg

from ..utils.lookup import Lookup


class Regularizer:
    """Base class: ``__call__(weight)`` returns a scalar penalty tensor."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = float(l1)
        self.l2 = float(l2)
        for name, v in (("l1", self.l1), ("l2", self.l2)):
            if v < 0 or v != v:
                raise ValueError(f"Value for argument {name} should be a non-negative float, got {v}")

    def __call__(self, x):
        penalty = None
        if self.l1:
            penalty = self.l1 * tg.reduce_sum(tg.abs(x))
        if self.l2:
            term = self.l2 * tg.reduce_sum(tg.square(x))
            penalty = term if penalty is None else penalty + term
        return penalty if penalty is not None else tg.constant(0.0)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


l1 = L1
l2 = L2
l1_l2 = L1L2

_LOOKUP = Lookup("regularizer", {"l1": L1, "l2": L2, "l1_l2": L1L2}, base=Regularizer,
                 classes=[Regularizer])
get, serialize, deserialize = _LOOKUP.get, _LOOKUP.serialize, _LOOKUP.deserialize

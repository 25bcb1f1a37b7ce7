"""``keras.constraints``: projections applied to a weight after each optimizer step."""

import tensorgear as tg

from ..utils.lookup import Lookup


class Constraint:
    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class NonNeg(Constraint):
    def __call__(self, w):
        return tg.nn.relu(w)


class MaxNorm(Constraint):
    def __init__(self, max_value=2, axis=0):
        self.max_value, self.axis = max_value, axis

    def __call__(self, w):
        norms = tg.sqrt(tg.reduce_sum(tg.square(w), axis=self.axis, keepdims=True))
        desired = tg.clip_by_value(norms, 0.0, float(self.max_value))
        return w * (desired / (norms + 1e-7))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class UnitNorm(Constraint):
    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (tg.sqrt(tg.reduce_sum(tg.square(w), axis=self.axis, keepdims=True)) + 1e-7)

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis

    def __call__(self, w):
        norms = tg.sqrt(tg.reduce_sum(tg.square(w), axis=self.axis, keepdims=True))
        desired = self.rate * tg.clip_by_value(norms, float(self.min_value), float(self.max_value)) \
            + (1 - self.rate) * norms
        return w * (desired / (norms + 1e-7))

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


non_neg = NonNeg
max_norm = MaxNorm
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_LOOKUP = Lookup("constraint", {"non_neg": NonNeg, "max_norm": MaxNorm, "unit_norm": UnitNorm,
                                 "min_max_norm": MinMaxNorm}, base=Constraint, classes=[Constraint])
get, serialize, deserialize = _LOOKUP.get, _LOOKUP.serialize, _LOOKUP.deserialize

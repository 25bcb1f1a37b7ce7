"""``keras.constraints``: projections applied to a weight after each optimizer step."""

import tensorgear as tg


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
_BY_NAME = {"non_neg": NonNeg, "max_norm": MaxNorm, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm}
_CLASSES = {c.__name__: c for c in (NonNeg, MaxNorm, UnitNorm, MinMaxNorm, Constraint)}


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, Constraint) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower()) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown constraint: {identifier!r}. Valid names: {sorted(_BY_NAME)}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Constraint):
        return identifier()
    raise TypeError(f"Could not interpret constraint identifier: {identifier!r}")


def serialize(constraint):
    if constraint is None:
        return None
    if isinstance(constraint, Constraint):
        return {"class_name": type(constraint).__name__, "config": constraint.get_config()}
    return getattr(constraint, "__name__", str(constraint))


def deserialize(config, custom_objects=None):
    if config is None:
        return None
    if isinstance(config, str):
        return get(config)
    cls = (custom_objects or {}).get(config["class_name"]) or _CLASSES.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Unknown constraint class {config['class_name']!r}")
    return cls.from_config(config.get("config", {}))

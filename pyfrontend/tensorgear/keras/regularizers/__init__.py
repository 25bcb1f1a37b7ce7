"""``keras.regularizers``: weight penalties added to the training loss (L1, L2, L1L2)."""

import tensorgear as tg


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
_BY_NAME = {"l1": L1, "l2": L2, "l1_l2": L1L2, "l1l2": L1L2}
_CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2, "Regularizer": Regularizer}


def get(identifier):
    if identifier is None:
        return None
    if isinstance(identifier, Regularizer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower()) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown regularizer: {identifier!r}. Valid names: {sorted(_BY_NAME)}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Regularizer):
        return identifier()
    raise TypeError(f"Could not interpret regularizer identifier: {identifier!r}")


def serialize(regularizer):
    if regularizer is None:
        return None
    if isinstance(regularizer, Regularizer):
        return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}
    return getattr(regularizer, "__name__", str(regularizer))


def deserialize(config, custom_objects=None):
    if config is None:
        return None
    if isinstance(config, str):
        return get(config)
    cls = (custom_objects or {}).get(config["class_name"]) or _CLASSES.get(config["class_name"])
    if cls is None:
        raise ValueError(f"Unknown regularizer class {config['class_name']!r}")
    return cls.from_config(config.get("config", {}))

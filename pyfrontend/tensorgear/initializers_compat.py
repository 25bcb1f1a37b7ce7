"""TensorFlow 2's top-level initializers (``tf.random_normal_initializer`` etc.).

They are small callables ``init(shape, dtype=float32)``. As in TF, a seeded
random initializer uses the stateless generator with seed ``[seed, 0]``, so it
returns the same values on every call; an unseeded one draws fresh values.
(The Keras initializers live in ``tg.keras.initializers``.)
"""

from . import _C
from . import random as _random

__all__ = [
    "random_normal_initializer", "random_uniform_initializer", "zeros_initializer",
    "ones_initializer", "constant_initializer",
]


def _float_dtype(dtype, who):
    dt = _C.as_dtype(dtype if dtype is not None else "float32")
    if dt not in (_C.float32, _C.float64):
        raise ValueError(f"{who}: expected a floating dtype (float32 or float64), got {dt.name}")
    return dt


class _Initializer:
    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class random_normal_initializer(_Initializer):
    """Normal values with the given mean and standard deviation."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None, **kwargs):
        dt = _float_dtype(dtype, "random_normal_initializer")
        if self.seed is not None:
            return _random.stateless_normal(shape, [self.seed, 0], mean=self.mean, stddev=self.stddev, dtype=dt)
        return _random.normal(shape, mean=self.mean, stddev=self.stddev, dtype=dt)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class random_uniform_initializer(_Initializer):
    """Uniform values in [minval, maxval)."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None, **kwargs):
        dt = _C.as_dtype(dtype if dtype is not None else "float32")
        if self.seed is not None:
            return _random.stateless_uniform(shape, [self.seed, 0], minval=self.minval, maxval=self.maxval, dtype=dt)
        return _random.uniform(shape, minval=self.minval, maxval=self.maxval, dtype=dt)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class zeros_initializer(_Initializer):
    """All zeros."""

    def __call__(self, shape, dtype=None, **kwargs):
        return _C.zeros(shape, dtype=dtype if dtype is not None else "float32")


class ones_initializer(_Initializer):
    """All ones."""

    def __call__(self, shape, dtype=None, **kwargs):
        return _C.ones(shape, dtype=dtype if dtype is not None else "float32")


class constant_initializer(_Initializer):
    """A scalar broadcast to the shape, or a value with exactly that many elements."""

    def __init__(self, value=0):
        self.value = value

    def __call__(self, shape, dtype=None, **kwargs):
        return _C.constant(self.value, dtype=dtype if dtype is not None else "float32", shape=shape)

    def get_config(self):
        return {"value": self.value}

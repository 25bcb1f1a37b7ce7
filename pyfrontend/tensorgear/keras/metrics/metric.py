"""The Metric base class: state in variables, ``update_state`` / ``result`` / ``reset_state``."""

import tensorgear as tg

from .. import initializers
from ..backend import floatx
from ..backend.tensor_utils import dtype_name
from ..utils.naming import to_snake_case



def divide_no_nan(a, b):
    """a / b, with 0 where b == 0 (Keras's metric division)."""
    nonzero = tg.not_equal(b, tg.zeros_like(b))
    safe_b = tg.where(nonzero, b, tg.ones_like(b))
    return tg.where(nonzero, a / safe_b, tg.zeros_like(a / safe_b))


class Metric:
    """Base class of stateful metrics.

    Subclasses create their state with ``add_variable`` in ``__init__``, update it in
    ``update_state`` and compute the value in ``result``. Calling a metric updates it
    and returns the running result (``metric(y_true, y_pred)``).
    """

    # "up": larger is better (accuracy); "down": smaller is better (errors).
    _direction = None

    def __init__(self, dtype=None, name=None):
        self.name = name or to_snake_case(type(self).__name__)
        self._dtype = dtype_name(dtype) if dtype is not None else floatx()
        self._variables = []

    @property
    def dtype(self):
        return self._dtype

    @property
    def variables(self):
        return list(self._variables)

    def add_variable(self, shape=(), initializer="zeros", dtype=None, aggregation="sum", name=None):
        if isinstance(shape, str):  # Keras 2 order: add_weight(name, shape, ...)
            name, shape = shape, ()
        init = initializers.get(initializer)
        value = init(tuple(shape), dtype=dtype or self._dtype)
        var = tg.Variable(value, trainable=False, name=name or "variable")
        self._variables.append(var)
        return var

    def add_weight(self, name=None, shape=(), aggregation="sum", synchronization=None, initializer="zeros",
                   dtype=None):
        return self.add_variable(shape=shape, initializer=initializer, dtype=dtype, aggregation=aggregation,
                                 name=name)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state()")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result()")

    def reset_state(self):
        for v in self._variables:
            v.assign(tg.zeros_like(v))

    def reset_states(self):
        """Keras 2 spelling of reset_state()."""
        self.reset_state()

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self._dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"

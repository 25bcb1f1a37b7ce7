"""Keras 3 operations in a functional model's graph (``keras.ops.not_equal(ids, 0)`` on a
KerasTensor, or the masks Keras records between layers): a config entry whose module is
``keras.src.ops.*`` becomes one of these, running the same tensorgear function."""

import tensorgear as tg

from .layer import Layer


def _reduce(fn):
    return lambda x, axis=None, keepdims=False: fn(x, axis=axis, keepdims=keepdims)


# Keras op class name -> (the function, its config arguments)
OPERATIONS = {
    "NotEqual": (tg.not_equal, ()), "Equal": (tg.equal, ()), "Greater": (tg.greater, ()),
    "GreaterEqual": (tg.greater_equal, ()), "Less": (tg.less, ()), "LessEqual": (tg.less_equal, ()),
    "LogicalAnd": (tg.logical_and, ()), "LogicalOr": (tg.logical_or, ()), "LogicalNot": (tg.logical_not, ()),
    "Add": (tg.add, ()), "Subtract": (tg.subtract, ()), "Multiply": (tg.multiply, ()), "Divide": (tg.divide, ()),
    "Any": (_reduce(tg.reduce_any), ("axis", "keepdims")), "All": (_reduce(tg.reduce_all), ("axis", "keepdims")),
    "Cast": (lambda x, dtype=None: tg.cast(x, dtype), ("dtype",)),
    "ExpandDims": (lambda x, axis=0: tg.expand_dims(x, axis), ("axis",)),
    "Squeeze": (lambda x, axis=None: tg.squeeze(x, axis), ("axis",)),
}


def register_operation(class_name, fn, arg_names):
    """Makes a Keras op class name (its config entry) run fn with those config arguments; keras.ops
    registers each of its functions here, so graphs built with them save and load."""
    OPERATIONS[class_name] = (fn, tuple(arg_names))


class KerasOperation(Layer):
    """One Keras op in a functional graph (loaded from a file, or recorded by a keras.ops call on
    KerasTensors): calls its function on the node's arguments with its config arguments."""

    _keras_operation = True  # not a layer in Keras's weight files

    def __init__(self, operation, module="keras.src.ops.numpy", **kwargs):
        if operation not in OPERATIONS:
            raise ValueError(f"The Keras operation '{operation}' ({module}) in this model's config is not supported "
                             f"by tensorgear; supported: {sorted(OPERATIONS)}")
        fn, arg_names = OPERATIONS[operation]
        op_args = {k: kwargs.pop(k) for k in arg_names if k in kwargs}
        super().__init__(name=kwargs.pop("name", None), dtype=kwargs.pop("dtype", None))
        self.operation, self.module, self.op_args, self._fn = operation, module, op_args, fn
        self._cast_numpy_inputs = False

    def call(self, *args, **kwargs):
        return self._fn(*args, **kwargs, **self.op_args)

    def keras_entry(self):
        """The entry Keras writes for this op (so a model loaded from Keras saves as Keras wrote it)."""
        return {"module": self.module, "class_name": self.operation, "config": {"name": self.name, **self.op_args},
                "registered_name": None}

"""How a keras.ops function meets the functional API: called on KerasTensors, it records a node
of a KerasOperation layer (keras/layers/operation.py) instead of computing, as Keras 3 does.

`keras_op(class_name, tensors=...)` registers the function under Keras's op class name with
its other parameters as the op's config, so models built with keras.ops save to and load from
Keras's files. The parameters named in `tensors` are the node's inputs; the rest are config.
"""

import functools
import inspect

from ... import nest
from ..backend.keras_tensor import KerasTensor
from ..layers.operation import KerasOperation, register_operation


def _is_symbolic(value):
    return any(isinstance(t, KerasTensor) for t in nest.flatten(value))


def keras_op(class_name, tensors=("x",), module="keras.src.ops.numpy"):
    """Decorator: the eager function, plus its symbolic path and its entry for saved graphs."""

    def wrap(fn):
        signature = inspect.signature(fn)
        config_names = [n for n in signature.parameters if n not in tensors and n != "name"]
        register_operation(class_name, fn, config_names)

        @functools.wraps(fn)
        def op(*args, **kwargs):
            if not _is_symbolic((args, kwargs)):
                return fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            inputs = [bound.arguments[n] for n in signature.parameters if n in tensors and n in bound.arguments]
            config = {n: v for n, v in bound.arguments.items() if n in config_names}
            layer = KerasOperation(class_name, module=module, **config)
            return layer(*inputs)

        op.keras_class_name = class_name
        return op

    return wrap

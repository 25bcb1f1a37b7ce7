"""KerasTensor: a symbolic placeholder (shape and dtype, no data) of the functional API.

``keras.Input(shape=(784,))`` returns one; calling a layer on it builds the layer
for that shape and returns a new KerasTensor that remembers which layer made it
(``_keras_history``), so ``keras.Model(inputs, outputs)`` can replay the graph.
"""


class KerasTensor:
    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.name = name
        # (layer, node, index of this tensor among the node's outputs)
        self._keras_history = history

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def _unsupported(self, *args, **kwargs):
        raise TypeError(
            "A symbolic KerasTensor (from keras.Input or a layer called on one) has no value; "
            "tensorgear's functional API supports only layer calls on KerasTensors. Wrap the "
            "arithmetic in a layer (e.g. keras.layers.Lambda) instead.")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _unsupported
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __neg__ = _unsupported

    def numpy(self):
        self._unsupported()

    def __bool__(self):
        raise TypeError("A symbolic KerasTensor cannot be used as a Python bool")

    __hash__ = object.__hash__


def is_keras_tensor(x):
    return isinstance(x, KerasTensor)


def any_keras_tensor(x):
    """True when x is a KerasTensor or a list/tuple/dict holding one."""
    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(any_keras_tensor(e) for e in x)
    if isinstance(x, dict):
        return any(any_keras_tensor(e) for e in x.values())
    return False

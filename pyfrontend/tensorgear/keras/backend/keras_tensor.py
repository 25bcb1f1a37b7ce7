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
            "call layers or keras.ops functions on it instead.")

    # Arithmetic records keras.ops nodes, as in Keras 3. keras.ops installs the functions when
    # it is imported (it imports this module, not the other way round).
    OPERATORS = {}

    def _op(name, swap=False):  # noqa: N805  (builds the methods below)
        def method(self, *other):
            fn = KerasTensor.OPERATORS.get(name)
            if fn is None:
                self._unsupported()
            return fn(*((other[0], self) if swap else (self,) + other))
        return method

    __add__, __radd__ = _op("add"), _op("add", swap=True)
    __sub__, __rsub__ = _op("subtract"), _op("subtract", swap=True)
    __mul__, __rmul__ = _op("multiply"), _op("multiply", swap=True)
    __truediv__, __rtruediv__ = _op("divide"), _op("divide", swap=True)
    __matmul__, __rmatmul__ = _op("matmul"), _op("matmul", swap=True)
    __pow__, __neg__, __abs__ = _op("power"), _op("negative"), _op("absolute")
    __getitem__ = _op("get_item")
    __lt__, __le__, __gt__, __ge__ = _op("less"), _op("less_equal"), _op("greater"), _op("greater_equal")
    del _op

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

"""TensorShape: the tuple-like value of ``tensor.shape`` (TensorFlow's names)."""


class TensorShape(tuple):
    """A fully known shape. Compares equal to tuples and lists of the same dims."""

    __slots__ = ()

    def __new__(cls, dims=()):
        if dims is None:
            raise ValueError("TensorShape: unknown rank (None) is not supported")
        return super().__new__(cls, tuple(None if d is None else int(d) for d in dims))

    @property
    def rank(self):
        return len(self)

    @property
    def ndims(self):
        return len(self)

    @property
    def dims(self):
        return list(self)

    def as_list(self):
        return list(self)

    def num_elements(self):
        n = 1
        for d in self:
            if d is None:
                return None
            n *= d
        return n

    def is_fully_defined(self):
        return all(d is not None for d in self)

    def __getitem__(self, key):
        item = tuple.__getitem__(self, key)
        return TensorShape(item) if isinstance(key, slice) else item

    def __eq__(self, other):
        if isinstance(other, (tuple, list)):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __ne__(self, other):
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = tuple.__hash__

    def __repr__(self):
        return f"TensorShape({list(self)})"

    def __str__(self):
        return tuple.__repr__(tuple(self)) if len(self) != 1 else f"({self[0]},)"

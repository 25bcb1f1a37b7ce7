"""The iterators a dataset hands out: elements as tensors, or as NumPy values."""

import numpy as np

from .. import nest
from .elements import element_to_tensors, fresh_numpy


class DatasetIterator:
    __slots__ = ("_it", "_spec_fn")

    def __init__(self, node):
        self._it = node.elements()
        self._spec_fn = node.spec

    def __iter__(self):
        return self

    def __next__(self):
        return element_to_tensors(next(self._it))

    def get_next(self):
        return next(self)

    @property
    def element_spec(self):
        return self._spec_fn()


class NumpyIterator:
    __slots__ = ("_it",)

    def __init__(self, node):
        self._it = node.elements()

    def __iter__(self):
        return self

    def __next__(self):
        elem = next(self._it)
        if isinstance(elem, (np.ndarray, np.generic)):  # a bare array: no structure to walk
            return fresh_numpy(elem)
        return nest.map_structure(fresh_numpy, elem, lists=False)

    next = __next__

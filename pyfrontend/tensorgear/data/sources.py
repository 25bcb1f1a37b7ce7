"""Random-access sources: the elements of ``from_tensor_slices``, ``from_tensors``
and ``range``, readable one at a time (``get``) or a batch at a time (``gather``).

Index plans (plans.py) select from a source; the source turns indices into
elements.
"""

import functools
import operator
from typing import List

import numpy as np

from .. import nest
from .elements import check_dtype, to_numpy
from .spec import TensorSpec, dtype_name, spec_of_array


class ArraySource:
    """Components stored as arrays sharing a leading dimension ``n``; element ``i``
    is the structure ``template`` (None at each leaf) around row ``i`` of each."""

    def __init__(self, template, leaves: List[np.ndarray]):
        self.template = template
        self.leaves = leaves
        self.n = int(leaves[0].shape[0])
        self._pack = _packer(template)

    @classmethod
    def from_slices(cls, tensors) -> "ArraySource":
        """``tensors`` sliced along their first dimension."""
        leaves = nest.flatten(tensors, lists=False)
        if not leaves:
            raise ValueError("from_tensor_slices: the structure has no components")
        arrays = []
        for leaf in leaves:
            a = to_numpy(leaf)
            check_dtype(a)
            if a.ndim == 0:
                raise ValueError(
                    "from_tensor_slices: unbatching a tensor is only supported for rank >= 1 "
                    f"(got a scalar of dtype {a.dtype})")
            arrays.append(a)
        n = arrays[0].shape[0]
        if any(a.shape[0] != n for a in arrays):
            shapes = ", ".join(str(tuple(a.shape)) for a in arrays)
            raise ValueError(
                "from_tensor_slices: all components must have the same size in their first "
                f"dimension; got shapes {shapes}")
        # Snapshot (tf.data copies too), C-contiguous for fast gathers, read-only so
        # that yielded per-element views cannot be written through.
        owned = []
        for leaf, a in zip(leaves, arrays):
            if isinstance(leaf, np.ndarray) or not a.flags.c_contiguous:
                a = np.array(a, order="C", copy=True)
            else:
                a = a.view()
            a.flags.writeable = False
            owned.append(a)
        return cls(_template(tensors), owned)

    @classmethod
    def from_tensors(cls, tensors) -> "ArraySource":
        """The single element ``tensors``."""
        arrays = []
        for leaf in nest.flatten(tensors, lists=False):
            a = np.array(to_numpy(leaf), order="C", copy=True)[None]
            check_dtype(a)
            a.flags.writeable = False
            arrays.append(a)
        if not arrays:
            raise ValueError("from_tensors: the structure has no components")
        return cls(_template(tensors), arrays)

    def get(self, i: int):
        return self._pack([a[i] for a in self.leaves])

    def gather(self, idx: np.ndarray):
        m = len(idx)
        if m and int(idx[-1]) - int(idx[0]) == m - 1 and (m == 1 or np.all(np.diff(idx) == 1)):
            s = int(idx[0])
            # A run of consecutive indices: a slice; copy so the batch owns its memory.
            parts = [np.array(a[s:s + m]) for a in self.leaves]
        else:
            parts = [a.take(idx, axis=0) for a in self.leaves]
        return self._pack(parts)

    def elements(self):
        """All elements in order, without going through ``get`` (the common case of
        iterating a source directly)."""
        template, leaves = self.template, self.leaves
        if template is None:
            a = leaves[0]
            return iter(a) if a.ndim > 1 else (a[i] for i in range(self.n))
        return (self._pack([a[i] for a in leaves]) for i in range(self.n))

    def spec(self):
        return self._pack([spec_of_array(a, True) for a in self.leaves])


def _template(tensors):
    return nest.map_structure(lambda _: None, tensors, lists=False)


def _packer(template):
    """``nest.pack_sequence_as(template, ·)``, made once: it runs for every element
    or batch read, and the usual templates (one array, a flat tuple such as
    (features, labels), a flat dict) need no walk."""
    if template is None:
        return operator.itemgetter(0)
    if type(template) is tuple and all(t is None for t in template):
        return tuple
    if type(template) is dict and all(v is None for v in template.values()):
        position = nest.pack_sequence_as(template, range(len(template)), lists=False)
        return lambda parts: {k: parts[i] for k, i in position.items()}
    return functools.partial(nest.pack_sequence_as, template, lists=False)


class RangeSource:
    """``start, start + step, ...`` below ``stop`` (above it for a negative step)."""

    def __init__(self, start: int, stop: int, step: int, dtype):
        self.start, self.step, self.dtype = start, step, np.dtype(dtype)
        self.n = len(range(start, stop, step))

    @classmethod
    def from_args(cls, args, dtype) -> "RangeSource":
        """``range(stop)`` or ``range(start, stop[, step])``, int64 unless ``dtype``."""
        if not 1 <= len(args) <= 3:
            raise TypeError(f"range() takes 1 to 3 positional arguments ({len(args)} given)")
        ints = [int(a) for a in args]
        if len(ints) == 1:
            start, stop, step = 0, ints[0], 1
        elif len(ints) == 2:
            start, stop, step = ints[0], ints[1], 1
        else:
            start, stop, step = ints
        if step == 0:
            raise ValueError("range(): step must not be 0")
        return cls(start, stop, step, np.dtype("int64") if dtype is None else dtype_name(dtype))

    def get(self, i: int):
        return np.asarray(self.start + i * self.step, dtype=self.dtype)

    def gather(self, idx: np.ndarray):
        return (self.start + idx.astype(np.int64) * self.step).astype(self.dtype, copy=False)

    def elements(self):
        return map(self.get, range(self.n))

    def spec(self):
        return TensorSpec((), self.dtype.name)

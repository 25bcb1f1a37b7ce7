"""Summing lists of tensors over the ranks with one Allreduce per dtype.

The tensors are packed into one contiguous tensor by the engine (one concat),
MPI sums that straight into a persistent NumPy buffer, and the results are
views of the buffer shaped like the inputs, made once. Per step there is no
Python work per tensor beyond the reshape that feeds the concat.
"""

import numpy as np

from .. import _C


class TensorSum:
    """sum(tensors) over the ranks, for one fixed list of shapes and one dtype (the gradients
    of one model)."""

    def __init__(self, world, shapes, dtype):
        self.world = world
        self.shapes = [tuple(s) for s in shapes]
        self.dtype = _C.as_dtype(dtype)
        sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.total = sum(sizes)
        # one slot more, for the weighted mean's total weight (see mean())
        self._buffer = np.empty(self.total + 1, dtype=np.dtype(self.dtype.name))
        flat = _C.from_dlpack(self._buffer)  # a borrowed view: the results live in the buffer
        self._views, start = [], 0
        for shape, size in zip(self.shapes, sizes):
            self._views.append(_C.reshape(flat[start:start + size], shape))
            start += size

    def _reduce(self, parts, buffer):
        self.world.allreduce_into(_C.concat(parts, 0) if len(parts) > 1 else parts[0], buffer)

    def sum(self, tensors):
        """The sums over the ranks of `tensors`, as views that stay valid until the next call."""
        self._reduce([_C.reshape(t, (-1,)) for t in tensors], self._buffer[:-1])
        return list(self._views)

    def mean(self, tensors, weight=1.0):
        """sum(tensors) / sum(weight) over the ranks: with each rank's tensors already multiplied by
        its weight (its batch size), the mean over every rank's samples."""
        parts = [_C.reshape(t, (-1,)) for t in tensors]
        parts.append(_C.fill((1,), float(weight), self.dtype))
        self._reduce(parts, self._buffer)
        self._buffer[:-1] *= 1.0 / self._buffer[-1]
        return list(self._views)

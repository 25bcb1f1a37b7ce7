"""Summing lists of tensors over the ranks, straight from the tensors' memory.

The results land in a persistent NumPy buffer and come back as views of it,
shaped like the inputs and made once. A large tensor (64 KiB and more) is
summed by MPI straight from its own memory (the buffer protocol: no copy);
the small ones are packed by the engine into one tensor first (one concat),
so a model with many biases still makes few MPI calls. Where several ranks share a machine,
the sum goes through shared memory instead (node_sum.py): the tensors are copied into this
rank's segment in one engine call, and the results are views of the shared result segment.
"""

import numpy as np

from .. import _C
from . import node_sum

DIRECT_BYTES = 1 << 16


class TensorSum:
    """sum(tensors) over the ranks, for one fixed list of shapes and one dtype (the gradients
    of one model)."""

    def __init__(self, world, shapes, dtype):
        self.world = world
        self.shapes = [tuple(s) for s in shapes]
        self.dtype = _C.as_dtype(dtype)
        itemsize = np.dtype(self.dtype.name).itemsize
        sizes = [int(np.prod(s, dtype=np.int64)) for s in self.shapes]
        self.total = sum(sizes)
        self._direct = [size * itemsize >= DIRECT_BYTES for size in sizes]
        self._packed = [i for i, d in enumerate(self._direct) if not d]
        # layout: the packed small tensors first, in one run, then each large one
        self._order = self._packed + [i for i, d in enumerate(self._direct) if d]
        self._node = node_sum.node_sum_or_none(world, self.total, self.dtype.name)
        if self._node is None:
            self._buffer = np.empty(self.total, dtype=np.dtype(self.dtype.name))
        else:
            self._buffer = self._node.result
        flat = _C.from_dlpack(self._buffer)  # a borrowed view: the results live in the buffer
        self._slices, self._views = [None] * len(sizes), [None] * len(sizes)
        start = 0
        for i in self._order:
            self._slices[i] = self._buffer[start:start + sizes[i]]
            self._views[i] = _C.reshape(flat[start:start + sizes[i]], self.shapes[i])
            start += sizes[i]
        self._packed_region = self._buffer[:sum(sizes[i] for i in self._packed)]

    def sum(self, tensors, scale=1.0):
        """scale * the sums over the ranks of `tensors`, as views that stay valid until the next
        call."""
        if self._node is not None:
            _C.pack_into(self._node.values, [tensors[i] for i in self._order])
            self._node.reduce(scale)
            return list(self._views)
        if self._packed:
            parts = [_C.reshape(tensors[i], (-1,)) for i in self._packed]
            self.world.allreduce_into(_C.concat(parts, 0) if len(parts) > 1 else parts[0], self._packed_region)
        for i, direct in enumerate(self._direct):
            if direct:
                self.world.allreduce_into(np.ascontiguousarray(tensors[i]).reshape(-1), self._slices[i])
        if scale != 1.0:
            _C.sum_buffers_into(self._buffer, [self._buffer], scale)
        return list(self._views)

    def mean(self, tensors):
        """The means over the ranks of `tensors` (views, as for sum)."""
        return self.sum(tensors, 1.0 / self.world.size)

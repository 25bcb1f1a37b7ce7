"""Index plans: a random-access source and the indices to read from it, in order.

A plan is how ``from_tensor_slices -> shuffle -> batch`` avoids Python work per
element: the transformations that only select or reorder elements (shuffle,
repeat, take, skip, cache, shard) act on int64 index arrays, and ``batch`` reads
each batch from the contiguous source arrays with one gather per component.

The indices come as a stream of chunks (1-D int64 arrays) rather than one array,
which bounds memory for huge ranges and for ``repeat()`` without end.
"""

import functools
from typing import Callable, Iterator

import numpy as np

CHUNK = 1 << 16  # indices per chunk a source emits

# Makes a fresh pass over the index chunks; a dataset is iterated many times.
Chunks = Callable[[], Iterator[np.ndarray]]


class Plan:
    __slots__ = ("source", "chunks")

    def __init__(self, source, chunks: Chunks):
        self.source = source
        self.chunks = chunks

    @classmethod
    def of(cls, source) -> "Plan":
        """Every element of ``source``, in order."""
        n = source.n

        def chunks():
            for s in range(0, n, CHUNK):
                yield np.arange(s, min(n, s + CHUNK), dtype=np.int64)

        return cls(source, chunks)

    def then(self, step: Callable[[Chunks], Iterator[np.ndarray]]) -> "Plan":
        """This plan with its indices passed through ``step``, which takes a fresh-pass
        factory (some steps make several passes) and returns the new indices."""
        return Plan(self.source, functools.partial(step, self.chunks))

    def elements(self) -> Iterator:
        """The planned elements one by one."""
        get = self.source.get
        for c in self.chunks():
            for i in c.tolist():
                yield get(i)

    def batches(self, batch_size: int, drop_remainder: bool) -> Iterator:
        """The planned elements in batches, one gather per batch."""
        gather = self.source.gather
        pending = np.zeros(0, np.int64)
        for c in self.chunks():
            if len(pending):
                c = np.concatenate([pending, c])
            full = len(c) - len(c) % batch_size
            for s in range(0, full, batch_size):
                yield gather(c[s:s + batch_size])
            pending = c[full:]
        if len(pending) and not drop_remainder:
            yield gather(pending)

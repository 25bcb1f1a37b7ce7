"""A sum over the ranks that adds up the ranks of each machine in shared memory.

Open MPI's Allreduce between two processes of one machine moves each message through its
shared-memory queues in fragments, copying it in and out, and took about three times as long
as one pass over the bytes (bench/RESULTS.md, issue 15). Here the ranks of one machine (MPI's
node communicator) share one MPI window instead:

1. each rank writes its values into its own segment of the window;
2. each rank adds up its slice (1/L of the elements, L ranks on the machine) of every
   rank's segment into the result segment (C++: _C.sum_buffers_into, in rank order);
3. with several machines, each rank sums its slice with the ranks of the same local rank on
   the other machines (one Allreduce of 1/L of the bytes), as hierarchical allreduces do;
4. every rank reads the whole result segment in place.

A barrier before step 2 and after step 3 keeps the steps of consecutive calls apart: no rank
writes its segment for the next call before every rank has finished reading this one, and no
rank reads the result before every slice is in it. Window syncs around the barriers order the
memory accesses as MPI's shared-memory model asks.
"""

import numpy as np

from .. import _C


def usable(world):
    """Whether `world` can sum through shared memory: MPI, several ranks on this machine, and
    the same number of ranks on every machine (so the slices line up across machines)."""
    return world.comm is not None and world.local_size > 1 and world.uniform_local_size


def node_sum_or_none(world, total, dtype):
    """A NodeSum on every rank, or None on every rank: where shared memory is not usable, or the
    window could not be made on some rank (a small /dev/shm in a container), the caller sums
    through MPI's Allreduce instead. A collective: every rank calls it at the same point."""
    if not usable(world):
        return None
    from mpi4py import MPI

    try:
        made = NodeSum(world, total, dtype)
    except Exception:  # mpi4py's MPI.Exception, or NumPy's error on a short segment
        made = None
    # a window made on some ranks only is left unused, not freed: freeing is a collective that a
    # rank without one would never join
    return made if world.comm.allreduce(made is not None, op=MPI.LAND) else None


class NodeSum:
    """scale * the sum over the ranks of `values` (a flat array of `total` elements that the
    caller fills), delivered in `result`; `result` changes at the next call."""

    def __init__(self, world, total, dtype):
        from mpi4py import MPI

        self._mpi = MPI
        self._node = world.node_comm
        size, rank = self._node.Get_size(), self._node.Get_rank()
        dtype = np.dtype(dtype)
        nbytes = total * dtype.itemsize * (2 if rank == 0 else 1)  # rank 0's segment holds the result too
        self._win = MPI.Win.Allocate_shared(max(nbytes, dtype.itemsize), dtype.itemsize, comm=self._node)
        self._win.Lock_all()  # one passive-target epoch for the window's life: Sync is its memory fence

        def segment(r):
            buffer, _ = self._win.Shared_query(r)
            return np.frombuffer(buffer, dtype)

        first = segment(0)
        inputs = [first[:total]] + [segment(r)[:total] for r in range(1, size)]
        self.values = inputs[rank]
        self.result = first[total:2 * total]
        lo, hi = total * rank // size, total * (rank + 1) // size
        self._slice_in = [x[lo:hi] for x in inputs]
        self._slice_out = self.result[lo:hi]
        self._cross = world.cross_comm if world.size > size else None

    def reduce(self, scale=1.0):
        """After every rank has written its `values`: `result` = scale * their sum over all ranks."""
        self._fence()
        if self._cross is None:
            _C.sum_buffers_into(self._slice_out, self._slice_in, scale)
        else:
            _C.sum_buffers_into(self._slice_out, self._slice_in)
            self._cross.Allreduce(self._mpi.IN_PLACE, self._slice_out, op=self._mpi.SUM)
            if scale != 1.0:
                _C.sum_buffers_into(self._slice_out, [self._slice_out], scale)
        self._fence()
        return self.result

    def _fence(self):
        self._win.Sync()
        self._node.Barrier()
        self._win.Sync()

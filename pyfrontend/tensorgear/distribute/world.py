"""The group of processes training together: MPI's COMM_WORLD, or this process alone.

A process started by an MPI launcher (``mpirun -np 4 python train.py``) joins
COMM_WORLD through mpi4py; any other process is a group of one and never
imports mpi4py, so a plain ``python train.py`` needs no MPI installed.

Collectives work on NumPy arrays in place (the buffer protocol: no pickling,
no copies through Python objects). With more than one rank, an exception that
escapes on any rank aborts the whole job (``MPI_Abort``), so the other ranks
exit with an error naming that rank instead of waiting for it forever.
"""

import os
import sys

import numpy as np

from .. import _C

# set by the launchers of Open MPI (OMPI_*), MPICH/Hydra (PMI_*) and PMIx-based ones
_LAUNCHER_SIZE_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS")
_LAUNCHER_RANK_VARS = ("OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK")

_WORLD = []


def launched_by_mpi():
    """Whether an MPI launcher started this process."""
    return any(v in os.environ for v in _LAUNCHER_SIZE_VARS + _LAUNCHER_RANK_VARS)


class World:
    """rank, size, local_rank, local_size and the collectives of the process group."""

    def __init__(self, comm=None):
        self.comm = comm
        if comm is None:
            self.rank, self.size, self.local_rank, self.local_size = 0, 1, 0, 1
            self.node_comm = self.cross_comm = None
            self.uniform_local_size = True
            return
        from mpi4py import MPI

        self._mpi = MPI
        self.rank, self.size = comm.Get_rank(), comm.Get_size()
        # the ranks of this machine (they can share memory), and the ranks of the same local rank
        # on every machine; both are made here, where every rank makes them in the same order
        self.node_comm = comm.Split_type(MPI.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank, self.local_size = self.node_comm.Get_rank(), self.node_comm.Get_size()
        self.uniform_local_size = len(set(comm.allgather(self.local_size))) == 1
        self.cross_comm = comm.Split(color=self.local_rank, key=self.rank)

    def __repr__(self):
        return f"<World rank {self.rank} of {self.size} (local {self.local_rank} of {self.local_size})>"

    # ---- collectives (every rank must call them, in the same order) ----------------------------

    def allreduce_(self, array):
        """Sums `array` (a contiguous NumPy array) over the ranks, in place."""
        if self.comm is not None:
            self.comm.Allreduce(self._mpi.IN_PLACE, array, op=self._mpi.SUM)
        return array

    def allreduce_into(self, send, recv):
        """recv = the sum over the ranks of `send` (any buffer; recv a writable array)."""
        if self.comm is None:
            np.copyto(recv, np.asarray(send).reshape(recv.shape))
        else:
            self.comm.Allreduce(send, recv, op=self._mpi.SUM)
        return recv

    def broadcast_(self, array, root=0):
        """`array` (contiguous) takes the value it has on rank `root`, in place."""
        if self.comm is not None:
            self.comm.Bcast(array, root=root)
        return array

    def allgather(self, array):
        """The arrays of every rank, concatenated along axis 0 (their first axes may differ)."""
        array = np.ascontiguousarray(array)
        if self.comm is None:
            return array.copy()
        rows = self.comm.allgather(array.shape[0] if array.ndim else 1)
        out = np.empty((sum(rows),) + array.shape[1:], dtype=array.dtype)
        inner = int(np.prod(array.shape[1:], dtype=np.int64))
        self.comm.Allgatherv(array, [out, [r * inner for r in rows]])
        return out

    def allgather_object(self, obj):
        """A list of every rank's `obj` (small Python values: shapes, names, flags)."""
        return [obj] if self.comm is None else self.comm.allgather(obj)

    def broadcast_object(self, obj, root=0):
        return obj if self.comm is None else self.comm.bcast(obj, root=root)

    def barrier(self):
        if self.comm is not None:
            self.comm.Barrier()

    def abort(self, code=1):
        if self.comm is not None:
            self.comm.Abort(code)


def world():
    """The process group of this process (joined on first use)."""
    if not _WORLD:
        _WORLD.append(_join())
    return _WORLD[0]


def _join():
    if not launched_by_mpi():
        return World()
    try:
        from mpi4py import MPI
    except ImportError:
        raise RuntimeError(
            "This process was started by an MPI launcher, but mpi4py is not installed: install it with "
            "`pip install tensorgear[mpi]` (mpi4py and Open MPI), or run the script with plain `python`") from None
    w = World(MPI.COMM_WORLD)
    if w.size > 1:
        _share_cores(w)
        _abort_on_uncaught_exception(w)
    return w


def _share_cores(w):
    """Each rank's thread pool gets its share of the machine's cores (2 ranks on 2 cores: 1 thread
    each), unless the user chose a thread count."""
    if os.environ.get("TENSORGEAR_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS"):
        return
    cores = _C.pool_info()["default_threads"]
    _C.set_num_threads(max(1, cores // w.local_size))


def _abort_on_uncaught_exception(w):
    previous = sys.excepthook

    def hook(kind, value, tb):
        sys.stderr.write(f"tensorgear.distribute: rank {w.rank} of {w.size} failed; aborting every rank.\n")
        previous(kind, value, tb)
        sys.stderr.flush()
        w.abort(1)

    sys.excepthook = hook

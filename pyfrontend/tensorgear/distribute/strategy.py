"""tf.distribute's strategies, on the process group of world.py.

``MultiWorkerMirroredStrategy`` is data parallelism over MPI ranks: a model
built and compiled in its ``scope()`` trains with ``fit`` as one model, each
rank on its part of every global batch, the gradients summed over the ranks
(see keras/trainers/step.py). ``MirroredStrategy`` and the default strategy
are one process; code written for them runs unchanged.
"""

import contextlib
import json
import os

import numpy as np

from .. import _C, nest
from .world import World, world

_STACK = []


class ReduceOp:
    """tf.distribute.ReduceOp."""

    SUM = "SUM"
    MEAN = "MEAN"


class ClusterResolver:
    """Who this process is in the cluster (tf.distribute.cluster_resolver's fields)."""

    def __init__(self, task_type, task_id, num_workers):
        self.task_type, self.task_id, self.num_workers = task_type, task_id, num_workers

    def __repr__(self):
        return f"<ClusterResolver {self.task_type} {self.task_id} of {self.num_workers}>"


class Strategy:
    """The default strategy: this process, one replica."""

    def __init__(self):
        self._world = World()
        self.cluster_resolver = ClusterResolver("worker", 0, 1)

    @property
    def num_replicas_in_sync(self):
        return self._world.size

    @property
    def world(self):
        return self._world

    @property
    def distributed(self):
        """Whether there is more than one replica to keep in step."""
        return self._world.size > 1

    @contextlib.contextmanager
    def scope(self):
        """Models, optimizers and variables made inside belong to this strategy."""
        _STACK.append(self)
        try:
            yield self
        finally:
            _STACK.pop()

    def run(self, fn, args=(), kwargs=None):
        """fn on this replica's values (each process is one replica)."""
        return fn(*args, **(kwargs or {}))

    def reduce(self, reduce_op, value, axis=None):
        """The SUM or MEAN over the replicas of `value` (then over `axis` of the result, as TF does)."""
        op = getattr(reduce_op, "value", reduce_op)
        op = str(op).upper().rpartition(".")[2]
        if op not in (ReduceOp.SUM, ReduceOp.MEAN):
            raise ValueError(f"reduce_op must be tf.distribute.ReduceOp.SUM or MEAN, got {reduce_op!r}")
        array = np.array(value.numpy() if hasattr(value, "numpy") else value, order="C")
        if array.dtype.kind not in "fiu":
            raise TypeError(f"strategy.reduce: expected a numeric tensor, got dtype {array.dtype}")
        count = np.array([array.shape[axis] if axis is not None else 1], dtype=np.int64)
        self._world.allreduce_(array)
        if op == ReduceOp.MEAN and axis is None:
            array = array / self._world.size
        if axis is not None:
            self._world.allreduce_(count)
            array = array.sum(axis=axis) if op == ReduceOp.SUM else array.sum(axis=axis) / count[0]
        return _C.convert_to_tensor(np.asarray(array))

    def experimental_distribute_dataset(self, dataset, options=None):
        """The dataset as this replica sees it: its part of every global batch."""
        return DistributedDataset(dataset, self._world)

    def __repr__(self):
        return f"<{type(self).__name__} {self._world.size} replica(s)>"


class MirroredStrategy(Strategy):
    """Synchronous training on the devices of one process; tensorgear runs one CPU replica."""

    def __init__(self, devices=None, cross_device_ops=None):
        super().__init__()
        self.devices = tuple(devices) if devices is not None else ("/job:localhost/replica:0/task:0/device:CPU:0",)


class MultiWorkerMirroredStrategy(Strategy):
    """Data-parallel training over the ranks of an MPI job (``mpirun -np N python train.py``)."""

    def __init__(self, cluster_resolver=None, communication_options=None):
        super().__init__()
        self._world = world()
        self.cluster_resolver = cluster_resolver or _resolver_from_environment(self._world)


def _resolver_from_environment(w):
    """This rank's place: from TF_CONFIG when set (it must agree with the MPI launch), else MPI's."""
    raw = os.environ.get("TF_CONFIG")
    if not raw:
        return ClusterResolver("worker", w.rank, w.size)
    try:
        config = json.loads(raw)
        workers = config["cluster"]["worker"]
        task = config["task"]
        task_type, index = task["type"], int(task["index"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"TF_CONFIG is not a valid cluster description ({exc}): {raw!r}") from None
    if len(workers) != w.size or index != w.rank:
        raise ValueError(
            f"TF_CONFIG names worker {index} of {len(workers)}, but this process is rank {w.rank} of {w.size} "
            f"in its MPI job: tensorgear's workers talk through MPI, so start them with mpirun "
            f"(e.g. `mpirun -np {len(workers)} python train.py`)")
    return ClusterResolver(task_type, index, len(workers))


def get_strategy():
    """The strategy whose scope() is open, else the default strategy."""
    return _STACK[-1] if _STACK else _DEFAULT


def has_strategy():
    return bool(_STACK)


def in_cross_replica_context():
    return True


class DistributedDataset:
    """A dataset of batches, each cut to this replica's part (near-equal row ranges, in rank order)."""

    def __init__(self, dataset, w):
        self._dataset, self._world = dataset, w

    def __iter__(self):
        for batch in self._dataset:
            yield nest.map_structure(self._part, batch)

    def _part(self, x):
        n = int(x.shape[0])
        lo, hi = replica_rows(0, n, self._world.rank, self._world.size)
        return x[lo:hi]

    def __len__(self):
        return len(self._dataset)


def replica_rows(start, stop, rank, size):
    """Rank `rank`'s part [lo, hi) of rows [start, stop): near-equal, in rank order."""
    n = stop - start
    return start + (n * rank) // size, start + (n * (rank + 1)) // size


_DEFAULT = Strategy()

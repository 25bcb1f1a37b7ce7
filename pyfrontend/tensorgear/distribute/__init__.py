"""``tensorgear.distribute``: training on several processes, over MPI.

TensorFlow's names (``tf.distribute``): strategies, ``ReduceOp``,
``get_strategy()``. Horovod's names, for custom loops: ``init()``, ``rank()``,
``size()``, ``local_rank()``, ``allreduce``, ``allgather``, ``broadcast``,
``broadcast_variables``, ``DistributedGradientTape``, ``DistributedOptimizer``
and the callbacks ``BroadcastGlobalVariablesCallback``, ``MetricAverageCallback``.

Launch with MPI (``mpirun -np 2 python train.py``); a plain ``python train.py``
is one rank and needs no MPI. ``pip install tensorgear[mpi]`` brings mpi4py and
Open MPI.
"""

from .collectives import Average, Sum, allgather, allreduce, broadcast, broadcast_variables  # noqa: F401
from .strategy import (  # noqa: F401
    MirroredStrategy, MultiWorkerMirroredStrategy, ReduceOp, Strategy, get_strategy, has_strategy,
    in_cross_replica_context,
)
from .tape import DistributedGradientTape, DistributedOptimizer  # noqa: F401
from .world import launched_by_mpi, world  # noqa: F401


def init():
    """Joins the process group (MPI's COMM_WORLD when launched by MPI); safe to call again."""
    world()


def is_initialized():
    return True


def rank():
    return world().rank


def size():
    return world().size


def local_rank():
    return world().local_rank


def local_size():
    return world().local_size


_CALLBACKS = ("BroadcastGlobalVariablesCallback", "MetricAverageCallback")


def __getattr__(name):
    # The Keras callbacks come from keras, which imports this package: loaded on first use.
    if name in _CALLBACKS or name == "callbacks":
        from ..keras.callbacks import distributed

        return distributed if name == "callbacks" else getattr(distributed, name)
    raise AttributeError(f"module 'tensorgear.distribute' has no attribute '{name}'")

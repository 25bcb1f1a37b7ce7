"""Horovod's collectives on tensors: allreduce, allgather, broadcast, broadcast_variables.

Every rank must make the same calls in the same order (MPI's rule). A tensor
goes to MPI through the buffer protocol: no pickling.
"""

import numpy as np

from .. import _C
from .world import world

Average = "Average"
Sum = "Sum"


def _array(tensor):
    return np.array(tensor.numpy() if hasattr(tensor, "numpy") else tensor, order="C", copy=True)


def _as_tensor_like(array, like):
    dtype = getattr(like, "dtype", None)
    return _C.convert_to_tensor(array, dtype) if dtype is not None else _C.convert_to_tensor(array)


def allreduce(tensor, average=None, op=None, name=None):
    """The sum (op=Sum) or mean (op=Average, the default) of `tensor` over the ranks."""
    if average is not None and op is not None:
        raise ValueError("allreduce: give `op` or the older `average`, not both")
    op = op if op is not None else (Sum if average is False else Average)
    if op not in (Sum, Average):
        raise ValueError(f"allreduce: op must be distribute.Sum or distribute.Average, got {op!r}")
    w = world()
    array = w.allreduce_(_array(tensor))
    if op == Average:
        array = (array / w.size).astype(array.dtype) if array.dtype.kind == "f" else array // w.size
    return _as_tensor_like(array, tensor)


def allgather(tensor, name=None):
    """Every rank's `tensor` concatenated along the first axis, in rank order."""
    return _as_tensor_like(world().allgather(_array(tensor)), tensor)


def broadcast(tensor, root_rank=0, name=None):
    """`tensor` as it is on rank `root_rank`."""
    array = _array(tensor)
    _check_same("broadcast", [("tensor", array.shape, array.dtype.name)], root_rank)
    return _as_tensor_like(world().broadcast_(array, root_rank), tensor)


def broadcast_variables(variables, root_rank=0):
    """Assigns every variable the value it has on rank `root_rank` (one Bcast per dtype).

    The variables' names, shapes and dtypes are compared with the root's first: a model built
    differently on some rank is reported, naming the rank and the first weight that differs.
    """
    variables = list(variables)
    w = world()
    if w.size == 1 or not variables:
        return
    _check_same("broadcast_variables", [(getattr(v, "name", "?"), tuple(v.shape), v.dtype.name) for v in variables],
                root_rank)
    for dtype in sorted({v.dtype.name for v in variables}):
        group = [v for v in variables if v.dtype.name == dtype]
        flat = np.concatenate([v.numpy().ravel() for v in group]) if group else np.empty(0)
        w.broadcast_(flat, root_rank)
        start = 0
        for v in group:
            size = int(np.prod(v.shape, dtype=np.int64))
            v.assign(_C.convert_to_tensor(flat[start:start + size].reshape(tuple(v.shape))))
            start += size


def _check_same(what, signature, root_rank):
    """ValueError on every rank when some rank's (name, shape, dtype) list differs from the root's."""
    signatures = world().allgather_object(signature)
    root = signatures[root_rank]
    for rank, sig in enumerate(signatures):
        if sig == root:
            continue
        if len(sig) != len(root):
            raise ValueError(f"{what}: rank {rank} has {len(sig)} tensors, rank {root_rank} has {len(root)}: the "
                             f"ranks built different models")
        mine, theirs = next((a, b) for a, b in zip(sig, root) if a != b)
        raise ValueError(f"{what}: rank {rank} has {mine[0]!r} of shape {mine[1]} ({mine[2]}), but rank {root_rank} "
                         f"has {theirs[0]!r} of shape {theirs[1]} ({theirs[2]}): the ranks built different models")

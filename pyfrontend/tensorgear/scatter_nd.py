"""tf.gather_nd, tf.scatter_nd, tf.tensor_scatter_nd_update / add / sub: index tuples over the
leading dimensions, as compositions of the core's gather and its scatter-add (gather_backward)
over flat positions, so they differentiate through those ops' rules.

An index tuple (the last axis of `indices`, depth k) names a slice t[i0, ..., ik-1]; its flat
position over the first k dims is the dot product with their row-major strides. The tuples are
checked on the host (one sync): TensorFlow raises for an out-of-range index on the CPU, and a
wrong flat position would silently read another slice.
"""

import numpy as np

from . import _C


def _index_tensor(indices):
    t = _C.convert_to_tensor(indices)
    if t.dtype not in (_C.int32, _C.int64):
        if t.shape.num_elements() == 0:
            return _C.cast(t, _C.int64)
        raise TypeError(f"indices must be an int32 or int64 tensor, got dtype {t.dtype.name}")
    return t


def _flat_positions(indices, shape, fn):
    """int64 flat positions over shape[:k] of the index tuples (..., k); IndexError outside."""
    if indices.shape.rank is None or indices.shape.rank < 1:
        raise ValueError(f"{fn}: indices must have rank >= 1, got shape {tuple(indices.shape)}")
    k = int(indices.shape[-1])
    if k > len(shape):
        raise ValueError(f"{fn}: index depth {k} (the last dimension of indices) exceeds the rank "
                         f"{len(shape)} of the shape {tuple(shape)}")
    lead = [int(d) for d in shape[:k]]
    idx = _C.cast(indices, _C.int64)
    if idx.shape.num_elements():
        bounds = _C.constant(np.array(lead, np.int64)) if k else None
        if k and bool(_C.reduce_any(_C.logical_or(idx < 0, idx >= bounds))):
            bad = idx.numpy().reshape(-1, k)
            row = bad[np.any((bad < 0) | (bad >= np.array(lead)), axis=1)][0]
            raise IndexError(f"{fn}: index {row.tolist()} is out of range for the leading dims {tuple(lead)} of "
                             f"shape {tuple(shape)}")
    strides = np.ones(k, np.int64)
    for i in range(k - 2, -1, -1):
        strides[i] = strides[i + 1] * lead[i + 1]
    flat = _C.reduce_sum(idx * _C.constant(strides), axis=-1) if k else \
        _C.zeros(tuple(indices.shape[:-1]), dtype=_C.int64)
    return flat, k, int(np.prod(lead, dtype=np.int64))


def gather_nd(params, indices, batch_dims=0, name=None):
    """params[i0, ..., ik-1] for each index tuple of indices (the last axis): shape
    indices.shape[:-1] + params.shape[k:]."""
    if batch_dims != 0:
        raise ValueError(f"gather_nd: only batch_dims=0 is supported, got batch_dims={batch_dims}")
    params = _C.convert_to_tensor(params)
    indices = _index_tensor(indices)
    shape = tuple(params.shape)
    flat, k, rows = _flat_positions(indices, shape, "gather_nd")
    table = _C.reshape(params, (rows,) + shape[k:])
    return _C.gather(table, flat, axis=0)


def _scatter_add(flat, updates, shape, k, rows, fn):
    updates = _C.convert_to_tensor(updates)
    expect = tuple(flat.shape) + tuple(shape[k:])
    if tuple(updates.shape) != expect:
        raise ValueError(f"{fn}: updates of shape {tuple(updates.shape)} do not match indices.shape[:-1] + "
                         f"shape[{k}:] = {expect}")
    summed = _C._gather_backward(updates, flat, 0, (rows,) + tuple(shape[k:]))
    return _C.reshape(summed, tuple(shape))


def scatter_nd(indices, updates, shape, name=None):
    """Zeros of `shape` with each update added at its index tuple (repeated tuples add up)."""
    shape = tuple(int(d) for d in (shape.numpy() if hasattr(shape, "numpy") else shape))
    indices = _index_tensor(indices)
    flat, k, rows = _flat_positions(indices, shape, "scatter_nd")
    return _scatter_add(flat, updates, shape, k, rows, "scatter_nd")


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """tensor with each update added at its index tuple."""
    tensor = _C.convert_to_tensor(tensor)
    indices = _index_tensor(indices)
    shape = tuple(tensor.shape)
    flat, k, rows = _flat_positions(indices, shape, "tensor_scatter_nd_add")
    updates = _C.cast(_C.convert_to_tensor(updates), tensor.dtype)
    return tensor + _scatter_add(flat, updates, shape, k, rows, "tensor_scatter_nd_add")


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """tensor with each update subtracted at its index tuple."""
    updates = _C.convert_to_tensor(updates)
    return tensor_scatter_nd_add(tensor, indices, -updates, name)


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """tensor with the slices at the index tuples replaced by updates. A tuple given twice takes
    the sum of its updates (TensorFlow leaves the order of repeated updates undefined)."""
    tensor = _C.convert_to_tensor(tensor)
    indices = _index_tensor(indices)
    shape = tuple(tensor.shape)
    flat, k, rows = _flat_positions(indices, shape, "tensor_scatter_nd_update")
    updates = _C.cast(_C.convert_to_tensor(updates), tensor.dtype)
    new = _scatter_add(flat, updates, shape, k, rows, "tensor_scatter_nd_update")
    hit = _scatter_add(flat, _C.ones(tuple(updates.shape), dtype=_C.float32), shape, k, rows,
                       "tensor_scatter_nd_update")
    return _C.where(hit > 0, new, tensor)

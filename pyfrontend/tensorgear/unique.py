"""tf.unique and tf.unique_with_counts for 1-D tensors, as compositions of core ops: a stable
argsort groups equal values, the first sorted position of each group holds its first
occurrence, and the groups are renumbered in the order of first occurrence, as TensorFlow
returns them. The number of unique values is data: boolean_mask reads it back (one sync).
NaN never equals itself, so each NaN is its own value, as in TensorFlow.
"""

import collections

from . import _C

UniqueOutput = collections.namedtuple("UniqueOutput", ["y", "idx"])
UniqueWithCountsOutput = collections.namedtuple("UniqueWithCountsOutput", ["y", "idx", "count"])


def _groups(x, out_idx):
    x = _C.convert_to_tensor(x)
    if x.shape.rank != 1:
        raise ValueError(f"unique: expected a 1-D tensor, got shape {tuple(x.shape)}")
    out_idx = _C.as_dtype(out_idx)
    if out_idx not in (_C.int32, _C.int64):
        raise TypeError(f"unique: out_idx must be int32 or int64, got {out_idx.name}")
    n = int(x.shape[0])
    if n == 0:
        empty = _C.zeros((0,), dtype=out_idx)
        return x, empty, empty, empty
    order = _C._argsort(x, 0, False, "int64")
    s = _C.gather(x, order)
    starts = _C.concat([_C.constant([True]), _C.not_equal(s[1:], s[:-1])], axis=0)  # a new value begins
    group = _C.cumsum(_C.cast(starts, _C.int64)) - 1                               # group of each sorted entry
    firsts = _C.boolean_mask(order, starts)                                         # first occurrence per group
    by_first = _C._argsort(firsts, 0, False, "int64")                               # groups in TF's order
    rank = _C._argsort(by_first, 0, False, "int64")                                 # the inverse permutation
    idx_sorted = _C.gather(rank, group)
    idx = _C._gather_backward(idx_sorted, order, 0, (n,))                           # each position written once
    y = _C.gather(x, _C.gather(firsts, by_first))
    return y, _C.cast(idx, out_idx), group, by_first


def unique(x, out_idx="int32", name=None):
    """(y, idx): the unique values of a 1-D tensor in order of first occurrence, and for each
    entry of x the position of its value in y (x == gather(y, idx))."""
    y, idx, _, _ = _groups(x, out_idx)
    return UniqueOutput(y, idx)


def unique_with_counts(x, out_idx="int32", name=None):
    """unique plus how often each value of y occurs in x."""
    y, idx, group, by_first = _groups(x, out_idx)
    if int(y.shape[0]) == 0:
        return UniqueWithCountsOutput(y, idx, idx)
    k = int(y.shape[0])
    counts = _C._gather_backward(_C.ones(tuple(group.shape), dtype=_C.int64), group, 0, (k,))
    return UniqueWithCountsOutput(y, idx, _C.cast(_C.gather(counts, by_first), idx.dtype))

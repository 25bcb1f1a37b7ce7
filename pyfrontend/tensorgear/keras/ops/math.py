"""keras.ops.math: top_k, logsumexp and friends (Keras 3's names and arguments)."""

import tensorgear as tg

from .core import convert_to_tensor as _t
from .numpy import logsumexp  # noqa: F401  (keras.ops.logsumexp is also keras.ops.math's)
from .symbolic import keras_op


@keras_op("TopK", ("x",), "keras.src.ops.math")
def top_k(x, k, sorted=True):  # noqa: A002
    values, indices = tg.math.top_k(_t(x), k)
    return values, indices


def erf(x):
    return tg.math.erf(_t(x))


def rsqrt(x):
    return tg.math.rsqrt(_t(x))


def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Sums of data's rows per segment id (num_segments defaults to max id + 1)."""
    data, ids = _t(data), tg.cast(_t(segment_ids), "int64")
    n = int(tg.reduce_max(ids)) + 1 if num_segments is None else int(num_segments)
    return tg._C._gather_backward(data, ids, 0, (n,) + tuple(data.shape[1:]))

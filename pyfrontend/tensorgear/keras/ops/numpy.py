"""keras.ops' NumPy-like functions (Keras 3's names, arguments and dtype rules) on tensorgear's
ops. Called on KerasTensors they record graph nodes (symbolic.py). Shapes and index constants
are computed with NumPy; tensor data only ever goes through tensorgear ops.
"""

import builtins

import numpy as np

import tensorgear as tg

from .core import convert_to_tensor as _t, tensors as _ts
from .symbolic import keras_op


def _binary(class_name, fn):
    @keras_op(class_name, ("x1", "x2"))
    def op(x1, x2):
        return fn(*_operands(x1, x2))

    op.__name__ = op.__qualname__ = class_name.lower()
    return op


def _operands(x1, x2):
    """Python scalars stay weak (they take the tensor's dtype, Keras's rule); the rest convert."""
    def one(x):
        return x if isinstance(x, (builtins.int, builtins.float, builtins.bool)) else _t(x)
    a, b = one(x1), one(x2)
    if not isinstance(a, tg.Tensor) and not isinstance(b, tg.Tensor):
        a = _t(a)
    return a, b


def _float_result(x):
    x = _t(x)
    return x if x.dtype.is_floating else tg.cast(x, "float32")


def _unary(class_name, fn, to_float=False):
    @keras_op(class_name)
    def op(x):
        return fn(_float_result(x) if to_float else _t(x))

    op.__name__ = op.__qualname__ = class_name.lower()
    return op


add = _binary("Add", tg.add)
subtract = _binary("Subtract", tg.subtract)
multiply = _binary("Multiply", tg.multiply)
divide = _binary("Divide", lambda a, b: tg.divide(_float_result(a), b) if isinstance(a, tg.Tensor)
                 else tg.divide(a, _float_result(b)))
true_divide = divide
power = _binary("Power", tg.pow)
maximum = _binary("Maximum", tg.maximum)
minimum = _binary("Minimum", tg.minimum)
mod = _binary("Mod", tg.math.floormod)
floor_divide = _binary("FloorDivide", tg.floordiv)
equal = _binary("Equal", tg.equal)
not_equal = _binary("NotEqual", tg.not_equal)
less = _binary("Less", tg.less)
less_equal = _binary("LessEqual", tg.less_equal)
greater = _binary("Greater", tg.greater)
greater_equal = _binary("GreaterEqual", tg.greater_equal)
logical_and = _binary("LogicalAnd", lambda a, b: tg.logical_and(tg.cast(_t(a), "bool"), tg.cast(_t(b), "bool")))
logical_or = _binary("LogicalOr", lambda a, b: tg.logical_or(tg.cast(_t(a), "bool"), tg.cast(_t(b), "bool")))
logical_xor = _binary("LogicalXor", lambda a, b: tg.logical_xor(tg.cast(_t(a), "bool"), tg.cast(_t(b), "bool")))

absolute = abs = _unary("Absolute", tg.abs)
negative = _unary("Negative", tg.negative)
sign = _unary("Sign", tg.sign)
square = _unary("Square", tg.square)
exp = _unary("Exp", tg.exp, to_float=True)
log = _unary("Log", tg.math.log, to_float=True)
log1p = _unary("Log1p", tg.math.log1p, to_float=True)
expm1 = _unary("Expm1", tg.math.expm1, to_float=True)
sqrt = _unary("Sqrt", tg.sqrt, to_float=True)
sin = _unary("Sin", tg.sin, to_float=True)
cos = _unary("Cos", tg.cos, to_float=True)
tanh = _unary("Tanh", tg.tanh, to_float=True)
reciprocal = _unary("Reciprocal", tg.math.reciprocal, to_float=True)
isnan = _unary("Isnan", lambda x: tg.math.is_nan(x) if x.dtype.is_floating else tg.zeros_like(x, "bool"))
isfinite = _unary("Isfinite", lambda x: tg.math.is_finite(x) if x.dtype.is_floating else tg.ones_like(x, "bool"))
isinf = _unary("Isinf", lambda x: tg.math.is_inf(x) if x.dtype.is_floating else tg.zeros_like(x, "bool"))
logical_not = _unary("LogicalNot", lambda x: tg.logical_not(tg.cast(x, "bool")))
floor = _unary("Floor", lambda x: x - tg.math.floormod(x, 1.0) if x.dtype.is_floating else x, to_float=False)
ceil = _unary("Ceil", lambda x: -(-x - tg.math.floormod(-x, 1.0)) if x.dtype.is_floating else x)


@keras_op("Round")
def round(x, decimals=0):  # noqa: A001
    """Rounds half to even, as NumPy."""
    x = _t(x)
    if not x.dtype.is_floating:
        return x
    scale = 10.0 ** decimals
    y = x * scale
    f = floor(y)
    diff = y - f
    even = tg.math.floormod(f, 2.0) == 0.0
    up = tg.logical_or(diff > 0.5, tg.logical_and(diff == 0.5, tg.logical_not(even)))
    return tg.where(up, f + 1.0, f) / scale


@keras_op("Clip")
def clip(x, x_min, x_max):
    x = _t(x)
    return tg.clip_by_value(x, x_min, x_max)


# ---- reductions --------------------------------------------------------------------------

def _reduction(class_name, fn, to_float=False):
    @keras_op(class_name)
    def op(x, axis=None, keepdims=False):
        x = _float_result(x) if to_float else _t(x)
        return fn(x, axis=axis, keepdims=keepdims)

    op.__name__ = op.__qualname__ = class_name.lower()
    return op


sum = _reduction("Sum", tg.reduce_sum)  # noqa: A001
mean = _reduction("Mean", tg.reduce_mean, to_float=True)
prod = _reduction("Prod", tg.reduce_prod)
var = _reduction("Var", tg.math.reduce_variance, to_float=True)
std = _reduction("Std", tg.math.reduce_std, to_float=True)
any = _reduction("Any", lambda x, axis, keepdims: tg.reduce_any(tg.cast(x, "bool"), axis, keepdims))  # noqa: A001
all = _reduction("All", lambda x, axis, keepdims: tg.reduce_all(tg.cast(x, "bool"), axis, keepdims))  # noqa: A001
logsumexp = _reduction("Logsumexp", tg.reduce_logsumexp, to_float=True)


@keras_op("Max")
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    out = tg.reduce_max(_t(x), axis=axis, keepdims=keepdims)
    return out if initial is None else tg.maximum(out, initial)


@keras_op("Min")
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001
    out = tg.reduce_min(_t(x), axis=axis, keepdims=keepdims)
    return out if initial is None else tg.minimum(out, initial)


def _arg(fn, x, axis, keepdims):
    x = _t(x)
    if axis is None:
        x, axis = tg.reshape(x, [-1]), 0
    out = fn(x, axis=axis, output_type="int32")
    return tg.expand_dims(out, axis) if keepdims else out


@keras_op("Argmax")
def argmax(x, axis=None, keepdims=False):
    return _arg(tg.argmax, x, axis, keepdims)


@keras_op("Argmin")
def argmin(x, axis=None, keepdims=False):
    return _arg(tg.argmin, x, axis, keepdims)


@keras_op("CountNonzero")
def count_nonzero(x, axis=None):
    return tg.reduce_sum(tg.cast(tg.not_equal(_t(x), 0), "int32"), axis=axis)


def _flat_or(x, axis):
    return (tg.reshape(x, [-1]), 0) if axis is None else (x, axis)


@keras_op("Cumsum")
def cumsum(x, axis=None, dtype=None):
    x, axis = _flat_or(_t(x) if dtype is None else tg.cast(_t(x), dtype), axis)
    return tg.math.cumsum(x, axis=axis)


@keras_op("Cumprod")
def cumprod(x, axis=None, dtype=None):
    x, axis = _flat_or(_t(x) if dtype is None else tg.cast(_t(x), dtype), axis)
    return tg.math.cumprod(x, axis=axis)


# ---- sorting and indexing ------------------------------------------------------------------

@keras_op("Sort")
def sort(x, axis=-1):
    return tg.sort(_t(x), axis=axis)


@keras_op("Argsort")
def argsort(x, axis=-1):
    x, axis = _flat_or(_t(x), axis)
    return tg.argsort(x, axis=axis, stable=True)


@keras_op("Take", ("x", "indices"))
def take(x, indices, axis=None):
    x, axis = _flat_or(_t(x), axis)
    return tg.gather(x, _t(indices), axis=axis)


@keras_op("TakeAlongAxis", ("x", "indices"))
def take_along_axis(x, indices, axis=None):
    x, axis = _flat_or(_t(x), axis)
    return tg._C._take_along_axis(x, _t(indices), axis)


@keras_op("Where", ("condition", "x1", "x2"))
def where(condition, x1=None, x2=None):
    c = tg.cast(_t(condition), "bool")
    if x1 is None and x2 is None:
        return nonzero(c)
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2, or neither")
    a, b = _operands(x1, x2)
    return tg.where(c, a, b)


def nonzero(x):
    """A tuple of int32 index arrays, one per dim, of the non-zero entries (eager only)."""
    x = _t(x)
    flat = tg.boolean_mask(tg.range(int(np.prod(x.shape, dtype=np.int64)), dtype="int64"),
                           tg.reshape(tg.not_equal(x, 0), [-1]))
    out, rest = [], flat
    strides = np.cumprod([1] + [int(d) for d in x.shape[::-1]])[::-1][1:]
    for s in strides:
        out.append(tg.cast(tg.floordiv(rest, int(s)), "int32"))
        rest = tg.math.floormod(rest, int(s))
    return tuple(out)


# ---- shapes and joins ----------------------------------------------------------------------

@keras_op("Reshape")
def reshape(x, newshape):
    return tg.reshape(_t(x), newshape)


@keras_op("Transpose")
def transpose(x, axes=None):
    return tg.transpose(_t(x), axes)


@keras_op("ExpandDims")
def expand_dims(x, axis):
    x = _t(x)
    for a in sorted(axis) if isinstance(axis, (list, tuple)) else [axis]:
        x = tg.expand_dims(x, a)
    return x


@keras_op("Squeeze")
def squeeze(x, axis=None):
    return tg.squeeze(_t(x), axis)


@keras_op("Stack", ("x",))
def stack(x, axis=0):
    return tg.stack(_ts(*x), axis=axis)


@keras_op("Concatenate", ("xs",))
def concatenate(xs, axis=0):
    if axis is None:
        return tg.concat([tg.reshape(t, [-1]) for t in _ts(*xs)], axis=0)
    return tg.concat(_ts(*xs), axis=axis)


def vstack(xs):
    return concatenate([t if _t(t).ndim >= 2 else tg.reshape(_t(t), [1, -1]) for t in xs], axis=0)


def hstack(xs):
    ts = _ts(*xs)
    return concatenate(ts, axis=0 if ts[0].ndim == 1 else 1)


@keras_op("Tile")
def tile(x, repeats):
    x = _t(x)
    reps = [int(r) for r in (repeats if isinstance(repeats, (list, tuple)) else [repeats])]
    while x.ndim < len(reps):
        x = tg.expand_dims(x, 0)
    reps = [1] * (x.ndim - len(reps)) + reps
    return tg.tile(x, reps)


@keras_op("Repeat")
def repeat(x, repeats, axis=None):
    x, axis = _flat_or(_t(x), axis)
    n = int(x.shape[axis])
    positions = np.repeat(np.arange(n), np.asarray(repeats, dtype=np.int64))
    return tg.gather(x, tg.constant(positions.astype(np.int64)), axis=axis)


@keras_op("Pad")
def pad(x, pad_width, mode="constant", constant_values=None):
    x = _t(x)
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64).reshape(-1, 2) if np.ndim(pad_width) else
                             np.full((1, 2), pad_width), (x.ndim, 2)).tolist()
    if mode == "constant":
        return tg.pad(x, widths, constant_values=0 if constant_values is None else constant_values)
    if constant_values is not None:
        raise ValueError(f"pad: constant_values applies to mode='constant' only, got mode={mode!r}")
    if mode in ("reflect", "symmetric"):
        return tg.pad(x, widths, mode=mode.upper())
    raise ValueError(f"pad: mode must be 'constant', 'reflect' or 'symmetric', got {mode!r}")


@keras_op("Split")
def split(x, indices_or_sections, axis=0):
    x = _t(x)
    n = int(x.shape[axis])
    if isinstance(indices_or_sections, builtins.int):
        if n % indices_or_sections:
            raise ValueError(f"split: {n} entries along axis {axis} do not split into {indices_or_sections} equal "
                             f"sections")
        return tg.split(x, indices_or_sections, axis=axis)
    bounds = [0] + [int(i) for i in indices_or_sections] + [n]
    return tg.split(x, [b - a for a, b in zip(bounds[:-1], bounds[1:])], axis=axis)


@keras_op("Flip")
def flip(x, axis=None):
    x = _t(x)
    axes = list(range(x.ndim)) if axis is None else ([axis] if isinstance(axis, builtins.int) else list(axis))
    return tg.reverse(x, axes)


@keras_op("Roll")
def roll(x, shift, axis=None):
    x = _t(x)
    if axis is None:
        return tg.reshape(roll(tg.reshape(x, [-1]), shift, 0), tuple(x.shape))
    axes = [axis] if isinstance(axis, builtins.int) else list(axis)
    shifts = [shift] * len(axes) if isinstance(shift, builtins.int) else list(shift)
    for a, s in zip(axes, shifts):
        n = int(x.shape[a])
        if n:
            x = tg.gather(x, tg.constant(((np.arange(n) - s) % n).astype(np.int64)), axis=a)
    return x


def _tri_mask(x, k, upper):
    m, n = int(x.shape[-2]), int(x.shape[-1])
    mask = np.tri(m, n, k - 1, dtype=bool) if upper else np.tri(m, n, k, dtype=bool)
    return tg.constant(~mask if upper else mask)


@keras_op("Tril")
def tril(x, k=0):
    x = _t(x)
    return tg.where(_tri_mask(x, k, False), x, tg.zeros_like(x))


@keras_op("Triu")
def triu(x, k=0):
    x = _t(x)
    return tg.where(_tri_mask(x, k, True), x, tg.zeros_like(x))


@keras_op("Diag")
def diag(x, k=0):
    """A 1-D x becomes a matrix with x on diagonal k; a matrix gives its diagonal k."""
    x = _t(x)
    if x.ndim == 1:
        n = int(x.shape[0]) + builtins.abs(k)
        i = np.arange(int(x.shape[0]))
        idx = np.stack([i + builtins.max(-k, 0), i + builtins.max(k, 0)], -1)
        return tg.scatter_nd(tg.constant(idx.astype(np.int64)), x, (n, n))
    if x.ndim == 2:
        return diagonal(x, offset=k)
    raise ValueError(f"diag: x must have rank 1 or 2, got shape {tuple(x.shape)}")


@keras_op("Diagonal")
def diagonal(x, offset=0, axis1=0, axis2=1):
    x = _t(x)
    moved = tg.transpose(x, [d for d in range(x.ndim) if d not in (axis1 % x.ndim, axis2 % x.ndim)] +
                         [axis1 % x.ndim, axis2 % x.ndim])
    m, n = int(moved.shape[-2]), int(moved.shape[-1])
    i = np.arange(builtins.max(0, builtins.min(m - builtins.max(-offset, 0), n - builtins.max(offset, 0))))
    flat = (i + builtins.max(-offset, 0)) * n + i + builtins.max(offset, 0)
    return tg.gather(tg.reshape(moved, tuple(moved.shape[:-2]) + (m * n,)), tg.constant(flat.astype(np.int64)),
                     axis=moved.ndim - 2)


@keras_op("Trace")
def trace(x, offset=0, axis1=0, axis2=1):
    return tg.reduce_sum(diagonal(x, offset, axis1, axis2), axis=-1)


def meshgrid(*x, indexing="xy"):
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: indexing must be 'xy' or 'ij', got {indexing!r}")
    xs = [tg.reshape(t, [-1]) for t in _ts(*x)]
    shape = [int(t.shape[0]) for t in xs]
    if indexing == "xy" and len(xs) >= 2:
        shape[0], shape[1] = shape[1], shape[0]
    out = []
    for i, t in enumerate(xs):
        axis = {0: 1, 1: 0}.get(i, i) if indexing == "xy" and len(xs) >= 2 else i
        view = [1] * len(xs)
        view[axis] = int(t.shape[0])
        out.append(tg.broadcast_to(tg.reshape(t, view), shape))
    return out


# ---- products ------------------------------------------------------------------------------

matmul = _binary("Matmul", tg.matmul)


@keras_op("Dot", ("x1", "x2"))
def dot(x1, x2):
    a, b = _ts(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim == 1 or a.ndim == 1 or b.ndim == 2:
        return tg.matmul(a, b) if a.ndim >= 1 and b.ndim >= 1 else a * b
    return tg.tensordot(a, b, [[a.ndim - 1], [b.ndim - 2]])


@keras_op("Outer", ("x1", "x2"))
def outer(x1, x2):
    a, b = _ts(x1, x2)
    return tg.reshape(a, [-1, 1]) * tg.reshape(b, [1, -1])


def einsum(subscripts, *operands):
    return tg.einsum(subscripts, *_ts(*operands))


# ---- creation ------------------------------------------------------------------------------

def _float_default(dtype):
    return "float32" if dtype is None else dtype


def arange(start, stop=None, step=1, dtype=None):
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        dtype = "float32" if builtins.any(isinstance(v, builtins.float) for v in (start, stop, step)) else "int32"
    return tg.range(start, stop, step, dtype=dtype)


def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    if axis != 0:
        raise NotImplementedError("linspace: only axis=0 is supported")
    n = num if endpoint else num + 1
    out = tg.linspace(float(start), float(stop), n, dtype=_float_default(dtype))
    if not endpoint:
        out = out[:num]
    if retstep:
        return out, (float(stop) - float(start)) / builtins.max((num - 1) if endpoint else num, 1)
    return out


def ones(shape, dtype=None):
    return tg.ones(shape, dtype=_float_default(dtype))


def zeros(shape, dtype=None):
    return tg.zeros(shape, dtype=_float_default(dtype))


def full(shape, fill_value, dtype=None):
    value = _t(fill_value, dtype)
    return tg.fill(shape, value)


def ones_like(x, dtype=None):
    return tg.ones_like(_t(x), dtype=dtype)


def zeros_like(x, dtype=None):
    return tg.zeros_like(_t(x), dtype=dtype)


def full_like(x, fill_value, dtype=None):
    x = _t(x)
    return tg.fill(tuple(x.shape), _t(fill_value, dtype or x.dtype.name))


def eye(N, M=None, k=0, dtype=None):  # noqa: N803  (Keras's names)
    m = N if M is None else M
    return tg.constant(np.eye(N, m, k), dtype=_float_default(dtype))


def identity(n, dtype=None):
    return eye(n, dtype=dtype)


def size(x):
    return int(np.prod(tuple(_t(x).shape), dtype=np.int64))


def ndim(x):
    return len(tuple(x.shape)) if hasattr(x, "shape") else np.ndim(x)


def norm(x, ord=None, axis=None, keepdims=False):  # noqa: A002
    """Vector norms over one axis (or the flattened tensor), matrix norms over two axes."""
    x = _float_result(x)
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        return tg.linalg.norm(x, ord="fro" if ord is None else ord, axis=list(axis), keepdims=keepdims)
    if axis is None and x.ndim == 2 and ord is not None:
        return tg.linalg.norm(x, ord=ord, axis=[0, 1], keepdims=keepdims)
    if axis is None:
        out = tg.linalg.norm(tg.reshape(x, [-1]), ord="euclidean" if ord is None else ord)
        return tg.reshape(out, [1] * x.ndim) if keepdims else out
    return tg.linalg.norm(x, ord="euclidean" if ord is None else ord, axis=axis, keepdims=keepdims)


@keras_op("GetItem")
def get_item(x, key):
    return _t(x)[key]


__all__ = sorted(n for n, v in list(globals().items())
                 if not n.startswith("_") and callable(v) and getattr(v, "__module__", None) == __name__)

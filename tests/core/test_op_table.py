"""The op table (csrc/op/): coverage and one reference test per op, driven
from the table itself.

Every op in `_C._kernel_table()` must have a CPU kernel for each dtype it
accepts, a gradient rule or a place in NOT_DIFFERENTIABLE, and an entry in
REFERENCE below; the value and gradient tests run over all of them, at a
small and a large size, on contiguous and strided inputs. Adding an op to the
table without a reference here fails `test_every_op_has_a_reference`."""

import math

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import _C

import conv_reference
import image_reference
import linalg_reference
import rnn_reference
from gradcheck import check_grad

TABLE = _C._kernel_table()
# The value tests run on every device present: its kernels against the same
# NumPy references (a GPU machine runs its CUDA column; a missing kernel
# there is a skip naming the op, and the coverage of that column is the
# CUDA backend's own test).
DEVICES = ["CPU:0"] + [f"GPU:{i}" for i in range(_C.cuda_device_count())]


def _column(device):
    return "cpu" if device.startswith("CPU") else "cuda"


def _need_kernel(name, dtype, device):
    entry = TABLE[name]
    if not entry["view"] and dtype not in entry[_column(device)]:
        pytest.skip(f"op '{name}' has no {_column(device).upper()} kernel for {dtype}")
SIZES = [7, 100_003]  # a vector tail, and the threaded path
FLOATS = ["float32", "float64"]

# Comparisons, logic, predicates, floor division, any/all and the arg
# reductions have no gradient (TF neither).
NOT_DIFFERENTIABLE = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
                      "logical_or", "logical_xor", "logical_not", "is_nan", "is_finite", "is_inf", "floor_divide",
                      "reduce_any", "reduce_all", "argmax", "argmin", "one_hot", "flatnonzero",
                      # Creation and random ops make values from numbers, not from differentiable
                      # inputs (random_shuffle's input has no gradient in TF either).
                      "fill", "eye", "range", "linspace", "random_normal", "truncated_normal", "random_uniform",
                      "dropout_mask", "random_shuffle",
                      # Never taped: batch_norm's and layer_norm's rules run them only when no
                      # tape records the backward, else the same gradient from table ops
                      # (test_normalization_ops.py).
                      "batch_norm_grad", "layer_norm_grad",
                      # Never taped either: rnn_sequence's rule runs it (second derivatives are refused)
                      "rnn_sequence_grad",
                      # Integer positions; sort, top_k and take_along_axis differentiate through gather
                      "argsort"}


def _erf(x):
    return np.vectorize(math.erf)(x)


def _erfc(x):
    return np.vectorize(math.erfc)(x)


def _sigmoid(x):
    return 0.5 * (1 + np.tanh(0.5 * x))


# Input domains: "any" (-3..3), "pos" (0.2..4), "away" (|x| in 0.3..3: clear of
# kinks at 0), "bool".
def _unary(ref, domain="any", dtypes=FLOATS):
    return {"kind": "unary", "ref": ref, "domain": domain, "dtypes": dtypes}


def _binary(ref, domain=("any", "any"), dtypes=FLOATS):
    return {"kind": "binary", "ref": ref, "domain": domain, "dtypes": dtypes}


def _reduce(ref, domain="any", dtypes=FLOATS, single_axis=False):
    return {"kind": "reduce", "ref": ref, "domain": domain, "dtypes": dtypes, "single_axis": single_axis}


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


def _fused(parent, derivative):
    # relu_grad / sigmoid_grad / tanh_grad run as the gradient of their parent
    # activation; their own rule as its second derivative.
    return {"kind": "fused", "parent": parent, "derivative": derivative, "dtypes": FLOATS}


ALL_DTYPES = FLOATS + ["int32", "int64", "uint8", "bool"]


def _layout(fn, ref, dtypes=ALL_DTYPES, domain="any"):
    """Shape ops, joins and index-driven copies on a 2-D input of shape (r, c):
    fn(tensor) and ref(array) return one result or a list of them."""
    return {"kind": "layout", "fn": fn, "ref": ref, "dtypes": dtypes, "domain": domain}


def _argsort_descending(x, axis):
    """A stable descending argsort (equal values keep their order), as NumPy has none."""
    return np.apply_along_axis(lambda r: np.array(sorted(range(len(r)), key=lambda i: -float(r[i])),
                                                   dtype=np.int64).reshape(len(r)), axis, x)


def _scan_ref(x, axis, exclusive=False, reverse=False, product=False):
    """TF's cumsum / cumprod: floats accumulated in float64, integers wrapping in their dtype."""
    acc = np.float64 if x.dtype.kind == "f" else np.int64
    v = np.flip(x, axis) if reverse else x
    out = (np.cumprod if product else np.cumsum)(v.astype(acc), axis=axis)
    if exclusive:
        first = np.ones_like(np.take(out, [0], axis)) if product else np.zeros_like(np.take(out, [0], axis))
        out = np.concatenate([first, np.delete(out, -1, axis)], axis)
    out = np.flip(out, axis) if reverse else out
    return out.astype(x.dtype)


SCAN_DTYPES = FLOATS + ["int32", "int64", "uint8"]


def _scatter_ref(x):
    out = np.zeros((x.shape[0], x.shape[1] + 3), x.dtype)
    out[::-1, 1:-2] = x
    return out


GATHER_COLUMNS = [-1, 0, 0, 3]  # a repeat and a negative index


def _creation(make, ref, dtypes):
    # make(n, dtype) and ref(n, dtype): lists of tensors and of the NumPy arrays they must equal.
    return {"kind": "creation", "make": make, "ref": ref, "dtypes": dtypes}


def _random(make, check, dtypes=FLOATS):
    # make(n, dtype): a tensor of n values after tg.random.set_seed; check(values, dtype) asserts what a
    # large sample of the op must satisfy (its distribution, its bounds).
    return {"kind": "random", "make": make, "check": check, "dtypes": dtypes}


def _linspace_ref(n, dt):
    x = np.linspace(-2.25, 5.5, n)
    return [(np.floor(x) if np.dtype(dt).kind in "iu" else x).astype(dt)]


def _moments(mean, std, tol=0.03):
    def check(v, dtype):
        assert abs(v.mean() - mean) < 6 * std / math.sqrt(v.size), v.mean()
        assert abs(v.std() / std - 1) < tol, v.std()
    return check


def _uniform_check(v, dtype):
    if np.dtype(dtype).kind == "f":
        assert v.min() >= -1 and v.max() < 3
        _moments(1.0, 4 / math.sqrt(12))(v, dtype)
    else:
        assert set(np.unique(v)) == set(range(-5, 7))  # every value of [minval, maxval), nothing else
        _moments(0.5, math.sqrt((12 ** 2 - 1) / 12))(v, dtype)


def _truncated_check(v, dtype):
    assert np.abs(v).max() <= 2.0 + 1e-6
    _moments(0.0, 0.879596)(v, dtype)  # the standard normal cut at +-2 sd


def _dropout_check(v, dtype):
    keep = np.dtype(dtype).type(1 / 0.75)
    assert set(np.unique(v)) == {0, keep}
    kept = np.mean(v != 0)
    assert abs(kept - 0.75) < 6 * math.sqrt(0.75 * 0.25 / v.size), kept


def _shuffle_rows(n, dt):
    return np.arange(n).reshape(-1, 1).repeat(3, axis=1).astype(dt) if dt != "bool" else np.arange(n)[:, None] % 2 == 0


def _shuffle_check(v, dtype):
    rows = _shuffle_rows(len(v), dtype)
    assert np.array_equal(v[np.lexsort(v.T[::-1])], rows[np.lexsort(rows.T[::-1])])  # the same rows
    if dtype != "bool":
        assert not np.array_equal(v, rows)  # in another order


REFERENCE = {
    "negative": _unary(np.negative, dtypes=FLOATS + ["int32", "int64"]),
    "abs": _unary(np.abs, "away", FLOATS + ["int32", "int64"]),
    "sign": _unary(np.sign, "away", FLOATS + ["int32", "int64"]),
    "square": _unary(np.square, dtypes=FLOATS + ["int32", "int64"]),
    "relu": _unary(lambda x: np.maximum(x, 0), "away", FLOATS + ["int32", "int64"]),
    "sqrt": _unary(np.sqrt, "pos"),
    "rsqrt": _unary(lambda x: 1 / np.sqrt(x), "pos"),
    "reciprocal": _unary(np.reciprocal, "pos"),
    "exp": _unary(np.exp),
    "expm1": _unary(np.expm1),
    "log": _unary(np.log, "pos"),
    "log1p": _unary(np.log1p, "pos"),
    "sin": _unary(np.sin),
    "cos": _unary(np.cos),
    "tanh": _unary(np.tanh),
    "sigmoid": _unary(_sigmoid),
    "softplus": _unary(lambda x: np.logaddexp(0, x)),
    "erf": _unary(_erf),
    "erfc": _unary(_erfc),
    "logical_not": _unary(np.logical_not, "bool", ["bool"]),
    "is_nan": _unary(np.isnan),
    "is_finite": _unary(np.isfinite),
    "is_inf": _unary(np.isinf),
    "add": _binary(np.add, dtypes=FLOATS + ["int32", "int64", "uint8"]),
    "subtract": _binary(np.subtract, dtypes=FLOATS + ["int32", "int64"]),
    "multiply": _binary(np.multiply, dtypes=FLOATS + ["int32", "int64"]),
    "divide": _binary(np.divide, ("any", "away")),
    "floor_divide": _binary(np.floor_divide, ("any", "away"), FLOATS + ["int32", "int64"]),
    "mod": _binary(np.mod, ("any", "away"), FLOATS + ["int32", "int64"]),
    "pow": _binary(np.power, ("pos", "any")),
    "maximum": _binary(np.maximum, dtypes=FLOATS + ["int32", "int64"]),
    "minimum": _binary(np.minimum, dtypes=FLOATS + ["int32", "int64"]),
    "equal": _binary(np.equal, dtypes=FLOATS + ["int32", "bool"]),
    "not_equal": _binary(np.not_equal, dtypes=FLOATS + ["int32", "bool"]),
    "less": _binary(np.less, dtypes=FLOATS + ["int64"]),
    "less_equal": _binary(np.less_equal, dtypes=FLOATS + ["int64"]),
    "greater": _binary(np.greater, dtypes=FLOATS + ["uint8"]),
    "greater_equal": _binary(np.greater_equal, dtypes=FLOATS + ["uint8"]),
    "logical_and": _binary(np.logical_and, ("bool", "bool"), ["bool"]),
    "logical_or": _binary(np.logical_or, ("bool", "bool"), ["bool"]),
    "logical_xor": _binary(np.logical_xor, ("bool", "bool"), ["bool"]),
    "relu_grad": _fused("relu", lambda x: (x > 0).astype(x.dtype)),
    "sigmoid_grad": _fused("sigmoid", lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "tanh_grad": _fused("tanh", lambda x: 1 - np.tanh(x) ** 2),
    "clip_by_value": {"kind": "clip", "dtypes": FLOATS + ["int32"]},
    "where": {"kind": "where", "dtypes": FLOATS + ["int64", "bool"]},
    "reduce_sum": _reduce(np.sum, dtypes=FLOATS + ["int32", "int64", "uint8", "bool"]),
    "reduce_mean": _reduce(np.mean, dtypes=FLOATS + ["int32", "bool"]),
    "reduce_max": _reduce(np.max, dtypes=FLOATS + ["int32", "uint8", "bool"]),
    "reduce_min": _reduce(np.min, dtypes=FLOATS + ["int64", "bool"]),
    "reduce_prod": _reduce(np.prod, "near1", FLOATS + ["int32"]),
    "reduce_any": _reduce(np.any, dtypes=FLOATS + ["int32", "bool"]),
    "reduce_all": _reduce(np.all, "away", FLOATS + ["int32", "bool"]),
    "reduce_logsumexp": _reduce(_logsumexp),
    "argmax": _reduce(np.argmax, dtypes=FLOATS + ["int32", "uint8", "bool"], single_axis=True),
    "argmin": _reduce(np.argmin, dtypes=FLOATS + ["int64", "bool"], single_axis=True),
    # Not a Python function: the reduction behind every broadcast gradient,
    # checked through add's gradient with respect to a broadcast operand.
    "sum_to": {"kind": "sum_to", "dtypes": FLOATS},
    # Softmax and the cross-entropies (labels first, as TF), each fused
    # backward checked as the first derivative of its forward, and its own
    # rule by finite differences of that derivative.
    "softmax": {"kind": "softmax", "ref": lambda x, a: np.exp(x - _logsumexp(x, a, True)), "dtypes": FLOATS},
    "log_softmax": {"kind": "softmax", "ref": lambda x, a: x - _logsumexp(x, a, True), "dtypes": FLOATS},
    # Keras's Softmax layer with a mask (test_masked_softmax_matches_numpy).
    "masked_softmax": {"kind": "masked_softmax", "dtypes": FLOATS},
    "sparse_softmax_cross_entropy_with_logits": {"kind": "xent", "labels": "ids", "dtypes": FLOATS,
                                                 "ref": lambda ids, x: _logsumexp(x, -1) - np.take_along_axis(
                                                     x, ids[..., None], -1)[..., 0]},
    "softmax_cross_entropy_with_logits": {"kind": "xent", "labels": "probs", "dtypes": FLOATS,
                                          "ref": lambda z, x: -np.sum(z * (x - _logsumexp(x, -1, True)), -1)},
    "sigmoid_cross_entropy_with_logits": {"kind": "xent", "labels": "probs", "dtypes": FLOATS,
                                          "ref": lambda z, x: np.maximum(x, 0) - x * z + np.log1p(np.exp(-np.abs(x)))},
    "sparse_softmax_cross_entropy_grad": {"kind": "xent_grad", "forward": "sparse_softmax_cross_entropy_with_logits",
                                          "dtypes": FLOATS},
    "softmax_cross_entropy_grad": {"kind": "xent_grad", "forward": "softmax_cross_entropy_with_logits",
                                   "dtypes": FLOATS},
    "sigmoid_cross_entropy_grad": {"kind": "xent_grad", "forward": "sigmoid_cross_entropy_with_logits",
                                   "dtypes": FLOATS},
    # Copies: every pair of dtypes against NumPy's astype (tests/core/test_conversions.py
    # has the exhaustive table); the gradient of a float cast is the cast back.
    "cast": {"kind": "cast", "dtypes": FLOATS + ["int32", "int64", "uint8", "bool"]},
    "identity": _unary(lambda x: x.copy(), dtypes=FLOATS + ["int32", "int64", "uint8", "bool"]),
    # Between devices: CPU to CPU is the tensor itself; the transfers and the
    # gradient that copies back run on a stand-in GPU in test_devices.py.
    "to_device": _layout(lambda t: t.to("CPU:0"), lambda x: x),
    # Views: a strided input takes the copy path where no view exists (reshape).
    "reshape": _layout(lambda t: [tg.reshape(t, [-1]), tg.reshape(t, [t.shape[1], 1, -1])],
                       lambda x: [x.reshape(-1), x.reshape(x.shape[1], 1, -1)]),
    "broadcast_to": _layout(lambda t: tg.broadcast_to(t, (3,) + tuple(t.shape)), lambda x: np.broadcast_to(x, (3,) + x.shape)),
    "transpose": _layout(lambda t: [tg.transpose(t), tg.transpose(t[None], [2, 0, 1])],
                         lambda x: [x.T, np.transpose(x[None], [2, 0, 1])]),
    "expand_dims": _layout(lambda t: [tg.expand_dims(t, 1), tg.expand_dims(t, -1)],
                           lambda x: [x[:, None], x[..., None]]),
    "squeeze": _layout(lambda t: tg.squeeze(t[:, None, :, None], axis=[1, -1]), lambda x: x),
    "split": _layout(lambda t: tg.split(t, [2, -1, 0], axis=1), lambda x: [x[:, :2], x[:, 2:], x[:, :0]]),
    "unstack": _layout(lambda t: tg.unstack(t[:, :3], axis=1), lambda x: [x[:, 0], x[:, 1], x[:, 2]]),
    "getitem": _layout(lambda t: [t[::-1, 1:6:2], t[-1, None, ..., 2]], lambda x: [x[::-1, 1:6:2], x[-1, None, ..., 2]]),
    # Joins: more inputs than the path keeps on the stack, interleaved runs
    # (axis 1) and whole-input copies (axis 0), a weak Python scalar.
    "concat": _layout(lambda t: [tg.concat([t] * 6, axis=1), tg.concat([t, t[:0], t], axis=0)],
                      lambda x: [np.concatenate([x] * 6, 1), np.concatenate([x, x], 0)]),
    "stack": _layout(lambda t: [tg.stack([t, t, t], axis=0), tg.stack([t] * 6, axis=2)],
                     lambda x: [np.stack([x] * 3, 0), np.stack([x] * 6, 2)]),
    "tile": _layout(lambda t: tg.tile(t, [2, 3]), lambda x: np.tile(x, (2, 3))),
    "pad": _layout(lambda t: tg.pad(t, [[1, 2], [0, 3]], constant_values=1),
                   lambda x: np.pad(x, ((1, 2), (0, 3)), constant_values=1)),
    # Index-driven copies.
    "getitem_backward": _layout(lambda t: _C._getitem_backward(t, (slice(None, None, -1), slice(1, -2)),
                                                               (t.shape[0], t.shape[1] + 3)), _scatter_ref),
    "gather": _layout(lambda t: [tg.gather(t, GATHER_COLUMNS, axis=1), tg.gather(t, [[0, -1], [0, 0]], axis=0)],
                      lambda x: [np.take(x, GATHER_COLUMNS, 1), np.take(x, [[0, -1], [0, 0]], 0)]),
    "gather_backward": _layout(lambda g: _C._gather_backward(g[:, :4], tg.constant(GATHER_COLUMNS).to(g.device), 1,
                                                                    (g.shape[0], 6)),
                               lambda x: np.stack([np.bincount([i % 6 for i in GATHER_COLUMNS], weights=row[:4],
                                                               minlength=6) for row in x.reshape(-1, x.shape[-1])
                                                   ]).reshape(x.shape[0], 6).astype(x.dtype),
                               FLOATS + ["int32", "int64"]),
    "one_hot": _layout(lambda t: tg.one_hot(t, 5, axis=1), lambda x: (x[:, None, :] == np.arange(5)[:, None]).astype(np.float32),
                       ["int32", "int64", "uint8"]),
    "flatnonzero": _layout(lambda m: tg.boolean_mask(tg.reshape(tg.range(m.shape[0] * m.shape[1]).to(m.device),
                                                                m.shape), m),
                           lambda x: np.flatnonzero(x), ["bool"]),
    # Sorting: a stable sort along either axis, both directions (test_sort.py has the rest).
    "argsort": _layout(lambda t: [tg._C._argsort(t, 1), tg._C._argsort(t, 0, True)],
                       lambda x: [np.argsort(x, 1, kind="stable"), _argsort_descending(x, 0)]),
    # Scans: along either axis, with TF's exclusive and reverse flags.
    "cumsum": _layout(lambda t: [tg.cumsum(t, axis=1), tg.cumsum(t, axis=0, exclusive=True, reverse=True)],
                      lambda x: [_scan_ref(x, 1), _scan_ref(x, 0, True, True)], SCAN_DTYPES),
    "cumprod": _layout(lambda t: [tg.math.cumprod(t, axis=1, reverse=True), tg.math.cumprod(t, axis=0, exclusive=True)],
                       lambda x: [_scan_ref(x, 1, reverse=True, product=True),
                                  _scan_ref(x, 0, exclusive=True, product=True)], SCAN_DTYPES, domain="near1"),
    # Creation: no inputs; checked through their public functions at both sizes.
    "fill": _creation(lambda n, dt: [tg.zeros(shape_of(n), dt), tg.ones(shape_of(n), dt)],
                      lambda n, dt: [np.zeros(shape_of(n), dt), np.ones(shape_of(n), dt)], ALL_DTYPES),
    "eye": _creation(lambda n, dt: [tg.eye(*shape_of(n), dtype=dt), tg.eye(*shape_of(n)[::-1], dtype=dt)],
                     lambda n, dt: [np.eye(*shape_of(n), dtype=dt), np.eye(*shape_of(n)[::-1], dtype=dt)],
                     ALL_DTYPES),
    "range": _creation(lambda n, dt: [tg.range(-3, 2 * n - 3, 2, dtype=dt)] + (
                           [tg.range(-1.5, 0.25 * n - 1.5, 0.25, dtype=dt)] if dt in FLOATS else []),
                       lambda n, dt: [np.arange(-3, 2 * n - 3, 2, dtype=dt)] + (
                           [np.arange(-1.5, 0.25 * n - 1.5, 0.25, dtype=dt)] if dt in FLOATS else []),
                       FLOATS + ["int32", "int64"]),
    "linspace": _creation(lambda n, dt: [tg.linspace(-2.25, 5.5, n, dtype=dt)], _linspace_ref,
                          FLOATS + ["int32", "int64"]),
    # Random: shape, dtype, determinism under a seed, and the distribution of a large sample.
    "random_normal": _random(lambda n, dt: tg.random.normal([n], mean=1.5, stddev=2.0, dtype=dt),
                             _moments(1.5, 2.0)),
    "truncated_normal": _random(lambda n, dt: tg.random.truncated_normal([n], dtype=dt), _truncated_check),
    "random_uniform": _random(lambda n, dt: tg.random.uniform([n], minval=-1 if dt in FLOATS else -5,
                                                              maxval=3 if dt in FLOATS else 7, dtype=dt),
                              _uniform_check, FLOATS + ["int32", "int64"]),
    "dropout_mask": _random(lambda n, dt: tg._C.dropout_mask([n], 0.25, dt), _dropout_check),
    "random_shuffle": _random(lambda n, dt: tg.random.shuffle(tg.constant(_shuffle_rows(n, dt))), _shuffle_check,
                              FLOATS + ["int32", "uint8", "bool"]),
    # Matrix products over the GEMM kernel (backend/cpu/gemm.cpp): NumPy's
    # matmul with the transpose flags, and the fused Dense forward. tensordot
    # is a composition (transpose, reshape, matmul), not a table entry.
    "matmul": {"kind": "matmul", "dtypes": FLOATS + ["int32", "int64", "uint8"]},
    "dense": {"kind": "dense", "dtypes": FLOATS},
    # Convolution and pooling over NHWC inputs (ops_conv.cpp), against the
    # window loops of conv_reference.py on CONV_CASES / POOL_CASES below.
    "conv2d": {"kind": "conv", "dtypes": FLOATS},
    "conv2d_backprop_input": {"kind": "conv", "dtypes": FLOATS},
    "conv2d_backprop_filter": {"kind": "conv", "dtypes": FLOATS},
    "max_pool2d": {"kind": "pool", "dtypes": FLOATS},
    "max_pool2d_grad": {"kind": "pool", "dtypes": FLOATS},
    "max_pool2d_grad_grad": {"kind": "pool", "dtypes": FLOATS},
    "batch_norm": {"kind": "norm", "dtypes": FLOATS},
    "batch_norm_grad": {"kind": "norm", "dtypes": FLOATS},
    "layer_norm": {"kind": "norm", "dtypes": FLOATS},
    "layer_norm_grad": {"kind": "norm", "dtypes": FLOATS},
    "avg_pool2d": {"kind": "pool", "dtypes": FLOATS},
    "avg_pool2d_grad": {"kind": "pool", "dtypes": FLOATS},
    # Image sampling over NHWC inputs (ops_image.cpp): projective transforms
    # and resizes, against image_reference.py on IMAGE_CASES below.
    "image_transform": {"kind": "image", "dtypes": FLOATS},
    "image_transform_grad": {"kind": "image", "dtypes": FLOATS},
    # A recurrent layer's recurrence over a sequence and its backward through time
    # (ops_rnn.cpp), against rnn_reference.py on RNN_CASES below.
    "rnn_sequence": {"kind": "rnn", "dtypes": FLOATS},
    "rnn_sequence_grad": {"kind": "rnn", "dtypes": FLOATS},
    # Dense linear algebra through LAPACK (ops_lapack.cpp), against NumPy's on linalg_reference.CASES.
    **{name: {"kind": "linalg", "dtypes": FLOATS} for name in linalg_reference.CASES},
}


def data(domain, shape, dtype, seed):
    r = np.random.default_rng(seed)
    if domain == "bool" or dtype == "bool":
        return r.random(shape) < 0.5
    if np.dtype(dtype).kind in "iu":
        lo = 1 if domain in ("pos", "away") else (0 if dtype == "uint8" else -9)
        return r.integers(lo, 10, size=shape).astype(dtype)
    if domain == "pos":
        x = r.uniform(0.2, 4, size=shape)
    elif domain == "near1":
        x = r.uniform(0.999, 1.001, size=shape) * r.choice([-1, 1], size=shape, p=[0.1, 0.9])
    elif domain == "away":
        x = r.uniform(0.3, 3, size=shape) * r.choice([-1, 1], size=shape)
    else:
        x = r.uniform(-3, 3, size=shape)
    return x.astype(dtype)


def layouts(x, device=None):
    """(name, tensor on device, the same values as NumPy): contiguous, and a strided view.
    Without a device, the tensors go where tg.constant puts them (the scope's device)."""
    move = (lambda t: t) if device is None else (lambda t: t.to(device))
    yield "contiguous", move(tg.constant(x)), x
    wide = np.repeat(x[..., None], 2, axis=-1).reshape(x.shape[:-1] + (2 * x.shape[-1],))
    yield "strided", move(tg.constant(wide))[..., ::2], x


def assert_close(got, expected, dtype):
    got = got.numpy()
    expected = np.asarray(expected)
    if got.dtype.kind == "f":
        rtol = 2e-6 if got.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, expected.astype(got.dtype), rtol=rtol, atol=rtol)
    else:
        np.testing.assert_array_equal(got, expected)


def shape_of(n):
    return (n // 7, 7) if n % 7 == 0 and n > 7 else (1, n)


def test_every_op_has_a_reference():
    assert set(TABLE) == set(REFERENCE), {"no reference": set(TABLE) - set(REFERENCE),
                                          "not in the table": set(REFERENCE) - set(TABLE)}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_cpu_kernel_for_every_accepted_dtype(name):
    entry = TABLE[name]
    assert entry["dtypes"], f"{name} accepts no dtype"
    if entry["view"]:  # a new layout of the input's memory: no kernel on any device
        assert not entry["cpu"] and not entry["cuda"], name
        return
    missing = set(entry["dtypes"]) - set(entry["cpu"])
    assert not missing, f"op '{name}' has no CPU kernel for {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(TABLE))
def test_gradient_rule_or_explicitly_not_differentiable(name):
    assert TABLE[name]["differentiable"] == (name not in NOT_DIFFERENTIABLE)


def test_a_missing_kernel_is_not_implemented_error_naming_op_device_and_dtype():
    if _C.cuda_built():  # the CUDA column is full; the stand-in GPU test sees a sparse one
        assert _C._kernel_for_probe("tanh", "GPU:0", "float64")
    else:
        with pytest.raises(NotImplementedError, match=r"op 'tanh' has no CUDA kernel for float64"):
            _C._kernel_for_probe("tanh", "GPU:0", "float64")
    assert _C._kernel_for_probe("tanh", "CPU:0", "float32")
    with pytest.raises(ValueError, match="no_such_op"):
        _C._kernel_for_probe("no_such_op", "CPU:0", "float32")


def _call(name, *xs):
    return getattr(tg._C, name)(*xs)


def _cases(kinds):
    for name in sorted(REFERENCE):
        ref = REFERENCE[name]
        if ref["kind"] in kinds:
            for dtype in ref["dtypes"]:
                yield name, dtype


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name,dtype", list(_cases({"unary", "binary"})))
def test_values_match_numpy(name, dtype, n, device):
    _need_kernel(name, dtype, device)
    ref = REFERENCE[name]
    domains = [ref["domain"]] if ref["kind"] == "unary" else list(ref["domain"])
    xs = [data(d, shape_of(n), dtype, seed) for seed, d in enumerate(domains)]
    for layout_a, ta, xa in layouts(xs[0], device):
        if ref["kind"] == "unary":
            with np.errstate(all="ignore"):
                assert_close(_call(name, ta), ref["ref"](xa), dtype)
        else:
            for layout_b, tb, xb in layouts(xs[1], device):
                with np.errstate(all="ignore"):
                    assert_close(_call(name, ta, tb), ref["ref"](xa, xb), dtype)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name,dtype", list(_cases({"creation"})))
def test_creation_matches_numpy(name, dtype, n, device):
    _need_kernel(name, dtype, device)
    ref = REFERENCE[name]
    with tg.device(device):
        made = ref["make"](n, dtype)
    for got, expected in zip(made, ref["ref"](n, dtype), strict=True):
        assert got.dtype == tg.as_dtype(dtype) and got.shape == expected.shape
        assert got.device.endswith(device), (got.device, device)
        assert_close(got, expected, dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name,dtype", list(_cases({"random"})))
def test_random_ops_are_seeded_and_follow_their_distribution(name, dtype, n):
    ref = REFERENCE[name]

    def sample(seed):
        tg.random.set_seed(seed)
        return ref["make"](n, dtype)

    a, again, other = sample(1), sample(1), sample(2)
    assert a.dtype == tg.as_dtype(dtype) and a.shape[0] == n
    np.testing.assert_array_equal(a.numpy(), again.numpy())
    if n > 7:
        assert not np.array_equal(a.numpy(), other.numpy())
        ref["check"](a.numpy(), dtype)


@pytest.mark.parametrize("device", DEVICES[1:])
@pytest.mark.parametrize("name,dtype", list(_cases({"random"})))
def test_random_ops_make_the_cpu_numbers_on_every_device(name, dtype, device):
    """The same seed gives the same bits on a GPU as on the CPU (one Philox
    stream, a pure function of the element index)."""
    _need_kernel(name, dtype, device)
    ref = REFERENCE[name]
    tg.random.set_seed(7)
    with tg.device("CPU:0"):
        cpu = ref["make"](100_003, dtype).numpy()
    tg.random.set_seed(7)
    with tg.device(device):
        gpu = ref["make"](100_003, dtype)
    assert gpu.device.endswith(device)
    np.testing.assert_array_equal(gpu.numpy(), cpu)


REDUCE_AXES = [None, 0, -1, (0, 1)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name,dtype", list(_cases({"reduce"})))
def test_reductions_match_numpy(name, dtype, n, keepdims, device):
    _need_kernel(name, dtype, device)
    ref = REFERENCE[name]
    fn = getattr(tg, name)
    x = data(ref["domain"], shape_of(n), dtype, 0)
    for layout, t, xv in layouts(x, device):
        x64 = xv.astype(np.float64) if xv.dtype.kind == "f" else xv
        for axis in REDUCE_AXES:
            if ref["single_axis"]:
                if axis is None or isinstance(axis, tuple):
                    continue
                got, expected = fn(t, axis=axis), ref["ref"](x64, axis=axis)
            else:
                got = fn(t, axis=axis, keepdims=keepdims)
                with np.errstate(all="ignore"):
                    expected = ref["ref"](x64, axis=axis, keepdims=keepdims)
            assert got.shape == np.shape(expected), (name, layout, axis)
            assert_close(got, expected, dtype)


@pytest.mark.parametrize("shape,target", [((5, 4), (4,)), ((5, 4), (1, 4)), ((5, 4), (5, 1)), ((3, 5, 4), (5, 1))])
def test_sum_to_through_broadcast_gradients(shape, target):
    x = data("any", shape, "float64", 0)
    b = data("any", target, "float64", 1)
    tb = tg.constant(b)
    with tg.GradientTape() as tape:
        tape.watch(tb)
        y = tg.constant(x) + tb
    g = tape.gradient(y, tb, output_gradients=tg.constant(x))
    lead = len(shape) - len(target)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(target) if d == 1 and shape[lead + i] != 1)
    np.testing.assert_allclose(g.numpy(), np.sum(x, axis=axes).reshape(target), rtol=1e-12)


def xent_inputs(kind, shape, dtype, seed=0):
    """(labels, logits) for a cross-entropy: class ids or rows of probabilities."""
    r = np.random.default_rng(seed)
    x = r.uniform(-4, 4, size=shape).astype(dtype)
    if kind == "ids":
        return r.integers(0, shape[-1], size=shape[:-1]), x
    z = r.random(shape)
    return (z / z.sum(-1, keepdims=True)).astype(dtype), x


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name,dtype", list(_cases({"softmax"})))
def test_softmax_matches_numpy(name, dtype, n, device):
    _need_kernel(name, dtype, device)
    ref = REFERENCE[name]
    x = data("any", (n // 7, 7) if n > 7 else (1, n), dtype, 0)
    x3 = data("any", (max(1, n // 49), 7, 7), dtype, 1)  # softmax along a middle axis
    for arr, axis in [(x, -1), (x, 0), (x3, 1)]:
        for layout, t, xv in layouts(arr, device):
            assert_close(getattr(tg.nn, name)(t, axis=axis), ref["ref"](xv.astype(np.float64), axis), dtype)


def _masked_softmax_ref(x, mask, axis, all_masked="zeros"):
    """Keras 3's Softmax layer: masked logits become -1e9, masked outputs 0
    (or, all_masked="uniform", kept: equal weights in a row with no true entry)."""
    mask = np.broadcast_to(mask, x.shape)
    z = np.where(mask, x.astype(np.float64), -1e9)
    e = np.exp(z - z.max(axis, keepdims=True))  # (not z - logsumexp: at -1e9 that loses digits)
    y = e / e.sum(axis, keepdims=True)
    return np.where(mask, y, 0.0) if all_masked == "zeros" else y


def _masked_softmax_cases(n, dtype):
    """(logits, mask, axis): a mask of the logits' shape, masks broadcast over
    leading, middle and trailing dims, a scalar mask, softmax along a middle
    axis; some rows fully masked."""
    r = np.random.default_rng(3)
    x2 = data("any", (n // 7, 7) if n > 7 else (1, n), dtype, 0)
    x4 = data("any", (max(1, n // 60), 3, 4, 5), dtype, 1)
    x3 = data("any", (max(1, n // 49), 7, 7), dtype, 2)
    full = r.random(x2.shape) < 0.7
    full[0] = False
    keys = r.random((x4.shape[0], 1, 1, 5)) < 0.7
    keys[0] = False
    causal = np.tril(np.ones((4, 5), bool))
    middle = r.random((x3.shape[0], 7, 1)) < 0.6
    return [(x2, full, -1), (x4, keys, -1), (x4, causal, -1), (x3, middle, 1), (x3, np.array([True]), 1),
            (x2, np.array(False), -1)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_masked_softmax_matches_numpy(dtype, n, device):
    _need_kernel("masked_softmax", dtype, device)
    for x, mask, axis in _masked_softmax_cases(n, dtype):
        masks = list(layouts(mask, device)) if mask.ndim else [("scalar", tg.constant(mask), mask)]
        for (lx, t, xv), (lm, m, mv) in zip(list(layouts(x, device)) * 2, masks * 2):
            for all_masked in ("zeros", "uniform"):
                got = tg.nn.masked_softmax(t, m, axis=axis, all_masked=all_masked)
                assert got.device.endswith(device)
                assert_close(got, _masked_softmax_ref(xv, mv, axis, all_masked), dtype)
    # An all-true mask is softmax, bit for bit (the same SIMD loop on the CPU).
    x = data("any", (n // 7, 7) if n > 7 else (1, n), dtype, 4)
    t = tg.constant(x).to(device)
    np.testing.assert_array_equal(tg.nn.masked_softmax(t, np.ones(x.shape, bool)).numpy(), tg.nn.softmax(t).numpy())


def test_masked_softmax_masks_and_errors():
    x = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0]], np.float32)
    # Keras keeps mask > 0.5 for float masks, mask > 0 for integer ones.
    for mask in (np.array([0.4, 0.6, 1.0], np.float32), np.array([0, 2, 1], np.int32)):
        got = tg.nn.masked_softmax(x, mask).numpy()
        np.testing.assert_allclose(got, _masked_softmax_ref(x, np.array([False, True, True]), -1), rtol=1e-6)
    with pytest.raises(ValueError, match=r"masked_softmax: the mask must be broadcastable.*\(2, 3\).*\(2, 2\)"):
        tg.nn.masked_softmax(x, np.ones((2, 2), bool))
    with pytest.raises(ValueError, match=r"without adding dimensions.*\(1, 2, 3\)"):
        tg.nn.masked_softmax(x, np.ones((1, 2, 3), bool))
    with pytest.raises(IndexError, match="masked_softmax: axis 2 is out of range"):
        tg.nn.masked_softmax(x, np.ones(3, bool), axis=2)
    with pytest.raises(ValueError, match="all_masked must be 'zeros' or 'uniform', got 'ones'"):
        tg.nn.masked_softmax(x, np.ones(3, bool), all_masked="ones")
    with pytest.raises(TypeError, match="masked_softmax: logits must be float32 or float64, got int32"):
        tg.nn.masked_softmax(np.ones((2, 3), np.int32), np.ones(3, bool))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name,dtype", list(_cases({"xent"})))
def test_cross_entropies_match_numpy(name, dtype, n, device):
    _need_kernel(name, dtype, device)
    ref = REFERENCE[name]
    shape = (n // 7, 7) if n > 7 else (3, n)
    z, x = xent_inputs(ref["labels"], shape, dtype)
    if name.startswith("sigmoid"):
        z = (np.random.default_rng(1).random(shape) < 0.5).astype(dtype)
    fn = getattr(tg.nn, name)
    for layout, tx, xv in layouts(x, device):
        got = fn(labels=tg.constant(z).to(device), logits=tx)
        with np.errstate(all="ignore"):
            assert_close(got, ref["ref"](z, xv.astype(np.float64)), dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("src,dst", [("float32", "float64"), ("float64", "float32"), ("float32", "int32"),
                                     ("int64", "float32"), ("uint8", "float32"), ("bool", "int64"),
                                     ("float64", "bool"), ("int32", "uint8")])
@pytest.mark.parametrize("device", DEVICES)
def test_cast_matches_astype(src, dst, n, device):
    x = data("any", shape_of(n), src, 0)
    for layout, t, xv in layouts(x, device):
        got = tg.cast(t, dst).numpy()
        assert got.dtype == np.dtype(dst)
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(got, xv.astype(dst))


def test_cast_gradient_is_the_cast_back_and_none_through_integers():
    x = tg.constant(data("any", (4, 6), "float64", 0))
    w = data("any", (4, 6), "float32", 1)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.cast(x, tg.float32) * w)
        k = tg.reduce_sum(tg.cast(tg.cast(x, tg.int32), tg.float64))
    g = tape.gradient(y, x)
    assert g.dtype == tg.float64
    np.testing.assert_array_equal(g.numpy(), w.astype(np.float64))
    assert tape.gradient(k, x) is None


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
@pytest.mark.parametrize("device", DEVICES)
def test_clip_by_value_matches_numpy(dtype, n, device):
    x = data("any", shape_of(n), dtype, 0)
    lo, hi = (x.dtype.type(-1), x.dtype.type(2))
    for _, t, xv in layouts(x, device):
        assert_close(tg.clip_by_value(t, lo, hi), np.clip(xv, lo, hi), dtype)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("device", DEVICES)
def test_where_matches_numpy(dtype, n, device):
    c = data("bool", shape_of(n), "bool", 0)
    x, y = data("any", shape_of(n), dtype, 1), data("any", shape_of(n), dtype, 2)
    for (_, tc, cv), (_, tx, xv) in zip(layouts(c, device), layouts(x, device)):
        assert_close(tg.where(tc, tx, tg.constant(y).to(device)), np.where(cv, xv, y), dtype)


def _as_list(v):
    return list(v) if isinstance(v, (list, tuple)) else [v]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name,dtype", list(_cases({"layout"})))
def test_layout_ops_match_numpy(name, dtype, n, device):
    _need_kernel(name, dtype, device)
    ref = REFERENCE[name]
    x = data(ref["domain"], shape_of(n), dtype, 0)
    for layout, t, xv in layouts(x, device):
        got, expected = _as_list(ref["fn"](t)), _as_list(ref["ref"](xv))
        assert len(got) == len(expected), (name, layout)
        for g, e in zip(got, expected):
            assert g.shape == e.shape, (name, layout, g.shape, e.shape)
            assert_close(g, e, dtype)


def _flat_concat(outs):
    """Several outputs as one vector, for check_grad (concat and reshape are table ops tested here too)."""
    outs = _as_list(outs)
    return outs[0] if len(outs) == 1 else tg.concat([tg.reshape(o, [-1]) for o in outs], axis=0)


# ---- matrix products ----------------------------------------------------------------

MATMUL_SIZES = [(3, 4, 5), (300, 200, 100)]  # (m, k, n): one BLAS call, and a GEMM split over the pool


def matrix_layouts(x, device="CPU:0"):
    """layouts(x), plus a transposed view (column-major last two dims), which
    BLAS reads in place with a transpose flag; the strided view (a column
    step) it cannot read, so matmul copies it."""
    yield from layouts(x, device)
    stored = np.ascontiguousarray(np.swapaxes(x, -1, -2))
    perm = list(range(x.ndim - 2)) + [x.ndim - 1, x.ndim - 2]
    yield "transposed", tg.transpose(tg.constant(stored).to(device), perm), x


def _operand(shape, trans, dtype, seed):
    """A matmul operand of logical shape `shape`, stored transposed when trans."""
    x = data("any", shape, dtype, seed)
    return np.ascontiguousarray(np.swapaxes(x, -1, -2)) if trans else x


def _copies():
    return _C._matmul_stats()["operand_copies"]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("mkn", MATMUL_SIZES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("dtype", REFERENCE["matmul"]["dtypes"])
def test_matmul_matches_numpy(dtype, mkn, batched, device):
    _need_kernel("matmul", dtype, device)
    m, k, n = mkn
    lead = (2,) if batched else ()
    for ta, tb in [(False, False), (True, True)] if m > 10 else [(False, False), (True, False), (False, True),
                                                                 (True, True)]:
        a = _operand(lead + (m, k), ta, dtype, 0)  # stored as op(a)^T when ta
        b = _operand((k, n), tb, dtype, 1)        # shared by the batch
        a64, b64 = (v.astype(np.float64) if v.dtype.kind == "f" else v for v in (a, b))
        with np.errstate(over="ignore"):
            expected = np.matmul(np.swapaxes(a64, -1, -2) if ta else a64, b64.T if tb else b64)
        for (layout_a, xa, _), (layout_b, xb, _) in [(la, lb) for la in matrix_layouts(a, device)
                                                     for lb in matrix_layouts(b, device)]:
            before = _copies()
            got = tg.matmul(xa, xb, transpose_a=ta, transpose_b=tb)
            assert got.shape == expected.shape, (layout_a, layout_b, ta, tb)
            if np.dtype(dtype).kind == "f":
                tol = 1e-4 if dtype == "float32" else 1e-12
                np.testing.assert_allclose(got.numpy(), expected.astype(dtype), rtol=tol, atol=tol * k,
                                           err_msg=f"{layout_a} @ {layout_b}, ta={ta}, tb={tb}")
                # Only the strided views (a column step) are copied before BLAS.
                if device == "CPU:0":
                    assert _copies() - before == [layout_a, layout_b].count("strided"), (layout_a, layout_b)
            else:
                np.testing.assert_array_equal(got.numpy(), expected.astype(dtype))
                assert device != "CPU:0" or _copies() == before  # the integer loops read any strides


@pytest.mark.parametrize("activation", [None, "relu"])
@pytest.mark.parametrize("batched", [False, True])
@pytest.mark.parametrize("mkn", MATMUL_SIZES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("device", DEVICES)
def test_dense_matches_numpy(dtype, mkn, batched, activation, device):
    _need_kernel("dense", dtype, device)
    m, k, n = mkn
    x = data("any", ((2,) if batched else ()) + (m, k), dtype, 0)
    w, b = data("any", (k, n), dtype, 1), data("any", (n,), dtype, 2)
    z = x.astype(np.float64) @ w.astype(np.float64) + b
    expected = np.maximum(z, 0) if activation == "relu" else z
    tol = 1e-4 if dtype == "float32" else 1e-12
    for (layout_x, tx, _), (layout_w, tw, _) in [(lx, lw) for lx in matrix_layouts(x, device)
                                                 for lw in matrix_layouts(w, device)]:
        before = _copies()
        got = _C.dense(tx, tw, tg.constant(b).to(device), activation)
        assert got.shape == expected.shape and got.dtype == tg.as_dtype(dtype)
        np.testing.assert_allclose(got.numpy(), expected.astype(dtype), rtol=tol, atol=tol * k,
                                   err_msg=f"{layout_x} x {layout_w}")
        assert device != "CPU:0" or _copies() - before == [layout_x, layout_w].count("strided"), (layout_x, layout_w)
    np.testing.assert_allclose(_C.dense(tg.constant(x).to(device), tg.constant(w).to(device)).numpy(),
                               (x.astype(np.float64) @ w)
                               .astype(dtype), rtol=tol, atol=tol * k)  # without a bias


# ---- convolution and pooling -----------------------------------------------------------

# (input shape, filter shape, strides, padding, dilations). Small: plain VALID;
# two groups with SAME padding and a dilation; pointwise (a plain GEMM);
# depthwise (groups == C, multiplier 2) with explicit padding. Large: the
# threaded tiles, groups with strides and dilation, a big pointwise GEMM,
# depthwise with multiplier 1.
CONV_CASES = {
    "small": [((2, 5, 6, 3), (3, 3, 3, 4), (1, 1), "VALID", (1, 1)),
              ((2, 5, 6, 4), (2, 3, 2, 6), (2, 1), "SAME", (1, 2)),
              ((1, 4, 4, 3), (1, 1, 3, 5), (1, 1), "VALID", (1, 1)),
              ((2, 5, 5, 3), (3, 3, 1, 6), (2, 2), (1, 0, 2, 1), (1, 1))],
    "large": [((8, 28, 28, 8), (3, 3, 8, 16), (1, 1), "SAME", (1, 1)),
              ((4, 17, 19, 16), (5, 3, 4, 12), (2, 3), "SAME", (2, 1)),
              ((4, 16, 16, 32), (1, 1, 32, 64), (1, 1), "VALID", (1, 1)),
              ((4, 14, 14, 32), (3, 3, 1, 32), (1, 1), "SAME", (1, 1))],
}
# (input shape, ksize, strides, padding): disjoint windows; overlapping
# windows with SAME padding; uneven window and strides.
POOL_CASES = {
    "small": [((2, 5, 6, 3), (2, 2), (2, 2), "VALID"), ((2, 5, 6, 3), (3, 3), (1, 1), "SAME"),
              ((1, 7, 5, 2), (3, 2), (2, 1), "SAME")],
    "large": [((8, 28, 28, 16), (2, 2), (2, 2), "VALID"), ((4, 15, 17, 32), (3, 3), (2, 2), "SAME")],
}


def _conv_case(name, case, dtype):
    """(the op over tensors, its NumPy reference over arrays, the input arrays) for a conv op."""
    xs, ws, strides, padding, dil = case
    pads = conv_reference.resolve(padding, xs, ws[:2], strides, dil)
    dys = (xs[0], conv_reference.out_size(xs[1], ws[0], strides[0], dil[0], pads[0], pads[1]),
           conv_reference.out_size(xs[2], ws[1], strides[1], dil[1], pads[2], pads[3]), ws[3])
    x, w, dy = (data("any", s, dtype, seed) for seed, s in enumerate((xs, ws, dys)))
    if name == "conv2d":
        return (lambda a, b: _C.conv2d(a, b, strides, padding, dil),
                lambda a, b: conv_reference.conv2d(a, b, strides, pads, dil), [x, w])
    if name == "conv2d_backprop_input":
        return (lambda a, b: _C.conv2d_backprop_input(xs, a, b, strides, padding, dil),
                lambda a, b: conv_reference.conv2d_backprop_input(xs, a, b, strides, pads, dil), [w, dy])
    assert name == "conv2d_backprop_filter", name
    return (lambda a, b: _C.conv2d_backprop_filter(a, ws, b, strides, padding, dil),
            lambda a, b: conv_reference.conv2d_backprop_filter(a, ws, b, strides, pads, dil), [x, dy])


def _pool_case(name, case, dtype):
    """(the op over tensors, its NumPy reference over arrays, the input arrays) for a pooling op."""
    xs, k, strides, padding = case
    pads = conv_reference.resolve(padding, xs, k, strides)
    dys = (xs[0], conv_reference.out_size(xs[1], k[0], strides[0], 1, pads[0], pads[1]),
           conv_reference.out_size(xs[2], k[1], strides[1], 1, pads[2], pads[3]), xs[3])
    x, dy = data("any", xs, dtype, 0), data("any", dys, dtype, 1)
    if name in ("max_pool2d", "avg_pool2d"):
        return (lambda a: getattr(_C, name)(a, k, strides, padding),
                lambda a: getattr(conv_reference, name)(a, k, strides, pads), [x])
    if name == "max_pool2d_grad":
        return (lambda a, b: _C.max_pool2d_grad(a, b, k, strides, padding),
                lambda a, b: conv_reference.max_pool2d_grad(a, b, k, strides, pads), [x, dy])
    if name == "max_pool2d_grad_grad":
        u = data("any", xs, dtype, 2)
        return (lambda a, b: _C.max_pool2d_grad_grad(a, b, k, strides, padding),
                lambda a, b: conv_reference.max_pool2d_grad_grad(a, b, k, strides, pads), [x, u])
    assert name == "avg_pool2d_grad", name
    return (lambda b: _C.avg_pool2d_grad(xs, b, k, strides, padding),
            lambda b: conv_reference.avg_pool2d_grad(xs, b, k, strides, pads), [dy])


# (input shape, output size, "transform" or "resize", interpolation, fill mode)
IMAGE_CASES = {
    "small": [((2, 5, 6, 3), (4, 7), "transform", "bilinear", "reflect"),
              ((2, 5, 6, 3), (7, 4), "resize", "bilinear", "nearest"),
              ((1, 4, 5, 2), (6, 3), "transform", "nearest", "constant"),
              ((2, 3, 7, 2), (5, 5), "resize", "nearest", "nearest")],
    "large": [((4, 40, 30, 8), (35, 41), "transform", "bilinear", "wrap"),
              ((4, 33, 47, 16), (64, 20), "resize", "bilinear", "nearest"),
              ((2, 50, 40, 4), (25, 60), "transform", "nearest", "constant")],
}


def _image_case(name, case, dtype):
    """(the op over tensors, its NumPy reference over arrays, the input arrays) for an image op."""
    xs, size, kind, interp, fill = case
    x, dy = data("any", xs, dtype, 0), data("any", (xs[0],) + size + (xs[3],), dtype, 1)
    t = image_reference.random_transforms(xs[0], 2) if kind == "transform" else None
    tt = None if t is None else tg.constant(t)
    if name == "image_transform":
        if t is None:
            return (lambda a: _C.resize(a, size, interp), lambda a: image_reference.resize(a, size, interp), [x])
        return (lambda a: _C.image_transform(a, tt.to(a.device), size, interp, fill, 0.5),
                lambda a: image_reference.transform(a, t, size, interp, fill, 0.5), [x])
    assert name == "image_transform_grad", name
    if t is None:
        return (lambda b: _C.image_transform_grad(b, xs, None, interp),
                lambda b: image_reference.resize_grad(b, xs, interp), [dy])
    return (lambda b: _C.image_transform_grad(b, xs, tt.to(b.device), interp, fill),
            lambda b: image_reference.transform_grad(b, xs, t, interp, fill), [dy])


# Batch normalization over the last axis: input shapes ([..., channels]).
NORM_CASES = {"small": [(5, 3), (2, 3, 4, 6)], "large": [(512, 64), (8, 13, 13, 32)]}
NORM_EPSILON = 1e-3


def _norm_case(name, xs, dtype):
    """(the op over tensors, its NumPy reference over arrays, the input arrays) for batch_norm(_grad)
    and layer_norm(_grad)."""
    x = data("any", xs, dtype, 0)
    gamma, beta = data("any", xs[-1:], dtype, 1), data("any", xs[-1:], dtype, 2)
    rows = tuple(range(len(xs) - 1))
    if name == "layer_norm":
        def reference(a, g, b):
            a = a.astype(np.float64)
            mu, var = a.mean(-1, keepdims=True), a.var(-1, keepdims=True)
            return (a - mu) / np.sqrt(var + NORM_EPSILON) * g + b
        return (lambda a, g, b: _C.layer_norm(a, g, b, NORM_EPSILON)[0], reference, [x, gamma, beta])
    if name == "layer_norm_grad":
        x64 = x.astype(np.float64)
        mean = x64.mean(-1).astype(dtype)
        rstd = (1 / np.sqrt(x64.var(-1) + NORM_EPSILON)).astype(dtype)
        dy = data("any", xs, dtype, 3)

        def reference(a, g, mu, r, d):
            a, d = a.astype(np.float64), d.astype(np.float64)
            mu, r = mu.astype(np.float64)[..., None], r.astype(np.float64)[..., None]
            xhat, gh = (a - mu) * r, d * g
            return r * (gh - gh.mean(-1, keepdims=True) - xhat * (gh * xhat).mean(-1, keepdims=True))
        return (lambda a, g, mu, r, d: _C.layer_norm_grad(a, g, mu, r, d)[0], reference, [x, gamma, mean, rstd, dy])
    if name == "batch_norm":
        def reference(a, g, b):
            a = a.astype(np.float64)
            return (a - a.mean(rows)) / np.sqrt(a.var(rows) + NORM_EPSILON) * g + b
        return (lambda a, g, b: _C.batch_norm(a, g, b, NORM_EPSILON)[0], reference, [x, gamma, beta])
    assert name == "batch_norm_grad", name
    x64 = x.astype(np.float64)
    mean, var = x64.mean(rows).astype(dtype), x64.var(rows).astype(dtype)
    dy = data("any", xs, dtype, 3)

    def reference(a, g, mu, v, d):
        a, d = a.astype(np.float64), d.astype(np.float64)
        inv = 1 / np.sqrt(v.astype(np.float64) + NORM_EPSILON)
        xhat = (a - mu) * inv
        return g * inv * (d - d.mean(rows) - xhat * (d * xhat).mean(rows))
    return (lambda a, g, mu, v, d: _C.batch_norm_grad(a, g, mu, v, d, NORM_EPSILON)[0], reference,
            [x, gamma, mean, var, dy])


# (cell, batch, timesteps, units, masked, reverse): every cell, with and without a mask, both directions.
RNN_CASES = {"small": [("lstm", 2, 3, 2, False, False), ("gru", 3, 4, 3, True, True),
                       ("simple_tanh", 2, 5, 3, True, False), ("simple_relu", 3, 2, 4, False, True)],
             "large": [("lstm", 32, 20, 64, True, False), ("gru", 16, 12, 48, False, True),
                       ("simple_tanh", 40, 9, 33, False, False), ("lstm", 7, 15, 130, True, True)]}


def _rnn_case(name, case, dtype):
    """(the op over tensors, the NumPy reference, the input arrays) for rnn_sequence(_grad)."""
    cell, b, t, u, masked, reverse = case
    g, s = rnn_reference.GATES[cell], rnn_reference.STATES[cell]
    xp = data("any", (b, t, g * u), dtype, 0)
    state0 = (0.5 * data("any", (b, s, u), "float64", 1)).astype(dtype)
    kernel = (data("any", (u, g * u), "float64", 2) / np.sqrt(u)).astype(dtype)
    bias = (0.1 * data("any", (g * u,), "float64", 3)).astype(dtype)
    mask = np.random.default_rng(4).random((b, t)) > 0.3 if masked else None

    def with_mask(fn):  # the mask is an operand like the others (contiguous, then strided)
        return fn if mask is None else (lambda *ts: fn(*ts[:-1], mask=ts[-1]))

    def extra():
        return [] if mask is None else [mask]

    if name == "rnn_sequence":
        op = with_mask(lambda x, h0, k, bb, mask=None: _C.rnn_sequence(cell, x, h0, k, bb, mask, reverse)[0])
        ref = with_mask(lambda x, h0, k, bb, mask=None: rnn_reference.rnn_sequence(cell, x, h0, k, bb, mask, reverse))
        return op, ref, [xp, state0, kernel, bias] + extra()
    assert name == "rnn_sequence_grad", name
    dstates = data("any", (b, t + 1, s, u), dtype, 5)
    states, saved = _C.rnn_sequence(cell, tg.constant(xp), tg.constant(state0), tg.constant(kernel),
                                     tg.constant(bias), None if mask is None else tg.constant(mask), reverse)
    states, saved = states.numpy(), saved.numpy()

    def op(d, st, sv, k, mask=None):
        dxp, drec, dstate0 = _C.rnn_sequence_grad(cell, d, st, sv, k, mask, reverse)
        return tg.concat([tg.reshape(dxp, [-1]), tg.reshape(drec, [-1]), tg.reshape(dstate0, [-1])], 0)

    def ref(d, st, sv, k, mask=None):
        return np.concatenate([r.reshape(-1) for r in rnn_reference.rnn_sequence_grad(
            cell, d, xp, state0, kernel, bias, mask, reverse)])

    return with_mask(op), with_mask(ref), [dstates, states, saved, kernel] + extra()


WINDOW_CASES = {"conv": (CONV_CASES, _conv_case), "pool": (POOL_CASES, _pool_case), "image": (IMAGE_CASES, _image_case),
                "norm": (NORM_CASES, _norm_case), "rnn": (RNN_CASES, _rnn_case)}


def _window_case(name, size_or_index, dtype):
    cases, make = WINDOW_CASES[REFERENCE[name]["kind"]]
    return [make(name, case, dtype) for case in cases[size_or_index]]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("name,dtype", list(_cases({"conv", "pool", "image", "norm", "rnn"})))
def test_conv_pool_and_image_ops_match_numpy(name, dtype, size, device):
    _need_kernel(name, dtype, device)
    tol = 1e-4 if dtype == "float32" else 1e-11
    for case, (fn, ref, arrays) in zip(WINDOW_CASES[REFERENCE[name]["kind"]][0][size],
                                       _window_case(name, size, dtype)):
        expected = ref(*arrays)
        scale = max(1.0, float(np.max(np.abs(expected))))
        for pick in (0, 1):  # every operand contiguous, then every operand a strided view
            operands = [list(layouts(a, device))[pick] for a in arrays]
            got = fn(*[t for _, t, _ in operands])
            assert got.shape == expected.shape and got.dtype == tg.as_dtype(dtype), (case, got.shape)
            assert got.device.endswith(device)
            np.testing.assert_allclose(got.numpy(), expected, rtol=tol, atol=tol * scale,
                                       err_msg=f"{name} {case} {operands[0][0]}")


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("n", [3, 64])
@pytest.mark.parametrize("name,dtype", list(_cases({"linalg"})))
def test_linalg_ops_match_numpy(name, dtype, n, device):
    _need_kernel(name, dtype, device)
    make, fn, ref, _ = linalg_reference.CASES[name]
    arrays = make(np.random.default_rng(1), n)
    tol = 2e-4 if dtype == "float32" else 1e-9
    for layout in ("contiguous", "strided"):
        if layout == "contiguous":
            ts = [tg.constant(a.astype(dtype)).to(device) for a in arrays]
        else:  # the same matrices read through transposed views
            ts = [tg.linalg.matrix_transpose(tg.constant(np.ascontiguousarray(np.swapaxes(a, -1, -2)).astype(dtype))
                                             .to(device)) for a in arrays]
        got, want = _as_list(fn(*ts)), _as_list(ref(*arrays))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert g.dtype == tg.as_dtype(dtype) and tuple(g.shape) == np.shape(w), (name, layout)
            scale = max(1.0, float(np.abs(w).max()))
            np.testing.assert_allclose(g.numpy(), w, rtol=tol, atol=tol * scale, err_msg=f"{name} {layout}")


# cast has its own test above (a float cast is not finite-difference friendly).
DIFFERENTIABLE = sorted(n for n in TABLE if TABLE[n]["differentiable"] and n != "cast")


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("shape", [(3, 4), (40, 50)])
@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradient_matches_finite_differences(name, shape, layout):
    ref = REFERENCE[name]
    pick = (lambda t: t) if layout == "contiguous" else (lambda t: t[:, ::2])
    wide = (shape[0], shape[1] * (1 if layout == "contiguous" else 2))
    if ref["kind"] == "unary":
        x = data(ref["domain"], wide, "float64", 0)
        check_grad(lambda a: _call(name, pick(a)), x, rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "binary":
        a, b = (data(d, wide, "float64", s) for s, d in enumerate(ref["domain"]))
        check_grad(lambda x, y: _call(name, pick(x), pick(y)), a, b, rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "fused":
        # The fused op's gradient rule: the second derivative of its parent.
        x = data("away", wide, "float64", 0)

        def first_derivative(t):
            with tg.GradientTape() as inner:
                inner.watch(t)
                y = _call(ref["parent"], pick(t))
            return inner.gradient(y, t)

        got = first_derivative(tg.constant(x)).numpy()
        expected = np.zeros_like(x)
        expected[:, ::(1 if layout == "contiguous" else 2)] = ref["derivative"](pick(x))
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
        if name != "relu_grad":  # relu's second derivative is 0 almost everywhere, and so is the rule's
            check_grad(first_derivative, x, rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "clip":
        x = data("any", wide, "float64", 0)
        lo, hi = np.full(wide, -1.0), np.full(wide, 1.5)
        x[np.abs(x - lo) < 1e-3] += 0.01  # clear of the kinks
        x[np.abs(x - hi) < 1e-3] += 0.01
        check_grad(lambda t, l, h: tg.clip_by_value(pick(t), pick(l), pick(h)), x, lo, hi, rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "reduce":
        x = data(ref["domain"], wide, "float64", 0)
        fn = getattr(tg, name)
        for axis in REDUCE_AXES:
            check_grad(lambda t: fn(pick(t), axis=axis), x, rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "sum_to":
        x = data("any", wide, "float64", 0)
        b = data("any", (1, wide[1]), "float64", 1)
        # sum_to runs in the gradient of the broadcast operand.
        check_grad(lambda t, u: _call("multiply", pick(t), pick(u)), x, b, rtol=1e-5, atol=1e-7)

        # Its own rule (broadcast back) in the second derivative: d/dx of
        # d(sum(w * x * b))/db = sum_to(w * x).
        def grad_of_broadcast_operand(t, u):
            with tg.GradientTape() as inner:
                inner.watch(u)
                y = _call("multiply", pick(t), pick(u))
            return inner.gradient(y, u, output_gradients=tg.constant(data("any", shape, "float64", 2)))

        check_grad(grad_of_broadcast_operand, x, b, wrt=[0], rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "softmax":
        x = data("any", wide, "float64", 0)
        for axis in (-1, 0):
            check_grad(lambda t: getattr(tg.nn, name)(pick(t), axis=axis), x, rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "masked_softmax":
        # Rows partly masked, one row fully masked (zero gradient in both modes),
        # masks of the logits' shape and broadcast; the mask has no gradient.
        x = data("any", wide, "float64", 0)
        r = np.random.default_rng(1)
        full = r.random(wide) < 0.6
        full[0] = False
        cols = r.random((1, wide[1])) < 0.6
        for mask, axis in ((full, -1), (full, 0), (cols, -1)):
            for all_masked in ("zeros", "uniform"):
                check_grad(lambda t, m: tg.nn.masked_softmax(pick(t), pick(m), axis=axis, all_masked=all_masked),
                           x, mask, rtol=1e-5, atol=1e-7)
    elif ref["kind"] in ("xent", "xent_grad"):
        forward = name if ref["kind"] == "xent" else ref["forward"]
        fn = getattr(tg.nn, forward)
        sparse = REFERENCE[forward]["labels"] == "ids"
        z, x = xent_inputs(REFERENCE[forward]["labels"], wide, "float64")
        if sparse:  # class ids for the picked (possibly narrower) logits
            z = np.random.default_rng(5).integers(0, shape[1], size=shape[0])
        labels_of = (lambda zz: zz) if sparse else pick
        if ref["kind"] == "xent":
            if sparse:
                check_grad(lambda t: fn(labels=z, logits=pick(t)), x, rtol=1e-5, atol=1e-7)
            else:
                check_grad(lambda zz, t: fn(labels=labels_of(zz), logits=pick(t)), z, x, rtol=1e-5, atol=1e-7)
        else:
            # The fused backward's own rule: finite differences of the first
            # derivative with respect to the logits, the incoming gradient and
            # (dense labels) the labels.
            per_row = forward != "sigmoid_cross_entropy_with_logits"
            w = data("any", (shape[0],) if per_row else shape, "float64", 3)

            def first_derivative(t, ww, zz=None):
                with tg.GradientTape() as inner:
                    inner.watch(t)
                    loss = fn(labels=z if zz is None else labels_of(zz), logits=pick(t))
                return inner.gradient(loss, t, output_gradients=ww)

            if sparse:
                check_grad(first_derivative, x, w, rtol=1e-5, atol=1e-7)
            else:
                check_grad(first_derivative, x, w, z, rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "layout":
        x = data(ref["domain"], wide, "float64", 0)
        check_grad(lambda t: _flat_concat(ref["fn"](pick(t))), x, rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "matmul":
        # (m, k) @ (k, 5), every pair of transpose flags, on stored operands
        # picked as the layout says; and a batch times a shared matrix.
        m, k = shape
        for ta, tb in [(False, False), (True, False), (False, True), (True, True)]:
            sa = (k, m) if ta else (m, k)
            sb = (5, k) if tb else (k, 5)
            a = data("any", (sa[0], sa[1] * (1 if layout == "contiguous" else 2)), "float64", 0)
            b = data("any", (sb[0], sb[1] * (1 if layout == "contiguous" else 2)), "float64", 1)
            check_grad(lambda x, y: tg.matmul(pick(x), pick(y), transpose_a=ta, transpose_b=tb), a, b,
                       rtol=1e-5, atol=1e-7)
        a3 = data("any", (2, 3, 4 * (1 if layout == "contiguous" else 2)), "float64", 2)
        b2 = data("any", (4, 3 * (1 if layout == "contiguous" else 2)), "float64", 3)
        check_grad(lambda x, y: tg.matmul(x[..., ::(1 if layout == "contiguous" else 2)], pick(y)), a3, b2,
                   rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "dense":
        m, k = shape
        step = 1 if layout == "contiguous" else 2
        x = data("any", (m, k * step), "float64", 0)
        w = data("any", (k, 5 * step), "float64", 1)
        b = data("any", (5,), "float64", 2)
        for activation in (None, "relu"):  # random pre-activations: clear of relu's kink
            check_grad(lambda t, u, v: _C.dense(pick(t), pick(u), v, activation), x, w, b, rtol=1e-5, atol=1e-7)
        x3 = data("any", (2, 3, k * step), "float64", 3)
        check_grad(lambda t, u: _C.dense(t[..., ::step], pick(u), None, "relu"), x3, w, rtol=1e-5, atol=1e-7)
    elif ref["kind"] in WINDOW_CASES:
        # A small case per shape: the plain VALID one, then the grouped (conv),
        # overlapping-window (pool) or resize (image) one; strided: every
        # operand a view.
        cases, make = WINDOW_CASES[ref["kind"]]
        fn, _, arrays = make(name, cases["small"][0 if shape == (3, 4) else 1], "float64")
        step = 1 if layout == "contiguous" else 2
        wide_arrays = [np.repeat(a, step, axis=-1) for a in arrays]
        check_grad(lambda *ts: fn(*[t[..., ::step] for t in ts]), *wide_arrays, rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "linalg":
        make, _, _, grad_fn = linalg_reference.CASES[name]
        arrays = make(np.random.default_rng(0), shape[0])  # 3x3 and 40x40 matrices
        if layout == "strided":  # every operand a transposed view
            check_grad(lambda *ts: grad_fn(*[tg.linalg.matrix_transpose(t) for t in ts]),
                       *[np.ascontiguousarray(np.swapaxes(a, -1, -2)) for a in arrays], rtol=1e-5, atol=1e-7)
        else:
            check_grad(grad_fn, *arrays, rtol=1e-5, atol=1e-7)
    elif ref["kind"] == "where":
        c = data("bool", wide, "bool", 0)
        x, y = data("any", wide, "float64", 1), data("any", wide, "float64", 2)
        check_grad(lambda cc, a, b: tg.where(pick(cc), pick(a), pick(b)), c, x, y, wrt=[1, 2])

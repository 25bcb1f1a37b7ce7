"""Element-wise ops against NumPy: values over random shapes and dtypes
(hypothesis for broadcasting), dtype promotion, the float32 math kernels'
accuracy (rtol 1e-6; float64 1e-12), special values, integer corner cases,
gradients (finite differences in float64, nested tapes for second order),
every SIMD level (subprocesses with TENSORGEAR_SIMD) and bad input."""

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tensorgear as tg

from gradcheck import check_grad

NUMERIC = ["uint8", "int32", "int64", "float32", "float64"]
INTS = ["uint8", "int32", "int64"]
FLOATS = ["float32", "float64"]
F32_RTOL, F64_RTOL = 1e-6, 1e-12
F32_ATOL = 1e-43  # subnormal results carry few bits

rng = np.random.default_rng(1234)


def arr(shape, dtype, lo=-5, hi=5, rng=rng):
    if dtype == "bool":
        return rng.random(shape) < 0.5
    if dtype == "uint8":
        lo = max(lo, 0)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(lo, hi + 1, size=shape).astype(dtype)
    return rng.uniform(lo, hi, size=shape).astype(dtype)


def rtol_of(dtype):
    return F32_RTOL if str(dtype) == "float32" else F64_RTOL


def assert_matches(got, expected, dtype=None):
    got_np = got.numpy()
    if dtype is not None:
        assert got_np.dtype == np.dtype(dtype), (got_np.dtype, dtype)
    expected = np.asarray(expected)
    if got_np.dtype.kind == "f":
        atol = F32_ATOL if got_np.dtype == np.float32 else 0
        with np.errstate(over="ignore"):  # float64 references beyond float32's range become inf
            expected = expected.astype(got_np.dtype)
        np.testing.assert_allclose(got_np, expected, rtol=rtol_of(got_np.dtype), atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got_np, expected)


def transposed(x):
    """A non-contiguous view holding the same values as x.T, when the engine has transpose."""
    try:
        t = tg.transpose(tg.constant(np.ascontiguousarray(x.T)))
    except (AttributeError, RuntimeError) as e:  # transpose not in this build yet
        pytest.skip(str(e))
    assert not t.is_contiguous()
    return t


# ---- binary ops over broadcast shapes ---------------------------------------------

def np_floor_divide(a, b):
    return np.floor_divide(a, b)


BINARY = {
    # name: (tensorgear op, numpy op, dtypes, (lo, hi) of a, (lo, hi) of b)
    "add": (tg.add, np.add, NUMERIC, (-50, 50), (-50, 50)),
    "subtract": (tg.subtract, np.subtract, NUMERIC, (-50, 50), (-50, 50)),
    "multiply": (tg.multiply, np.multiply, NUMERIC, (-50, 50), (-50, 50)),
    "divide": (tg.divide, np.true_divide, FLOATS, (-5, 5), (0.5, 5)),
    "floor_divide": (tg.math.floordiv, np_floor_divide, NUMERIC, (-20, 20), (-6, 6)),
    "mod": (tg.math.floormod, np.mod, NUMERIC, (-20, 20), (-6, 6)),
    "pow_int": (tg.pow, np.power, INTS, (-4, 4), (0, 5)),
    "pow_float": (tg.pow, np.power, FLOATS, (0.1, 3), (-3, 3)),
    "maximum": (tg.maximum, np.maximum, NUMERIC, (-5, 5), (-5, 5)),
    "minimum": (tg.minimum, np.minimum, NUMERIC, (-5, 5), (-5, 5)),
    "equal": (tg.equal, np.equal, NUMERIC, (-2, 2), (-2, 2)),
    "not_equal": (tg.not_equal, np.not_equal, NUMERIC, (-2, 2), (-2, 2)),
    "less": (tg.less, np.less, NUMERIC, (-2, 2), (-2, 2)),
    "less_equal": (tg.less_equal, np.less_equal, NUMERIC, (-2, 2), (-2, 2)),
    "greater": (tg.greater, np.greater, NUMERIC, (-2, 2), (-2, 2)),
    "greater_equal": (tg.greater_equal, np.greater_equal, NUMERIC, (-2, 2), (-2, 2)),
}


@pytest.mark.parametrize("name", list(BINARY))
@settings(max_examples=25, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=5), data=st.data())
def test_binary_matches_numpy(name, shapes, data):
    op, ref, dtypes, ra, rb = BINARY[name]
    dtype = data.draw(st.sampled_from(dtypes))
    r = np.random.default_rng(data.draw(st.integers(0, 2**31)))
    a = arr(shapes.input_shapes[0], dtype, *ra, rng=r)
    b = arr(shapes.input_shapes[1], dtype, *rb, rng=r)
    with np.errstate(all="ignore"):
        expected = ref(a, b)
    got = op(tg.constant(a), tg.constant(b))
    assert tuple(got.shape) == shapes.result_shape
    assert_matches(got, expected, expected.dtype)


@pytest.mark.parametrize("dtype", NUMERIC + ["bool"])
def test_comparisons_of_every_dtype_give_bool(dtype):
    a, b = arr((4, 3), dtype), arr((3,), dtype)
    for op, ref in [(tg.equal, np.equal), (tg.less, np.less), (tg.greater_equal, np.greater_equal)]:
        assert_matches(op(tg.constant(a), tg.constant(b)), ref(a, b), "bool")


@pytest.mark.parametrize("n", [1, 17, 4099, 100_003])  # vector tails and the threaded path
@pytest.mark.parametrize("dtype", FLOATS + ["int32"])
def test_sizes_and_threads(n, dtype):
    a, b = arr((n,), dtype, 1, 9), arr((n,), dtype, 1, 9)
    ta, tb = tg.constant(a), tg.constant(b)
    assert_matches(tg.add(ta, tb), a + b, dtype)
    assert_matches(tg.multiply(ta, 3), a * np.array(3, dtype), dtype)
    assert_matches(tg.maximum(ta, tb), np.maximum(a, b), dtype)
    assert_matches(tg.where(ta > tb, ta, tb), np.where(a > b, a, b), dtype)
    assert_matches(tg.clip_by_value(ta, 3, 6), np.clip(a, 3, 6), dtype)
    assert_matches(tg.square(ta), a * a, dtype)


def test_broadcast_and_strided_operands():
    a = arr((64, 1, 33), "float32")
    b = arr((7, 33), "float32")
    assert_matches(tg.add(tg.constant(a), tg.constant(b)), a + b)
    # Stride-0 views made by broadcast_to go through the strided walk.
    va = tg.broadcast_to(tg.constant(a), (64, 7, 33))
    assert_matches(tg.multiply(va, tg.constant(b)), a * b)
    assert_matches(tg.exp(va), np.broadcast_to(np.exp(a.astype(np.float64)), (64, 7, 33)))
    c = arr((64, 7, 1), "float32")
    assert_matches(tg.where(tg.constant(c > 0), va, tg.constant(b)), np.where(c > 0, a, b))


def test_non_contiguous_operands():
    x = arr((40, 30), "float32")
    y = arr((40, 30), "float32")
    tx = transposed(x)  # holds x's values in a transposed layout
    assert_matches(tg.add(tx, tg.constant(y)), x + y)
    assert_matches(tg.tanh(tx), np.tanh(x.astype(np.float64)))
    assert_matches(tg.where(tx > 0, tx, tg.constant(y)), np.where(x > 0, x, y))
    assert_matches(tg.clip_by_value(tx, -1.0, tg.constant(y)), np.clip(x, -1.0, y))


# ---- dtype promotion --------------------------------------------------------------

def expected_promotion(a, b):
    if a == b:
        return a
    kinds = {"bool": 0, "uint8": 1, "int32": 1, "int64": 1, "float32": 2, "float64": 2}
    if kinds[a] == 2 and kinds[b] == 2:
        return "float64"
    if kinds[a] != kinds[b]:
        return a if kinds[a] > kinds[b] else b
    order = ["uint8", "int32", "int64"]
    return max(a, b, key=order.index)


@pytest.mark.parametrize("da", NUMERIC + ["bool"])
@pytest.mark.parametrize("db", NUMERIC + ["bool"])
def test_promotion_table(da, db):
    a, b = tg.constant(arr((2,), da, 1, 3)), tg.constant(arr((2,), db, 1, 3))
    want = expected_promotion(da, db)
    if want == "bool":
        with pytest.raises(TypeError, match="bool"):
            tg.add(a, b)
        return
    assert tg.add(a, b).dtype == want
    assert tg.multiply(a, b).dtype == want
    assert tg.maximum(a, b).dtype == want
    assert tg.divide(a, b).dtype == (want if want.startswith("float") else "float32")
    assert tg.less(a, b).dtype == "bool"


@pytest.mark.parametrize("dtype", NUMERIC)
def test_python_scalars_are_weak(dtype):
    x = tg.constant(arr((3,), dtype, 1, 4))
    assert tg.add(x, 2).dtype == dtype
    assert tg.multiply(2, x).dtype == dtype
    assert tg.subtract(x, 1).dtype == dtype
    float_result = dtype if dtype.startswith("float") else "float32"
    assert tg.multiply(x, 2.5).dtype == float_result
    assert tg.pow(x, 2).dtype == dtype
    assert tg.where(x > 1, x, 0).dtype == dtype
    assert tg.clip_by_value(x, 1, 3).dtype == dtype
    assert tg.less(x, 2.5).dtype == "bool"
    np.testing.assert_array_equal(tg.less(x, 2.5).numpy(), x.numpy() < 2.5)


def test_weak_float_keeps_its_digits_against_float64():
    x = tg.constant(np.array([1.0, 3.0]))
    np.testing.assert_array_equal((x * 0.9).numpy(), np.array([1.0, 3.0]) * 0.9)
    np.testing.assert_array_equal((0.1 + x).numpy(), 0.1 + np.array([1.0, 3.0]))
    assert (x * 0.9).dtype == "float64"


def test_weak_scalar_with_bool_tensor():
    m = tg.constant([True, False])
    assert tg.multiply(m, 2).dtype == "int64"
    assert tg.multiply(m, 2.0).dtype == "float32"
    assert tg.multiply(m, tg.constant([1.5, 2.5])).numpy().tolist() == [1.5, 0.0]


def test_float_functions_promote_integers_to_float32():
    x = np.array([1, 2, 3], np.int32)
    for op, ref in [(tg.sqrt, np.sqrt), (tg.exp, np.exp), (tg.log, np.log), (tg.math.log1p, np.log1p),
                    (tg.tanh, np.tanh), (tg.math.reciprocal, np.reciprocal), (tg.sin, np.sin),
                    (tg.math.rsqrt, lambda v: 1 / np.sqrt(v))]:
        assert_matches(op(tg.constant(x)), ref(x.astype(np.float64)), "float32")
    assert_matches(tg.divide(tg.constant(x), 2), x / 2, "float32")


# ---- unary ops ----------------------------------------------------------------------

def sigmoid64(x):
    x = np.asarray(x, np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def softplus64(x):
    return np.logaddexp(0.0, np.asarray(x, np.float64))


def log_uniform(lo, hi, n, r=rng):
    return np.exp(r.uniform(np.log(lo), np.log(hi), n))


# scipy is not a dependency: the float64 references come from Python's math.erf / erfc.
erf64 = np.vectorize(math.erf, otypes=[np.float64])
erfc64 = np.vectorize(math.erfc, otypes=[np.float64])


# name: (op, float64 reference, sample generator over the interesting range)
FLOAT_FUNCS = {
    "exp": (tg.exp, np.exp, lambda n: rng.uniform(-110, 95, n)),
    "exp_small": (tg.exp, np.exp, lambda n: rng.uniform(-1e-3, 1e-3, n)),
    "expm1": (tg.math.expm1, np.expm1, lambda n: rng.uniform(-30, 95, n)),
    "expm1_small": (tg.math.expm1, np.expm1, lambda n: rng.uniform(-1, 1, n) * log_uniform(1e-30, 1, n)),
    "log": (tg.log, np.log, lambda n: log_uniform(1e-44, 3e38, n)),
    "log_near_1": (tg.log, np.log, lambda n: rng.uniform(0.9, 1.1, n)),
    "log1p": (tg.math.log1p, np.log1p, lambda n: rng.uniform(-0.9999, 10, n)),
    "log1p_small": (tg.math.log1p, np.log1p, lambda n: rng.uniform(-1, 1, n) * log_uniform(1e-30, 1e-2, n)),
    "log1p_big": (tg.math.log1p, np.log1p, lambda n: log_uniform(1, 3e38, n)),
    "tanh": (tg.tanh, np.tanh, lambda n: rng.uniform(-12, 12, n)),
    "tanh_small": (tg.tanh, np.tanh, lambda n: rng.uniform(-1, 1, n) * log_uniform(1e-30, 1, n)),
    "sigmoid": (tg.math.sigmoid, sigmoid64, lambda n: rng.uniform(-110, 95, n)),
    "softplus": (tg.math.softplus, softplus64, lambda n: rng.uniform(-110, 95, n)),
    "softplus_mid": (tg.math.softplus, softplus64, lambda n: rng.uniform(-20, 20, n)),
    "sqrt": (tg.sqrt, np.sqrt, lambda n: log_uniform(1e-40, 3e38, n)),
    "rsqrt": (tg.math.rsqrt, lambda v: 1 / np.sqrt(v), lambda n: log_uniform(1e-30, 1e30, n)),
    "reciprocal": (tg.math.reciprocal, np.reciprocal, lambda n: rng.uniform(-1, 1, n) * log_uniform(1e-30, 1e30, n)),
    "sin": (tg.sin, np.sin, lambda n: rng.uniform(-100, 100, n)),
    "cos": (tg.cos, np.cos, lambda n: rng.uniform(-100, 100, n)),
    "erf": (tg.math.erf, erf64, lambda n: rng.uniform(-6, 6, n)),
    "erf_small": (tg.math.erf, erf64, lambda n: rng.uniform(-1, 1, n) * log_uniform(1e-30, 1, n)),
    "erfc": (tg.math.erfc, erfc64, lambda n: rng.uniform(-6, 6, n)),
    "erfc_tail": (tg.math.erfc, erfc64, lambda n: rng.uniform(0.5, 9.0, n)),  # down to ~1e-37
}


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", list(FLOAT_FUNCS))
def test_float_function_accuracy(name, dtype):
    op, ref, gen = FLOAT_FUNCS[name]
    x = gen(20_000).astype(dtype)
    with np.errstate(all="ignore"):
        expected = ref(x.astype(np.float64))
    got = op(tg.constant(x))
    assert got.dtype == dtype
    assert_matches(got, expected)


SPECIALS = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 1e-38, 3.4e38, -3.4e38, 1.0, -1.0, 0.5])


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("name", ["exp", "expm1", "log", "log1p", "tanh", "sigmoid", "softplus", "sqrt", "rsqrt",
                                  "reciprocal", "sin", "cos", "erf", "erfc"])
def test_float_function_special_values(name, dtype):
    op, ref, _ = FLOAT_FUNCS[name]
    x = SPECIALS.astype(dtype)
    with np.errstate(all="ignore"):
        expected = ref(x.astype(np.float64)).astype(dtype)
    got = op(tg.constant(x)).numpy()
    np.testing.assert_allclose(got, expected, rtol=rtol_of(dtype), atol=F32_ATOL, equal_nan=True)
    if name in ("expm1", "log1p", "tanh", "sqrt", "sin", "erf"):  # odd functions keep the sign of zero
        assert np.signbit(got[1]) and not np.signbit(got[0])


def ulp_error(got, expected64):
    """|got - expected| in units of the last place of got's dtype at the expected value."""
    expected = expected64.astype(got.dtype)
    spacing = np.spacing(np.abs(expected)).astype(np.float64)
    return np.abs(got.astype(np.float64) - expected64) / spacing


@pytest.mark.parametrize("name", ["erf", "erfc"])
def test_erf_erfc_float32_within_one_ulp(name):
    # erfc reaches float32's subnormals near x = 9.2 and 0 near 10.1 (an ulp there is absolute)
    op, ref = (tg.math.erf, erf64) if name == "erf" else (tg.math.erfc, erfc64)
    x = np.concatenate([rng.uniform(-4, 4, 30_000), rng.uniform(-11, 11, 10_000), rng.uniform(1.5, 2.5, 10_000),
                        rng.uniform(-1, 1, 5_000) * log_uniform(1e-38, 1, 5_000)]).astype(np.float32)
    err = ulp_error(op(tg.constant(x)).numpy(), ref(x.astype(np.float64)))
    assert err.max() <= 1.0, f"{name}: {err.max():.2f} ulp at x={x[np.argmax(err)]!r}"


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", [1, 7, 4099, (1 << 17) + 12_345])  # vector tails and the threaded path
def test_erf_erfc_sizes_and_threads(n, dtype):
    x = rng.uniform(-5, 5, n).astype(dtype)
    tx = tg.constant(x)
    assert_matches(tg.math.erf(tx), erf64(x.astype(np.float64)), dtype)
    assert_matches(tg.math.erfc(tx), erfc64(x.astype(np.float64)), dtype)


@pytest.mark.parametrize("dtype", FLOATS)
def test_erf_erfc_strided_inputs(dtype):
    x = arr((600, 300), dtype)  # 180_000 elements: the threaded strided walk
    x64 = x.astype(np.float64)
    tx = transposed(x)
    assert_matches(tg.math.erf(tx), erf64(x64), dtype)
    assert_matches(tg.math.erfc(tx), erfc64(x64), dtype)
    sliced = tg.constant(x)[::3, 1::2]
    assert not sliced.is_contiguous()
    assert_matches(tg.math.erf(sliced), erf64(x64[::3, 1::2]), dtype)
    assert_matches(tg.math.erfc(sliced), erfc64(x64[::3, 1::2]), dtype)


def test_erf_erfc_dtype_rules():
    ints = np.array([-2, 0, 1, 3], np.int32)
    # integers compute in float32, as the other floating functions
    assert_matches(tg.math.erf(tg.constant(ints)), erf64(ints.astype(np.float64)), "float32")
    assert_matches(tg.math.erfc(tg.constant(ints.astype(np.int64))), erfc64(ints.astype(np.float64)), "float32")
    for op in (tg.math.erf, tg.math.erfc):
        with pytest.raises(TypeError, match="bool"):
            op(tg.constant([True, False]))
    # TensorFlow 2 has them under tf.math only (tf.erf was TF 1's).
    assert not hasattr(tg, "erf") and not hasattr(tg, "erfc")


NUMERIC_UNARY = {
    "negative": (tg.negative, np.negative),
    "abs": (tg.abs, np.abs),
    "sign": (tg.sign, np.sign),
    "square": (tg.square, np.square),
    "relu": (tg.nn.relu, lambda v: np.maximum(v, np.zeros((), v.dtype))),
}


@pytest.mark.parametrize("dtype", NUMERIC)
@pytest.mark.parametrize("name", list(NUMERIC_UNARY))
def test_numeric_unary_matches_numpy(name, dtype):
    op, ref = NUMERIC_UNARY[name]
    x = arr((5, 7), dtype, -100, 100)
    with np.errstate(all="ignore"):
        expected = ref(x)
    assert_matches(op(tg.constant(x)), expected, dtype)


def test_integer_unary_wraps_like_numpy():
    lo32, lo64 = np.iinfo(np.int32).min, np.iinfo(np.int64).min
    x = np.array([lo32, -1, 0, 46341], np.int32)
    with np.errstate(all="ignore"):
        assert_matches(tg.abs(tg.constant(x)), np.abs(x))
        assert_matches(tg.negative(tg.constant(x)), np.negative(x))
        assert_matches(tg.square(tg.constant(x)), np.square(x))
    y = np.array([lo64, 5], np.int64)
    assert_matches(tg.abs(tg.constant(y)), np.abs(y))


def test_nan_propagation():
    x = np.array([np.nan, 1.0, -np.nan], np.float32)
    assert np.isnan(tg.nn.relu(tg.constant(x)).numpy()[0])
    assert np.isnan(tg.sign(tg.constant(x)).numpy()[0])
    assert np.isnan(tg.maximum(tg.constant(x), 0.0).numpy()[0])
    assert np.isnan(tg.minimum(tg.constant(x), 0.0).numpy()[0])
    assert np.isnan(tg.clip_by_value(tg.constant(x), 0.0, 0.5).numpy()[0])


# ---- floor division, modulo, power --------------------------------------------------

@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_integer_division_corner_cases(dtype):
    lo = np.iinfo(dtype).min
    a = np.array([7, -7, 7, -7, 0, 5, lo, lo, lo, 3], dtype)
    b = np.array([2, 2, -2, -2, 3, 0, -1, 1, 7, -1], dtype)
    with np.errstate(all="ignore"):
        assert_matches(tg.math.floordiv(tg.constant(a), tg.constant(b)), np.floor_divide(a, b), dtype)
        assert_matches(tg.math.floormod(tg.constant(a), tg.constant(b)), np.mod(a, b), dtype)
    # Documented: integer division by zero gives 0.
    assert tg.math.floordiv(tg.constant(a), 0).numpy().tolist() == [0] * 10
    assert tg.math.floormod(tg.constant(a), 0).numpy().tolist() == [0] * 10


def test_uint8_division_and_wraparound():
    a = np.array([0, 7, 200, 255], np.uint8)
    b = np.array([3, 0, 7, 2], np.uint8)
    with np.errstate(all="ignore"):
        assert_matches(tg.math.floordiv(tg.constant(a), tg.constant(b)), np.floor_divide(a, b), "uint8")
        assert_matches(tg.math.floormod(tg.constant(a), tg.constant(b)), np.mod(a, b), "uint8")
        assert_matches(tg.add(tg.constant(a), tg.constant(a)), a + a, "uint8")
        assert_matches(tg.subtract(tg.constant(b), tg.constant(a)), b - a, "uint8")


@pytest.mark.parametrize("dtype", FLOATS)
def test_float_floor_divide_and_mod_follow_numpy(dtype):
    a = np.array([1.0, -1.0, 1.0, -1.0, 7.5, -7.5, 0.0, -0.0, 1.0, 0.0, np.inf, 5.0, 3.0], dtype)
    b = np.array([0.1, 0.1, -0.1, -0.1, 2.0, 2.0, 3.0, 3.0, 0.0, 0.0, 2.0, np.inf, -np.inf], dtype)
    with np.errstate(all="ignore"):
        fd, md = np.floor_divide(a, b), np.mod(a, b)
    got_fd = tg.math.floordiv(tg.constant(a), tg.constant(b)).numpy()
    got_md = tg.math.floormod(tg.constant(a), tg.constant(b)).numpy()
    np.testing.assert_array_equal(got_fd, fd)  # 1 // 0.1 == 9, as Python
    np.testing.assert_array_equal(got_md, md)
    np.testing.assert_array_equal(np.signbit(got_md), np.signbit(md))


def test_pow_integers():
    a = np.array([2, -3, 0, 1, -1, 7, 0], np.int64)
    b = np.array([10, 3, 0, 50, 7, 30, 5], np.int64)
    assert_matches(tg.pow(tg.constant(a), tg.constant(b)), np.power(a, b), "int64")
    a32 = a.astype(np.int32)
    assert_matches(tg.pow(tg.constant(a32), tg.constant(b.astype(np.int32))), np.power(a32, b.astype(np.int32)))
    assert_matches(tg.pow(tg.constant(np.array([3, 200], np.uint8)), 2), np.array([9, 64], np.uint8), "uint8")


def test_pow_negative_integer_exponent_is_a_value_error():
    with pytest.raises(ValueError, match=r"negative integer powers.*-2"):
        tg.pow(tg.constant([1, 2, 3]), tg.constant([1, -2, 3]))
    with pytest.raises(ValueError, match="negative"):
        tg.pow(tg.constant([1, 2], dtype=tg.int32), -1)
    # A float operand makes it a float power.
    assert_matches(tg.pow(tg.constant([1, 2, 4]), -1.0), [1.0, 0.5, 0.25], "float32")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("e", [2, 2.0, 0.5, -1, -0.5, 1, 3, 0, -2.5])
def test_pow_scalar_exponents(dtype, e):
    x = np.concatenate([log_uniform(1e-3, 1e3, 50), [0.0, 1.0, np.inf]]).astype(dtype)
    with np.errstate(all="ignore"):
        expected = np.power(x.astype(np.float64), e)
    got = tg.pow(tg.constant(x), e)
    assert got.dtype == dtype
    assert_matches(got, expected)


def test_pow_scalar_exponent_that_broadcasts_keeps_the_broadcast_shape():
    x = tg.constant([1.0, 2.0])
    assert tg.pow(x, tg.constant([[2.0]])).shape == (1, 2)


# ---- logical ------------------------------------------------------------------------

@settings(max_examples=20, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=5), seed=st.integers(0, 2**31))
def test_logical_ops_match_numpy(shapes, seed):
    r = np.random.default_rng(seed)
    a, b = arr(shapes.input_shapes[0], "bool", rng=r), arr(shapes.input_shapes[1], "bool", rng=r)
    ta, tb = tg.constant(a), tg.constant(b)
    assert_matches(tg.logical_and(ta, tb), np.logical_and(a, b), "bool")
    assert_matches(tg.logical_or(ta, tb), np.logical_or(a, b), "bool")
    assert_matches(tg.logical_xor(ta, tb), np.logical_xor(a, b), "bool")
    assert_matches(tg.logical_not(ta), np.logical_not(a), "bool")


@pytest.mark.parametrize("op", [tg.logical_and, tg.logical_or, tg.logical_xor])
def test_logical_ops_reject_numbers(op):
    with pytest.raises(TypeError, match=r"expected bool tensors, got int64 and bool"):
        op(tg.constant([1, 0]), tg.constant([True, False]))
    assert op(tg.constant([True, False]), True).dtype == "bool"  # Python bools are fine
    with pytest.raises(TypeError, match="float32"):
        tg.logical_not(tg.constant([1.0]))


@pytest.mark.parametrize("dtype", NUMERIC + ["bool"])
def test_isnan_isfinite_isinf(dtype):
    if dtype.startswith("float"):
        x = np.array([0.0, np.nan, np.inf, -np.inf, 1e-45, -3.0, 3.4e38], dtype)
    else:
        x = arr((2, 3), dtype)
    for op, ref in [(tg.math.is_nan, np.isnan), (tg.math.is_finite, np.isfinite), (tg.math.is_inf, np.isinf)]:
        got = op(tg.constant(x))
        assert_matches(got, ref(x), "bool")
        assert got.shape == x.shape


# ---- clip_by_value and where ------------------------------------------------------------

@pytest.mark.parametrize("dtype", NUMERIC)
def test_clip_by_value_scalars_and_tensors(dtype):
    x = arr((4, 5), dtype, 0, 20)
    assert_matches(tg.clip_by_value(tg.constant(x), 3, 9), np.clip(x, 3, 9), dtype)
    lo = arr((4, 1), dtype, 0, 8)
    hi = arr((5,), dtype, 10, 15)
    assert_matches(tg.clip_by_value(tg.constant(x), tg.constant(lo), tg.constant(hi)), np.clip(x, lo, hi), dtype)
    # Broadcasting may grow the result (NumPy's clip does too).
    assert tg.clip_by_value(tg.constant(x[0]), tg.constant(lo), 12).shape == (4, 5)


def test_clip_with_lo_above_hi_gives_hi():
    x = tg.constant([-5.0, 0.0, 5.0])
    np.testing.assert_array_equal(tg.clip_by_value(x, 2.0, 1.0).numpy(), np.clip([-5.0, 0.0, 5.0], 2.0, 1.0))


def test_clip_dtype_rules():
    assert tg.clip_by_value(tg.constant([1.0, 2.0]), 0, 1).dtype == "float32"
    assert tg.clip_by_value(tg.constant([1, 5]), 0.5, 2.5).dtype == "float32"
    x64 = tg.constant(np.array([1.0, 2.0]))
    assert tg.clip_by_value(x64, tg.constant(np.float32(0)), 1.5).dtype == "float64"


@settings(max_examples=30, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=4, max_side=4),
       dtype=st.sampled_from(NUMERIC + ["bool"]), seed=st.integers(0, 2**31))
def test_where_three_way_broadcast(shapes, dtype, seed):
    r = np.random.default_rng(seed)
    c = arr(shapes.input_shapes[0], "bool", rng=r)
    x = arr(shapes.input_shapes[1], dtype, rng=r)
    y = arr(shapes.input_shapes[2], dtype, rng=r)
    got = tg.where(tg.constant(c), tg.constant(x), tg.constant(y))
    assert tuple(got.shape) == shapes.result_shape
    assert_matches(got, np.where(c, x, y), dtype)


def test_where_mixed_dtypes_and_scalars():
    c = tg.constant([True, False, True])
    assert_matches(tg.where(c, tg.constant([1, 2, 3], dtype=tg.int32), 0.5), [1.0, 0.5, 3.0], "float32")
    assert_matches(tg.where(c, 1, 0), [1, 0, 1], "int64")
    x64 = tg.constant(np.array([1.0, 2.0, 3.0]))
    assert_matches(tg.where(c, x64, tg.constant(np.zeros(3, np.float32))), [1.0, 0.0, 3.0], "float64")


# ---- gradients ------------------------------------------------------------------------------

def pos(shape, lo=0.5, hi=2.0):
    return rng.uniform(lo, hi, shape)


def away_from_zero(shape, margin=0.2):
    v = rng.uniform(margin, 2.0, shape)
    return v * rng.choice([-1.0, 1.0], shape)


UNARY_GRADS = {
    "negative": (tg.negative, lambda: away_from_zero((3, 4))),
    "abs": (tg.abs, lambda: away_from_zero((3, 4))),
    "square": (tg.square, lambda: away_from_zero((3, 4))),
    "relu": (tg.nn.relu, lambda: away_from_zero((3, 4))),
    "sqrt": (tg.sqrt, lambda: pos((3, 4))),
    "rsqrt": (tg.math.rsqrt, lambda: pos((3, 4))),
    "reciprocal": (tg.math.reciprocal, lambda: away_from_zero((3, 4), 0.5)),
    "exp": (tg.exp, lambda: away_from_zero((3, 4))),
    "expm1": (tg.math.expm1, lambda: away_from_zero((3, 4))),
    "log": (tg.log, lambda: pos((3, 4))),
    "log1p": (tg.math.log1p, lambda: pos((3, 4), -0.5, 2.0)),
    "sin": (tg.sin, lambda: away_from_zero((3, 4))),
    "cos": (tg.cos, lambda: away_from_zero((3, 4))),
    "tanh": (tg.tanh, lambda: away_from_zero((3, 4))),
    "sigmoid": (tg.math.sigmoid, lambda: away_from_zero((3, 4), 0.0) * 3),
    "softplus": (tg.math.softplus, lambda: away_from_zero((3, 4), 0.0) * 3),
    "erf": (tg.math.erf, lambda: rng.uniform(-2.5, 2.5, (3, 4))),
    "erfc": (tg.math.erfc, lambda: rng.uniform(-2.5, 2.5, (3, 4))),
}


@pytest.mark.parametrize("name", list(UNARY_GRADS))
def test_unary_gradients(name):
    op, gen = UNARY_GRADS[name]
    check_grad(op, gen())


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "relu", "exp", "log", "sqrt", "softplus", "sin", "rsqrt",
                                  "reciprocal", "abs", "erf", "erfc"])
def test_unary_second_order(name):
    op, gen = UNARY_GRADS[name]
    w = rng.uniform(0.5, 1.5, (3, 4))

    def grad_of(x):
        # The incoming gradient depends on x too, so that the fused backward
        # ops are differentiated with respect to both of their inputs.
        with tg.GradientTape() as t:
            t.watch(x)
            y = op(x)
        return t.gradient(y, x, output_gradients=tg.multiply(x, tg.constant(w)))

    check_grad(grad_of, gen(), rtol=1e-5, atol=1e-6)


BINARY_GRADS = {
    "add": (tg.add, lambda s: rng.standard_normal(s), lambda s: rng.standard_normal(s)),
    "subtract": (tg.subtract, lambda s: rng.standard_normal(s), lambda s: rng.standard_normal(s)),
    "multiply": (tg.multiply, lambda s: rng.standard_normal(s), lambda s: rng.standard_normal(s)),
    "divide": (tg.divide, lambda s: rng.standard_normal(s), lambda s: away_from_zero(s, 0.5)),
    "pow": (tg.pow, lambda s: pos(s), lambda s: rng.uniform(-2, 3, s)),
    "maximum": (tg.maximum, lambda s: rng.uniform(-1, 1, s), lambda s: rng.uniform(-1, 1, s) + 0.05),
    "minimum": (tg.minimum, lambda s: rng.uniform(-1, 1, s), lambda s: rng.uniform(-1, 1, s) + 0.05),
    # values of a / b well away from integers, where mod is smooth
    "mod": (tg.math.floormod, lambda s: rng.integers(-5, 5, s) * 2.0 + 0.5 + rng.uniform(0, 0.5, s),
            lambda s: np.full(s, 2.0) + rng.uniform(0, 0.01, s)),
}
SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 1), (1, 4)), ((2, 3), (3,)), ((), (2, 2))]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name", list(BINARY_GRADS))
def test_binary_gradients_sum_over_broadcast_axes(name, shapes):
    op, ga, gb = BINARY_GRADS[name]
    check_grad(op, ga(shapes[0]), gb(shapes[1]))


def test_binary_second_order():
    a, b = pos((2, 3)), rng.uniform(-1, 2, (3,))

    def grads(x, y):
        with tg.GradientTape() as t:
            t.watch([x, y])
            z = tg.add(tg.pow(x, y), tg.multiply(tg.divide(x, tg.add(y, 3.0)), tg.maximum(x, y)))
        gx, gy = t.gradient(z, [x, y])
        return tg.add(tg.reduce_sum(gx), tg.reduce_sum(gy))

    check_grad(grads, a, b, rtol=1e-5, atol=1e-6)


def test_listing_3_12_acceleration():
    time = tg.Variable(0.0)
    with tg.GradientTape() as outer:
        with tg.GradientTape() as inner:
            position = 4.9 * time ** 2
        speed = inner.gradient(position, time)
    acceleration = outer.gradient(speed, time)
    assert float(acceleration) == pytest.approx(9.8)


def test_clip_gradients():
    # Away from the bounds: finite differences.
    x = np.array([-3.0, -1.5, 0.3, 0.9, 2.5, 4.0])
    lo = np.array([-1.0])
    hi = np.full((2, 1), 1.0) + np.array([[0.0], [0.5]])
    check_grad(tg.clip_by_value, x, lo, hi)
    # At the bounds the gradient passes to x (lo <= x <= hi, TF's rule).
    tx = tg.constant([0.0, 0.5, 1.0, -1.0, 2.0])
    with tg.GradientTape() as t:
        t.watch(tx)
        y = tg.clip_by_value(tx, 0.0, 1.0)
    np.testing.assert_array_equal(t.gradient(y, tx).numpy(), [1, 1, 1, 0, 0])


def test_where_gradients_route_by_condition():
    c = np.array([[True, False, True], [False, False, True]])
    check_grad(lambda x, y: tg.where(tg.constant(c), x, y), rng.standard_normal((2, 3)), rng.standard_normal((3,)))
    x = tg.constant([1.0, 2.0, 3.0])
    y = tg.constant(5.0)
    with tg.GradientTape() as t:
        t.watch([x, y])
        z = tg.where(tg.constant([True, False, False]), x, y)
    gx, gy = t.gradient(z, [x, y])
    np.testing.assert_array_equal(gx.numpy(), [1, 0, 0])
    assert float(gy) == 2.0


def tape_grads(fn, *values):
    ts = [tg.constant(np.asarray(v, np.float64)) for v in values]
    with tg.GradientTape() as t:
        t.watch(ts)
        out = fn(*ts)
    return [None if g is None else g.numpy() for g in t.gradient(out, ts)]


def test_tensorflow_gradient_conventions():
    # |x|' = 0 at 0, relu'(0) = 0
    assert tape_grads(tg.abs, [0.0, -2.0, 3.0])[0].tolist() == [0, -1, 1]
    assert tape_grads(tg.nn.relu, [0.0, -2.0, 3.0])[0].tolist() == [0, 0, 1]
    # maximum/minimum: ties go to the first argument
    assert [g.tolist() for g in tape_grads(tg.maximum, [1.0, 2.0, 3.0], [1.0, 1.0, 5.0])] == [[1, 1, 0], [0, 0, 1]]
    assert [g.tolist() for g in tape_grads(tg.minimum, [1.0, 2.0, 3.0], [1.0, 1.0, 5.0])] == [[1, 0, 1], [0, 1, 0]]
    # pow: d/db uses log(a) only where a > 0
    ga, gb = tape_grads(tg.pow, [0.0, -2.0, 2.0], [2.0, 2.0, 3.0])
    np.testing.assert_allclose(ga, [0.0, -4.0, 12.0])
    np.testing.assert_allclose(gb, [0.0, 0.0, 8.0 * np.log(2.0)])
    # sign: zero gradient; floor_divide: none
    assert tape_grads(tg.sign, [1.0, -2.0])[0].tolist() == [0, 0]
    assert tape_grads(tg.math.floordiv, [3.0], [2.0]) == [None, None]


def test_integer_inputs_get_no_gradient():
    x = tg.constant([1, 2, 3])
    f = tg.constant([1.0, 2.0, 3.0])
    with tg.GradientTape() as t:
        t.watch([x, f])
        y = tg.reduce_sum(tg.multiply(tg.pow(f, x), tg.sqrt(tg.cast(x, tg.float32))))
    gx, gf = t.gradient(y, [x, f])
    assert gx is None and gf is not None


def test_float32_gradients_stay_float32():
    x = tg.constant([0.5, -1.0, 2.0])
    for op in [tg.tanh, tg.math.sigmoid, tg.nn.relu, tg.exp, tg.abs, tg.math.softplus, tg.math.erf, tg.math.erfc]:
        with tg.GradientTape() as t:
            t.watch(x)
            y = op(x)
        assert t.gradient(y, x).dtype == "float32"


# ---- SIMD levels --------------------------------------------------------------------------

LEVEL_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import tensorgear as tg
    r = np.random.default_rng(7)
    x = np.concatenate([r.uniform(-110, 95, 3000), r.uniform(-2, 2, 3000), [0.0, -0.0, np.inf, -np.inf, np.nan]])
    x32 = x.astype(np.float32)
    pos = np.abs(x32) + np.float32(1e-30)
    ints = r.integers(-50, 50, 1001).astype(np.int32)
    mask = x32 > 0
    t, tp, ti, tm = tg.constant(x32), tg.constant(pos), tg.constant(ints), tg.constant(mask)
    out = dict(
        exp=tg.exp(t), log=tg.log(tp), log1p=tg.math.log1p(t), expm1=tg.math.expm1(t), tanh=tg.tanh(t),
        sigmoid=tg.math.sigmoid(t), softplus=tg.math.softplus(t), sqrt=tg.sqrt(tp), rsqrt=tg.math.rsqrt(tp),
        relu=tg.nn.relu(t), where=tg.where(tm, t, 1.0), clip=tg.clip_by_value(t, -1.0, 1.0),
        add=tg.add(t, tp), mul=tg.multiply(t, 3.0), maximum=tg.maximum(t, 0.5), less=tg.less(t, tp),
        lnot=tg.logical_not(tm), isnan=tg.math.is_nan(t),
        iadd=tg.add(ti, 7), imod=tg.math.floormod(ti, 7), idiv=tg.math.floordiv(ti, -3), iabs=tg.abs(ti),
        ipow=tg.pow(ti, 3), imax=tg.maximum(ti, 0), x64=tg.exp(tg.constant(x)),
        erf=tg.math.erf(t), erfc=tg.math.erfc(t),
    )
    np.savez(sys.argv[1], level=tg._C.simd_level(), **{k: v.numpy() for k, v in out.items()})
""")


def run_level(level, path):
    env = dict(os.environ, TENSORGEAR_SIMD=level)
    subprocess.run([sys.executable, "-c", LEVEL_SCRIPT, str(path)], env=env, check=True, timeout=120)
    return np.load(path)


def test_every_simd_level_gives_the_same_results(tmp_path):
    best = tg._C.simd_level()
    levels = ["base", "avx2", "avx512"]
    results = {lv: run_level(lv, tmp_path / f"{lv}.npz") for lv in levels}
    order = levels.index(best)
    for i, lv in enumerate(levels):
        # The override caps the level; it never goes above what the CPU has.
        assert str(results[lv]["level"]) == levels[min(i, order)]
    ref = results["base"]
    for lv in levels[1:]:
        for key in ref.files:
            if key == "level":
                continue
            a, b = results[lv][key], ref[key]
            if a.dtype.kind == "f":
                # FMA contraction differs between levels: a few ulp at most.
                np.testing.assert_allclose(a, b, rtol=4e-7, atol=1e-44, equal_nan=True, err_msg=f"{key} at {lv}")
            else:
                np.testing.assert_array_equal(a, b, err_msg=f"{key} at {lv}")


def test_unknown_simd_level_is_ignored_with_a_warning():
    env = dict(os.environ, TENSORGEAR_SIMD="sse9")
    p = subprocess.run([sys.executable, "-c", "import tensorgear as tg; print(tg._C.simd_level())"], env=env,
                       capture_output=True, text=True, timeout=60, check=True)
    assert p.stdout.strip() == tg._C.simd_level()
    assert "TENSORGEAR_SIMD=sse9" in p.stderr


# ---- bad input ----------------------------------------------------------------------------

def test_incompatible_shapes_name_both():
    a, b = tg.constant(np.zeros((2, 3))), tg.constant(np.zeros((4,)))
    for op in [tg.add, tg.multiply, tg.pow, tg.maximum, tg.less, tg.math.floormod]:
        with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
            op(a, b)
    with pytest.raises(ValueError, match=r"not broadcast-compatible"):
        tg.where(tg.constant([True, False]), tg.constant([1.0, 2.0, 3.0]), 0.0)
    with pytest.raises(ValueError, match=r"\(3,\)"):
        tg.clip_by_value(tg.constant([1.0, 2.0]), tg.constant([0.0, 0.0, 0.0]), 1.0)


def test_bool_arithmetic_is_a_type_error():
    b = tg.constant([True, False])
    for op in [tg.add, tg.subtract, tg.multiply, tg.divide, tg.pow, tg.maximum, tg.minimum, tg.math.floordiv,
               tg.math.floormod]:
        with pytest.raises(TypeError, match=r"arithmetic on bool tensors is not supported \(got bool and bool\)"):
            op(b, b)
    for op in [tg.negative, tg.abs, tg.sign, tg.square, tg.nn.relu, tg.exp, tg.sqrt, tg.tanh]:
        with pytest.raises(TypeError, match="bool"):
            op(b)
    with pytest.raises(TypeError, match="clip_by_value.*bool"):
        tg.clip_by_value(b, False, True)


def test_where_condition_must_be_bool():
    with pytest.raises(TypeError, match=r"condition must be a bool tensor, got float32"):
        tg.where(tg.constant([1.0, 0.0]), 1.0, 2.0)
    with pytest.raises(ValueError, match="pass both x and y"):
        tg.where(tg.constant([True]))


def test_unconvertible_operands_are_type_errors():
    with pytest.raises(TypeError):
        tg.add(tg.constant([1.0]), "a")
    with pytest.raises(TypeError):
        tg.exp(object())
    with pytest.raises(TypeError):
        tg.add(tg.constant([1.0]), None)


def test_empty_tensors():
    e = tg.constant(np.zeros((0, 3), np.float32))
    assert tg.exp(e).shape == (0, 3)
    assert tg.add(e, tg.constant([1.0, 2.0, 3.0])).shape == (0, 3)
    assert tg.where(tg.constant(np.zeros((0, 1), bool)), e, 1.0).shape == (0, 3)
    assert tg.clip_by_value(e, 0.0, 1.0).shape == (0, 3)


# ---- tg.math compositions ------------------------------------------------------------------

def test_math_compositions_match_numpy():
    x = np.array([0.0, 1.5, -2.0, 3.0], np.float32)
    y = np.array([0.0, 0.0, 4.0, -1.5], np.float32)
    tx, ty = tg.constant(x), tg.constant(y)
    with np.errstate(all="ignore"):
        assert_matches(tg.math.squared_difference(tx, ty), (x - y) ** 2, "float32")
        assert_matches(tg.math.divide_no_nan(tx, ty), np.where(y == 0, 0, x / y), "float32")
        assert_matches(tg.math.multiply_no_nan(tg.constant([np.inf, np.nan, 2.0, 1.0]), ty),
                       [0.0, 0.0, 8.0, -1.5], "float32")
        assert_matches(tg.math.reciprocal_no_nan(ty), np.where(y == 0, 0, 1 / y), "float32")
        assert_matches(tg.math.xlogy(tx, np.abs(y)), np.where(x == 0, 0, x * np.log(np.abs(y))), "float32")
        assert_matches(tg.math.xdivy(tx, ty), np.where(x == 0, 0, x / y), "float32")
    assert_matches(tg.math.log_sigmoid(tg.constant([-100.0, 0.0, 100.0])), [-100.0, -np.log(2), 0.0], "float32")
    assert_matches(tg.math.add_n([tx, tx, ty]), 2 * x + y, "float32")
    with pytest.raises(ValueError, match="same shape"):
        tg.math.add_n([tx, tg.constant([1.0])])


def test_no_nan_compositions_have_finite_gradients():
    x = tg.constant([1.0, 2.0, 0.0])
    y = tg.constant([0.0, 4.0, 0.0])
    with tg.GradientTape() as t:
        t.watch([x, y])
        # xlogy(0, 0) is 0 with finite gradients; xlogy(1, 0) would rightly be -inf
        z = tg.add(tg.math.divide_no_nan(x, y), tg.math.xlogy(tg.multiply(x, tg.constant([0.0, 1.0, 1.0])), y))
    gx, gy = t.gradient(z, [x, y])
    assert np.all(np.isfinite(gx.numpy())) and np.all(np.isfinite(gy.numpy()))
    check_grad(lambda a, b: tg.math.divide_no_nan(a, b), rng.standard_normal((2, 3)), away_from_zero((3,)))

"""Reductions against NumPy: values, dtypes, axes, keepdims, empty inputs,
strided inputs, the threaded paths, gradients (finite differences in float64,
nested tapes for second order) and bad input."""

import os
import subprocess
import sys
import textwrap
import zlib
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tensorgear as tg

from gradcheck import check_grad

DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]

# The result dtypes documented in csrc/ops_reduce.cpp.
SUM_DTYPE = {"bool": "int64", "uint8": "int64", "int32": "int32", "int64": "int64",
             "float32": "float32", "float64": "float64"}
MEAN_DTYPE = {"bool": "float32", "uint8": "float32", "int32": "float32", "int64": "float32",
              "float32": "float32", "float64": "float64"}


def random_array(rng, shape, dtype):
    if dtype == "bool":
        a = rng.random(shape) < 0.5
    elif dtype in ("uint8", "int32", "int64"):
        a = rng.integers(0, 4, size=shape)
    else:
        a = rng.uniform(0.5, 1.5, size=shape) * rng.choice([-1, 1], size=shape)
    return np.asarray(a).astype(dtype)


def np_reduce(name, a, axis, keepdims):
    """NumPy reference, computed in float64 / int64 and cast to our dtype."""
    src = str(a.dtype)
    wide = a.astype(np.float64) if a.dtype.kind == "f" else a.astype(np.int64)
    if name == "sum":
        return np.sum(wide, axis=axis, keepdims=keepdims).astype(SUM_DTYPE[src])
    if name == "prod":
        return np.prod(wide, axis=axis, keepdims=keepdims).astype(SUM_DTYPE[src])
    if name == "mean":
        return np.mean(a.astype(np.float64), axis=axis, keepdims=keepdims).astype(MEAN_DTYPE[src])
    if name == "max":
        return np.max(a, axis=axis, keepdims=keepdims)
    if name == "min":
        return np.min(a, axis=axis, keepdims=keepdims)
    if name == "any":
        return np.any(a, axis=axis, keepdims=keepdims)
    if name == "all":
        return np.all(a, axis=axis, keepdims=keepdims)
    raise AssertionError(name)


TG_REDUCE = {"sum": tg.reduce_sum, "prod": tg.reduce_prod, "mean": tg.reduce_mean, "max": tg.reduce_max,
             "min": tg.reduce_min, "any": tg.reduce_any, "all": tg.reduce_all}


def assert_matches(got, want, dtype_name):
    got = got.numpy()
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind == "f":
        tol = 2e-6 if want.dtype == np.float32 else 1e-12
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * 10)
    else:
        np.testing.assert_array_equal(got, want)


@st.composite
def reduction_case(draw):
    shape = tuple(draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5)))
    ndim = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"])) if ndim else "none"
    if kind == "none":
        axis = None
    elif kind == "int":
        axis = draw(st.integers(-ndim, ndim - 1))
    else:
        axes = draw(st.lists(st.integers(0, ndim - 1), min_size=0, max_size=ndim, unique=True))
        axis = tuple(a - ndim if draw(st.booleans()) else a for a in axes)
    return shape, axis, draw(st.booleans()), draw(st.sampled_from(DTYPES)), draw(st.integers(0, 2**31))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's mean of empty slices
@settings(max_examples=150, deadline=None)
@given(reduction_case(), st.sampled_from(sorted(TG_REDUCE)))
def test_reductions_match_numpy(case, name):
    shape, axis, keepdims, dtype, seed = case
    a = random_array(np.random.default_rng(seed), shape, dtype)
    want_empty_error = name in ("max", "min") and a.size == 0
    if want_empty_error:
        try:
            np_reduce(name, a, axis, keepdims)
        except ValueError:
            with pytest.raises(ValueError, match=r"shape \("):
                TG_REDUCE[name](tg.constant(a), axis=axis, keepdims=keepdims)
            return
    want = np_reduce(name, a, axis, keepdims)
    got = TG_REDUCE[name](tg.constant(a), axis=axis, keepdims=keepdims)
    assert_matches(got, np.asarray(want), dtype)


@settings(max_examples=60, deadline=None)
@given(reduction_case())
def test_reductions_of_strided_views(case):
    """Transposed and reversed inputs take the strided path, not a copy."""
    shape, axis, keepdims, dtype, seed = case
    if dtype == "bool" or len(shape) == 0 or 0 in shape:
        return
    a = random_array(np.random.default_rng(seed), shape, dtype)
    perm = list(np.random.default_rng(seed).permutation(len(shape)))
    t = tg.transpose(tg.constant(a), perm)
    at = np.transpose(a, perm)
    for name in ("sum", "max", "min", "mean"):
        assert_matches(TG_REDUCE[name](t, axis=axis, keepdims=keepdims), np.asarray(np_reduce(name, at, axis, keepdims)),
                       dtype)
    rev = t[::-1]
    arev = at[::-1]
    assert_matches(tg.reduce_sum(rev, axis=axis, keepdims=keepdims),
                   np.asarray(np_reduce("sum", arev, axis, keepdims)), dtype)


@pytest.mark.parametrize("shape", [(4096, 1024), (3, 200001), (200001, 3), (1_000_003,), (64, 64, 64), (2, 70000, 2)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32"])
def test_large_reductions_every_axis(shape, dtype):
    """Large enough for the threaded paths: split over a kept axis and over a
    reduced axis into private accumulators."""
    rng = np.random.default_rng(1)
    a = random_array(rng, shape, dtype)
    t = tg.constant(a)
    axes = [None] + list(range(len(shape))) + ([(0, 2)] if len(shape) == 3 else [])
    for axis in axes:
        for name in ("sum", "mean", "max", "min"):
            want = np.asarray(np_reduce(name, a, axis, False))
            got = TG_REDUCE[name](t, axis=axis).numpy()
            if want.dtype.kind == "f":
                # summation error bound: relative to the sum of magnitudes
                scale = np.asarray(np_reduce(name, np.abs(a), axis, False))
                eps = 1e-6 if dtype == "float32" else 1e-13
                assert np.all(np.abs(got - want) <= eps * (scale + np.abs(want))), (name, axis)
            else:
                np.testing.assert_array_equal(got, want)
        if dtype == "float32" and isinstance(axis, int):
            np.testing.assert_array_equal(tg.argmax(t, axis=axis).numpy(), np.argmax(a, axis=axis))


@pytest.mark.parametrize("shape", [(200001, 3), (3, 200001), (300, 400)])
def test_threaded_reductions_of_reversed_views(shape):
    a = np.random.default_rng(7).standard_normal(shape).astype(np.float32)
    for view in (lambda x: x[:, ::-1], lambda x: x[::-1], lambda x: x[::-1, ::-2]):
        t, v = view(tg.constant(a)), view(a)
        for axis in (None, 0, 1):
            np.testing.assert_allclose(tg.reduce_sum(t, axis=axis).numpy(), v.astype(np.float64).sum(axis=axis),
                                       rtol=1e-5, atol=1e-3)
            np.testing.assert_array_equal(tg.reduce_max(t, axis=axis).numpy(), v.max(axis=axis))


def test_float32_sum_accuracy():
    """float32 sums accumulate in float64: no drift on long inputs."""
    a = np.full(10_000_000, 0.1, dtype=np.float32)
    exact = 10_000_000 * np.float64(np.float32(0.1))
    assert abs(float(tg.reduce_sum(a)) - exact) / exact < 1e-6
    col = np.full((100_000, 4), 0.1, dtype=np.float32)
    np.testing.assert_allclose(tg.reduce_sum(col, axis=0).numpy(), 100_000 * np.float64(np.float32(0.1)), rtol=1e-6)


def test_dtype_rules():
    assert tg.reduce_sum(tg.constant([True, True, False])).dtype == tg.int64
    assert int(tg.reduce_sum(tg.constant([True, True, False]))) == 2
    assert tg.reduce_sum(tg.constant(np.array([200, 100], np.uint8))).dtype == tg.int64
    assert int(tg.reduce_sum(tg.constant(np.array([200, 100], np.uint8)))) == 300
    # int32 stays int32 and wraps like TensorFlow's
    big = np.full(3, 2**30, dtype=np.int32)
    s = tg.reduce_sum(tg.constant(big))
    assert s.dtype == tg.int32 and int(s) == int(np.int64(3 * 2**30).astype(np.int32))
    m = tg.reduce_mean(tg.constant(np.array([1, 2], np.int32)))
    assert m.dtype == tg.float32 and float(m) == 1.5
    assert tg.reduce_max(tg.constant(np.array([1, 5], np.uint8))).dtype == tg.uint8
    assert tg.reduce_any(tg.constant([0.0, np.nan])).numpy()


def test_axis_forms():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    want = a.sum(axis=(0, 2))
    for axis in ((0, 2), [0, -1], (np.int64(0), 2), np.array([0, 2]), tg.constant([0, 2]), [-3, 2]):
        np.testing.assert_array_equal(tg.reduce_sum(a, axis=axis).numpy(), want)
    for axis in (1, -2, np.int32(1), tg.constant(1)):
        np.testing.assert_array_equal(tg.reduce_sum(a, axis=axis).numpy(), a.sum(axis=1))
    np.testing.assert_array_equal(tg.reduce_sum(a, axis=[]).numpy(), a)
    assert tg.reduce_sum(a, axis=1, keepdims=True).shape == (2, 1, 4)
    assert tg.reduce_max(a, axis=(0, 1, 2), keepdims=True).shape == (1, 1, 1)
    assert tg.reduce_sum(tg.constant(3.0), axis=[]).numpy() == 3.0
    with pytest.raises(IndexError, match="axis 0 is out of range for a tensor of rank 0"):
        tg.reduce_sum(tg.constant(3.0), axis=0)  # TensorFlow: a scalar has no axis 0
    assert tg.argmax(a, axis=np.int64(2)).shape == (2, 3)


def test_nan_and_inf():
    a = np.array([[1.0, np.nan, 3.0], [-np.inf, -np.inf, -np.inf], [np.inf, 1.0, 2.0]], np.float32)
    np.testing.assert_array_equal(tg.reduce_max(a, axis=1).numpy(), np.max(a, axis=1))
    np.testing.assert_array_equal(tg.reduce_min(a, axis=1).numpy(), np.min(a, axis=1))
    np.testing.assert_array_equal(tg.reduce_max(a, axis=0).numpy(), np.max(a, axis=0))
    long = np.arange(1000, dtype=np.float32)
    long[700] = np.nan
    assert np.isnan(float(tg.reduce_max(long))) and np.isnan(float(tg.reduce_min(long)))
    assert np.isnan(tg.reduce_max(np.stack([long, long]), axis=0).numpy()[700])


@pytest.mark.parametrize("n", [5, 64, 1000, 4099])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64", "uint8"])
def test_argmax_ties_first_and_nan_wins(n, dtype):
    rng = np.random.default_rng(n)
    a = rng.integers(0, 3, size=(7, n)).astype(dtype)  # many ties
    for f, nf in ((tg.argmax, np.argmax), (tg.argmin, np.argmin)):
        np.testing.assert_array_equal(f(a, axis=1).numpy(), nf(a, axis=1))
        np.testing.assert_array_equal(f(a, axis=0).numpy(), nf(a, axis=0))
        np.testing.assert_array_equal(f(a.T, axis=0).numpy(), nf(a.T, axis=0))
        np.testing.assert_array_equal(f(tg.transpose(a), axis=1).numpy(), nf(a.T, axis=1))
        np.testing.assert_array_equal(f(a[:, ::-1], axis=-1).numpy(), nf(a[:, ::-1], axis=-1))
    if dtype.startswith("float"):
        a[2, n // 2] = np.nan
        a[2, n - 1] = np.nan
        a[4, 0] = np.nan
        for f, nf in ((tg.argmax, np.argmax), (tg.argmin, np.argmin)):
            np.testing.assert_array_equal(f(a, axis=1).numpy(), nf(a, axis=1))
            np.testing.assert_array_equal(f(a, axis=0).numpy(), nf(a, axis=0))


def test_argmax_api():
    a = np.array([[1, 5, 2], [7, 0, 7]], np.float32)
    assert tg.argmax(a).numpy().tolist() == [1, 0, 1]  # TF: axis None means 0
    assert tg.argmax(a, axis=1).dtype == tg.int64
    assert tg.argmax(a, axis=1, output_type=tg.int32).dtype == tg.int32
    assert tg.argmin(a, axis=-1).numpy().tolist() == [0, 1]
    assert tg.argmax(np.zeros((0, 3)), axis=1).shape == (0,)
    with pytest.raises(ValueError, match=r"argmax.*\(3, 0\)"):
        tg.argmax(np.zeros((3, 0)), axis=1)
    assert tg.argmax(tg.constant([True, False, True])).numpy() == 0


def test_empty_reductions():
    z = np.zeros((0, 3), np.float32)
    assert tg.reduce_sum(z).numpy() == 0
    assert tg.reduce_prod(z).numpy() == 1
    np.testing.assert_array_equal(tg.reduce_sum(z, axis=0).numpy(), np.zeros(3))
    assert tg.reduce_max(z, axis=1).shape == (0,)
    assert np.isnan(tg.reduce_mean(z).numpy())
    assert tg.reduce_any(z).numpy() == False  # noqa: E712
    assert tg.reduce_all(z).numpy() == True  # noqa: E712
    assert float(tg.reduce_logsumexp(z)) == -np.inf
    with pytest.raises(ValueError, match=r"reduce_max.*\(0, 3\)"):
        tg.reduce_max(z)
    with pytest.raises(ValueError, match=r"reduce_min.*\(0, 3\)"):
        tg.reduce_min(z, axis=0)
    with pytest.raises(ValueError, match=r"argmax.*\(0, 3\)"):
        tg.argmax(z, axis=0)


def np_logsumexp(a, axis, keepdims):
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    return out if keepdims else np.squeeze(out, axis=axis)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (1, 2), (-3, -1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_logsumexp_variance_std(axis, keepdims):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 4, 5)) * 10
    np.testing.assert_allclose(tg.reduce_logsumexp(a, axis=axis, keepdims=keepdims).numpy(),
                               np_logsumexp(a, axis, keepdims), rtol=1e-12)
    np.testing.assert_allclose(tg.reduce_logsumexp(a.astype(np.float32), axis=axis, keepdims=keepdims).numpy(),
                               np_logsumexp(a, axis, keepdims), rtol=2e-6)
    np.testing.assert_allclose(tg.reduce_variance(a, axis=axis, keepdims=keepdims).numpy(),
                               np.var(a, axis=axis, keepdims=keepdims), rtol=1e-12)
    np.testing.assert_allclose(tg.reduce_std(a, axis=axis, keepdims=keepdims).numpy(),
                               np.std(a, axis=axis, keepdims=keepdims), rtol=1e-12)
    ints = rng.integers(0, 9, size=(3, 4, 5)).astype(np.int32)
    v = tg.reduce_variance(ints, axis=axis)
    assert v.dtype == tg.float32
    np.testing.assert_allclose(v.numpy(), np.var(ints, axis=axis), rtol=1e-5)


def test_logsumexp_is_stable():
    a = np.array([[1000.0, 1000.0], [-1000.0, -1000.0], [-np.inf, -np.inf], [np.inf, 0.0]])
    got = tg.reduce_logsumexp(a, axis=1).numpy()
    np.testing.assert_allclose(got[:2], [1000 + np.log(2), -1000 + np.log(2)])
    assert got[2] == -np.inf and got[3] == np.inf
    # the general (non-trailing) path agrees
    np.testing.assert_allclose(tg.reduce_logsumexp(a.T, axis=0).numpy()[:2], got[:2])


def test_reductions_release_gil_and_run_concurrently():
    a = np.random.default_rng(3).standard_normal((2000, 500)).astype(np.float32)
    want = a.astype(np.float64).sum(axis=0)
    with ThreadPoolExecutor(4) as ex:
        outs = list(ex.map(lambda _: tg.reduce_sum(a, axis=0).numpy(), range(8)))
    for o in outs:
        np.testing.assert_allclose(o, want, rtol=1e-5, atol=1e-4)


def test_every_simd_level_agrees():
    """The loops of each instruction-set level give the same answers."""
    script = textwrap.dedent("""
        import numpy as np, tensorgear as tg
        rng = np.random.default_rng(0)
        for shape in [(37, 129), (5, 4099), (300, 3)]:
            for dt in ["float32", "float64", "int32", "uint8"]:
                a = (rng.standard_normal(shape) * 5).astype(dt)
                for ax in [None, 0, 1]:
                    w = a.astype(np.float64 if dt.startswith("float") else np.int64)
                    assert np.allclose(tg.reduce_sum(a, axis=ax).numpy(), w.sum(axis=ax), rtol=1e-5), (shape, dt, ax)
                    assert np.array_equal(tg.reduce_max(a, axis=ax).numpy(), a.max(axis=ax)), (shape, dt, ax)
                    assert np.array_equal(tg.reduce_min(a, axis=ax).numpy(), a.min(axis=ax)), (shape, dt, ax)
                    assert np.array_equal(tg.reduce_any(a, axis=ax).numpy(), a.any(axis=ax)), (shape, dt, ax)
                    assert np.array_equal(tg.reduce_all(a, axis=ax).numpy(), a.all(axis=ax)), (shape, dt, ax)
                for ax in [0, 1]:
                    assert np.array_equal(tg.argmax(a, axis=ax).numpy(), a.argmax(axis=ax)), (shape, dt, ax)
                    assert np.array_equal(tg.argmin(a, axis=ax).numpy(), a.argmin(axis=ax)), (shape, dt, ax)
            x = rng.standard_normal(shape).astype(np.float32)
            e = np.exp(x - x.max(axis=1, keepdims=True))
            assert np.allclose(tg.nn.softmax(x).numpy(), e / e.sum(axis=1, keepdims=True), rtol=1e-5, atol=1e-7)
            lab = rng.integers(0, shape[1], size=shape[0])
            ref = np.log(e.sum(axis=1)) + x.max(axis=1) - x[np.arange(shape[0]), lab]
            got = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=x).numpy()
            assert np.allclose(got, ref, rtol=1e-5, atol=1e-5)
        print(tg._C.simd_level())
    """)
    for level in ("base", "avx2", "avx512"):
        env = dict(os.environ, TENSORGEAR_SIMD=level)
        r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr


# ---- gradients ----------------------------------------------------------------

AXES_CASES = [None, 0, -1, 1, (0, 2), (-1, -3), ()]


@pytest.mark.parametrize("axis", AXES_CASES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "logsumexp", "variance", "std"])
def test_gradients_finite_differences(name, axis, keepdims):
    fn = {"sum": tg.reduce_sum, "mean": tg.reduce_mean, "max": tg.reduce_max, "min": tg.reduce_min,
          "prod": tg.reduce_prod, "logsumexp": tg.reduce_logsumexp, "variance": tg.reduce_variance,
          "std": tg.reduce_std}[name]
    if name == "std" and axis == ():
        pytest.skip("std of a single value is 0: its gradient is NaN (0/0), as in TensorFlow")
    rng = np.random.default_rng(zlib.crc32(f"{name}{axis}{keepdims}".encode()))
    # distinct values (no ties for max/min), away from zero (prod)
    a = rng.permutation(np.linspace(0.5, 2.0, 24)).reshape(2, 3, 4) * rng.choice([-1, 1], size=(2, 3, 4))
    check_grad(lambda x: fn(x, axis=axis, keepdims=keepdims), a, rtol=1e-6, atol=1e-8)


def test_max_min_gradient_splits_ties_evenly():
    x = tg.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ymax = tg.reduce_max(x, axis=1)
        ymin = tg.reduce_min(x)
    np.testing.assert_allclose(tape.gradient(ymax, x).numpy(), [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(tape.gradient(ymin, x).numpy(), [[1, 0, 0], [0, 0, 0]])


@pytest.mark.parametrize("x, want", [
    ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),
    ([0.0, 0.0, 3.0], [0.0, 0.0, 0.0]),
    ([2.0, -1.0, 3.0], [-3.0, 6.0, -2.0]),
])
def test_prod_gradient_with_zeros(x, want):
    t = tg.constant(x)
    with tg.GradientTape() as tape:
        tape.watch(t)
        y = tg.reduce_prod(t)
    np.testing.assert_allclose(tape.gradient(y, t).numpy(), want)


def test_broadcast_gradients_sum_back():
    """sum_to, behind every broadcasting gradient."""
    rng = np.random.default_rng(4)
    check_grad(lambda a, b: a * b, rng.standard_normal((3, 1, 4)), rng.standard_normal((5, 1)))
    check_grad(lambda a, b: a + b, rng.standard_normal((2, 3)), rng.standard_normal(()))
    # big bias gradient: (N, D) + (D,)
    x = tg.constant(rng.standard_normal((4096, 64)).astype(np.float32))
    b = tg.constant(np.zeros(64, np.float32))
    with tg.GradientTape() as tape:
        tape.watch(b)
        y = x + b
    g = tape.gradient(y, b, output_gradients=x)
    np.testing.assert_allclose(g.numpy(), x.numpy().astype(np.float64).sum(axis=0), rtol=1e-5, atol=1e-4)


def test_non_differentiable_reductions_give_none():
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(x)
        i = tg.argmax(x)
        b = tg.reduce_any(x > 1.0)
    assert tape.gradient(i, x) is None
    assert tape.gradient(b, x) is None


def hvp_by_tapes(f, x0, v):
    x = tg.constant(x0)
    with tg.GradientTape() as outer:
        outer.watch(x)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        g = inner.gradient(y, x)
        gv = tg.reduce_sum(g * tg.constant(v))
    return outer.gradient(gv, x).numpy()


def test_logsumexp_second_order():
    rng = np.random.default_rng(5)
    x0 = rng.standard_normal((3, 4))
    v = rng.standard_normal((3, 4))
    w = rng.standard_normal(3)
    hvp = hvp_by_tapes(lambda x: tg.reduce_sum(tg.reduce_logsumexp(x, axis=1) * tg.constant(w)), x0, v)
    p = np.exp(x0 - np_logsumexp(x0, 1, True))
    # H_i = diag(p_i) - p_i p_i^T per row, scaled by w_i
    want = w[:, None] * (p * v - p * np.sum(p * v, axis=1, keepdims=True))
    np.testing.assert_allclose(hvp, want, rtol=1e-10, atol=1e-12)


def test_variance_and_prod_second_order():
    rng = np.random.default_rng(6)
    x0 = rng.standard_normal(5)
    v = rng.standard_normal(5)
    n = x0.size
    hvp = hvp_by_tapes(lambda x: tg.reduce_variance(x), x0, v)
    np.testing.assert_allclose(hvp, 2.0 / n * (v - v.mean()), rtol=1e-10, atol=1e-12)
    x0 = np.array([1.5, -2.0, 0.5])
    hvp = hvp_by_tapes(lambda x: tg.reduce_prod(x), x0, v[:3])
    H = np.array([[0 if i == j else np.prod(np.delete(x0, [i, j])) for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(hvp, H @ v[:3], rtol=1e-10)


# ---- bad input ----------------------------------------------------------------

def test_axis_out_of_range():
    x = tg.zeros((2, 3))
    for f in TG_REDUCE.values():
        with pytest.raises(IndexError, match=r"axis 2 is out of range for a tensor of rank 2"):
            f(x, axis=2)
        with pytest.raises(IndexError, match=r"axis -3 .*rank 2"):
            f(x, axis=(0, -3))
    for f in (tg.reduce_logsumexp, tg.reduce_variance, tg.reduce_std):
        with pytest.raises(IndexError, match=r"axis 5 .*rank 2"):
            f(x, axis=5)
    with pytest.raises(IndexError, match=r"argmax: axis 2 .*rank 2"):
        tg.argmax(x, axis=2)


def test_repeated_axis():
    x = tg.zeros((2, 3))
    with pytest.raises(ValueError, match=r"reduce_sum: axis 1 repeated"):
        tg.reduce_sum(x, axis=(1, -1))
    with pytest.raises(ValueError, match=r"repeated"):
        tg.reduce_mean(x, axis=[0, 0])


def test_bad_argmax_output_type_and_axis_type():
    with pytest.raises(TypeError, match=r"output_type must be int32 or int64, got float32"):
        tg.argmax(tg.zeros((2, 3)), axis=0, output_type=tg.float32)
    with pytest.raises(TypeError):
        tg.reduce_sum(tg.zeros((2, 3)), axis="x")

"""tf.sort, tf.argsort, tf.math.top_k and take_along_axis against NumPy: every dtype, both
directions, any axis, ties (a stable sort), NaN (the largest value), empty and strided inputs;
float64 finite-difference gradients; and the typed errors."""

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import _C

from gradcheck import check_grad

DTYPES = ["float32", "float64", "int32", "int64", "uint8", "bool"]


def _data(shape, dtype, seed=0):
    r = np.random.default_rng(seed)
    if dtype == "bool":
        return r.random(shape) < 0.5
    if np.dtype(dtype).kind in "iu":
        return r.integers(0 if dtype == "uint8" else -5, 6, size=shape).astype(dtype)  # many ties
    return np.round(r.normal(size=shape), 1).astype(dtype)  # ties too


def _argsort_ref(x, axis, descending):
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    # stable descending: sort the negated ranks (NaN first), ties in index order
    def row(r):
        key = [(0 if np.isnan(v) else 1, -float(v)) if r.dtype.kind == "f" else (1, -float(v)) for v in r]
        return np.array(sorted(range(len(r)), key=lambda i: key[i]), dtype=np.int64).reshape(len(r))
    return np.apply_along_axis(row, axis, x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,axis", [((5,), 0), ((4, 7), -1), ((4, 7), 0), ((3, 4, 6), 1), ((300, 257), -1)])
@pytest.mark.parametrize("descending", [False, True])
def test_argsort_and_sort_match_a_stable_numpy_sort(dtype, shape, axis, descending):
    x = _data(shape, dtype)
    direction = "DESCENDING" if descending else "ASCENDING"
    want = _argsort_ref(x, axis, descending)
    got = tg.argsort(x, axis=axis, direction=direction)
    assert got.dtype == tg.int32 and got.shape == x.shape
    np.testing.assert_array_equal(got.numpy(), want)
    sorted_ = tg.sort(x, axis=axis, direction=direction)
    assert sorted_.dtype == tg.as_dtype(dtype)
    np.testing.assert_array_equal(sorted_.numpy(), np.take_along_axis(x, want, axis))


def test_strided_and_transposed_inputs():
    x = _data((6, 10), "float64")
    t = tg.constant(x)
    np.testing.assert_array_equal(tg.sort(t[:, ::2]).numpy(), np.sort(x[:, ::2], axis=-1))
    np.testing.assert_array_equal(tg.argsort(tg.transpose(t)).numpy(), np.argsort(x.T, -1, kind="stable"))


def test_nan_is_the_largest_value_in_both_directions_and_zeros_are_equal():
    x = np.array([1.0, np.nan, -np.inf, 0.0, -0.0, np.inf, np.nan, -2.0])
    np.testing.assert_array_equal(tg.argsort(x).numpy(), np.argsort(x, kind="stable"))
    np.testing.assert_array_equal(tg.argsort(x, direction="DESCENDING").numpy(), [1, 6, 5, 0, 3, 4, 7, 2])
    values, indices = tg.math.top_k(x, 3)
    np.testing.assert_array_equal(indices.numpy(), [1, 6, 5])
    assert np.isnan(values.numpy()[:2]).all() and values.numpy()[2] == np.inf


def test_empty_inputs():
    for shape in [(0,), (3, 0), (0, 4)]:
        x = np.zeros(shape, np.float32)
        assert tg.sort(x).shape == shape and tg.argsort(x).shape == shape
    values, indices = tg.math.top_k(np.zeros((3, 4), np.float32), 0)
    assert values.shape == (3, 0) and indices.shape == (3, 0)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("shape,k", [((9,), 3), ((4, 7), 7), ((2, 3, 50), 5), ((64, 1000), 10)])
def test_top_k_matches_numpy(dtype, shape, k):
    x = _data(shape, dtype, seed=3)
    order = _argsort_ref(x, -1, True)[..., :k]
    values, indices = tg.math.top_k(x, k=k)
    assert indices.dtype == tg.int32 and values.dtype == tg.as_dtype(dtype)
    np.testing.assert_array_equal(indices.numpy(), order)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, order, -1))
    assert tg.nn.top_k is tg.math.top_k
    assert tg.math.top_k(x, k, index_type=tg.int64).indices.dtype == tg.int64


@pytest.mark.parametrize("x_shape,i_shape,axis", [((4, 6), (4, 3), 1), ((4, 6), (2, 6), 0), ((3, 5, 4), (3, 2, 4), 1),
                                                   ((3, 5, 4), (1, 5, 7), -1), ((1, 5), (3, 2), 1)])
def test_take_along_axis_matches_numpy_with_broadcasting_and_negative_indices(x_shape, i_shape, axis):
    r = np.random.default_rng(1)
    x = r.normal(size=x_shape)
    n = x_shape[axis]
    idx = r.integers(-n, n, size=i_shape)
    bshape = list(np.broadcast_shapes(tuple(s for i, s in enumerate(x_shape) if i != axis % len(x_shape)),
                                      tuple(s for i, s in enumerate(i_shape) if i != axis % len(x_shape))))
    xb = np.broadcast_to(x, tuple(bshape[:axis % len(x_shape)] + [n] + bshape[axis % len(x_shape):]))
    ib = np.broadcast_to(idx, tuple(bshape[:axis % len(x_shape)] + [i_shape[axis]] + bshape[axis % len(x_shape):]))
    want = np.take_along_axis(xb, ib, axis)
    np.testing.assert_allclose(_C._take_along_axis(tg.constant(x), idx, axis).numpy(), want, rtol=0, atol=0)


@pytest.mark.parametrize("shape", [(3, 4), (40, 50)])
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_gradients_match_finite_differences(shape, layout):
    # Distinct values (finite differences would cross ties), strided through a step-2 view.
    step = 1 if layout == "contiguous" else 2
    r = np.random.default_rng(5)
    x = r.permutation(shape[0] * shape[1] * step).reshape(shape[0], shape[1] * step) / (shape[0] * shape[1] * step)
    pick = lambda t: t[:, ::step]  # noqa: E731
    check_grad(lambda t: tg.sort(pick(t)), x, rtol=1e-5, atol=1e-7)
    check_grad(lambda t: tg.sort(pick(t), axis=0, direction="DESCENDING"), x, rtol=1e-5, atol=1e-7)
    check_grad(lambda t: tg.math.top_k(pick(t), k=2).values, x, rtol=1e-5, atol=1e-7)
    idx = r.integers(0, shape[1], size=(shape[0], 5))
    check_grad(lambda t: _C._take_along_axis(pick(t), idx, 1), x, rtol=1e-5, atol=1e-7)


def test_errors_are_typed_and_name_the_values():
    with pytest.raises(ValueError, match="direction must be 'ASCENDING' or 'DESCENDING', got 'up'"):
        tg.sort([1.0, 2.0], direction="up")
    with pytest.raises(IndexError, match="axis"):
        tg.sort(np.zeros((2, 3)), axis=2)
    with pytest.raises(ValueError, match="rank >= 1"):
        tg.argsort(tg.constant(1.0))
    with pytest.raises(ValueError, match="at least k=4 columns, got 3"):
        tg.math.top_k(np.zeros((2, 3)), 4)
    with pytest.raises(ValueError, match="k must be non-negative, got -1"):
        tg.math.top_k(np.zeros((2, 3)), -1)
    with pytest.raises(TypeError, match="axis must be an integer"):
        tg.sort(np.zeros(3), axis=None)
    with pytest.raises(IndexError, match="index 5 is out of range for axis 1 of size 5"):
        _C._take_along_axis(tg.constant(np.zeros((2, 5))), np.array([[0], [5]]), 1)
    with pytest.raises(TypeError, match="indices must be an integer tensor"):
        _C._take_along_axis(tg.constant(np.zeros((2, 5))), np.array([[0.0]]), 1)
    with pytest.raises(ValueError, match="do not broadcast"):
        _C._take_along_axis(tg.constant(np.zeros((2, 5))), np.zeros((3, 1), np.int64), 1)
    with pytest.raises(ValueError, match="rank"):
        _C._take_along_axis(tg.constant(np.zeros((2, 5))), np.zeros((5,), np.int64), 1)

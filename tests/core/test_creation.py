"""Creation ops against NumPy, with TensorFlow's argument forms, gradients
where TF has them, and bad input (negative sizes, absurd sizes, zero delta)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorgear as tg
from gradcheck import check_grad

DTYPES = [tg.float32, tg.float64, tg.int32, tg.int64, tg.uint8, tg.bool]


def npdt(dt):
    return np.dtype(dt.name)


def same(t, expected):
    a = t.numpy()
    assert a.shape == expected.shape, (a.shape, expected.shape)
    assert a.dtype == expected.dtype, (a.dtype, expected.dtype)
    np.testing.assert_array_equal(a, expected)


shapes = st.lists(st.integers(0, 5), min_size=0, max_size=4).map(tuple)


# ---- zeros / ones / fill / *_like -------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(shape=shapes, dt=st.sampled_from(DTYPES))
def test_zeros_ones_match_numpy(shape, dt):
    same(tg.zeros(shape, dtype=dt), np.zeros(shape, npdt(dt)))
    same(tg.ones(shape, dt), np.ones(shape, npdt(dt)))
    like = tg.constant(np.arange(int(np.prod(shape))).reshape(shape).astype(np.float64))
    same(tg.zeros_like(like), np.zeros(shape, np.float64))
    same(tg.ones_like(like, dtype=dt), np.ones(shape, npdt(dt)))


def test_defaults_and_shape_forms():
    assert tg.zeros([2, 3]).dtype == tg.float32
    same(tg.ones(3), np.ones(3, np.float32))
    same(tg.zeros(tg.constant([2, 1])), np.zeros((2, 1), np.float32))
    same(tg.zeros(()), np.zeros((), np.float32))
    same(tg.ones((2,), "int32"), np.ones(2, np.int32))
    same(tg.ones_like([[1, 2]]), np.ones((1, 2), np.int64))
    same(tg.zeros_like(tg.Variable([1.0, 2.0])), np.zeros(2, np.float32))


def test_fill_is_exact_and_takes_the_value_dtype():
    same(tg.fill([2, 3], 9), np.full((2, 3), 9, np.int64))
    same(tg.fill((2,), 2**62 + 1), np.full(2, 2**62 + 1, np.int64))   # no trip through double
    same(tg.fill([2], 1.5), np.full(2, 1.5, np.float32))
    same(tg.fill([3], True), np.full(3, True))
    same(tg.fill([0, 4], 1.0), np.zeros((0, 4), np.float32))
    same(tg.fill([], 7), np.array(7, np.int64))
    t = tg.fill([2, 2], tg.constant(3.0, dtype=tg.float64))
    assert t.dtype == tg.float64 and t.is_contiguous()


def test_fill_gradient_is_the_sum():
    check_grad(lambda v: tg.fill([3, 2], v), np.array(0.7))


# ---- constant -------------------------------------------------------------------

def test_constant_forms():
    same(tg.constant([[1, 2], [3, 4]]), np.array([[1, 2], [3, 4]], np.int64))
    same(tg.constant(3.0), np.array(3.0, np.float32))
    same(tg.constant([1, 2], dtype=tg.float64), np.array([1.0, 2.0]))
    same(tg.constant(0.0, shape=[2, 3]), np.zeros((2, 3), np.float32))          # scalar broadcast
    same(tg.constant([7], shape=(2, 2)), np.full((2, 2), 7, np.int64))           # one element broadcasts too
    same(tg.constant([1, 2, 3, 4, 5, 6], shape=(2, 3)), np.arange(1, 7).reshape(2, 3))
    same(tg.constant(np.arange(6.0).reshape(2, 3).T), np.arange(6.0).reshape(2, 3).T)  # strided input
    a = np.arange(4, dtype=np.uint8)
    same(tg.constant(a, dtype=tg.int32), a.astype(np.int32))


def test_constant_of_a_tensor_is_a_new_constant():
    x = tg.constant([1.0, 2.0])
    for c in (tg.constant(x), tg.constant(x, dtype=tg.float32)):
        assert c is not x and c._id != x._id
        same(c, x.numpy())
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.constant(x) * 2.0)
    assert tape.gradient(y, x) is None  # a constant is not connected to its source


def test_constant_shape_mismatch():
    with pytest.raises(ValueError, match=r"value of shape \(3,\) has 3 elements, but shape=\(2, 2\) has 4"):
        tg.constant([1, 2, 3], shape=(2, 2))
    with pytest.raises(ValueError, match="negative dimension"):
        tg.constant(1.0, shape=(-1, 2))


# ---- eye ---------------------------------------------------------------------------

@pytest.mark.parametrize("rows,cols", [(0, 0), (1, 1), (3, 3), (2, 5), (5, 2)])
@pytest.mark.parametrize("dt", [tg.float32, tg.int64, tg.bool])
def test_eye_matches_numpy(rows, cols, dt):
    same(tg.eye(rows, cols, dtype=dt), np.eye(rows, cols, dtype=npdt(dt)))


def test_eye_defaults_and_batch_shape():
    same(tg.eye(3), np.eye(3, dtype=np.float32))
    e = tg.eye(2, 3, batch_shape=[4, 1], dtype=tg.float64)
    same(e, np.broadcast_to(np.eye(2, 3), (4, 1, 2, 3)).copy())
    assert e.is_contiguous()
    same(tg.eye(2, batch_shape=[0]), np.zeros((0, 2, 2), np.float32))


# ---- range -----------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    (5,), (0,), (2, 9), (2, 9, 3), (9, 2, -2), (5, 1), (1, 5, -1), (-7, 7, 4), (10, -10, -3),
])
def test_range_integers_match_numpy(args):
    same(tg.range(*args), np.arange(*args, dtype=np.int64))


@pytest.mark.parametrize("args", [
    (0.0, 1.0, 0.1), (1.5,), (-1.0, 1.0, 0.25), (3, 0.5, -0.5), (0, 1, 1e-3), (2.0, 2.0, 1.0),
])
def test_range_floats_match_numpy(args):
    r = tg.range(*args)
    e = np.arange(*args, dtype=np.float64)
    assert r.dtype == tg.float32 and r.shape == e.shape
    np.testing.assert_allclose(r.numpy(), e.astype(np.float32), rtol=1e-6, atol=1e-6)


def test_range_dtype_and_keywords():
    same(tg.range(0, 5, 2, dtype=tg.float64), np.arange(0, 5, 2, dtype=np.float64))
    same(tg.range(start=1, limit=4), np.arange(1, 4))
    same(tg.range(tg.constant(4)), np.arange(4))
    same(tg.range(3, dtype=tg.uint8), np.arange(3, dtype=np.uint8))
    # like TF, the arguments are cast to an integer dtype first
    same(tg.range(0.5, 4.7, 1.2, dtype=tg.int32), np.arange(0, 4, 1, dtype=np.int32))
    big = 2**62
    same(tg.range(big, big + 3, dtype=tg.int64), np.arange(big, big + 3, dtype=np.int64))
    same(tg.range(-2**63 + 10, 2**63 - 10, 2**62, dtype=tg.int64),
         np.array([-2**63 + 10, -2**62 + 10, 10, 2**62 + 10], np.int64))


def test_range_bad_input():
    with pytest.raises(ValueError, match="delta must not be zero"):
        tg.range(0, 5, 0)
    with pytest.raises(ValueError, match="delta must not be zero"):
        tg.range(0.0, 5.0, 0.0)
    with pytest.raises(ValueError, match=r"delta must not be zero \(delta=0.5 as int32\)"):
        tg.range(0, 5, 0.5, dtype=tg.int32)
    with pytest.raises(ValueError, match="must be finite"):
        tg.range(0.0, float("inf"))
    with pytest.raises(ValueError, match="must be finite"):
        tg.range(float("nan"))
    with pytest.raises(ValueError, match="out of range for dtype uint8"):
        tg.range(0, 300, dtype=tg.uint8)
    with pytest.raises(ValueError, match="out of range for dtype int32"):
        tg.range(2**40, dtype=tg.int32)
    with pytest.raises(TypeError, match="bool"):
        tg.range(3, dtype=tg.bool)
    with pytest.raises(ValueError, match="out of range for dtype int64"):
        tg.range(2**64)
    with pytest.raises(MemoryError):
        tg.range(0.0, 1e30, 1.0)
    with pytest.raises(MemoryError):
        tg.range(0.0, 1.0, 1e-300)
    with pytest.raises(MemoryError):
        tg.range(-2**63, 2**63 - 1, dtype=tg.int64)


# ---- linspace --------------------------------------------------------------------

@pytest.mark.parametrize("start,stop,num", [(0, 1, 5), (-3, 7, 1), (2, 2, 4), (5, -5, 11), (0, 1, 0), (0, 1, 2)])
@pytest.mark.parametrize("dt", [tg.float32, tg.float64])
def test_linspace_matches_numpy(start, stop, num, dt):
    r = tg.linspace(start, stop, num, dtype=dt)
    e = np.linspace(start, stop, num, dtype=npdt(dt))
    assert r.dtype == dt and r.shape == e.shape
    np.testing.assert_allclose(r.numpy(), e, rtol=1e-6, atol=1e-6)
    if num > 1:
        assert r.numpy()[-1] == npdt(dt).type(stop)  # the end point is exact


def test_linspace_integers_round_down_and_bad_input():
    same(tg.linspace(-1, 1, 5, dtype=tg.int64), np.floor(np.linspace(-1, 1, 5)).astype(np.int64))
    with pytest.raises(ValueError, match="num must be non-negative, got -1"):
        tg.linspace(0, 1, -1)
    with pytest.raises(ValueError, match="must be finite"):
        tg.linspace(0, float("nan"), 3)
    with pytest.raises(TypeError, match="bool"):
        tg.linspace(0, 1, 3, dtype=tg.bool)
    with pytest.raises(ValueError, match="out of range for dtype uint8"):
        tg.linspace(-5, 5, 3, dtype=tg.uint8)
    with pytest.raises(MemoryError):
        tg.linspace(0, 1, 2**60)


# ---- cast / identity / stop_gradient ----------------------------------------------

@pytest.mark.parametrize("src", [np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_])
@pytest.mark.parametrize("dst", DTYPES)
def test_cast_matches_numpy(src, dst):
    a = (np.arange(-6, 6).reshape(3, 4) * 1.5).astype(src) if src != np.bool_ else np.arange(12).reshape(3, 4) % 3 == 0
    if src == np.uint8:
        a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    same(tg.cast(a, dst), a.astype(npdt(dst)))
    same(tg.cast(tg.transpose(tg.constant(a)), dst), a.T.astype(npdt(dst)))


def test_cast_gradient_between_floats():
    x64 = tg.constant([0.5, -2.0], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x64)
        y = tg.reduce_sum(tg.cast(x64, tg.float32) * tg.constant([3.0, 4.0]))
    g = tape.gradient(y, x64)
    assert g.dtype == tg.float64
    np.testing.assert_array_equal(g.numpy(), [3.0, 4.0])
    check_grad(lambda x: tg.cast(x, tg.float64) * x, np.array([0.5, -2.0]))
    x = tg.constant([1.0, 2.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.cast(x, tg.int32)
    assert tape.gradient(y, x) is None


def test_identity_and_stop_gradient():
    check_grad(lambda x: tg.identity(x) * x, np.array([1.0, -3.0, 2.0]))
    x = tg.constant([1.0, 2.0])
    i = tg.identity(x)
    assert i._storage_ptr != x._storage_ptr
    same(i, x.numpy())
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.stop_gradient(x) * x)
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [1.0, 2.0])


# ---- bad sizes ----------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda s: tg.zeros(s), lambda s: tg.ones(s, tg.int32), lambda s: tg.fill(s, 1.0),
])
def test_negative_and_absurd_sizes(make):
    with pytest.raises(ValueError, match=r"-3"):
        make([2, -3])
    with pytest.raises(MemoryError):
        make([2**40, 2**40])
    with pytest.raises(MemoryError):
        make([2**45])


def test_eye_bad_sizes():
    with pytest.raises(ValueError, match=r"sizes must be non-negative, got \(-1, 2\)"):
        tg.eye(-1, 2)
    with pytest.raises(ValueError, match=r"batch_shape must be non-negative"):
        tg.eye(2, batch_shape=[-2])
    with pytest.raises(MemoryError):
        tg.eye(2**31, 2**31)


def test_bad_dtype_names():
    with pytest.raises(TypeError):
        tg.zeros([2], dtype="float16x")
    with pytest.raises(ValueError, match="fill: value must be a scalar"):
        tg.fill([2], [1, 2])

"""Indexing: basic indices are views (NumPy semantics), integer-array and
boolean-mask indices copy; gradients scatter back; Variable slice assignment."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorgear as tg
from gradcheck import check_grad

_C = tg._C


def same(t, expected):
    a = t.numpy()
    assert a.shape == expected.shape, (a.shape, expected.shape)
    assert a.dtype == expected.dtype, (a.dtype, expected.dtype)
    np.testing.assert_array_equal(a, expected)


@st.composite
def basic_index(draw, shape):
    """A random basic index for `shape`: ints, slices (any step), None, at most one Ellipsis."""
    ndim = len(shape)
    n = draw(st.integers(0, ndim))
    use_ellipsis = draw(st.booleans())
    e = draw(st.integers(0, n)) if use_ellipsis else n
    dims = list(range(e)) + list(range(ndim - (n - e), ndim))   # the dims the items consume
    items = []
    for k, dim in enumerate(dims):
        if use_ellipsis and k == e:
            items.append(Ellipsis)
        if draw(st.integers(0, 5)) == 0:
            items.append(None)
        d = shape[dim]
        if d > 0 and draw(st.booleans()):
            items.append(draw(st.integers(-d, d - 1)))
        else:
            bound = st.one_of(st.none(), st.integers(-d - 2, d + 2))
            step = draw(st.one_of(st.none(), st.integers(-3, 3).filter(lambda s: s != 0)))
            items.append(slice(draw(bound), draw(bound), step))
    if use_ellipsis and e == n:
        items.append(Ellipsis)
    if draw(st.integers(0, 5)) == 0:
        items.append(None)
    return tuple(items)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), shape=st.lists(st.integers(0, 5), min_size=0, max_size=4).map(tuple))
def test_basic_indexing_matches_numpy_and_is_a_view(data, shape):
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    key = data.draw(basic_index(shape))
    x = tg.constant(a)
    t = x[key]
    expected = a[key]
    same(t, np.asarray(expected))
    assert t._storage_ptr == x._storage_ptr          # no copy
    if t.size:
        assert np.shares_memory(np.asarray(t), np.asarray(x))


def test_single_items_and_negative_steps():
    a = np.arange(60).reshape(3, 4, 5)
    x = tg.constant(a)
    for key in [0, -1, (1, 2), (1, 2, 3), slice(None, None, -1), (Ellipsis, -1), (None, 1), (..., None),
                (slice(None), slice(None, None, -2), 0), (slice(4, -10, -1),), (1, ..., slice(1, None, 3)), ()]:
        same(x[key], np.asarray(a[key]))
    assert x[1, 2, 3].shape == ()
    assert int(x[1, 2, 3]) == 33
    assert x[np.int64(2), tg.constant(1)].shape == (5,)      # NumPy ints and 0-d int tensors are ints
    same(x[tg.newaxis], a[np.newaxis])


def test_basic_index_errors():
    x = tg.zeros((3, 4))
    with pytest.raises(IndexError, match=r"index 3 is out of bounds for axis 0 with size 3"):
        x[3]
    with pytest.raises(IndexError, match=r"index -5 is out of bounds for axis 1 with size 4"):
        x[0, -5]
    with pytest.raises(IndexError, match="too many indices.*2-dimensional, but 3 were indexed"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., 0, ...]
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        x[::0]
    with pytest.raises(IndexError, match="valid indices"):
        x[1.5]
    with pytest.raises(IndexError, match="valid indices"):
        x["a"]
    with pytest.raises(IndexError, match="valid indices"):
        x[tg.constant([0.5])]
    with pytest.raises(IndexError, match="boolean scalar"):
        x[True]
    with pytest.raises(IndexError, match="out of bounds"):
        x[1 << 70]
    with pytest.raises(TypeError, match="slice indices"):
        x["a":]
    with pytest.raises(TypeError, match="immutable"):
        x[0] = 1.0


@pytest.mark.parametrize("key_fn", [
    lambda: [2, 0, 2],
    lambda: np.array([[1, -1], [0, 0]]),
    lambda: (slice(None), [3, 0]),
    lambda: (1, [3, 0, 1]),
    lambda: (Ellipsis, [4, 0]),
    lambda: (None, slice(1, None), [2]),
    lambda: (tg.constant([1, 0], tg.int32), slice(None, None, -1)),
    lambda: ([],),
])
def test_integer_array_indexing_matches_numpy(key_fn):
    a = np.arange(60.0).reshape(3, 4, 5)
    x = tg.constant(a)
    key = key_fn()
    np_key = tuple(np.asarray(k) if isinstance(k, tg.Tensor) else k for k in key) if isinstance(key, tuple) else key
    if isinstance(np_key, tuple):
        np_key = tuple(np.asarray(k, dtype=np.int64) if isinstance(k, list) else k for k in np_key)
    t = x[key]
    same(t, a[np_key])
    if t.size:
        assert t._storage_ptr != x._storage_ptr       # a copy


def test_integer_array_errors():
    x = tg.zeros((3, 4))
    with pytest.raises(IndexError, match=r"index 3 .*axis 0 of size 3"):
        x[[0, 3]]
    with pytest.raises(IndexError, match=r"index -5 .*axis 1 of size 4"):
        x[:, [-5]]
    with pytest.raises(IndexError, match="only one integer-array"):
        x[[0], [1]]


def test_boolean_mask_indexing_matches_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 3, 2))
    x = tg.constant(a)
    for mask in [a > 0, a[:, :, 0] > 0, a[:, 0, 0] > 0]:
        same(x[mask], a[mask])
        same(x[tg.constant(mask)], a[mask])
    m1 = np.array([True, False, True])
    same(x[:, m1], a[:, m1])
    same(x[..., np.array([False, True])], a[..., np.array([False, True])])
    same(x[[True, False, False, True]], a[np.array([True, False, False, True])])
    same(x[x > 0.5], a[a > 0.5])
    with pytest.raises(ValueError, match=r"mask of shape \(2,\) does not match"):
        x[np.array([True, False])]


def test_tf_boolean_mask():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4, 2))
    m = rng.standard_normal((4, 2)) > 0
    same(tg.boolean_mask(a, m, axis=1), a[:, m])
    same(tg.boolean_mask(tg.constant(a), a[:, 0, 0] > 0), a[a[:, 0, 0] > 0])
    same(tg.boolean_mask(tg.constant(a), np.zeros(3, bool)), a[np.zeros(3, bool)])
    with pytest.raises(TypeError, match="bool"):
        tg.boolean_mask(a, [1, 0, 1])
    with pytest.raises(ValueError, match=r"mask of shape \(4,\) does not match the dimensions 0..0"):
        tg.boolean_mask(a, np.ones(4, bool))
    with pytest.raises(ValueError, match="0-d"):
        tg.boolean_mask(a, True)
    with pytest.raises(IndexError, match="axis 3"):
        tg.boolean_mask(a, [True], axis=3)


def test_indexing_gradients():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 4, 2))
    check_grad(lambda x: x[1:, ::-2], a)
    check_grad(lambda x: x[..., None, 0], a)
    check_grad(lambda x: x[-1], a)
    check_grad(lambda x: x[[0, 0, 2]], a)                     # repeated rows add up
    check_grad(lambda x: x[:, [3, 1, 3]], a)
    check_grad(lambda x: x[np.asarray(a > 0)], a)
    check_grad(lambda x: tg.boolean_mask(x, a[:, :, 1] > 0), a)


def test_getitem_backward_is_differentiable():
    rng = np.random.default_rng(3)
    check_grad(lambda g: _C._getitem_backward(g, (slice(None, None, -1), 1), (3, 4)), rng.standard_normal(3))
    x = tg.constant(rng.standard_normal((4, 3)))
    w = tg.constant(rng.standard_normal((2, 3)))
    c = tg.constant(rng.standard_normal((4, 3)))
    with tg.GradientTape() as outer:
        outer.watch(w)
        with tg.GradientTape() as inner:
            inner.watch(x)
            y = tg.reduce_sum(x[1:3] * w)
        dx = inner.gradient(y, x)                              # getitem_backward(w)
        np.testing.assert_array_equal(dx.numpy(), np.concatenate([np.zeros((1, 3)), w.numpy(), np.zeros((1, 3))]))
        z = tg.reduce_sum(dx * c)
    np.testing.assert_allclose(outer.gradient(z, w).numpy(), c.numpy()[1:3])


# ---- tf.slice / tf.strided_slice -----------------------------------------------

def test_slice_matches_numpy():
    a = np.arange(60).reshape(3, 4, 5)
    x = tg.constant(a)
    same(tg.slice(x, [1, 0, 2], [2, -1, 3]), a[1:3, 0:, 2:5])
    same(tg.slice(x, [0, 0, 0], [0, 4, 5]), a[:0])
    s = tg.slice(x, [1, 1, 1], [1, 2, 3])
    assert s._storage_ptr == x._storage_ptr
    check_grad(lambda t: tg.slice(t, [1, 0], [1, 2]), np.random.default_rng(4).standard_normal((3, 2)))


def test_slice_errors():
    x = tg.zeros((3, 4))
    with pytest.raises(ValueError, match=r"begin \(1,\) and size \(1,\) must both have one entry per dimension"):
        tg.slice(x, [1], [1])
    with pytest.raises(ValueError, match=r"begin\[0\] = 4 is out of range for dimension 0 of size 3"):
        tg.slice(x, [4, 0], [1, 1])
    with pytest.raises(ValueError, match=r"size\[1\] = 3 with begin 2 does not fit in dimension 1 of size 4"):
        tg.slice(x, [0, 2], [1, 3])


def test_strided_slice_matches_numpy():
    a = np.arange(60).reshape(3, 4, 5)
    x = tg.constant(a)
    same(tg.strided_slice(x, [0, 1, 4], [3, 4, 0], [1, 2, -1]), a[0:3, 1:4:2, 4:0:-1])
    same(tg.strided_slice(x, [1, 0, 0], [2, 4, 5], begin_mask=0b110, end_mask=0b110), a[1:2, :, :])
    same(tg.strided_slice(x, [1, 0, 0], [2, 0, 0], shrink_axis_mask=1, begin_mask=6, end_mask=6), a[1])
    same(tg.strided_slice(x, [0, 2], [0, 3], ellipsis_mask=1), a[..., 2:3])
    same(tg.strided_slice(x, [0, 0, 1], [0, 0, 2], new_axis_mask=1, ellipsis_mask=2), a[None, ..., 1:2])
    same(tg.strided_slice(x, [-1], [-4], [-1]), a[-1:-4:-1])
    check_grad(lambda t: tg.strided_slice(t, [2, 0], [0, 3], [-1, 2], shrink_axis_mask=0),
               np.random.default_rng(5).standard_normal((3, 4)))
    with pytest.raises(ValueError, match="same length"):
        tg.strided_slice(x, [0, 0], [1])
    with pytest.raises(ValueError, match=r"strides\[0\] is 0"):
        tg.strided_slice(x, [0], [1], [0])


# ---- Variable slices and slice assignment -----------------------------------------

def test_variable_slice_assign():
    v = tg.Variable(np.zeros((3, 4), np.float32))
    before = v[0]
    r = v[0, 0].assign(3.0)
    assert r is v
    v[1:3].assign(np.ones((2, 4)))
    v[:, ::-2].assign([7.0, 8.0])                              # broadcast from (2,) into (3, 2)
    v[2][1:3].assign(5.0)                                      # a slice of a slice stays assignable
    expected = np.zeros((3, 4), np.float32)
    expected[0, 0] = 3
    expected[1:3] = 1
    expected[:, ::-2] = [7, 8]
    expected[2][1:3] = 5
    np.testing.assert_array_equal(v.numpy(), expected)
    np.testing.assert_array_equal(before.numpy(), np.zeros(4))  # tensors already read keep their value
    assert v[0, 0].assign(1.0, read_value=False) is None


def test_variable_slice_assign_errors():
    v = tg.Variable(np.zeros((3, 4), np.float32))
    with pytest.raises(ValueError, match=r"\(3,\) and \(2, 4\)"):
        v[1:].assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="dtype float32 and cannot be assigned a value of dtype float64"):
        v[0].assign(tg.constant(np.ones(4)))
    with pytest.raises(TypeError, match="tensors are immutable; use a Variable"):
        tg.constant([1.0, 2.0]).assign(3.0)
    with pytest.raises(TypeError, match="tensors are immutable"):
        v[[0, 1]].assign(1.0)                                  # advanced indices copy: nothing to write back
    s = tg.Variable([1.0, 2.0])[0]
    import gc
    gc.collect()
    with pytest.raises(ValueError, match="no longer exists"):
        s.assign(5.0)


def test_variable_slice_gradient_and_tape_safety():
    v = tg.Variable(np.arange(6.0).reshape(2, 3))
    with tg.GradientTape() as tape:
        y = tg.reduce_sum(v[1, ::2] * v[1, ::2])
        v[1, 0].assign(100.0)                                  # must not disturb the recorded values
    g = tape.gradient(y, v)
    np.testing.assert_array_equal(g.numpy(), [[0, 0, 0], [6, 0, 10]])
    assert float(v[1, 0]) == 100.0

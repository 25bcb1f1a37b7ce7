"""Shape ops against NumPy (views share memory), their gradients, and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorgear as tg
from gradcheck import check_grad

_C = tg._C
DTYPES = [np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_]


def rand(rng, shape, dtype=np.float64):
    a = np.asarray(rng.standard_normal(shape) * 10)
    if dtype == np.bool_:
        return a > 0
    return a.astype(dtype)


def same(t, expected):
    a = t.numpy()
    assert a.shape == expected.shape, (a.shape, expected.shape)
    assert a.dtype == expected.dtype, (a.dtype, expected.dtype)
    np.testing.assert_array_equal(a, expected)


def shares(t, base):
    """t's memory lies inside base's storage (a view, not a copy)."""
    return t._storage_ptr == base._storage_ptr


shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)


# ---- reshape -------------------------------------------------------------------

@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4).map(tuple), data=st.data())
def test_reshape_of_views_matches_numpy(shape, data):
    rng = np.random.default_rng(0)
    a = rand(rng, shape)
    perm = data.draw(st.permutations(range(len(shape))))
    x = _C.transpose(tg.constant(a), list(perm))
    n = a.size
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    d = data.draw(st.sampled_from(divisors))
    expected = a.transpose(perm).reshape(d, -1)
    same(tg.reshape(x, (d, -1)), expected)


def test_reshape_views_when_strides_allow():
    x = tg.constant(np.arange(24.0).reshape(2, 3, 4))
    t = _C.transpose(x, [1, 0, 2])              # (3, 2, 4): last dim still contiguous
    r = tg.reshape(t, (3, 2, 2, 2))             # splitting a dim never needs a copy
    assert shares(r, x)
    same(r, np.arange(24.0).reshape(2, 3, 4).transpose(1, 0, 2).reshape(3, 2, 2, 2))
    s = x[:, :, ::2]
    assert shares(tg.reshape(s, (2, 3, 2, 1)), x)
    merged = tg.reshape(t, (6, 4))              # merging (3, 2) across the transpose must copy
    assert not shares(merged, x)
    same(merged, np.arange(24.0).reshape(2, 3, 4).transpose(1, 0, 2).reshape(6, 4))


def test_reshape_errors():
    x = tg.zeros((2, 3))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4, 2\)"):
        tg.reshape(x, (4, 2))
    with pytest.raises(ValueError, match="only one dimension may be -1"):
        tg.reshape(x, (-1, -1))
    with pytest.raises(ValueError, match="invalid dimension -3"):
        tg.reshape(x, (-3, 2))
    with pytest.raises(ValueError):
        tg.reshape(x, (4, -1))


# ---- transpose / expand_dims / squeeze ------------------------------------------

@settings(max_examples=40, deadline=None)
@given(shape=shapes, data=st.data(), dtype=st.sampled_from(DTYPES))
def test_transpose_matches_numpy(shape, data, dtype):
    a = rand(np.random.default_rng(1), shape, dtype)
    perm = data.draw(st.permutations(range(len(shape))))
    x = tg.constant(a)
    t = tg.transpose(x, perm=list(perm))
    same(t, a.transpose(perm))
    assert shares(t, x)
    same(tg.transpose(x), a.T)


@pytest.mark.parametrize("perm", [[0, 0, 1], [0, 1], [0, 1, 3], [2, 1, 5]])
def test_transpose_bad_perm_names_it(perm):
    x = tg.zeros((2, 3, 4))
    with pytest.raises(ValueError, match=r"perm \(" + ", ".join(map(str, perm))):
        tg.transpose(x, perm)


def test_expand_dims_and_squeeze_match_numpy():
    rng = np.random.default_rng(2)
    a = rand(rng, (2, 1, 3))
    x = tg.constant(a)
    for axis in range(-4, 4):
        e = tg.expand_dims(x, axis)
        same(e, np.expand_dims(a, axis))
        assert shares(e, x)
    same(tg.squeeze(x), a.squeeze())
    same(tg.squeeze(x, 1), a.squeeze(1))
    same(tg.squeeze(x, [-2]), a.squeeze(-2))
    same(tg.squeeze(tg.constant(np.ones((1, 1)))), np.ones((1, 1)).squeeze())
    same(tg.squeeze(x, axis=[]), a.squeeze())                  # TF: [] squeezes every size-1 dim
    assert shares(tg.squeeze(x), x)


def test_expand_dims_squeeze_errors():
    x = tg.zeros((2, 1, 3))
    with pytest.raises(IndexError, match="axis 4"):
        tg.expand_dims(x, 4)
    with pytest.raises(IndexError, match="axis -5"):
        tg.expand_dims(x, -5)
    with pytest.raises(ValueError, match=r"squeeze axis 0 of size 2"):
        tg.squeeze(x, 0)
    with pytest.raises(IndexError, match="axis 3"):
        tg.squeeze(x, 3)


def test_view_gradients():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((2, 3, 4))
    check_grad(lambda x: tg.transpose(x, [2, 0, 1]), a)
    check_grad(lambda x: tg.transpose(x), a)
    check_grad(lambda x: tg.expand_dims(x, 1), a)
    check_grad(lambda x: tg.squeeze(x, 0), rng.standard_normal((1, 3)))
    check_grad(lambda x: tg.reshape(tg.transpose(x), (4, 6)), a)
    check_grad(lambda x: tg.broadcast_to(x, (2, 3, 4)), rng.standard_normal((3, 1)))


# ---- concat / stack / split / unstack -------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concat_stack_match_numpy(dtype, axis):
    rng = np.random.default_rng(4)
    parts = [rand(rng, (2, k, 3), dtype) for k in (1, 0, 4)]
    if axis != 1:
        parts = [rand(rng, (2, 3, 3), dtype) for _ in range(3)]
    same(tg.concat([tg.constant(p) for p in parts], axis), np.concatenate(parts, axis))
    eq = [rand(rng, (2, 3), dtype) for _ in range(3)]
    same(tg.stack(eq, axis=axis), np.stack(eq, axis))
    same(tg.stack(eq, axis=2), np.stack(eq, 2))


def test_concat_of_strided_inputs_and_promotion():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((3, 4))
    b = rng.standard_normal((4, 3)).astype(np.float32)
    x = tg.transpose(tg.constant(b))[:, ::-1]
    same(tg.concat([tg.constant(a), x], 0), np.concatenate([a, b.T[:, ::-1].astype(np.float64)], 0))
    same(tg.stack([1.0, 2.0]), np.array([1.0, 2.0], np.float32))       # weak scalars: float32
    same(tg.stack([tg.constant(1, tg.int32), 2]), np.array([1, 2], np.int32))


def test_concat_stack_errors():
    with pytest.raises(ValueError, match=r"shape \(2, 4\) of input 1 does not match shape \(2, 3\)"):
        tg.concat([tg.zeros((2, 3)), tg.zeros((2, 4))], 0)
    with pytest.raises(ValueError, match="non-empty"):
        tg.concat([], 0)
    with pytest.raises(IndexError, match="axis 2"):
        tg.concat([tg.zeros((2, 3))], 2)
    with pytest.raises(ValueError, match="0-d"):
        tg.concat([tg.constant(1.0), tg.constant(2.0)], 0)
    with pytest.raises(ValueError, match=r"shape \(3,\) of input 1 differs from shape \(2,\)"):
        tg.stack([tg.zeros(2), tg.zeros(3)])
    with pytest.raises(IndexError, match="axis 3"):
        tg.stack([tg.zeros(2), tg.zeros(2)], axis=3)


def test_split_and_unstack_match_numpy_and_are_views():
    a = np.arange(24.0).reshape(4, 6)
    x = tg.constant(a)
    parts = tg.split(x, 3, axis=1)
    assert len(parts) == 3
    for p, e in zip(parts, np.split(a, 3, axis=1)):
        same(p, e)
        assert shares(p, x)
    sizes = tg.split(x, [1, -1, 2], axis=1)
    for p, e in zip(sizes, np.split(a, [1, 4], axis=1)):
        same(p, e)
    same(tg.split(x, [0, 4])[0], a[:0])
    for p, e in zip(tg.unstack(x, axis=1), [a[:, i] for i in range(6)]):
        same(p, e)
        assert shares(p, x)
    assert len(tg.unstack(x, num=4)) == 4


def test_split_unstack_errors():
    x = tg.zeros((4, 6))
    with pytest.raises(ValueError, match=r"size 6 is not divisible into 4"):
        tg.split(x, 4, axis=1)
    with pytest.raises(ValueError, match=r"sizes \(1, 2\) add up to 3, not to the size 6"):
        tg.split(x, [1, 2], axis=1)
    with pytest.raises(ValueError, match="only one size may be -1"):
        tg.split(x, [-1, -1], axis=1)
    with pytest.raises(ValueError, match="positive"):
        tg.split(x, 0)
    with pytest.raises(ValueError, match=r"num=3 but axis 0"):
        tg.unstack(x, num=3)
    with pytest.raises(IndexError, match="axis 0 is out of range for a tensor of rank 0"):
        tg.unstack(tg.constant(1.0))


def test_join_gradients():
    rng = np.random.default_rng(6)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 2))
    check_grad(lambda a, b: tg.concat([a, b], 1), a, b)
    check_grad(lambda a, b: tg.stack([a, b * 2.0], axis=1), a, rng.standard_normal((2, 3)))
    check_grad(lambda a: tg.split(a, [1, 2], axis=1)[1] * 3.0, a)
    check_grad(lambda a: tg.concat(tg.split(a, 3, axis=1)[::-1], 0), a)       # every part used
    check_grad(lambda a: tg.unstack(a, axis=1)[2], a)                          # unused parts: zeros
    check_grad(lambda a: tg.stack(tg.unstack(a)[::-1]), a)


# ---- tile / pad -----------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_tile_matches_numpy(dtype):
    rng = np.random.default_rng(7)
    a = rand(rng, (2, 3), dtype)
    for mult in ([1, 1], [2, 3], [3, 1], [0, 2]):
        same(tg.tile(tg.constant(a), mult), np.tile(a, mult))
    same(tg.tile(tg.transpose(tg.constant(a)), [2, 2]), np.tile(a.T, (2, 2)))


def test_tile_errors_and_gradient():
    with pytest.raises(ValueError, match=r"multiples \(2,\) must have one entry per dimension"):
        tg.tile(tg.zeros((2, 3)), [2])
    with pytest.raises(ValueError, match="negative"):
        tg.tile(tg.zeros((2, 3)), [2, -1])
    check_grad(lambda x: tg.tile(x, [2, 3]), np.random.default_rng(8).standard_normal((2, 3)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_pad_constant_matches_numpy(dtype):
    rng = np.random.default_rng(9)
    a = rand(rng, (2, 3), dtype)
    pads = [[1, 2], [0, 3]]
    same(tg.pad(tg.constant(a), pads), np.pad(a, pads))
    if dtype != np.bool_:
        same(tg.pad(tg.constant(a), pads, constant_values=5), np.pad(a, pads, constant_values=5))


@pytest.mark.parametrize("mode", ["REFLECT", "SYMMETRIC", "reflect"])
def test_pad_mirror_modes_match_numpy(mode):
    a = np.arange(12.0).reshape(3, 4)
    for pads in ([[1, 2], [2, 0]], [[2, 2], [3, 3]], [[0, 0], [1, 1]]):
        if mode.upper() == "REFLECT" and max(max(p) for p in pads) > 2:
            continue
        np_mode = "reflect" if mode.upper() == "REFLECT" else "symmetric"
        same(tg.pad(tg.constant(a), pads, mode=mode), np.pad(a, pads, mode=np_mode))
    check_grad(lambda x: tg.pad(x, [[1, 2], [2, 1]], mode=mode), np.random.default_rng(10).standard_normal((3, 4)))


def test_pad_errors_and_gradient():
    x = tg.zeros((2, 3))
    with pytest.raises(ValueError, match=r"paddings have 3 rows but the input of shape \(2, 3\) has rank 2"):
        tg.pad(x, [[1, 1], [1, 1], [0, 0]])
    with pytest.raises(ValueError, match=r"non-negative, got \[-1, 0\]"):
        tg.pad(x, [[-1, 0], [0, 0]])
    with pytest.raises(ValueError, match="mode must be"):
        tg.pad(x, [[1, 1], [1, 1]], mode="WRAP")
    with pytest.raises(ValueError, match="too large for REFLECT"):
        tg.pad(x, [[2, 0], [0, 0]], mode="REFLECT")
    with pytest.raises(TypeError, match="integers"):
        tg.pad(x, [[1.5, 1], [1, 1]])
    check_grad(lambda x: tg.pad(x, [[1, 0], [2, 3]], constant_values=2.0),
               np.random.default_rng(11).standard_normal((2, 3)))


# ---- gather / gather_backward / one_hot -----------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
@pytest.mark.parametrize("idx_dtype", [np.int32, np.int64])
def test_gather_matches_numpy_take(dtype, axis, idx_dtype):
    rng = np.random.default_rng(12)
    a = rand(rng, (3, 4, 5), dtype)
    n = a.shape[axis]
    idx = rng.integers(-n, n, size=(2, 3)).astype(idx_dtype)
    same(tg.gather(tg.constant(a), tg.constant(idx), axis=axis), np.take(a, idx, axis=axis))
    same(tg.gather(tg.constant(a), [0], axis=axis), np.take(a, [0], axis=axis))
    same(tg.gather(tg.constant(a), 1, axis=axis), np.take(a, 1, axis=axis))


def test_gather_from_strided_params():
    rng = np.random.default_rng(13)
    a = rng.standard_normal((40, 30))
    x = tg.transpose(tg.constant(a))[::2]                  # (15, 40), strided
    idx = np.array([3, 3, 0, 14])
    same(tg.gather(x, idx), a.T[::2][idx])                 # few rows: per-row strided copies
    big = rng.integers(0, 15, size=50)
    same(tg.gather(x, big), a.T[::2][big])                 # most of it: one contiguous copy first
    same(tg.gather(x, idx, axis=1), a.T[::2][:, idx])


@pytest.mark.parametrize("dtype", [np.uint8, np.float32, np.float64])
@pytest.mark.parametrize("params_shape, axis, n", [((6000, 784), 0, 128), ((3000, 200), 0, 3001),
                                                   ((3, 500, 40), 1, 777), ((700, 16), 0, 5000)])
def test_gather_of_many_rows_split_over_threads_matches_numpy(dtype, params_shape, axis, n):
    # a shuffled batch: rows of a cache line or more at random places, cut into many chunks
    rng = np.random.default_rng(17)
    a = (rng.random(params_shape) * 200).astype(dtype)
    idx = rng.integers(0, params_shape[axis], size=n)
    idx[: n // 4] = idx[0]                                        # repeats
    same(tg.gather(tg.constant(a), tg.constant(idx), axis=axis), np.take(a, idx, axis=axis))
    same(tg.gather(tg.constant(a), tg.constant(idx[::-3]), axis=axis), np.take(a, idx[::-3], axis=axis))


def test_gather_errors_name_index_and_dim():
    x = tg.zeros((3, 4))
    with pytest.raises(IndexError, match=r"index 4 .*axis 1 of size 4"):
        tg.gather(x, [0, 4], axis=1)
    with pytest.raises(IndexError, match=r"index -4 .*axis 0 of size 3"):
        tg.gather(x, [-4])
    with pytest.raises(TypeError, match="integer"):
        tg.gather(x, [0.5])
    with pytest.raises(ValueError, match="batch_dims=0"):
        tg.gather(x, [0], batch_dims=1)
    with pytest.raises(IndexError, match="axis 2"):
        tg.gather(x, [0], axis=2)


def test_gather_backward_is_scatter_add():
    rng = np.random.default_rng(14)
    g = rng.standard_normal((3, 4))
    idx = np.array([0, 2, 2, 4])                                    # repeats add up
    expected = np.zeros((3, 5))
    for o in range(3):
        np.add.at(expected[o], idx, g[o])
    same(_C._gather_backward(tg.constant(g), tg.constant(idx), 1, (3, 5)), expected)
    ints = np.arange(6).reshape(6, 1)
    same(_C._gather_backward(tg.constant(ints), tg.constant([1, 1, 0, 1, 2, 0]), 0, (3, 1)),
         np.array([[2 + 5], [0 + 1 + 3], [4]]))
    with pytest.raises(ValueError, match=r"gradient of shape \(2,\) does not match \(3,\)"):
        _C._gather_backward(tg.zeros(2), tg.constant([0, 1, 2]), 0, (4,))


def test_gather_backward_parallel_paths():
    rng = np.random.default_rng(15)
    for params_shape, axis, n in [((50, 1000), 0, 300), ((16, 400, 20), 1, 100), ((2, 300, 200), 1, 90)]:
        idx = rng.integers(0, params_shape[axis], size=n)
        out_shape = params_shape[:axis] + (n,) + params_shape[axis + 1:]
        g = rng.standard_normal(out_shape)
        expected = np.zeros(params_shape)
        moved = np.moveaxis(expected, axis, 0)
        np.add.at(moved, idx, np.moveaxis(g, axis, 0))
        np.testing.assert_allclose(_C._gather_backward(tg.constant(g), tg.constant(idx), axis, params_shape).numpy(),
                                   expected, rtol=1e-12, atol=1e-12)


def test_gather_gradients_first_and_second_order():
    rng = np.random.default_rng(16)
    idx = np.array([[2, 0], [2, 2]])
    check_grad(lambda p: tg.gather(p, idx, axis=1), rng.standard_normal((2, 3, 2)))
    # gather_backward is differentiable in its gradient input: d/dg = gather.
    check_grad(lambda g: _C._gather_backward(g, tg.constant(idx), 1, (2, 3, 2)), rng.standard_normal((2, 2, 2, 2)))
    p = tg.constant(rng.standard_normal((4, 3)))
    w = tg.constant(rng.standard_normal((2, 3)))
    c = tg.constant(rng.standard_normal((4, 3)))
    with tg.GradientTape() as outer:
        outer.watch(w)
        with tg.GradientTape() as inner:
            inner.watch(p)
            y = tg.reduce_sum(tg.gather(p, [3, 1]) * w)
        dp = inner.gradient(y, p)                                # gather_backward(w)
        z = tg.reduce_sum(dp * c)
    np.testing.assert_allclose(outer.gradient(z, w).numpy(), c.numpy()[[3, 1]])


@pytest.mark.parametrize("axis", [-1, 0, 1, 2])
def test_one_hot_matches_numpy(axis):
    idx = np.array([[0, 2, 5], [-1, 1, 4]])
    depth = 5
    base = (idx[..., None] == np.arange(depth)).astype(np.float32)     # out of range rows: all off
    expected = np.moveaxis(base, -1, axis if axis >= 0 else -1)
    same(tg.one_hot(idx, depth, axis=axis), expected)
    same(tg.one_hot(idx, depth, on_value=3, off_value=-1, axis=axis, dtype=tg.int32),
         np.where(expected > 0, 3, -1).astype(np.int32))
    assert tg.one_hot([1], 3, on_value=tg.constant(2.0, tg.float64)).dtype == tg.float64


def test_one_hot_errors():
    with pytest.raises(TypeError, match="integer"):
        tg.one_hot([0.5], 3)
    with pytest.raises(ValueError, match="depth must be non-negative, got -2"):
        tg.one_hot([0], -2)
    with pytest.raises(IndexError, match="axis 3"):
        tg.one_hot([[0]], 2, axis=3)


# ---- shape / size / rank --------------------------------------------------------

def test_shape_size_rank():
    x = tg.zeros((2, 3, 4))
    same(tg.shape(x), np.array([2, 3, 4], np.int64))
    same(tg.shape(x, out_type=tg.int32), np.array([2, 3, 4], np.int32))
    same(tg.shape(tg.constant(1.0)), np.zeros(0, np.int64))
    assert int(tg.size(x)) == 24 and tg.size(x).shape == ()
    assert int(tg.rank(x)) == 3
    with pytest.raises(TypeError, match="out_type"):
        tg.shape(x, out_type=tg.float32)


def test_reverse_is_a_view():
    a = np.arange(6.0).reshape(2, 3)
    x = tg.constant(a)
    r = tg.reverse(x, [1])
    same(r, a[:, ::-1])
    assert shares(r, x)
    same(tg.reverse(x, [0, -1]), a[::-1, ::-1])
    check_grad(lambda t: tg.reverse(t, [1]), np.random.default_rng(21).standard_normal((2, 3)))


def test_large_inputs_take_the_gil_released_paths():
    """Above the GIL-release threshold each binding must have parsed its Python arguments already."""
    rng = np.random.default_rng(20)
    n = 40000
    lab = rng.integers(0, 10, size=n)
    same(tg.one_hot(lab, 10), np.eye(10, dtype=np.float32)[lab])
    same(tg.one_hot(tg.constant(lab), depth=np.int64(10), axis=0), np.eye(10, dtype=np.float32)[lab].T)
    a = rng.standard_normal((n, 2))
    x = tg.constant(a)
    same(tg.gather(x, lab), a[lab])
    same(tg.concat([x, x], 1), np.concatenate([a, a], 1))
    same(tg.stack([x, x], axis=1), np.stack([a, a], 1))
    same(tg.tile(x, [2, 1]), np.tile(a, (2, 1)))
    same(tg.pad(x, [[1, 1], [0, 1]], constant_values=2), np.pad(a, [[1, 1], [0, 1]], constant_values=2))
    same(tg.pad(x, [[1, 1], [0, 1]], mode="REFLECT"), np.pad(a, [[1, 1], [0, 1]], mode="reflect"))
    same(tg.boolean_mask(x, a[:, 0] > 0), a[a[:, 0] > 0])
    same(x[lab], a[lab])
    same(x[x > 0.0], a[a > 0])
    v = tg.Variable(a)
    v[1:].assign(np.zeros((n - 1, 2)))
    assert float(tg.reduce_sum(tg.abs(v[1:]))) == 0.0
    same(_C._gather_backward(tg.ones((n, 2), tg.float64), tg.constant(lab), 0, (10, 2)),
         np.stack([np.bincount(lab, minlength=10)] * 2, 1).astype(np.float64))

"""tf.gather_nd, tf.scatter_nd and tf.tensor_scatter_nd_update / add / sub against NumPy
(index depths from 1 to the full rank, repeated tuples, int32 and int64 indices), float64
finite-difference gradients on contiguous and strided operands, and the typed errors."""

import numpy as np
import pytest

import tensorgear as tg

from gradcheck import check_grad


def _np_gather_nd(p, idx):
    idx = np.asarray(idx)
    out = [p[tuple(t)] for t in idx.reshape(-1, idx.shape[-1])]
    return np.array(out).reshape(idx.shape[:-1] + p.shape[idx.shape[-1]:])


def _np_scatter_add(base, idx, upd):
    out = base.copy()
    idx = np.asarray(idx)
    k = idx.shape[-1]
    for t, u in zip(idx.reshape(-1, k), np.asarray(upd).reshape((-1,) + base.shape[k:])):
        out[tuple(t)] += u
    return out


@pytest.mark.parametrize("shape,index_shape", [((5,), (3, 1)), ((4, 6), (7, 2)), ((4, 6), (2, 3, 1)),
                                               ((3, 4, 5), (6, 2)), ((30, 40, 8), (500, 3))])
@pytest.mark.parametrize("index_dtype", ["int32", "int64"])
def test_gather_and_scatter_match_numpy(shape, index_shape, index_dtype):
    r = np.random.default_rng(0)
    p = r.normal(size=shape)
    k = index_shape[-1]
    idx = np.stack([r.integers(0, shape[i], size=index_shape[:-1]) for i in range(k)], -1).astype(index_dtype)
    np.testing.assert_array_equal(tg.gather_nd(p, idx).numpy(), _np_gather_nd(p, idx))
    upd = r.normal(size=index_shape[:-1] + shape[k:])
    np.testing.assert_allclose(tg.scatter_nd(idx, upd, shape).numpy(), _np_scatter_add(np.zeros(shape), idx, upd),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.tensor_scatter_nd_add(p, idx, upd).numpy(), _np_scatter_add(p, idx, upd),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.tensor_scatter_nd_sub(p, idx, upd).numpy(), _np_scatter_add(p, idx, -upd),
                               rtol=1e-12, atol=1e-12)


def test_tensor_scatter_nd_update_replaces_slices():
    base = np.arange(12.0).reshape(3, 4)
    got = tg.tensor_scatter_nd_update(base, [[2], [0]], [[9.0, 9, 9, 9], [7, 7, 7, 7]]).numpy()
    want = base.copy()
    want[2], want[0] = 9, 7
    np.testing.assert_array_equal(got, want)
    got = tg.tensor_scatter_nd_update(np.zeros((2, 2), np.int32), [[1, 0]], [5]).numpy()
    np.testing.assert_array_equal(got, [[0, 0], [5, 0]])
    assert got.dtype == np.int32


@pytest.mark.parametrize("layout", ["contiguous", "strided"])
def test_gradients_match_finite_differences(layout):
    step = 1 if layout == "contiguous" else 2
    r = np.random.default_rng(2)
    p = r.normal(size=(4, 5 * step))
    idx = np.array([[0, 1], [3, 4], [0, 1], [2, 0]])
    upd = r.normal(size=(4, 1 * step))
    pick = lambda t: t[:, ::step]  # noqa: E731
    check_grad(lambda t: tg.gather_nd(pick(t), idx), p, rtol=1e-5, atol=1e-7)
    check_grad(lambda u: tg.scatter_nd(idx, pick(u)[:, 0], (4, 5)), upd, rtol=1e-5, atol=1e-7)
    check_grad(lambda t, u: tg.tensor_scatter_nd_update(pick(t), idx[[0, 1, 3]], pick(u)[:3, 0]), p, upd,
               rtol=1e-5, atol=1e-7)
    check_grad(lambda t, u: tg.tensor_scatter_nd_add(pick(t), idx, pick(u)[:, 0]), p, upd, rtol=1e-5, atol=1e-7)


def test_errors_name_the_values():
    p = np.zeros((2, 3))
    with pytest.raises(IndexError, match=r"index \[1, 3\] is out of range for the leading dims \(2, 3\)"):
        tg.gather_nd(p, [[1, 3]])
    with pytest.raises(IndexError, match=r"index \[-1\]"):
        tg.scatter_nd([[-1]], [1.0], [4])
    with pytest.raises(ValueError, match="index depth 3"):
        tg.gather_nd(p, [[0, 0, 0]])
    with pytest.raises(ValueError, match="updates of shape"):
        tg.scatter_nd([[0], [1]], [1.0, 2.0, 3.0], [4])
    with pytest.raises(TypeError, match="int32 or int64"):
        tg.gather_nd(p, [[0.5, 1.0]])
    with pytest.raises(ValueError, match="batch_dims"):
        tg.gather_nd(p, [[0]], batch_dims=1)

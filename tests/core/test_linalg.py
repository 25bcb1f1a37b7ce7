"""tf.linalg beyond the op table's per-op reference (linalg_reference.py): the compositions
(band_part, diag_part, set_diag, diag, trace, det, logdet, cholesky_solve, pinv, lstsq, norm,
matvec, eye) against NumPy, batch broadcasting of the solves, float64 finite-difference
gradients including a second derivative, and the typed errors."""

import numpy as np
import pytest

import tensorgear as tg

from gradcheck import check_grad
from linalg_reference import spd

R = np.random.default_rng(7)


@pytest.mark.parametrize("lo,hi", [(0, 0), (1, 0), (-1, 0), (0, -1), (2, 1), (-1, -1)])
def test_band_part_matches_numpy(lo, hi):
    x = R.normal(size=(2, 5, 6))
    i, j = np.arange(5)[:, None], np.arange(6)[None, :]
    keep = ((lo < 0) | (i - j <= lo)) & ((hi < 0) | (j - i <= hi))
    np.testing.assert_array_equal(tg.linalg.band_part(x, lo, hi).numpy(), np.where(keep, x, 0))


@pytest.mark.parametrize("shape", [(4, 4), (3, 5), (2, 6, 3)])
def test_diagonal_helpers_match_numpy(shape):
    x = R.normal(size=shape)
    d = np.diagonal(x, axis1=-2, axis2=-1)
    np.testing.assert_array_equal(tg.linalg.diag_part(x).numpy(), d)
    np.testing.assert_allclose(tg.linalg.trace(x).numpy(), np.trace(x, axis1=-2, axis2=-1))
    new = R.normal(size=d.shape)
    want = x.copy()
    k = d.shape[-1]
    want[..., np.arange(k), np.arange(k)] = new
    np.testing.assert_array_equal(tg.linalg.set_diag(x, new).numpy(), want)
    np.testing.assert_array_equal(tg.linalg.diag(new).numpy(), new[..., :, None] * np.eye(k))


def test_det_logdet_and_solves():
    a = R.normal(size=(3, 4, 4))
    np.testing.assert_allclose(tg.linalg.det(a).numpy(), np.linalg.det(a), rtol=1e-12)
    s = spd(R, 4, (3,))
    np.testing.assert_allclose(tg.linalg.logdet(s).numpy(), np.linalg.slogdet(s)[1], rtol=1e-12)
    b = R.normal(size=(4, 2))  # one right-hand side broadcast over the batch
    np.testing.assert_allclose(tg.linalg.solve(a, b).numpy(), np.linalg.solve(a, np.broadcast_to(b, (3, 4, 2))),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tg.linalg.solve(a, b, adjoint=True).numpy(),
                               np.linalg.solve(np.swapaxes(a, -1, -2), np.broadcast_to(b, (3, 4, 2))),
                               rtol=1e-10, atol=1e-12)
    chol = np.linalg.cholesky(s)
    np.testing.assert_allclose(tg.linalg.cholesky_solve(chol, b).numpy(),
                               np.linalg.solve(s, np.broadcast_to(b, (3, 4, 2))), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tg.linalg.inv(a, adjoint=True).numpy(), np.linalg.inv(np.swapaxes(a, -1, -2)),
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tg.linalg.matvec(a, b[:, 0]).numpy(), a @ b[:, 0], rtol=1e-12)
    assert tg.linalg.eye(2, 3, batch_shape=[4]).shape == (4, 2, 3)


def test_singular_matrices():
    z = np.array([[1.0, 2.0], [2.0, 4.0]])
    sign, logdet = tg.linalg.slogdet(z)
    assert float(sign) == 0.0 and float(logdet) == -np.inf
    assert float(tg.linalg.det(z)) == 0.0
    with pytest.raises(ValueError, match="matrix_inverse: matrix 0 of the batch is not invertible"):
        tg.linalg.inv(z)
    with pytest.raises(ValueError, match="not invertible"):
        tg.linalg.solve(z, np.ones((2, 1)))
    with pytest.raises(ValueError, match="cholesky: matrix 1 of the batch is not positive definite"):
        tg.linalg.cholesky(np.stack([np.eye(2), -np.eye(2)]))


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5)])
def test_pinv_and_lstsq_match_numpy(shape):
    a = R.normal(size=shape)
    np.testing.assert_allclose(tg.linalg.pinv(a).numpy(), np.linalg.pinv(a), rtol=1e-9, atol=1e-11)
    b = R.normal(size=(shape[0], 2))
    want = np.linalg.lstsq(a, b, rcond=None)[0]
    np.testing.assert_allclose(tg.linalg.lstsq(a, b).numpy(), want, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("ord_,axis", [("euclidean", None), (2, -1), (1, 0), (np.inf, 1), (3, None),
                                       ("fro", (-2, -1)), (1, (0, 1)), (np.inf, (0, 1)), (2, (1, 2)),
                                       ("euclidean", (0, 2))])
@pytest.mark.parametrize("keepdims", [False, True])
def test_norm_matches_numpy(ord_, axis, keepdims):
    x = R.normal(size=(3, 4, 5))
    if isinstance(axis, tuple):
        np_ord = "fro" if ord_ == "euclidean" else ord_
        want = np.linalg.norm(x, ord=np_ord, axis=axis, keepdims=keepdims)
    elif axis is None:
        want = np.linalg.norm(x.reshape(-1), ord=2 if ord_ == "euclidean" else ord_)
        want = np.reshape(want, (1, 1, 1)) if keepdims else want
    else:
        want = np.linalg.norm(x, ord=ord_, axis=axis, keepdims=keepdims)
    got = tg.linalg.norm(x, ord=ord_, axis=list(axis) if isinstance(axis, tuple) else axis, keepdims=keepdims)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10)


def test_composition_gradients():
    a = R.normal(size=(4, 3))
    s = spd(R, 3) / 3
    check_grad(lambda t: tg.linalg.pinv(t), a, rtol=1e-5, atol=1e-7)
    check_grad(lambda t, b: tg.linalg.lstsq(t, b), a, R.normal(size=(4, 2)), rtol=1e-5, atol=1e-7)
    check_grad(lambda t: tg.linalg.det(t), R.normal(size=(2, 3, 3)), rtol=1e-5, atol=1e-7)
    check_grad(lambda t: tg.linalg.logdet(t + tg.linalg.matrix_transpose(t)), s, rtol=1e-5, atol=1e-7)
    check_grad(lambda t: tg.linalg.norm(t, ord=2, axis=[0, 1]), a, rtol=1e-5, atol=1e-7)
    check_grad(lambda t: tg.linalg.set_diag(t, tg.linalg.diag_part(t) * 2.0), a, rtol=1e-5, atol=1e-7)
    check_grad(lambda t: tg.linalg.trace(tg.linalg.band_part(t, 1, 0)), s, rtol=1e-5, atol=1e-7)


def test_second_derivative_through_the_inverse_rule():
    a = R.normal(size=(3, 3)) + 3 * np.eye(3)

    def first(t):
        with tg.GradientTape() as inner:
            inner.watch(t)
            y = tg.reduce_sum(tg.linalg.inv(t) * tg.constant(a))
        return inner.gradient(y, t)

    check_grad(first, a, rtol=1e-5, atol=1e-7)


def test_errors():
    with pytest.raises(ValueError, match="square"):
        tg.linalg.inv(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="float32 or float64"):
        tg.linalg.cholesky(np.eye(2, dtype=np.int32))
    with pytest.raises(ValueError, match="rank >= 2"):
        tg.linalg.det(np.zeros(3))
    with pytest.raises(ValueError, match="has 3 rows; the matrices of shape"):
        tg.linalg.solve(np.eye(2), np.ones((3, 1)))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        tg.linalg.solve(np.stack([np.eye(2)] * 3), np.ones((2, 2, 1)))
    with pytest.raises(ValueError, match="does not fit"):
        tg.linalg.set_diag(np.zeros((3, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="ord"):
        tg.linalg.norm(np.zeros((2, 2)), ord="nuc", axis=[0, 1])
    with pytest.raises(NotImplementedError, match="full_matrices"):
        tg.linalg.svd(np.zeros((3, 2)), full_matrices=True)
    q_r = tg.linalg.qr(np.eye(3)[:, :2])
    assert q_r.q.shape == (3, 2) and q_r.r.shape == (2, 2)

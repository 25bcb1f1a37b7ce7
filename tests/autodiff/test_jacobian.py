"""tape.jacobian and tape.batch_jacobian (TensorFlow names and shapes)."""

import numpy as np
import pytest

import tensorgear as tg


def test_jacobian_of_elementwise_square():
    x = tg.constant([1.0, 2.0, 3.0], dtype=tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    j = tape.jacobian(y, x)
    np.testing.assert_allclose(j.numpy(), np.diag([2.0, 4.0, 6.0]))


def test_jacobian_of_matmul_has_target_plus_source_shape():
    rng = np.random.default_rng(1)
    W = rng.standard_normal((3, 2))
    x = tg.Variable(rng.standard_normal((1, 3)))
    with tg.GradientTape() as tape:
        y = tg.matmul(x, tg.constant(W))
    j = tape.jacobian(y, x)
    assert j.shape == (1, 2, 1, 3)
    np.testing.assert_allclose(j.numpy()[0, :, 0, :], W.T)


def test_jacobian_list_of_sources_on_non_persistent_tape():
    a = tg.Variable([1.0, 2.0])
    b = tg.Variable(3.0)
    with tg.GradientTape() as tape:
        y = a * b
    ja, jb = tape.jacobian(y, [a, b])
    np.testing.assert_allclose(ja.numpy(), np.diag([3.0, 3.0]))
    np.testing.assert_allclose(jb.numpy(), [1.0, 2.0])
    with pytest.raises(RuntimeError):
        tape.jacobian(y, a)


def test_batch_jacobian():
    rng = np.random.default_rng(2)
    x0 = rng.standard_normal((4, 3))
    W = rng.standard_normal((3, 2))
    x = tg.constant(x0)
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.tanh(tg.matmul(x, tg.constant(W)))
    j = tape.batch_jacobian(y, x)
    assert j.shape == (4, 2, 3)
    expected = (1 - np.tanh(x0 @ W) ** 2)[:, :, None] * W.T[None, :, :]
    np.testing.assert_allclose(j.numpy(), expected, rtol=1e-10)


def test_batch_jacobian_requires_shared_batch_dim():
    x = tg.constant(np.ones((4, 3)))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(x, axis=1)[:2]
    with pytest.raises(ValueError, match="batch"):
        tape.batch_jacobian(y, x)


def test_unconnected_jacobian():
    x = tg.Variable([1.0, 2.0])
    z = tg.Variable([5.0])
    with tg.GradientTape(persistent=True) as tape:
        y = x * 2.0
    assert tape.jacobian(y, z) is None
    np.testing.assert_array_equal(tape.jacobian(y, z, unconnected_gradients="zero").numpy(), np.zeros((2, 1)))

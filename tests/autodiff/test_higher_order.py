"""Second-order gradients through nested tapes, against analytic results."""

import numpy as np
import pytest

import tensorgear as tg


def second_derivative(f, x0):
    x = tg.Variable(np.array(x0, dtype=np.float64))
    with tg.GradientTape() as outer:
        with tg.GradientTape() as inner:
            y = f(x)
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    return dy.numpy(), d2y.numpy()


@pytest.mark.parametrize(
    "f, df, d2f",
    [
        (lambda x: x * x * x, lambda x: 3 * x**2, lambda x: 6 * x),
        (lambda x: 3.0 * x**4 - 2.0 * x, lambda x: 12 * x**3 - 2, lambda x: 36 * x**2),
        (lambda x: tg.exp(2.0 * x), lambda x: 2 * np.exp(2 * x), lambda x: 4 * np.exp(2 * x)),
        (tg.tanh, lambda x: 1 - np.tanh(x) ** 2, lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
        (
            tg.sigmoid,
            lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s),
            lambda x: (s := 1 / (1 + np.exp(-x))) * (1 - s) * (1 - 2 * s),
        ),
        (lambda x: tg.log(x) * x, lambda x: np.log(x) + 1, lambda x: 1 / x),
        (lambda x: tg.sqrt(x), lambda x: 0.5 / np.sqrt(x), lambda x: -0.25 * x**-1.5),
    ],
    ids=["cube", "poly", "exp", "tanh", "sigmoid", "xlogx", "sqrt"],
)
def test_second_derivatives(f, df, d2f):
    x0 = np.array([0.3, 0.7, 1.9])
    dy, d2y = second_derivative(f, x0)
    np.testing.assert_allclose(dy, df(x0), rtol=1e-10)
    np.testing.assert_allclose(d2y, d2f(x0), rtol=1e-10)


def test_hessian_vector_product_of_matmul_chain():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    H = A @ A.T  # f(x) = 0.5 x^T H x + sum(tanh(Bx)); here plain quadratic for an exact HVP
    x0 = rng.standard_normal((4, 1))
    v = rng.standard_normal((4, 1))
    x = tg.Variable(x0)
    Ht = tg.constant(H)
    with tg.GradientTape() as outer:
        with tg.GradientTape() as inner:
            y = 0.5 * tg.reduce_sum(tg.matmul(tg.matmul(x, Ht, transpose_a=True), x))
        g = inner.gradient(y, x)
        gv = tg.reduce_sum(g * tg.constant(v))
    hvp = outer.gradient(gv, x)
    np.testing.assert_allclose(g.numpy(), H @ x0, rtol=1e-10)
    np.testing.assert_allclose(hvp.numpy(), H @ v, rtol=1e-10)


def test_third_order():
    x = tg.Variable(2.0, dtype=tg.float64)
    with tg.GradientTape() as t3:
        with tg.GradientTape() as t2:
            with tg.GradientTape() as t1:
                y = x**4
            d1 = t1.gradient(y, x)
        d2 = t2.gradient(d1, x)
    d3 = t3.gradient(d2, x)
    assert float(d1) == 32.0 and float(d2) == 48.0 and float(d3) == 48.0


def test_persistent_outer_tape_reused_for_hessian_rows():
    x = tg.Variable([1.0, 2.0], dtype=tg.float64)
    with tg.GradientTape(persistent=True) as outer:
        with tg.GradientTape() as inner:
            y = x[0] ** 2 * x[1] ** 3
        g = inner.gradient(y, x)
        g0, g1 = g[0], g[1]
    h0 = outer.gradient(g0, x).numpy()
    h1 = outer.gradient(g1, x).numpy()
    a, b = 1.0, 2.0
    np.testing.assert_allclose(h0, [2 * b**3, 6 * a * b**2])
    np.testing.assert_allclose(h1, [6 * a * b**2, 6 * a**2 * b])

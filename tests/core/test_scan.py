"""tf.math.cumsum / cumprod beyond the op table's reference test: TensorFlow's defaults and
flags on 3-D inputs against NumPy, the int32 wrap, the gradient of cumprod (TF's formula) at
second order, and the typed errors."""

import numpy as np
import pytest

import tensorgear as tg

from gradcheck import check_grad


def test_defaults_follow_tensorflow_axis_0():
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(tg.cumsum(x).numpy(), np.cumsum(x, 0))
    np.testing.assert_array_equal(tg.math.cumsum(x, axis=-1).numpy(), np.cumsum(x, 1))
    np.testing.assert_array_equal(tg.math.cumprod([1, 2, 3, 4]).numpy(), [1, 2, 6, 24])
    np.testing.assert_array_equal(tg.math.cumsum([1, 2, 3], exclusive=True).numpy(), [0, 1, 3])
    np.testing.assert_array_equal(tg.math.cumsum([1, 2, 3], reverse=True).numpy(), [6, 5, 3])
    np.testing.assert_array_equal(tg.math.cumprod([1, 2, 3], exclusive=True, reverse=True).numpy(), [6, 3, 1])


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
@pytest.mark.parametrize("exclusive", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_three_d_inputs_match_numpy(axis, exclusive, reverse):
    x = np.random.default_rng(0).uniform(0.5, 1.5, size=(3, 4, 5))
    for fn, ref in ((tg.math.cumsum, np.cumsum), (tg.math.cumprod, np.cumprod)):
        v = np.flip(x, axis) if reverse else x
        want = ref(v, axis=axis)
        if exclusive:
            first = np.full_like(np.take(want, [0], axis), 1.0 if ref is np.cumprod else 0.0)
            want = np.concatenate([first, np.delete(want, -1, axis)], axis)
        want = np.flip(want, axis) if reverse else want
        got = fn(x, axis=axis, exclusive=exclusive, reverse=reverse)
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-13)


def test_int32_sums_wrap_like_tensorflow_and_float32_accumulates_in_float64():
    big = np.full(3, 2**30, np.int32)
    np.testing.assert_array_equal(tg.math.cumsum(big).numpy(), np.cumsum(big, dtype=np.int32))
    x = np.full(1_000_003, 0.1, np.float32)
    last = tg.math.cumsum(x).numpy()[-1]
    assert abs(last - 100000.3) < 0.01  # a float32 accumulator drifts by ~100 here


def test_cumprod_gradient_to_second_order():
    x = np.random.default_rng(1).uniform(0.5, 2.0, size=(3, 5))
    check_grad(lambda t: tg.math.cumprod(t, axis=1, exclusive=True), x, rtol=1e-5, atol=1e-7)

    def first_derivative(t):
        with tg.GradientTape() as inner:
            inner.watch(t)
            y = tg.reduce_sum(tg.math.cumprod(t, axis=0, reverse=True) * tg.constant(x))
        return inner.gradient(y, t)

    check_grad(first_derivative, x, rtol=1e-5, atol=1e-7)


def test_errors():
    with pytest.raises(TypeError, match="bool"):
        tg.math.cumsum(np.array([True, False]))
    with pytest.raises(ValueError, match="rank >= 1"):
        tg.math.cumsum(tg.constant(1.0))
    with pytest.raises(IndexError, match="axis"):
        tg.math.cumprod(np.zeros((2, 3)), axis=2)
    with pytest.raises(TypeError, match="axis must be an integer"):
        tg.math.cumsum(np.zeros(3), axis=None)

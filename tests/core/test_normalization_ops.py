"""batch_norm and layer_norm: normalization over the last axis as one op each way.

The op table's tests (test_op_table.py) check their outputs and fused
backwards against NumPy, and their first derivatives by finite differences.
Here: the statistics they hand back, the second derivatives (built from
table ops when a tape records the backward), that the fused and composed
backwards agree, precision next to a large mean, the errors, the Keras
layers on the fused path, and PyTorch's functional ops."""

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import _C, keras

from gradcheck import check_grad

EPS = 1e-3
DEVICES = ["CPU:0"] + [f"GPU:{i}" for i in range(_C.cuda_device_count())]


def _inputs(shape, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 2 + 0.5, rng.standard_normal(shape[-1:]), rng.standard_normal(shape[-1:]))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("shape", [(7, 3), (4, 5, 6, 8), (1, 2)])
def test_the_batch_statistics_are_the_mean_and_biased_variance(shape, device):
    x, g, b = _inputs(shape)
    y, mean, var = _C.batch_norm(*(tg.constant(a).to(device) for a in (x, g, b)), EPS)
    rows = tuple(range(len(shape) - 1))
    np.testing.assert_allclose(mean.numpy(), x.mean(rows), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(var.numpy(), x.var(rows), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y.numpy(), (x - x.mean(rows)) / np.sqrt(x.var(rows) + EPS) * g + b, rtol=1e-12,
                               atol=1e-12)


def _first_derivative(x, g, b, w, op=_C.batch_norm):
    """d/d(x, gamma, beta) of sum(w * op(x)), recorded by the outer tape of a second derivative."""
    with tg.GradientTape() as inner:
        inner.watch([x, g, b])
        y = op(x, g, b, EPS)[0]
        loss = tg.reduce_sum(y * w)
    return inner.gradient(loss, [x, g, b])


# dx depends on x and gamma, dgamma on x; dbeta = sum(w) on nothing
@pytest.mark.parametrize("which,wrt", [(0, [0, 1]), (1, [0])])
def test_second_derivatives_match_finite_differences(which, wrt):
    x, g, b = _inputs((6, 4), 1)
    w = tg.constant(np.random.default_rng(2).standard_normal((6, 4)))
    check_grad(lambda a, gg, bb: _first_derivative(a, gg, bb, w)[which], x, g, b, wrt=wrt, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("op", [_C.batch_norm, _C.layer_norm], ids=["batch_norm", "layer_norm"])
def test_the_fused_and_composed_backwards_agree(op):
    x, g, b = (tg.constant(a) for a in _inputs((9, 5, 7), 3))
    w = tg.constant(np.random.default_rng(4).standard_normal((9, 5, 7)))
    fused = _first_derivative(x, g, b, w, op)  # nothing records the backward: the fused op
    with tg.GradientTape(persistent=True) as outer:  # recording: the composition of table ops
        outer.watch([x, g, b])
        composed = _first_derivative(x, g, b, w, op)
    for f, c in zip(fused, composed):
        np.testing.assert_allclose(f.numpy(), c.numpy(), rtol=1e-10, atol=1e-12)


def test_a_large_mean_keeps_float32_precision():
    rng = np.random.default_rng(5)
    x = (1000 + rng.standard_normal((256, 16)) * 0.01).astype(np.float32)
    g, b = np.ones(16, np.float32), np.zeros(16, np.float32)
    y = _C.batch_norm(tg.constant(x), tg.constant(g), tg.constant(b), 0.0)[0].numpy()
    x64 = x.astype(np.float64)
    want = (x64 - x64.mean(0)) / x64.std(0)
    np.testing.assert_allclose(y, want, atol=1e-5)  # (x - mean) would lose 3e-3 here in float32


def test_errors_name_the_offending_values():
    x, g = tg.ones([4, 3]), tg.ones([3])
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\).*got \(2,\)"):
        _C.batch_norm(x, tg.ones([2]), g, EPS)
    with pytest.raises(TypeError, match="float32 or float64, got int32"):
        _C.batch_norm(tg.ones([4, 3], tg.int32), g, g, EPS)
    with pytest.raises(ValueError, match=r"at least one row.*\(0, 3\)"):
        _C.batch_norm(tg.ones([0, 3]), g, g, EPS)
    with pytest.raises(ValueError, match="epsilon must be non-negative, got -1"):
        _C.batch_norm(x, g, g, -1.0)
    with pytest.raises(TypeError, match="beta must have the input's dtype float32, got float64"):
        _C.batch_norm(x, g, tg.ones([3], tg.float64), EPS)


def test_the_keras_layer_trains_on_the_fused_op_as_on_the_composition():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((32, 6, 6, 4)).astype(np.float32)
    layer = keras.layers.BatchNormalization(momentum=0.5)
    with tg.GradientTape() as tape:
        y = layer(x, training=True)
        loss = tg.reduce_sum(y * y * tg.constant(np.arange(4, dtype=np.float32)))
    grads = tape.gradient(loss, [layer.gamma, layer.beta])
    x64 = x.astype(np.float64)
    mean, var = x64.mean((0, 1, 2)), x64.var((0, 1, 2))
    np.testing.assert_allclose(y.numpy(), (x64 - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.5 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.5 + 0.5 * var, rtol=1e-5)
    xhat = (x64 - mean) / np.sqrt(var + 1e-3)
    np.testing.assert_allclose(grads[0].numpy(), (2 * xhat * xhat * np.arange(4)).sum((0, 1, 2)), rtol=1e-4)
    np.testing.assert_allclose(grads[1].numpy(), (2 * xhat * np.arange(4)).sum((0, 1, 2)), atol=1e-3)


@pytest.mark.parametrize("shape", [(16, 5), (4, 7, 6, 3)])
def test_batch_norm_and_its_gradients_match_torch(shape):
    torch = pytest.importorskip("torch")
    x, g, b = _inputs(shape, 8)
    w = np.random.default_rng(9).standard_normal(shape)
    xt, gt, bt = (tg.constant(a) for a in (x, g, b))
    with tg.GradientTape() as tape:
        tape.watch([xt, gt, bt])
        y = _C.batch_norm(xt, gt, bt, EPS)[0]
    ours = [y] + tape.gradient(y, [xt, gt, bt], output_gradients=tg.constant(w))
    # torch's channels are axis 1: move ours (last) there
    to_nc = (0, len(shape) - 1) + tuple(range(1, len(shape) - 1))
    tx = torch.tensor(x.transpose(to_nc), requires_grad=True)
    tg_, tb_ = torch.tensor(g, requires_grad=True), torch.tensor(b, requires_grad=True)
    ty = torch.nn.functional.batch_norm(tx, None, None, tg_, tb_, training=True, eps=EPS)
    dx, dg, db = torch.autograd.grad(ty, [tx, tg_, tb_], torch.tensor(w.transpose(to_nc)))
    back = np.argsort(to_nc)
    theirs = [ty.detach().numpy().transpose(back), dx.numpy().transpose(back), dg.numpy(), db.numpy()]
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), t, rtol=1e-10, atol=1e-10)


def test_layer_normalization_and_its_gradients_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10)
    x = rng.standard_normal((6, 4, 5))
    layer = keras.layers.LayerNormalization(epsilon=EPS, dtype="float64")
    layer.build(x.shape)
    layer.gamma.assign(rng.standard_normal(5))
    layer.beta.assign(rng.standard_normal(5))
    w = rng.standard_normal(x.shape)
    xt = tg.constant(x)
    with tg.GradientTape() as tape:
        tape.watch(xt)
        y = layer(xt)
    ours = [y] + tape.gradient(y, [xt, layer.gamma, layer.beta], output_gradients=tg.constant(w))
    tx = torch.tensor(x, requires_grad=True)
    tg_, tb_ = torch.tensor(layer.gamma.numpy(), requires_grad=True), torch.tensor(layer.beta.numpy(), requires_grad=True)
    ty = torch.nn.functional.layer_norm(tx, (5,), tg_, tb_, eps=EPS)
    theirs = [ty] + list(torch.autograd.grad(ty, [tx, tg_, tb_], torch.tensor(w)))
    for a, t in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("shape", [(7, 3), (4, 5, 6, 8), (9,)])
def test_layer_norm_statistics_are_each_rows_mean_and_rstd(shape, device):
    x, g, b = _inputs(shape, 11)
    y, mean, rstd = _C.layer_norm(*(tg.constant(a).to(device) for a in (x, g, b)), EPS)
    mu, var = x.mean(-1), x.var(-1)
    np.testing.assert_allclose(mean.numpy(), mu, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rstd.numpy(), 1 / np.sqrt(var + EPS), rtol=1e-12)
    np.testing.assert_allclose(y.numpy(), (x - mu[..., None]) / np.sqrt(var[..., None] + EPS) * g + b, rtol=1e-12,
                               atol=1e-12)


def _layer_norm_first_derivative(x, g, b, w):
    return _first_derivative(x, g, b, w, op=_C.layer_norm)


@pytest.mark.parametrize("which,wrt", [(0, [0, 1]), (1, [0])])
def test_layer_norm_second_derivatives_match_finite_differences(which, wrt):
    x, g, b = _inputs((5, 6), 12)
    w = tg.constant(np.random.default_rng(13).standard_normal((5, 6)))
    check_grad(lambda a, gg, bb: _layer_norm_first_derivative(a, gg, bb, w)[which], x, g, b, wrt=wrt, rtol=1e-5,
               atol=1e-7)


def test_layer_norm_keeps_float32_precision_next_to_a_large_mean():
    rng = np.random.default_rng(16)
    x = (1000 + rng.standard_normal((8, 256)) * 0.01).astype(np.float32)
    y = _C.layer_norm(tg.constant(x), tg.ones([256]), tg.zeros([256]), 0.0)[0].numpy()
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(y, (x64 - x64.mean(-1, keepdims=True)) / x64.std(-1, keepdims=True), atol=1e-4)


def test_layer_norm_errors_name_the_offending_values():
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\).*got \(4,\)"):
        _C.layer_norm(tg.ones([2, 3]), tg.ones([4]), tg.ones([3]), EPS)
    with pytest.raises(ValueError, match="epsilon must be non-negative"):
        _C.layer_norm(tg.ones([2, 3]), tg.ones([3]), tg.ones([3]), -0.5)
    with pytest.raises(ValueError, match=r"row statistics must have shape \(2,\)"):
        _C.layer_norm_grad(tg.ones([2, 3]), tg.ones([3]), tg.ones([3]), tg.ones([2]), tg.ones([2, 3]))

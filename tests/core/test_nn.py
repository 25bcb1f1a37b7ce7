"""tg.nn: softmax, log_softmax and the fused cross-entropies against NumPy,
their gradients (finite differences in float64, nested tapes for second
order) and bad input."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import tensorgear as tg

from gradcheck import check_grad


def np_log_softmax(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True)
    return (x - m) - np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))


def np_softmax(x, axis=-1):
    return np.exp(np_log_softmax(x, axis))


def tol(dtype):
    return dict(rtol=2e-6, atol=1e-7) if dtype == "float32" else dict(rtol=1e-12, atol=1e-15)


@st.composite
def logits_case(draw):
    shape = tuple(draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=7)))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    dtype = draw(st.sampled_from(["float32", "float64"]))
    scale = draw(st.sampled_from([1.0, 30.0]))
    seed = draw(st.integers(0, 2**31))
    x = (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)
    return x, axis


@settings(max_examples=100, deadline=None)
@given(logits_case())
def test_softmax_and_log_softmax_match_numpy(case):
    x, axis = case
    ref = x.astype(np.float64)
    s = tg.nn.softmax(x, axis=axis)
    ls = tg.nn.log_softmax(x, axis=axis)
    assert s.dtype.name == str(x.dtype) and s.shape == x.shape
    np.testing.assert_allclose(s.numpy(), np_softmax(ref, axis), **tol(str(x.dtype)))
    np.testing.assert_allclose(ls.numpy(), np_log_softmax(ref, axis), rtol=tol(str(x.dtype))["rtol"],
                               atol=1e-5 if x.dtype == np.float32 else 1e-12)


@pytest.mark.parametrize("shape, axis", [((300, 1000), -1), ((64, 4099), 1), ((40, 300, 70), 1), ((3, 5, 600), 0),
                                         ((2000, 10), 0)])
def test_softmax_large_rows_and_columns(shape, axis):
    """Long rows (vector loops, threads) and middle axes (the column kernel)."""
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32) * 5
    np.testing.assert_allclose(tg.nn.softmax(x, axis=axis).numpy(), np_softmax(x.astype(np.float64), axis),
                               rtol=2e-6, atol=1e-8)
    np.testing.assert_allclose(tg.nn.log_softmax(x, axis=axis).numpy(), np_log_softmax(x.astype(np.float64), axis),
                               rtol=2e-6, atol=2e-5)


def test_softmax_of_strided_input_and_default_axis():
    x = np.random.default_rng(1).standard_normal((6, 5))
    t = tg.transpose(tg.constant(x))
    np.testing.assert_allclose(tg.nn.softmax(t).numpy(), np_softmax(x.T), rtol=1e-12)
    np.testing.assert_allclose(tg.nn.softmax(t, axis=None).numpy(), np_softmax(x.T), rtol=1e-12)
    np.testing.assert_allclose(tg.nn.log_softmax(t, 0).numpy(), np_log_softmax(x.T, 0), rtol=1e-12)


def test_softmax_is_stable():
    x = np.array([[1000.0, 1000.0, -1000.0], [-1e30, 0.0, 1e30]], np.float32)
    s = tg.nn.softmax(x).numpy()
    np.testing.assert_allclose(s, [[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    ls = tg.nn.log_softmax(x).numpy()
    np.testing.assert_allclose(ls[0, :2], [-np.log(2)] * 2, rtol=1e-6)
    assert np.isnan(tg.nn.softmax(np.array([1.0, np.nan])).numpy()).all()


# ---- cross-entropies ------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("label_dtype", ["int32", "int64"])
@pytest.mark.parametrize("shape", [(7, 3), (128, 10), (5, 2000), (2, 3, 4), (1, 1)])
def test_sparse_softmax_cross_entropy(dtype, label_dtype, shape):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(shape) * 4).astype(dtype)
    labels = rng.integers(0, shape[-1], size=shape[:-1]).astype(label_dtype)
    loss = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=x)
    assert loss.shape == shape[:-1] and loss.dtype.name == dtype
    ref = -np.take_along_axis(np_log_softmax(x.astype(np.float64)), labels[..., None].astype(np.int64), -1)[..., 0]
    np.testing.assert_allclose(loss.numpy(), ref, rtol=tol(dtype)["rtol"] * 2, atol=1e-6 if dtype == "float32" else 1e-13)
    # positional, as TF allows
    np.testing.assert_allclose(tg.nn.sparse_softmax_cross_entropy_with_logits(labels, x).numpy(), loss.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, axis", [((7, 3), -1), ((128, 10), 1), ((4, 5, 6), 1), ((6, 4), 0), ((3, 2000), -1)])
def test_softmax_cross_entropy(dtype, shape, axis):
    rng = np.random.default_rng(3)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    z = rng.random(shape).astype(dtype)
    z /= z.sum(axis=axis, keepdims=True)
    loss = tg.nn.softmax_cross_entropy_with_logits(labels=z, logits=x, axis=axis)
    ref = -np.sum(z.astype(np.float64) * np_log_softmax(x.astype(np.float64), axis), axis=axis)
    np.testing.assert_allclose(loss.numpy(), ref, rtol=tol(dtype)["rtol"] * 4, atol=1e-6 if dtype == "float32" else 1e-13)
    v2 = tg.nn.softmax_cross_entropy_with_logits_v2(labels=z, logits=x, axis=axis)
    np.testing.assert_array_equal(v2.numpy(), loss.numpy())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_cross_entropy(dtype):
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.standard_normal(1000) * 5, [-100.0, -30.0, 0.0, 30.0, 100.0, 1e-8, -1e-8]]).astype(dtype)
    z = rng.random(x.shape).astype(dtype)
    got = tg.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x).numpy()
    xd, zd = x.astype(np.float64), z.astype(np.float64)
    ref = np.maximum(xd, 0) - xd * zd + np.log1p(np.exp(-np.abs(xd)))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, ref, rtol=tol(dtype)["rtol"] * 2, atol=1e-6 if dtype == "float32" else 1e-14)
    # integer labels are converted to the logits' dtype
    np.testing.assert_allclose(tg.nn.sigmoid_cross_entropy_with_logits(labels=[1, 0], logits=x[:2]).numpy(),
                               np.maximum(xd[:2], 0) - xd[:2] * [1, 0] + np.log1p(np.exp(-np.abs(xd[:2]))), rtol=1e-5)


def test_cross_entropy_of_extreme_logits_is_finite():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], np.float32)
    loss = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 2], logits=x).numpy()
    np.testing.assert_allclose(loss, [0.0, np.log(3)], rtol=1e-6, atol=1e-6)
    dense = tg.nn.softmax_cross_entropy_with_logits(labels=[[0.0, 1.0, 0.0]], logits=x[:1]).numpy()
    np.testing.assert_allclose(dense, [2e4], rtol=1e-6)


# ---- gradients ----------------------------------------------------------------------

@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_gradients(axis):
    x = np.random.default_rng(5).standard_normal((3, 4, 5))
    check_grad(lambda t: tg.nn.softmax(t, axis=axis), x)
    check_grad(lambda t: tg.nn.log_softmax(t, axis=axis), x)


@pytest.mark.parametrize("shape", [(4, 5), (2, 3, 4)])
def test_sparse_cross_entropy_gradient(shape):
    rng = np.random.default_rng(6)
    x = rng.standard_normal(shape)
    labels = rng.integers(0, shape[-1], size=shape[:-1])
    check_grad(lambda t: tg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=t), x)
    # labels are not differentiable
    t = tg.constant(x)
    lab = tg.constant(labels)
    with tg.GradientTape() as tape:
        tape.watch(t)
        tape.watch(lab)
        loss = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=t)
    gx, gl = tape.gradient(loss, [t, lab])
    assert gl is None
    p = np_softmax(x)
    onehot = np.eye(shape[-1])[labels]
    np.testing.assert_allclose(gx.numpy(), p - onehot, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("axis", [-1, 0])
def test_softmax_cross_entropy_gradients_both_arguments(axis):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((4, 5))
    z = rng.random((4, 5))  # deliberately not normalised: the gradient is exact anyway
    check_grad(lambda lab, t: tg.nn.softmax_cross_entropy_with_logits(labels=lab, logits=t, axis=axis), z, x)


def test_sigmoid_cross_entropy_gradients_both_arguments():
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 4)) * 3
    z = rng.random((3, 4))
    check_grad(lambda lab, t: tg.nn.sigmoid_cross_entropy_with_logits(labels=lab, logits=t), z, x)


def test_cross_entropy_through_a_mean_loss():
    """Keras-style: mean over the batch; the upstream gradient is a broadcast view."""
    rng = np.random.default_rng(9)
    x = rng.standard_normal((8, 6))
    labels = rng.integers(0, 6, size=8)
    check_grad(lambda t: tg.reduce_mean(tg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=t)), x)


def hvp_by_tapes(f, args, wrt, v):
    """Hessian-vector product of the scalar f(*args) w.r.t. args[wrt], by nested tapes."""
    ts = [tg.constant(a) for a in args]
    with tg.GradientTape() as outer:
        outer.watch(ts[wrt])
        with tg.GradientTape() as inner:
            inner.watch(ts[wrt])
            y = f(*ts)
        g = inner.gradient(y, ts[wrt])
        gv = tg.reduce_sum(g * tg.constant(v))
    return outer.gradient(gv, ts[wrt]).numpy()


def hvp_by_differences(f, args, wrt, v, eps=1e-5):
    """The same from central differences of the (tape) gradient."""
    def grad_at(a):
        ts = [tg.constant(x) for x in args]
        ts[wrt] = tg.constant(a)
        with tg.GradientTape() as tape:
            tape.watch(ts[wrt])
            y = f(*ts)
        return tape.gradient(y, ts[wrt]).numpy()
    a = args[wrt]
    return (grad_at(a + eps * v) - grad_at(a - eps * v)) / (2 * eps)


SECOND_ORDER = {
    "softmax": (lambda w: (lambda x: tg.reduce_sum(tg.nn.softmax(x) * w)), 0),
    "softmax_axis0": (lambda w: (lambda x: tg.reduce_sum(tg.nn.softmax(x, axis=0) * w)), 0),
    "log_softmax": (lambda w: (lambda x: tg.reduce_sum(tg.nn.log_softmax(x) * w)), 0),
    "logsumexp": (lambda w: (lambda x: tg.reduce_sum(tg.reduce_logsumexp(x, axis=-1) * w[:, 0])), 0),
    "sparse_xent": (lambda w: (lambda x: tg.reduce_sum(
        tg.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 2, 1], logits=x) * w[:, 0])), 0),
    "dense_xent_logits": (lambda w: (lambda x, z: tg.reduce_sum(
        tg.nn.softmax_cross_entropy_with_logits(labels=z, logits=x) * w[:, 0])), 0),
    "dense_xent_labels_logits": (lambda w: (lambda z, x: tg.reduce_sum(
        tg.nn.softmax_cross_entropy_with_logits(labels=z, logits=x) ** 2 * w[:, 0])), 0),
    "sigmoid_xent": (lambda w: (lambda x, z: tg.reduce_sum(
        tg.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x) * w)), 0),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER))
def test_second_order_through_nested_tapes(name):
    rng = np.random.default_rng(10)
    x = rng.standard_normal((3, 4))
    z = rng.random((3, 4))
    w = tg.constant(rng.standard_normal((3, 4)))
    make, wrt = SECOND_ORDER[name]
    f = make(w)
    nargs = f.__code__.co_argcount
    args = [x, z][:nargs] if "labels_logits" not in name else [z, x]
    v = rng.standard_normal(args[wrt].shape)
    np.testing.assert_allclose(hvp_by_tapes(f, args, wrt, v), hvp_by_differences(f, args, wrt, v),
                               rtol=1e-6, atol=1e-8)


def test_second_order_through_the_fused_backward_wrt_logits_and_upstream():
    """The fused sparse backward is itself differentiable: a gradient penalty
    ||d loss / d logits||^2 has the right gradient."""
    rng = np.random.default_rng(11)
    x0 = rng.standard_normal((3, 4))
    labels = [1, 0, 3]

    def penalty(a):
        t = tg.constant(a)
        with tg.GradientTape() as outer:
            outer.watch(t)
            with tg.GradientTape() as inner:
                inner.watch(t)
                loss = tg.reduce_sum(tg.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=t) * 1.5)
            g = inner.gradient(loss, t)
            pen = tg.reduce_sum(g * g)
        return float(pen), outer.gradient(pen, t).numpy()

    _, grad = penalty(x0)
    eps = 1e-6
    num = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        d = np.zeros_like(x0)
        d[i] = eps
        num[i] = (penalty(x0 + d)[0] - penalty(x0 - d)[0]) / (2 * eps)
    np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-9)


# ---- bad input --------------------------------------------------------------------

def test_sparse_labels_out_of_range():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(IndexError, match=r"label value of 4 .*\[0, 4\).*4 classes"):
        tg.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 4, 1], logits=x)
    with pytest.raises(IndexError, match=r"label value of -1"):
        tg.nn.sparse_softmax_cross_entropy_with_logits(labels=np.array([0, -1, 1], np.int32), logits=x)


def test_sparse_rank_and_shape_mismatch():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match=r"labels of shape \(3, 1\) do not match logits of shape \(3, 4\)"):
        tg.nn.sparse_softmax_cross_entropy_with_logits(labels=np.zeros((3, 1), np.int64), logits=x)
    with pytest.raises(ValueError, match=r"labels of shape \(2,\) do not match logits of shape \(3, 4\)"):
        tg.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 1], logits=x)
    with pytest.raises(ValueError, match=r"rank >= 1"):
        tg.nn.sparse_softmax_cross_entropy_with_logits(labels=0, logits=1.0)


def test_bad_dtypes():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(TypeError, match=r"labels must be integer class ids.*float32"):
        tg.nn.sparse_softmax_cross_entropy_with_logits(labels=np.zeros(3, np.float32), logits=x)
    with pytest.raises(TypeError, match=r"logits must be float32 or float64, got int64"):
        tg.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 1, 2], logits=np.zeros((3, 4), np.int64))
    with pytest.raises(TypeError, match=r"softmax: logits must be float32 or float64, got int32"):
        tg.nn.softmax(np.zeros(3, np.int32))
    with pytest.raises(TypeError, match=r"sigmoid_cross_entropy_with_logits: logits must be float"):
        tg.nn.sigmoid_cross_entropy_with_logits(labels=[1], logits=[1])


def test_dense_shape_mismatch_and_bad_axis():
    x = np.zeros((3, 4), np.float32)
    with pytest.raises(ValueError, match=r"labels \(3, 3\) and logits \(3, 4\)"):
        tg.nn.softmax_cross_entropy_with_logits(labels=np.zeros((3, 3), np.float32), logits=x)
    with pytest.raises(ValueError, match=r"labels \(4,\) and logits \(4, 1\)"):
        tg.nn.sigmoid_cross_entropy_with_logits(labels=np.zeros(4), logits=np.zeros((4, 1)))
    with pytest.raises(IndexError, match=r"axis 2 is out of range for a tensor of rank 2"):
        tg.nn.softmax_cross_entropy_with_logits(labels=x, logits=x, axis=2)
    with pytest.raises(IndexError, match=r"softmax: axis -3 is out of range for a tensor of rank 2"):
        tg.nn.softmax(x, axis=-3)
    with pytest.raises(ValueError, match=r"log_softmax: axis -1 is out of range for logits of rank 0"):
        tg.nn.log_softmax(1.0)


def test_empty_inputs():
    assert tg.nn.softmax(np.zeros((0, 3), np.float32)).shape == (0, 3)
    assert tg.nn.softmax(np.zeros((3, 0), np.float32)).shape == (3, 0)
    loss = tg.nn.sparse_softmax_cross_entropy_with_logits(labels=np.zeros(0, np.int64), logits=np.zeros((0, 5)))
    assert loss.shape == (0,)
    with pytest.raises(IndexError, match=r"0 classes"):
        tg.nn.sparse_softmax_cross_entropy_with_logits(labels=[0], logits=np.zeros((1, 0)))


def test_nn_namespace_exports():
    for name in ("relu", "sigmoid", "tanh", "softplus", "softmax", "log_softmax",
                 "sparse_softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
                 "softmax_cross_entropy_with_logits_v2", "sigmoid_cross_entropy_with_logits"):
        assert callable(getattr(tg.nn, name)), name


# ---- dropout ------------------------------------------------------------------------

def test_dropout_keeps_expected_fraction_scaled():
    x = tg.ones((400, 250))
    y = tg.nn.dropout(x, rate=0.3, seed=7).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    assert tg.nn.dropout(x, rate=0.0) is x or np.array_equal(tg.nn.dropout(x, rate=0.0).numpy(), x.numpy())


def test_dropout_gradient_is_the_mask():
    x = tg.constant(np.random.default_rng(0).standard_normal((50, 20)))
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.nn.dropout(x, rate=0.5, seed=1)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g, np.where(y.numpy() != 0, 2.0, 0.0))
    assert y.dtype == "float64"


def test_dropout_bad_arguments():
    with pytest.raises(ValueError, match="rate"):
        tg.nn.dropout(tg.ones((2,)), rate=1.0)
    with pytest.raises(ValueError, match="rate"):
        tg.nn.dropout(tg.ones((2,)), rate=-0.1)
    with pytest.raises(TypeError, match="dtype"):
        tg.nn.dropout(tg.constant([1, 2]), rate=0.5)
    with pytest.raises(ValueError, match="noise_shape"):
        tg.nn.dropout(tg.ones((2, 3)), rate=0.5, noise_shape=(2,))


@pytest.mark.parametrize("shape,data_format", [((4, 3), None), ((2, 5, 6, 3), "NHWC"), ((2, 3, 5, 6), "NCHW"),
                                               ((2, 3, 7), "NCW"), ((2, 3), "NCHW")])
def test_bias_add_matches_numpy_and_its_gradient(shape, data_format):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    channels = shape[1] if data_format and data_format.startswith("NC") else shape[-1]
    b = rng.standard_normal(channels)
    want = x + (b.reshape([-1] + [1] * (len(shape) - 2)) if data_format and data_format.startswith("NC") else b)
    np.testing.assert_allclose(tg.nn.bias_add(x, b, data_format=data_format).numpy(), want, rtol=1e-15)
    check_grad(lambda t, u: tg.nn.bias_add(t, u, data_format=data_format), x, b)


def test_bias_add_errors_name_the_offending_values():
    with pytest.raises(ValueError, match=r"bias of shape \(4,\) does not match the 3 channels of value of shape \(2, 3\)"):
        tg.nn.bias_add(np.ones((2, 3)), np.ones(4))
    with pytest.raises(ValueError, match=r"bias must be 1-D, got shape \(1, 3\)"):
        tg.nn.bias_add(np.ones((2, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"at least 2-D, got shape \(3,\)"):
        tg.nn.bias_add(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="data_format must start with 'N'"):
        tg.nn.bias_add(np.ones((2, 3)), np.ones(3), data_format="HWC")

"""Convolution and pooling (tg.nn.conv2d, conv1d, convolution, depthwise_conv2d,
conv2d_transpose, max_pool2d, avg_pool2d, max_pool, avg_pool) against
PyTorch's functional ops when torch is installed (skipped otherwise), the
TensorFlow argument forms, and the typed errors.

PyTorch is channels-first with symmetric padding: the inputs are transposed,
TensorFlow's asymmetric "SAME" padding is applied beforehand (with -inf for
max pooling), and the average pool's divisor (padding not counted) is taken
from pooling a tensor of ones."""

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import _C

import conv_reference

torch = pytest.importorskip("torch")
F = torch.nn.functional

DEVICES = ["CPU:0"] + [f"GPU:{i}" for i in range(_C.cuda_device_count())]


def _rand(shape, seed, dtype="float64"):
    return np.random.default_rng(seed).uniform(-2, 2, size=shape).astype(dtype)


def _nchw(a):
    return torch.from_numpy(np.ascontiguousarray(np.transpose(a, (0, 3, 1, 2))))


def _nhwc(t):
    return np.transpose(t.detach().numpy(), (0, 2, 3, 1))


def _oihw(w):
    return torch.from_numpy(np.ascontiguousarray(np.transpose(w, (3, 2, 0, 1))))


def _torch_pad(x, pads, value=0.0):
    top, bottom, left, right = pads
    return F.pad(x, (left, right, top, bottom), value=value)


def _torch_conv(x, w, strides, pads, dilations):
    """x NHWC, w HWIO (NumPy) -> (output NHWC, d/dx, d/dw) of sum(output * seed weights)."""
    tx, tw = _nchw(x).requires_grad_(), _oihw(w).requires_grad_()
    groups = x.shape[3] // w.shape[2]
    y = F.conv2d(_torch_pad(tx, pads), tw, stride=strides, dilation=dilations, groups=groups)
    g = torch.from_numpy(_rand(tuple(y.shape), 9, x.dtype))
    (y * g).sum().backward()
    return _nhwc(y), _nhwc(tx.grad), np.transpose(tw.grad.numpy(), (2, 3, 1, 0)), _nhwc(g)


CONV_CASES = [  # (input, filter, strides, padding, dilations)
    ((2, 9, 8, 3), (3, 3, 3, 5), (1, 1), "VALID", (1, 1)),
    ((2, 9, 8, 3), (3, 3, 3, 5), (1, 1), "SAME", (1, 1)),
    ((3, 12, 11, 4), (3, 2, 4, 6), (2, 3), "SAME", (1, 1)),
    ((2, 13, 10, 4), (3, 3, 4, 4), (1, 1), "SAME", (2, 3)),       # dilation
    ((2, 11, 10, 6), (3, 3, 2, 9), (2, 2), "VALID", (1, 1)),      # 3 groups
    ((2, 10, 10, 8), (3, 3, 1, 16), (1, 1), "SAME", (1, 1)),      # depthwise (groups == C), multiplier 2
    ((2, 9, 9, 8), (3, 3, 1, 8), (2, 2), "SAME", (1, 1)),         # depthwise, multiplier 1
    ((2, 9, 10, 5), (3, 2, 1, 5), (1, 2), "VALID", (2, 1)),       # depthwise with dilation
    ((2, 7, 9, 16), (1, 1, 16, 8), (1, 1), "VALID", (1, 1)),      # pointwise
    ((2, 8, 8, 3), (2, 4, 3, 4), (2, 1), (1, 2, 0, 3), (1, 1)),   # explicit padding
    ((64, 28, 28, 1), (3, 3, 1, 32), (1, 1), "VALID", (1, 1)),    # the book's convnet layers
    ((64, 13, 13, 32), (3, 3, 32, 64), (1, 1), "VALID", (1, 1)),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: f"{c[0]}x{c[1]}-s{c[2]}-{c[3]}-d{c[4]}")
def test_conv2d_and_its_gradients_match_torch(case, dtype, device):
    xs, ws, strides, padding, dil = case
    x, w = _rand(xs, 0, dtype), _rand(ws, 1, dtype)
    pads = conv_reference.resolve(padding, xs, ws[:2], strides, dil)
    y_ref, dx_ref, dw_ref, g = _torch_conv(x, w, strides, pads, dil)
    tx, tw = tg.constant(x).to(device), tg.constant(w).to(device)
    with tg.GradientTape() as tape:
        tape.watch([tx, tw])
        y = tg.nn.conv2d(tx, tw, strides=list(strides), padding=padding if isinstance(padding, str) else
                         [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]], dilations=list(dil))
    dx, dw = tape.gradient(y, [tx, tw], output_gradients=tg.constant(g).to(device))
    tol = dict(rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(y_ref).max()))) if dtype == "float32" else \
        dict(rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(y.numpy(), y_ref, **tol)
    np.testing.assert_allclose(dx.numpy(), dx_ref, **tol)
    dw_tol = dict(tol, atol=tol["atol"] * max(1.0, float(np.abs(dw_ref).max())))
    np.testing.assert_allclose(dw.numpy(), dw_ref, **dw_tol)


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("strides", [(1, 1), (2, 2), (3, 2)])
def test_conv2d_transpose_matches_torch(strides, padding):
    xs, ws = (2, 11, 10, 4), (3, 3, 4, 6)  # the forward conv's input and filter
    pads = conv_reference.resolve(padding, xs, ws[:2], strides)
    oh = conv_reference.out_size(xs[1], 3, strides[0], 1, pads[0], pads[1])
    ow = conv_reference.out_size(xs[2], 3, strides[1], 1, pads[2], pads[3])
    dy, w = _rand((2, oh, ow, 6), 0), _rand(ws, 1)
    full = F.conv_transpose2d(_nchw(dy), _oihw(w), stride=strides)
    # Crop TensorFlow's padding off the full transposed output (rows past its end get nothing).
    full = F.pad(full, (0, max(0, pads[2] + xs[2] - full.shape[3]), 0, max(0, pads[0] + xs[1] - full.shape[2])))
    expected = _nhwc(full[:, :, pads[0]:pads[0] + xs[1], pads[2]:pads[2] + xs[2]])
    got = tg.nn.conv2d_transpose(dy, w, output_shape=list(xs), strides=list(strides), padding=padding)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-10, atol=1e-10)
    # NCHW in and out.
    got_nchw = tg.nn.conv2d_transpose(np.transpose(dy, (0, 3, 1, 2)), w, output_shape=[2, 4, 11, 10],
                                      strides=[1, 1, *strides], padding=padding, data_format="NCHW")
    np.testing.assert_allclose(got_nchw.numpy(), np.transpose(expected, (0, 3, 1, 2)), rtol=1e-10, atol=1e-10)


POOL_CASES = [  # (input, ksize, strides, padding)
    ((2, 8, 8, 3), (2, 2), (2, 2), "VALID"),
    ((2, 9, 7, 3), (2, 2), (2, 2), "SAME"),
    ((2, 9, 7, 5), (3, 3), (1, 1), "SAME"),
    ((2, 10, 9, 4), (3, 2), (2, 3), "SAME"),
    ((3, 11, 12, 2), (3, 3), (2, 2), "VALID"),
    ((64, 26, 26, 32), (2, 2), (2, 2), "VALID"),  # the book's convnet
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", POOL_CASES, ids=lambda c: f"{c[0]}-k{c[1]}-s{c[2]}-{c[3]}")
def test_pooling_and_its_gradients_match_torch(case, dtype, device):
    xs, k, strides, padding = case
    x = _rand(xs, 0, dtype)
    pads = conv_reference.resolve(padding, xs, k, strides)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    # max: padding is -inf, never the maximum
    tx = _nchw(x).requires_grad_()
    y_max = F.max_pool2d(_torch_pad(tx, pads, -np.inf), k, strides)
    g = torch.from_numpy(_rand(tuple(y_max.shape), 5, dtype))
    (y_max * g).sum().backward()
    # avg: the sum of each window over the count of its positions inside the input
    tx2 = _nchw(x).requires_grad_()
    ones = torch.ones((1, 1) + xs[1:3], dtype=tx2.dtype)
    counts = F.avg_pool2d(_torch_pad(ones, pads), k, strides, divisor_override=1)
    y_avg = F.avg_pool2d(_torch_pad(tx2, pads), k, strides, divisor_override=1) / counts
    (y_avg * g).sum().backward()

    t = tg.constant(x).to(device)
    with tg.GradientTape(persistent=True) as tape:
        tape.watch(t)
        m = tg.nn.max_pool2d(t, list(k), list(strides), padding)
        a = tg.nn.avg_pool2d(t, list(k), list(strides), padding)
    seed = tg.constant(_nhwc(g)).to(device)
    np.testing.assert_allclose(m.numpy(), _nhwc(y_max), **tol)
    np.testing.assert_allclose(a.numpy(), _nhwc(y_avg), **tol)
    np.testing.assert_allclose(tape.gradient(m, t, output_gradients=seed).numpy(), _nhwc(tx.grad), **tol)
    np.testing.assert_allclose(tape.gradient(a, t, output_gradients=seed).numpy(), _nhwc(tx2.grad), **tol)


def test_max_pool_gradient_goes_to_the_first_maximum():
    """Ties: TensorFlow's CPU MaxPoolGrad keeps the first maximum in row-major order."""
    x = np.array([[1, 3, 3, 0], [3, 2, 1, 1], [0, 0, 5, 5], [0, 0, 5, 5]], dtype=np.float64)[None, :, :, None]
    t = tg.constant(x)
    with tg.GradientTape() as tape:
        tape.watch(t)
        y = tg.nn.max_pool2d(t, 2, 2, "VALID")
    dx = tape.gradient(y, t, output_gradients=tg.constant(np.array([[10.0, 20.0], [30.0, 40.0]])[None, :, :, None]))
    expected = np.zeros((4, 4))
    expected[0, 1] = 10  # 3 at (0, 1) before 3 at (1, 0)
    expected[0, 2] = 20  # 3 at (0, 2) before the rest
    expected[2, 2] = 40  # four equal maxima: the first
    np.testing.assert_array_equal(y.numpy()[0, :, :, 0], [[3, 3], [0, 5]])
    expected[2, 0] = 30  # all zero: the first
    np.testing.assert_array_equal(dx.numpy()[0, :, :, 0], expected)


def test_depthwise_conv2d_is_conv2d_with_one_group_per_channel():
    x, w = _rand((2, 7, 6, 3), 0), _rand((3, 3, 3, 2), 1)  # multiplier 2
    got = tg.nn.depthwise_conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME")
    expected = F.conv2d(F.pad(_nchw(x), (1, 1, 1, 1)), _oihw(w.reshape(3, 3, 1, 6)), groups=3)
    np.testing.assert_allclose(got.numpy(), _nhwc(expected), rtol=1e-10, atol=1e-10)


def test_conv1d_convolution_and_data_formats():
    x, w = _rand((2, 11, 3), 0), _rand((3, 3, 4), 1)  # NWC, [KW, C, O]
    expected = F.conv1d(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1))),
                        torch.from_numpy(np.ascontiguousarray(w.transpose(2, 1, 0))), stride=2).numpy()
    np.testing.assert_allclose(tg.nn.conv1d(x, w, stride=2, padding="VALID").numpy(), expected.transpose(0, 2, 1),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(tg.nn.convolution(x, w, strides=2).numpy(), expected.transpose(0, 2, 1),
                               rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(tg.nn.conv1d(x.transpose(0, 2, 1), w, stride=2, padding="VALID",
                                            data_format="NCW").numpy(), expected, rtol=1e-10, atol=1e-10)
    x4, w4 = _rand((2, 8, 9, 3), 2), _rand((3, 3, 3, 5), 3)
    nhwc = tg.nn.conv2d(x4, w4, strides=1, padding="SAME").numpy()
    nchw = tg.nn.conv2d(x4.transpose(0, 3, 1, 2), w4, strides=[1, 1, 1, 1], padding="SAME", data_format="NCHW")
    np.testing.assert_allclose(nchw.numpy(), nhwc.transpose(0, 3, 1, 2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.nn.convolution(x4, w4, padding="SAME").numpy(), nhwc, rtol=1e-12, atol=1e-12)
    # pooling by rank, 1-D through the 2-D kernels
    m1 = tg.nn.max_pool(x, 2, 2, "VALID").numpy()
    np.testing.assert_allclose(m1, F.max_pool1d(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1))), 2, 2)
                               .numpy().transpose(0, 2, 1))
    a1 = tg.nn.avg_pool1d(x, 3, 1, "VALID").numpy()
    np.testing.assert_allclose(a1, F.avg_pool1d(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1))), 3, 1)
                               .numpy().transpose(0, 2, 1), rtol=1e-12)
    np.testing.assert_allclose(tg.nn.avg_pool(x4, [1, 2, 2, 1], [1, 2, 2, 1], "SAME").numpy(),
                               tg.nn.avg_pool2d(x4, 2, 2, "SAME").numpy())
    np.testing.assert_allclose(tg.nn.max_pool2d(x4.transpose(0, 3, 1, 2), 2, 2, "VALID", data_format="NCHW").numpy(),
                               tg.nn.max_pool2d(x4, 2, 2, "VALID").numpy().transpose(0, 3, 1, 2))


def test_strided_and_transposed_inputs_are_read_correctly():
    x, w = _rand((2, 9, 8, 6), 0), _rand((3, 3, 3, 4), 1)
    base = tg.constant(x)
    view = base[:, ::2, :, ::2]  # rows and channels stepped
    expected = conv_reference.conv2d(x[:, ::2, :, ::2], w, (1, 1), (1, 1, 1, 1))
    np.testing.assert_allclose(tg.nn.conv2d(view, w, 1, "SAME").numpy(), expected, rtol=1e-12, atol=1e-12)
    wt = tg.transpose(tg.constant(np.ascontiguousarray(w.transpose(3, 2, 1, 0))), [3, 2, 1, 0])
    np.testing.assert_allclose(tg.nn.conv2d(view, wt, 1, "SAME").numpy(), expected, rtol=1e-12, atol=1e-12)


def test_second_order_gradient_through_conv2d():
    """d/dw of |d conv2d(x, w) / dx|^2: the backprop ops' own rules (checked by finite differences)."""
    from gradcheck import check_grad

    x = _rand((1, 5, 5, 2), 0)

    def input_grad_norm(w):
        t = tg.constant(x)
        with tg.GradientTape() as inner:
            inner.watch(t)
            y = tg.nn.conv2d(t, w, 1, "SAME")
            loss = tg.reduce_sum(y * y)
        g = inner.gradient(loss, t)
        return g * g

    check_grad(input_grad_norm, _rand((3, 3, 2, 3), 1), rtol=1e-5, atol=1e-7)


# ---- errors -----------------------------------------------------------------------------

def test_shape_dtype_and_argument_errors_name_the_offending_values():
    x, w = np.zeros((2, 5, 5, 4), np.float32), np.zeros((3, 3, 4, 6), np.float32)
    with pytest.raises(ValueError, match=r"rank 4.*\(5, 5, 4\)"):
        tg.nn.conv2d(x[0], w, 1, "VALID")
    with pytest.raises(ValueError, match=r"filter must have rank 4.*\(3, 4, 6\)"):
        _C.conv2d(x, w[0], 1, "VALID")
    with pytest.raises(ValueError, match=r"4 channels are not a multiple of the filter's 3 input channels"):
        tg.nn.conv2d(x, np.zeros((3, 3, 3, 6), np.float32), 1, "VALID")
    with pytest.raises(ValueError, match=r"5 output channels are not a multiple of the 2 groups"):
        tg.nn.conv2d(x, np.zeros((3, 3, 2, 5), np.float32), 1, "VALID")
    with pytest.raises(ValueError, match=r"height window \(7 with dilation 1, spanning 7\) does not fit the input's "
                                         r"height 5"):
        tg.nn.conv2d(x, np.zeros((7, 3, 4, 6), np.float32), 1, "VALID")
    with pytest.raises(ValueError, match=r"spanning 9"):
        tg.nn.conv2d(x, w, 1, "VALID", dilations=4)
    with pytest.raises(ValueError, match=r"strides must be >= 1, got \(0, 1\)"):
        tg.nn.conv2d(x, w, [0, 1], "VALID")
    with pytest.raises(ValueError, match=r"padding must be 'VALID', 'SAME'.*'FULL'"):
        tg.nn.conv2d(x, w, 1, "FULL")
    with pytest.raises(ValueError, match=r"batch and channel dimensions must be 1"):
        tg.nn.conv2d(x, w, [2, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match=r"explicit padding along the batch and channel dimensions must be 0"):
        tg.nn.conv2d(x, w, 1, [[1, 1], [0, 0], [0, 0], [0, 0]])
    with pytest.raises(ValueError, match=r"data_format"):
        tg.nn.conv2d(x, w, 1, "VALID", data_format="NWHC")
    with pytest.raises(TypeError, match=r"must have the same dtype, got float32 and float64"):
        tg.nn.conv2d(x, w.astype(np.float64), 1, "VALID")
    with pytest.raises(TypeError, match=r"float32 or float64, got int32"):
        tg.nn.conv2d(x.astype(np.int32), w.astype(np.int32), 1, "VALID")
    with pytest.raises(ValueError, match=r"output gradient has shape \(2, 4, 4, 6\), expected \(2, 3, 3, 6\)"):
        _C.conv2d_backprop_input([2, 5, 5, 4], w, np.zeros((2, 4, 4, 6), np.float32), 1, "VALID")
    with pytest.raises(ValueError, match=r"output gradient has shape"):
        _C.conv2d_backprop_filter(x, [3, 3, 4, 6], np.zeros((2, 3, 3, 5), np.float32), 1, "VALID")
    with pytest.raises(ValueError, match=r"ksize must be >= 1"):
        tg.nn.max_pool2d(x, 0, 1, "VALID")
    with pytest.raises(ValueError, match=r"window \(6 with dilation 1, spanning 6\) does not fit"):
        tg.nn.avg_pool2d(x, 6, 1, "VALID")
    with pytest.raises(ValueError, match=r"padding must be smaller than the window"):
        _C.max_pool2d(x, 2, 1, (2, 0, 0, 0))
    with pytest.raises(ValueError, match=r"output gradient has shape"):
        _C.max_pool2d_grad(x, np.zeros((2, 2, 2, 4), np.float32), 2, 1, "VALID")
    with pytest.raises(TypeError, match=r"float32 or float64, got int64"):
        tg.nn.max_pool2d(x.astype(np.int64), 2, 2, "VALID")
    with pytest.raises(NotImplementedError, match=r"3-D"):
        tg.nn.convolution(np.zeros((1, 2, 2, 2, 1), np.float32), np.zeros((1, 1, 1, 1, 1), np.float32))


def test_empty_batch():
    w = np.ones((3, 3, 2, 4))
    x = tg.zeros([0, 5, 5, 2], tg.float64)
    with tg.GradientTape() as tape:
        tape.watch(x)
        tw = tg.constant(w)
        tape.watch(tw)
        y = tg.nn.conv2d(x, tw, 1, "SAME")
    assert tuple(y.shape) == (0, 5, 5, 4)
    dw = tape.gradient(y, tw)
    np.testing.assert_array_equal(dw.numpy(), np.zeros_like(w))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("ksize,strides,shape", [((2, 2), (2, 2), (3, 6, 8, 37)),    # tiled windows
                                                 ((2, 2), (3, 3), (2, 7, 8, 5)),     # gaps between windows
                                                 ((2, 3), (2, 3), (2, 7, 7, 9)),     # rows left over
                                                 ((3, 3), (2, 2), (2, 7, 7, 5))])    # overlapping windows
def test_max_pool_grad_ties_go_to_the_first_maximum(ksize, strides, shape, dtype, device):
    """Values from a set of three, so most windows hold ties; a NaN first in its
    window takes the gradient, a NaN later in the window is not a candidate."""
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, shape).astype(dtype)
    dy_shape = (shape[0], (shape[1] - ksize[0]) // strides[0] + 1, (shape[2] - ksize[1]) // strides[1] + 1, shape[3])
    dy = rng.uniform(1, 2, dy_shape).astype(dtype)
    got = _C.max_pool2d_grad(tg.constant(x).to(device), tg.constant(dy).to(device), ksize, strides, "VALID")
    np.testing.assert_array_equal(got.numpy(),
                                  conv_reference.max_pool2d_grad(x, dy, ksize, strides, (0, 0, 0, 0)).astype(dtype))
    xn = np.ones((1, 2, 4, 1), dtype)
    xn[0, 0, 0, 0] = np.nan        # first in window 0: the window's maximum is NaN, dy goes there
    xn[0, 1, 3, 0] = np.nan        # last in window 1: the maximum is 1, dy goes to the first 1
    dyn = np.array([[[[3.0], [5.0]]]], dtype)
    got = _C.max_pool2d_grad(tg.constant(xn).to(device), tg.constant(dyn).to(device), 2, 2, "VALID").numpy()
    np.testing.assert_array_equal(got[0, :, :, 0], np.array([[3, 0, 5, 0], [0, 0, 0, 0]], dtype))


@pytest.mark.parametrize("device", DEVICES)
def test_second_derivative_through_max_pool_is_the_window_maximum_gather(device):
    # d/dw of <v, d<w, max_pool(x)>/dx> is v at each window's first maximum (TF's MaxPoolGradGrad);
    # before it was an op, the outer tape saw no path and returned None.
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 6, 7, 3))
    w = tg.constant(rng.standard_normal((2, 3, 4, 3))).to(device)
    v = rng.standard_normal(x.shape)
    xt = tg.constant(x).to(device)
    with tg.GradientTape() as outer:
        outer.watch(w)
        with tg.GradientTape() as inner:
            inner.watch(xt)
            y = tg.reduce_sum(w * tg.nn.max_pool2d(xt, 3, 2, "SAME"))
        gx = inner.gradient(y, xt)
        z = tg.reduce_sum(tg.constant(v).to(device) * gx)
    gw = outer.gradient(z, w)
    pads = conv_reference.resolve("SAME", x.shape, (3, 3), (2, 2))
    np.testing.assert_allclose(gw.numpy(), conv_reference.max_pool2d_grad_grad(x, v, (3, 3), (2, 2), pads),
                               rtol=1e-12, atol=1e-12)

"""NumPy references for the convolution and pooling ops (NHWC inputs, HWIO
filters), shared by test_op_table.py and test_conv.py.

Each is a loop over the window's (kh, kw) offsets with the batch, positions
and channels vectorised: for offset (kh, kw), output (oh, ow) reads the
padded input at (oh * sh + kh * dh, ow * sw + kw * dw). Padding is
(top, bottom, left, right); same_pads gives TensorFlow's "SAME" amounts.
"""

import numpy as np


def same_pads(n, k, s, d=1):
    """TensorFlow's SAME rule for one dim: (before, after)."""
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def resolve(padding, x_shape, k, strides, dilations=(1, 1)):
    """(top, bottom, left, right) for "VALID", "SAME" or explicit amounts."""
    if isinstance(padding, str):
        if padding.upper() == "VALID":
            return (0, 0, 0, 0)
        return same_pads(x_shape[1], k[0], strides[0], dilations[0]) + same_pads(x_shape[2], k[1], strides[1],
                                                                               dilations[1])
    return tuple(padding)


def out_size(n, k, s, d, p0, p1):
    return (n + p0 + p1 - ((k - 1) * d + 1)) // s + 1


def _window(xp, kh, kw, oh, ow, strides, dilations):
    """The padded input's elements that offset (kh, kw) of every window reads: [N, OH, OW, C]."""
    h0, w0 = kh * dilations[0], kw * dilations[1]
    return xp[:, h0:h0 + (oh - 1) * strides[0] + 1:strides[0], w0:w0 + (ow - 1) * strides[1] + 1:strides[1], :]


def _geometry(x_shape, w_shape, strides, pads, dilations):
    n, h, w, c = x_shape
    kh, kw, cg, o = w_shape
    g = c // cg
    oh = out_size(h, kh, strides[0], dilations[0], pads[0], pads[1])
    ow = out_size(w, kw, strides[1], dilations[1], pads[2], pads[3])
    return n, oh, ow, g, cg, o // g


def conv2d(x, w, strides, pads, dilations=(1, 1)):
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    n, oh, ow, g, cg, og = _geometry(x.shape, w.shape, strides, pads, dilations)
    xp = np.pad(x, ((0, 0), (pads[0], pads[1]), (pads[2], pads[3]), (0, 0)))
    y = np.zeros((n, oh, ow, g, og))
    for kh in range(w.shape[0]):
        for kw in range(w.shape[1]):
            patch = _window(xp, kh, kw, oh, ow, strides, dilations).reshape(n, oh, ow, g, cg)
            y += np.einsum("nhwgc,cgo->nhwgo", patch, w[kh, kw].reshape(cg, g, og))
    return y.reshape(n, oh, ow, g * og)


def conv2d_backprop_input(x_shape, w, dy, strides, pads, dilations=(1, 1)):
    w, dy = np.asarray(w, np.float64), np.asarray(dy, np.float64)
    n, oh, ow, g, cg, og = _geometry(x_shape, w.shape, strides, pads, dilations)
    h, wd = x_shape[1], x_shape[2]
    dxp = np.zeros((n, h + pads[0] + pads[1], wd + pads[2] + pads[3], g * cg))
    dyg = dy.reshape(n, oh, ow, g, og)
    for kh in range(w.shape[0]):
        for kw in range(w.shape[1]):
            contrib = np.einsum("nhwgo,cgo->nhwgc", dyg, w[kh, kw].reshape(cg, g, og)).reshape(n, oh, ow, g * cg)
            _window(dxp, kh, kw, oh, ow, strides, dilations)[...] += contrib
    return dxp[:, pads[0]:pads[0] + h, pads[2]:pads[2] + wd, :]


def conv2d_backprop_filter(x, w_shape, dy, strides, pads, dilations=(1, 1)):
    x, dy = np.asarray(x, np.float64), np.asarray(dy, np.float64)
    n, oh, ow, g, cg, og = _geometry(x.shape, w_shape, strides, pads, dilations)
    xp = np.pad(x, ((0, 0), (pads[0], pads[1]), (pads[2], pads[3]), (0, 0)))
    dyg = dy.reshape(n, oh, ow, g, og)
    dw = np.zeros(w_shape)
    for kh in range(w_shape[0]):
        for kw in range(w_shape[1]):
            patch = _window(xp, kh, kw, oh, ow, strides, dilations).reshape(n, oh, ow, g, cg)
            dw[kh, kw] = np.einsum("nhwgc,nhwgo->cgo", patch, dyg).reshape(cg, g * og)
    return dw


def _pool_geometry(x_shape, ksize, strides, pads):
    oh = out_size(x_shape[1], ksize[0], strides[0], 1, pads[0], pads[1])
    ow = out_size(x_shape[2], ksize[1], strides[1], 1, pads[2], pads[3])
    return oh, ow


def _pad(x, pads, value):
    return np.pad(x, ((0, 0), (pads[0], pads[1]), (pads[2], pads[3]), (0, 0)), constant_values=value)


def max_pool2d(x, ksize, strides, pads):
    x = np.asarray(x, np.float64)
    oh, ow = _pool_geometry(x.shape, ksize, strides, pads)
    xp = _pad(x, pads, -np.inf)
    windows = [_window(xp, kh, kw, oh, ow, strides, (1, 1)) for kh in range(ksize[0]) for kw in range(ksize[1])]
    return np.max(windows, axis=0)


def _counts(x_shape, ksize, strides, pads):
    oh, ow = _pool_geometry(x_shape, ksize, strides, pads)
    ones = _pad(np.ones((1, x_shape[1], x_shape[2], 1)), pads, 0.0)
    return sum(_window(ones, kh, kw, oh, ow, strides, (1, 1)) for kh in range(ksize[0]) for kw in range(ksize[1]))


def avg_pool2d(x, ksize, strides, pads):
    x = np.asarray(x, np.float64)
    oh, ow = _pool_geometry(x.shape, ksize, strides, pads)
    xp = _pad(x, pads, 0.0)
    total = sum(_window(xp, kh, kw, oh, ow, strides, (1, 1)) for kh in range(ksize[0]) for kw in range(ksize[1]))
    return total / _counts(x.shape, ksize, strides, pads)


def max_pool2d_grad(x, dy, ksize, strides, pads):
    """Each dy to the first maximum of its window in row-major order (TensorFlow's CPU MaxPoolGrad)."""
    x, dy = np.asarray(x, np.float64), np.asarray(dy, np.float64)
    oh, ow = _pool_geometry(x.shape, ksize, strides, pads)
    xp = _pad(x, pads, -np.inf)
    dxp = np.zeros_like(xp)
    n_idx, c_idx = np.meshgrid(np.arange(x.shape[0]), np.arange(x.shape[3]), indexing="ij")
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * strides[0], j * strides[1]
            win = xp[:, h0:h0 + ksize[0], w0:w0 + ksize[1], :].reshape(x.shape[0], -1, x.shape[3])
            first = np.argmax(win, axis=1)  # NumPy's argmax: the first maximum
            dxp[n_idx, h0 + first // ksize[1], w0 + first % ksize[1], c_idx] += dy[:, i, j, :]
    return dxp[:, pads[0]:pads[0] + x.shape[1], pads[2]:pads[2] + x.shape[2], :]


def max_pool2d_grad_grad(x, u, ksize, strides, pads):
    """u (shaped like x) at each window's first maximum of x (TensorFlow's MaxPoolGradGrad)."""
    x, u = np.asarray(x, np.float64), np.asarray(u, np.float64)
    oh, ow = _pool_geometry(x.shape, ksize, strides, pads)
    xp, up = _pad(x, pads, -np.inf), _pad(u, pads, 0.0)
    out = np.zeros((x.shape[0], oh, ow, x.shape[3]))
    n_idx, c_idx = np.meshgrid(np.arange(x.shape[0]), np.arange(x.shape[3]), indexing="ij")
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * strides[0], j * strides[1]
            win = xp[:, h0:h0 + ksize[0], w0:w0 + ksize[1], :].reshape(x.shape[0], -1, x.shape[3])
            first = np.argmax(win, axis=1)
            out[:, i, j, :] = up[n_idx, h0 + first // ksize[1], w0 + first % ksize[1], c_idx]
    return out


def avg_pool2d_grad(x_shape, dy, ksize, strides, pads):
    dy = np.asarray(dy, np.float64)
    oh, ow = _pool_geometry(x_shape, ksize, strides, pads)
    share = dy / _counts(x_shape, ksize, strides, pads)
    dxp = np.zeros((x_shape[0], x_shape[1] + pads[0] + pads[1], x_shape[2] + pads[2] + pads[3], x_shape[3]))
    for kh in range(ksize[0]):
        for kw in range(ksize[1]):
            _window(dxp, kh, kw, oh, ow, strides, (1, 1))[...] += share
    return dxp[:, pads[0]:pads[0] + x_shape[1], pads[2]:pads[2] + x_shape[2], :]

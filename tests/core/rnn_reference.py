"""NumPy references of rnn_sequence and its backward through time, written from Keras 3's cell
equations (SimpleRNNCell, LSTMCell, GRUCell with reset_after=True) and its masking rule (a masked
step keeps the previous state), in float64, for test_op_table.py and tests/keras/test_recurrent.py.

states[:, 0] is the initial state and states[:, s + 1] the state after step s (h, then c for the
LSTM); with reverse, step s reads input time T - 1 - s.
"""

import numpy as np

GATES = {"lstm": 4, "gru": 3, "simple_tanh": 1, "simple_relu": 1}
STATES = {"lstm": 2, "gru": 1, "simple_tanh": 1, "simple_relu": 1}


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _step(cell, x, h, c, kernel, bias):
    u = h.shape[-1]
    z = h @ kernel + bias
    if cell == "lstm":
        z = z + x
        i, f, g, o = sigmoid(z[:, :u]), sigmoid(z[:, u:2 * u]), np.tanh(z[:, 2 * u:3 * u]), sigmoid(z[:, 3 * u:])
        c = f * c + i * g
        return np.stack([o * np.tanh(c), c], 1)
    if cell == "gru":
        zg = sigmoid(x[:, :u] + z[:, :u])
        r = sigmoid(x[:, u:2 * u] + z[:, u:2 * u])
        hh = np.tanh(x[:, 2 * u:] + r * z[:, 2 * u:])
        return (zg * h + (1 - zg) * hh)[:, None]
    pre = z + x
    return (np.tanh(pre) if cell == "simple_tanh" else np.maximum(pre, 0))[:, None]


def rnn_sequence(cell, xp, state0, kernel, bias, mask=None, reverse=False):
    xp, state0, kernel, bias = (np.asarray(a, np.float64) for a in (xp, state0, kernel, bias))
    b, t, _ = xp.shape
    out = np.zeros((b, t + 1) + state0.shape[1:])
    out[:, 0] = state0
    for s in range(t):
        ti = t - 1 - s if reverse else s
        prev = out[:, s]
        new = _step(cell, xp[:, ti], prev[:, 0], prev[:, 1] if cell == "lstm" else None, kernel, bias)
        out[:, s + 1] = new if mask is None else np.where(mask[:, ti, None, None], new, prev)
    return out


def rnn_sequence_grad(cell, dstates, xp, state0, kernel, bias, mask=None, reverse=False):
    """(dxp, drec in step order, dstate0): the vector-Jacobian product of rnn_sequence, by reverse-mode
    differentiation of the step equations above, step by step."""
    xp, state0, kernel, bias, dstates = (np.asarray(a, np.float64) for a in (xp, state0, kernel, bias, dstates))
    states = rnn_sequence(cell, xp, state0, kernel, bias, mask, reverse)
    b, t, gu = xp.shape
    u = state0.shape[-1]
    dxp, drec = np.zeros_like(xp), np.zeros((b, t, gu))
    ds = dstates[:, t].copy()
    for s in range(t - 1, -1, -1):
        ti = t - 1 - s if reverse else s
        prev = states[:, s]
        h = prev[:, 0]
        z = h @ kernel + bias
        dh, dprev = ds[:, 0], np.zeros_like(ds)
        if cell == "lstm":
            zz = z + xp[:, ti]
            i, f, g, o = sigmoid(zz[:, :u]), sigmoid(zz[:, u:2 * u]), np.tanh(zz[:, 2 * u:3 * u]), sigmoid(zz[:, 3 * u:])
            c = f * prev[:, 1] + i * g
            tc = np.tanh(c)
            dc = ds[:, 1] + dh * o * (1 - tc ** 2)
            dz = np.concatenate([dc * g * i * (1 - i), dc * prev[:, 1] * f * (1 - f), dc * i * (1 - g ** 2),
                                 dh * tc * o * (1 - o)], 1)
            dx, dr = dz, dz
            dprev[:, 1] = dc * f
        elif cell == "gru":
            x = xp[:, ti]
            zg = sigmoid(x[:, :u] + z[:, :u])
            r = sigmoid(x[:, u:2 * u] + z[:, u:2 * u])
            hh = np.tanh(x[:, 2 * u:] + r * z[:, 2 * u:])
            az = dh * (h - hh) * zg * (1 - zg)
            dpre = dh * (1 - zg) * (1 - hh ** 2)
            ar = dpre * z[:, 2 * u:] * r * (1 - r)
            dx = np.concatenate([az, ar, dpre], 1)
            dr = np.concatenate([az, ar, dpre * r], 1)
            dprev[:, 0] = dh * zg
        else:
            new = states[:, s + 1, 0]
            dpre = dh * (1 - new ** 2) if cell == "simple_tanh" else dh * (new > 0)
            dx, dr = dpre, dpre
        dprev[:, 0] += dr @ kernel.T
        if mask is not None:
            keep = mask[:, ti]
            dx = np.where(keep[:, None], dx, 0)
            dr = np.where(keep[:, None], dr, 0)
            dprev = np.where(keep[:, None, None], dprev, ds)
        dxp[:, ti], drec[:, s] = dx, dr
        ds = dprev + dstates[:, s]
    return dxp, drec, ds

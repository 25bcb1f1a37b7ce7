"""Finite-difference gradient checks in float64, shared by the op tests.

check_grad(fn, *arrays) compares the tape's gradient of sum(fn(*inputs) * w)
(w a fixed random weight, so every output element matters) with central
differences, for every input.
"""

import numpy as np

import tensorgear as tg


def numeric_grad(f, arrays, i, eps=1e-6):
    """Central differences of the scalar function f(list_of_arrays) w.r.t. arrays[i]."""
    x = arrays[i]
    g = np.zeros_like(x, dtype=np.float64)
    flat = x.reshape(-1)
    gflat = g.reshape(-1)
    for k in range(flat.size):
        orig = flat[k]
        flat[k] = orig + eps
        fp = f(arrays)
        flat[k] = orig - eps
        fm = f(arrays)
        flat[k] = orig
        gflat[k] = (fp - fm) / (2 * eps)
    return g


def check_grad(fn, *arrays, wrt=None, rtol=1e-6, atol=1e-7, eps=1e-6, seed=0):
    """Asserts that tape gradients of fn match finite differences.

    fn takes tensors and returns a tensor; arrays are float64 NumPy arrays (or
    anything np.asarray turns into one). wrt: indices of the inputs to check
    (default: all floating ones).
    """
    arrays = [np.array(a, dtype=np.float64) if np.asarray(a).dtype.kind == "f" else np.array(a) for a in arrays]
    if wrt is None:
        wrt = [i for i, a in enumerate(arrays) if a.dtype.kind == "f"]
    out0 = fn(*[tg.constant(a) for a in arrays])
    w = np.random.default_rng(seed).standard_normal(np.shape(out0.numpy()))

    def scalar(arrs):
        return float(np.sum(fn(*[tg.constant(a) for a in arrs]).numpy().astype(np.float64) * w))

    tensors = [tg.constant(a) for a in arrays]
    with tg.GradientTape(persistent=True) as tape:
        for i in wrt:
            tape.watch(tensors[i])
        out = fn(*tensors)
        target = tg.reduce_sum(out * tg.constant(w))
    grads = tape.gradient(target, [tensors[i] for i in wrt])
    for i, g in zip(wrt, grads):
        expected = numeric_grad(scalar, [a.copy() for a in arrays], i, eps)
        assert g is not None, f"gradient for input {i} is None"
        np.testing.assert_allclose(g.numpy(), expected, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i} (shape {arrays[i].shape})")

"""The LAPACK-backed ops of the op table (ops_lapack.cpp), each with inputs of a given size,
its public function, NumPy's answer and a differentiable function of the inputs for the
finite-difference check. Shared by test_op_table.py (one reference per table op) and
test_linalg.py.

Inputs are well conditioned on purpose: symmetric positive definite matrices for cholesky,
triangular ones with a heavy diagonal for triangular_solve, distinct eigen/singular values for
eigh and svd (finite differences would cross a degeneracy otherwise). The gradient functions
use only what is defined independently of LAPACK's sign choices: spectral functions such as
v diag(e^2) v^T, v diag(sqrt(e)) v^T and u diag(s^2) u^T, in which the vectors' signs cancel
(and whose derivatives need the vectors' gradient rule; single eigenvectors are left out, their
derivatives grow with the inverse gap and finite differences lose accuracy there).
"""

import numpy as np

import tensorgear as tg


def spd(r, n, batch=()):
    a = r.normal(size=batch + (n, n))
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def lower(r, n, batch=()):
    return np.tril(r.normal(size=batch + (n, n))) + 3 * np.eye(n)


def _sym(t):
    return t + tg.linalg.matrix_transpose(t)


def _flat(*ts):
    return tg.concat([tg.reshape(t, [-1]) for t in ts], axis=0)


def _spectral(v, w, x):
    """v diag(w) x^T."""
    return tg.matmul(v * tg.expand_dims(w, -2), x, transpose_b=True)


def _gauge_free_eigh(t):
    e, v = tg.linalg.eigh(_sym(t))  # positive definite inputs: sqrt(e) is smooth
    return _flat(e, _spectral(v, e * e, v), _spectral(v, tg.sqrt(e), v))


def _gauge_free_svd(t):
    s, u, v = tg.linalg.svd(t)
    return _flat(s, _spectral(u, s, v), _spectral(u, s * s, u), _spectral(v, tg.sqrt(s), v))


def _np_svd(a):
    u, s, vt = np.linalg.svd(a, full_matrices=False)
    return s


# name -> (make(r, size) -> inputs, fn(*tensors), ref(*arrays), grad_fn(*tensors) or None)
CASES = {
    "cholesky": (lambda r, n: [spd(r, n, (2,))], tg.linalg.cholesky, np.linalg.cholesky,
                 lambda t: tg.linalg.cholesky(_sym(t) + 8.0 * tg.eye(t.shape[-1], dtype=t.dtype))),
    "triangular_solve": (lambda r, n: [lower(r, n, (2,)), r.normal(size=(2, n, 3))],
                         lambda a, b: [tg.linalg.triangular_solve(a, b),
                                       tg.linalg.triangular_solve(tg.linalg.matrix_transpose(a), b, lower=False),
                                       tg.linalg.triangular_solve(a, b, adjoint=True)],
                         lambda a, b: [np.linalg.solve(a, b), np.linalg.solve(np.swapaxes(a, -1, -2), b),
                                       np.linalg.solve(np.swapaxes(a, -1, -2), b)],
                         lambda a, b: tg.linalg.triangular_solve(tg.linalg.band_part(a, -1, 0), b)),
    "matrix_inverse": (lambda r, n: [spd(r, n, (2,)) + r.normal(size=(2, n, n))], tg.linalg.inv, np.linalg.inv,
                       tg.linalg.inv),
    "matrix_solve": (lambda r, n: [spd(r, n, (2,)) + r.normal(size=(2, n, n)), r.normal(size=(2, n, 2))],
                     tg.linalg.solve, np.linalg.solve, tg.linalg.solve),
    "log_abs_det": (lambda r, n: [r.normal(size=(3, n, n)) + 2 * np.eye(n)],
                    lambda a: list(tg.linalg.slogdet(a)), lambda a: list(np.linalg.slogdet(a)),
                    lambda a: tg.linalg.slogdet(a).log_abs_determinant),
    "qr": (lambda r, n: [r.normal(size=(2, n + 2, n))],
           lambda a: tg.linalg.matmul(*tg.linalg.qr(a)), lambda a: a,
           lambda a: tg.concat([tg.reshape(tg.abs(x), [-1]) for x in tg.linalg.qr(a)], axis=0)),
    # Scaled to O(1) eigen/singular values: finite differences of large outputs drown in rounding.
    "eigh": (lambda r, n: [spd(r, n, (2,)) / n], lambda a: tg.linalg.eigh(a).e, np.linalg.eigvalsh, _gauge_free_eigh),
    "svd": (lambda r, n: [r.normal(size=(2, n + 1, n)) / np.sqrt(n), r.normal(size=(2, n, n + 2)) / np.sqrt(n)],
            lambda a, b: [tg.linalg.svd(a, compute_uv=False), tg.linalg.svd(b, compute_uv=False)],
            lambda a, b: [_np_svd(a), _np_svd(b)],
            lambda a, b: tg.concat([_gauge_free_svd(a), _gauge_free_svd(b)], axis=0)),
}

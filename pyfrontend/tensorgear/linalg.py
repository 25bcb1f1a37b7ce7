"""tg.linalg: TensorFlow's tf.linalg names over the engine's LAPACK-backed ops
(tensorgear._C.linalg: cholesky, triangular_solve, matrix_inverse, matrix_solve, slogdet,
qr, eigh, svd) and compositions of core ops. Everything is batched over leading dims and
differentiable through the ops' gradient rules.
"""

import collections as _collections

import numpy as _np

from . import _C
from ._C import matmul, tensordot  # noqa: F401  (tf.linalg re-exports them)
from .einsum import einsum  # noqa: F401
from .math import l2_normalize  # noqa: F401

_la = _C.linalg
Qr = _collections.namedtuple("Qr", ["q", "r"])
Eigh = _collections.namedtuple("Eigh", ["e", "v"])
Slogdet = _collections.namedtuple("Slogdet", ["sign", "log_abs_determinant"])


def _t(x):
    return _C.convert_to_tensor(x)


def _float(x, fn):
    t = _t(x)
    if t.dtype not in (_C.float32, _C.float64):
        raise TypeError(f"{fn}: expected a float32 or float64 tensor, got dtype {t.dtype.name}")
    return t


def matrix_transpose(a, name=None, conjugate=False):
    """Swaps the last two dims (real tensors: conjugate changes nothing)."""
    return _la.matrix_transpose(_t(a))


adjoint = matrix_transpose


def matvec(a, b, transpose_a=False, adjoint_a=False, name=None):
    """a @ b for matrices a (..., m, n) and vectors b (..., n)."""
    return _C.squeeze(matmul(a, _C.expand_dims(_t(b), -1), transpose_a=transpose_a or adjoint_a), axis=-1)


def eye(num_rows, num_columns=None, batch_shape=None, dtype="float32", name=None):
    """An identity matrix, optionally repeated over batch_shape."""
    out = _C.eye(num_rows, num_columns if num_columns is not None else num_rows, dtype=dtype)
    if batch_shape:
        out = _C.broadcast_to(out, tuple(batch_shape) + tuple(out.shape))
    return out


def diag(diagonal, name=None, k=0, num_rows=-1, num_cols=-1, padding_value=0):
    """A batch of square matrices with `diagonal` (..., n) on their diagonal (tf.linalg.diag)."""
    if k != 0 or num_rows != -1 or num_cols != -1 or padding_value != 0:
        raise NotImplementedError("tf.linalg.diag: only the main diagonal (k=0) of square matrices with zero "
                                  "padding is supported")
    return _la.matrix_diag(_t(diagonal))


def diag_part(input, name=None, k=0, padding_value=0):  # noqa: A002  (TF's argument name)
    """The main diagonal (..., min(m, n)) of a batch of matrices."""
    if k != 0:
        raise NotImplementedError("tf.linalg.diag_part: only the main diagonal (k=0) is supported")
    return _la.diag_part(_t(input))


def set_diag(input, diagonal, name=None, k=0):  # noqa: A002
    """input with its main diagonal replaced by diagonal."""
    if k != 0:
        raise NotImplementedError("tf.linalg.set_diag: only the main diagonal (k=0) is supported")
    return _la.set_diag(_t(input), _t(diagonal))


def band_part(input, num_lower, num_upper, name=None):  # noqa: A002
    """Keeps the band i - j <= num_lower, j - i <= num_upper (a negative bound keeps that whole
    triangle) and zeroes the rest."""
    return _la.band_part(_t(input), num_lower, num_upper)


def trace(x, name=None):
    """The sum of each matrix's main diagonal."""
    return _C.reduce_sum(diag_part(x), axis=-1)


def cholesky(input, name=None):  # noqa: A002
    """The lower factor L of A = L L^T (reads A's lower triangle); ValueError when A is not
    positive definite."""
    return _la.cholesky(_float(input, "cholesky"))


def triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """X with matrix @ X = rhs (adjoint: matrix^T @ X = rhs), for triangular matrices."""
    return _la.triangular_solve(_float(matrix, "triangular_solve"), _float(rhs, "triangular_solve"), lower, adjoint)


def cholesky_solve(chol, rhs, name=None):
    """X with A X = rhs, given chol = cholesky(A)."""
    y = triangular_solve(chol, rhs, lower=True, adjoint=False)
    return triangular_solve(chol, y, lower=True, adjoint=True)


def inv(input, adjoint=False, name=None):  # noqa: A002
    """The inverse of each matrix; ValueError when one is singular."""
    a = _float(input, "inv")
    return _la.matrix_inverse(matrix_transpose(a) if adjoint else a)


def solve(matrix, rhs, adjoint=False, name=None):
    """X with matrix @ X = rhs (adjoint: matrix^T @ X = rhs)."""
    a = _float(matrix, "solve")
    return _la.matrix_solve(matrix_transpose(a) if adjoint else a, _float(rhs, "solve"))


def slogdet(input, name=None):  # noqa: A002
    """(sign, log|det|) of each matrix; a singular one gives (0, -inf)."""
    sign, logdet = _la.slogdet(_float(input, "slogdet"))
    return Slogdet(sign, logdet)


def det(input, name=None):  # noqa: A002
    """The determinant of each matrix (sign * exp(log|det|))."""
    sign, logdet = _la.slogdet(_float(input, "det"))
    return sign * _C.exp(logdet)


def logdet(matrix, name=None):
    """log(det(A)) of Hermitian positive definite matrices, through their Cholesky factor."""
    chol = cholesky(matrix)
    return 2.0 * _C.reduce_sum(_C.log(diag_part(chol)), axis=-1)


def qr(input, full_matrices=False, name=None):  # noqa: A002
    """The reduced QR factorization (q (..., m, k), r (..., k, n), k = min(m, n))."""
    a = _float(input, "qr")
    if full_matrices and a.shape[-2] > a.shape[-1]:
        raise NotImplementedError("tf.linalg.qr: full_matrices=True for matrices with more rows than columns is "
                                  "not supported (the reduced factorization is)")
    return Qr(*_la.qr(a))


def eigh(tensor, name=None):
    """Eigenvalues (ascending) and eigenvectors (as columns) of symmetric matrices; reads the lower
    triangle."""
    return Eigh(*_la.eigh(_float(tensor, "eigh")))


def eigvalsh(tensor, name=None):
    """The eigenvalues (ascending) of symmetric matrices."""
    return eigh(tensor).e


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """s (descending) or (s, u, v) with tensor = u @ diag(s) @ v^T (the reduced factorization)."""
    a = _float(tensor, "svd")
    if full_matrices and a.shape[-2] != a.shape[-1]:
        raise NotImplementedError("tf.linalg.svd: full_matrices=True for non-square matrices is not supported "
                                  "(the reduced factorization is)")
    s, u, v = _la.svd(a)
    return (s, u, v) if compute_uv else s


def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse, from the SVD; singular values below rcond * max(s) are
    dropped (rcond defaults to 10 * max(m, n) * eps, as TF's)."""
    a = _float(a, "pinv")
    m, n = int(a.shape[-2]), int(a.shape[-1])
    if rcond is None:
        rcond = 10.0 * max(m, n) * float(_np.finfo(a.dtype.name).eps)
    s, u, v = _la.svd(a)
    cutoff = rcond * _C.reduce_max(s, axis=-1, keepdims=True)
    keep = s > cutoff
    s_inv = _C.where(keep, 1.0 / _C.where(keep, s, _C.ones_like(s)), _C.zeros_like(s))
    return matmul(v * _C.expand_dims(s_inv, -2), u, transpose_b=True)


def lstsq(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """The least-squares solution of matrix @ X = rhs: for m >= n the (regularized) normal equations
    through Cholesky, as TF's fast path; otherwise the minimum-norm solution."""
    a, b = _float(matrix, "lstsq"), _float(rhs, "lstsq")
    m, n = int(a.shape[-2]), int(a.shape[-1])
    reg = float(l2_regularizer)
    if m >= n:
        gram = matmul(a, a, transpose_a=True) + reg * eye(n, dtype=a.dtype.name)
        return cholesky_solve(cholesky(gram), matmul(a, b, transpose_a=True))
    gram = matmul(a, a, transpose_b=True) + reg * eye(m, dtype=a.dtype.name)
    return matmul(a, cholesky_solve(cholesky(gram), b), transpose_a=True)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None):  # noqa: A002
    """Vector norms (ord 'euclidean', a positive p, np.inf) over one axis or the whole tensor, and
    matrix norms ('fro', 'euclidean', 1, 2, np.inf) over a pair of axes."""
    x = _t(tensor)
    keep = bool(keepdims)
    if isinstance(axis, (list, tuple)) and len(axis) == 2:
        r, c = (a % x.shape.rank for a in axis)
        if ord in ("fro", "euclidean"):
            return _C.sqrt(_C.reduce_sum(_C.square(x), axis=(r, c), keepdims=keep))
        if ord in (1, _np.inf):  # the largest column (1) or row (inf) sum of magnitudes
            summed, maxed = (r, c) if ord == 1 else (c, r)
            out = _C.reduce_max(_C.reduce_sum(_C.abs(x), axis=summed, keepdims=True), axis=maxed, keepdims=True)
            return out if keep else _C.squeeze(out, [r, c])
        if ord == 2:
            rest = [i for i in range(x.shape.rank) if i not in (r, c)]
            moved = _C.transpose(x, rest + [r, c])
            top = _C.reduce_max(svd(moved, compute_uv=False), axis=-1)
            if keep:
                for a in sorted((r, c)):
                    top = _C.expand_dims(top, a)
            return top
        raise ValueError(f"norm: ord={ord!r} is not supported for matrices; use 'fro', 'euclidean', 1, 2 or np.inf")
    if axis is not None and isinstance(axis, (list, tuple)):
        raise ValueError(f"norm: axis must be an int or a pair of ints, got {axis!r}")
    if ord == "euclidean" or ord == 2:
        return _C.sqrt(_C.reduce_sum(_C.square(x), axis=axis, keepdims=keep))
    if ord == _np.inf:
        return _C.reduce_max(_C.abs(x), axis=axis, keepdims=keep)
    if ord == "fro":
        raise ValueError("norm: ord='fro' needs a pair of axes (a matrix norm)")
    if isinstance(ord, (int, float)) and ord > 0:
        p = float(ord)
        return _C.pow(_C.reduce_sum(_C.pow(_C.abs(x), p), axis=axis, keepdims=keep), 1.0 / p)
    raise ValueError(f"norm: ord must be 'euclidean', 'fro', a positive number or np.inf, got {ord!r}")

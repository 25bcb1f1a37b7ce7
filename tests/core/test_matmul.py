"""matmul / tensordot against NumPy: every rank combination, broadcast batch
dims, transpose flags and strided views (passed to BLAS without copies),
float64 finite-difference gradients (first and second order), bad input."""

import itertools
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import tensorgear as tg
from gradcheck import check_grad

_C = tg._C


def rand(rng, shape, dtype):
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(shape).astype(dtype)
    if dtype == np.uint8:
        return rng.integers(0, 255, shape).astype(dtype)
    return rng.integers(-50, 50, shape).astype(dtype)


def assert_matches(result, expected, k):
    r = result.numpy()
    assert r.shape == expected.shape, (r.shape, expected.shape)
    assert r.dtype == expected.dtype, (r.dtype, expected.dtype)
    if expected.dtype == np.float32:
        np.testing.assert_allclose(r, expected, rtol=1e-5, atol=1e-5 * max(k, 1))
    elif expected.dtype == np.float64:
        np.testing.assert_allclose(r, expected, rtol=1e-12, atol=1e-12 * max(k, 1))
    else:
        np.testing.assert_array_equal(r, expected)


def np_op(x, trans):
    return np.swapaxes(x, -1, -2) if trans and x.ndim >= 2 else x


def copies():
    return _C._matmul_stats()["operand_copies"]


# ---- forward against NumPy --------------------------------------------------------

batch_dims = st.lists(st.integers(1, 3), min_size=0, max_size=2)


@settings(max_examples=120, deadline=None)
@given(
    rank_a=st.integers(1, 4), rank_b=st.integers(1, 4),
    m=st.integers(0, 5), k=st.integers(0, 5), n=st.integers(0, 5),
    batch=batch_dims, drop=st.data(),
    ta=st.booleans(), tb=st.booleans(),
    dtype=st.sampled_from([np.float32, np.float64, np.int32, np.int64, np.uint8]),
)
def test_matmul_matches_numpy(rank_a, rank_b, m, k, n, batch, drop, ta, tb, dtype):
    rng = np.random.default_rng(0)
    # Batch dims of each side: a suffix of `batch` (padded with 1s), with
    # some dims set to 1 so that they broadcast against the other side.
    def side_batch(rank):
        nb = max(rank - 2, 0)
        full = [1] * max(0, nb - len(batch)) + list(batch)
        return [d if drop.draw(st.booleans()) else 1 for d in (full[len(full) - nb:] if nb else [])]

    ba, bb = side_batch(rank_a), side_batch(rank_b)
    sa = [k] if rank_a == 1 else ba + ([k, m] if ta else [m, k])
    sb = [k] if rank_b == 1 else bb + ([n, k] if tb else [k, n])
    a, b = rand(rng, sa, dtype), rand(rng, sb, dtype)
    expected = np.matmul(np_op(a, ta), np_op(b, tb))
    assert_matches(tg.matmul(a, b, transpose_a=ta, transpose_b=tb), expected, k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_mnist_shapes_and_gradient_forms(dtype):
    rng = np.random.default_rng(1)
    x, w1 = rand(rng, (128, 784), dtype), rand(rng, (784, 512), dtype)
    h, w2 = rand(rng, (128, 512), dtype), rand(rng, (512, 10), dtype)
    g2, g1 = rand(rng, (128, 10), dtype), rand(rng, (128, 512), dtype)
    tol = dict(rtol=1e-4, atol=1e-3) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-10)
    np.testing.assert_allclose(tg.matmul(x, w1).numpy(), x @ w1, **tol)
    np.testing.assert_allclose(tg.matmul(h, w2).numpy(), h @ w2, **tol)
    np.testing.assert_allclose(tg.matmul(x, g1, transpose_a=True).numpy(), x.T @ g1, **tol)
    np.testing.assert_allclose(tg.matmul(h, g2, transpose_a=True).numpy(), h.T @ g2, **tol)
    np.testing.assert_allclose(tg.matmul(g2, w2, transpose_b=True).numpy(), g2 @ w2.T, **tol)


def test_vector_cases_and_operator():
    rng = np.random.default_rng(2)
    u, v = rng.standard_normal(4), rng.standard_normal(4)
    r = tg.matmul(u, v)
    assert r.shape == () and np.isclose(float(r), u @ v)
    m = rng.standard_normal((3, 4))
    assert_matches(tg.matmul(m, v), m @ v, 4)
    assert_matches(tg.matmul(v, m.T), v @ m.T, 4)
    assert_matches(tg.constant(m) @ tg.constant(v), m @ v, 4)
    assert_matches(m.T @ tg.constant(m), m.T @ m, 3)  # reflected, NumPy on the left
    # transposing a vector changes nothing (NumPy has no flag; TF needs rank 2)
    assert_matches(tg.matmul(v, m, transpose_a=True, transpose_b=True), v @ m.T, 4)


def test_empty_and_zero_contraction():
    z = tg.matmul(np.ones((3, 0), np.float32), np.ones((0, 4), np.float32))
    assert_matches(z, np.zeros((3, 4), np.float32), 0)
    assert tg.matmul(np.ones((0, 2)), np.ones((2, 5))).shape == (0, 5)
    assert tg.matmul(np.ones((2, 0, 2)), np.ones((2, 5))).shape == (2, 0, 5)
    assert_matches(tg.matmul(np.ones((2, 0), np.int32), np.ones((0, 3), np.int32)), np.zeros((2, 3), np.int32), 0)


def test_mixed_dtypes_promote():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    b = np.arange(6, dtype=np.float64).reshape(3, 2)
    assert_matches(tg.matmul(a, b), a.astype(np.float64) @ b, 3)
    i = np.arange(6, dtype=np.int32).reshape(3, 2)
    assert_matches(tg.matmul(a, i), a @ i.astype(np.float32), 3)


def test_integer_matmul_is_exact_and_wraps_like_numpy():
    rng = np.random.default_rng(3)
    a = rng.integers(-2**40, 2**40, (5, 7)).astype(np.int64)
    b = rng.integers(-2**40, 2**40, (7, 3)).astype(np.int64)
    with np.errstate(over="ignore"):
        assert_matches(tg.matmul(a, b), a @ b, 7)
    a32 = rng.integers(-2**20, 2**20, (4, 9)).astype(np.int32)
    b32 = rng.integers(-2**20, 2**20, (9, 6)).astype(np.int32)
    assert_matches(tg.matmul(a32, b32), a32 @ b32, 9)
    u = rng.integers(0, 255, (3, 40)).astype(np.uint8)
    assert_matches(tg.matmul(u, u.T), u @ u.T, 40)


def test_many_small_batches_run_in_parallel_correctly():
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal((300, 6, 7)), rng.standard_normal((300, 7, 5))
    assert_matches(tg.matmul(a, b), a @ b, 7)
    a32, b32 = a.astype(np.float32), rng.standard_normal((1, 5, 7)).astype(np.float32)
    assert_matches(tg.matmul(a32, b32, transpose_b=True), a32 @ np.swapaxes(b32, -1, -2), 7)


def test_batch_times_shared_matrix_is_one_gemm():
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((4, 3, 8)), rng.standard_normal((8, 6))
    _C._reset_matmul_stats()
    assert_matches(tg.matmul(x, w), x @ w, 8)
    assert _C._matmul_stats()["gemm_calls"] == 1
    _C._reset_matmul_stats()
    assert_matches(tg.matmul(x, w[None]), x @ w, 8)  # broadcast batch of size 1, too
    assert _C._matmul_stats()["gemm_calls"] == 1


# ---- views reach BLAS without copies ---------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transposed_and_sliced_views_are_not_copied(dtype):
    rng = np.random.default_rng(6)
    a = rng.standard_normal((6, 8)).astype(dtype)
    b = rng.standard_normal((6, 5)).astype(dtype)
    ta, tb = tg.constant(a), tg.constant(b)
    at = tg.transpose(ta)  # a column-major view
    assert not at.is_contiguous()
    cases = [
        (lambda: tg.matmul(at, tb), a.T @ b),
        (lambda: tg.matmul(tg.transpose(tb), ta), b.T @ a),
        (lambda: tg.matmul(tg.transpose(at), at), a @ a.T),
        (lambda: tg.matmul(ta[:, 1:6], tb[1:6, :]), a[:, 1:6] @ b[1:6, :]),   # row pitch > cols
        (lambda: tg.matmul(ta[::2], tb[::2, :], transpose_a=True), a[::2].T @ b[::2]),  # row step
        (lambda: tg.matmul(ta[0, ::2], tb[:4]), a[0, ::2] @ b[:4]),  # strided vector
        (lambda: tg.matmul(tg.transpose(ta)[2:5], tb[:, 1:4]), a.T[2:5] @ b[:, 1:4]),
    ]
    for fn, expected in cases:
        before = copies()
        assert_matches(fn(), expected, 8)
        assert copies() == before, "a row- or column-contiguous view was copied"


def test_fortran_order_dlpack_input_is_used_in_place():
    rng = np.random.default_rng(7)
    a = np.asfortranarray(rng.standard_normal((5, 7)))
    b = rng.standard_normal((7, 3))
    x = tg.from_dlpack(a)
    assert x.strides == [1, 5]
    before = copies()
    assert_matches(tg.matmul(x, b), a @ b, 7)
    assert copies() == before


def test_batched_transposed_views_are_not_copied():
    rng = np.random.default_rng(8)
    a = rng.standard_normal((3, 4, 5))
    x = tg.transpose(tg.constant(a), [0, 2, 1])
    before = copies()
    assert_matches(tg.matmul(x, x, transpose_b=True), np.swapaxes(a, 1, 2) @ a, 4)
    assert_matches(tg.matmul(x, np.ones((4,))), np.swapaxes(a, 1, 2) @ np.ones(4), 4)
    assert_matches(tg.matmul(np.ones((5,)), x), np.ones(5) @ np.swapaxes(a, 1, 2), 5)
    assert copies() == before


def test_only_unreadable_layouts_are_copied():
    rng = np.random.default_rng(9)
    a = rng.standard_normal((6, 8))
    ta = tg.constant(a)
    cases = [
        (ta[::2, ::2], a[::2, ::2]),     # steps in both dims
        (ta[::-1], a[::-1]),             # negative row stride
        (ta[:, ::-2], a[:, ::-2]),
    ]
    for x, xa in cases:
        w = rng.standard_normal((xa.shape[1], 3))
        before = copies()
        assert_matches(tg.matmul(x, w), xa @ w, 8)
        assert copies() == before + 1
    # a broadcast row (stride 0) is copied; a broadcast batch dim is not
    row = tg.broadcast_to(tg.constant(a[:1]), (5, 8))
    before = copies()
    assert_matches(tg.matmul(row, a.T), np.broadcast_to(a[:1], (5, 8)) @ a.T, 8)
    assert copies() == before + 1
    batch = tg.broadcast_to(tg.constant(a), (3, 6, 8))
    before = copies()
    assert_matches(tg.matmul(batch, a.T), np.broadcast_to(a, (3, 6, 8)) @ a.T, 8)
    assert copies() == before


# ---- BLAS thread policy --------------------------------------------------------------

def test_big_gemms_split_over_the_pool_with_single_threaded_blas():
    stats = _C._matmul_stats()
    default = stats["parallel_gemm_threshold"]
    # the MNIST step's smallest GEMMs ((128,512)@(512,10)) are split too (see backend/cpu/gemm.cpp)
    assert 64 ** 3 <= default <= 128 * 512 * 10
    rng = np.random.default_rng(3)
    tg.matmul(np.ones((8, 8), np.float32), np.ones((8, 8), np.float32))
    assert _C._matmul_stats()["last_gemm_parts"] == 1
    if _C.blas_info()["vendor"] == "OpenBLAS":
        assert _C.blas_info()["threads"] == 1, "BLAS's own threads stay off"
    x, w = rng.standard_normal((128, 784)).astype(np.float32), rng.standard_normal((784, 512)).astype(np.float32)
    threads = _C.num_threads()
    try:
        # 4 threads at most: with many, the 512 columns run out of minimum-size blocks first
        _C.set_num_threads(min(threads, 4))
        _C._reset_matmul_stats()
        assert_matches(tg.matmul(x, w), x @ w, 784)
        parts = _C._matmul_stats()["last_gemm_parts"]
        assert _C._matmul_stats()["gemm_calls"] == parts
        if _C.num_threads() > 1 and _C.blas_info()["vendor"] == "OpenBLAS":
            assert parts > _C.num_threads()  # more blocks than threads: a parked worker holds back one
    finally:
        _C.set_num_threads(threads)
    try:
        _C._set_parallel_gemm_threshold(1 << 62)
        tg.matmul(x, w)
        assert _C._matmul_stats()["last_gemm_parts"] == 1
    finally:
        _C._set_parallel_gemm_threshold(0)
    assert _C._matmul_stats()["parallel_gemm_threshold"] == default


@pytest.mark.parametrize("m, n, k", [(200, 70, 50), (70, 200, 50), (100, 100, 40), (257, 129, 33)])
@pytest.mark.parametrize("ta, tb", [(False, False), (True, False), (False, True), (True, True)])
def test_split_gemm_blocks_cover_every_row_and_column(m, n, k, ta, tb):
    """Splits by rows (M >= N) or columns, with extents that are not multiples of the block."""
    rng = np.random.default_rng(m * n + k)
    a = rng.standard_normal((k, m) if ta else (m, k)).astype(np.float32)
    b = rng.standard_normal((n, k) if tb else (k, n)).astype(np.float32)
    try:
        _C._set_parallel_gemm_threshold(1)
        got = tg.matmul(a, b, transpose_a=ta, transpose_b=tb)
    finally:
        _C._set_parallel_gemm_threshold(0)
    assert_matches(got, (a.T if ta else a) @ (b.T if tb else b), k)


# ---- short contractions: register-tiled loops instead of BLAS -----------------------

def short_calls():
    return _C._matmul_stats()["short_contraction_calls"]


def tiled_calls():
    return _C._matmul_stats()["tiled_gemm_calls"]


@pytest.fixture
def short_limit():
    """The default limit, restored after a test that changes it."""
    limit = _C._matmul_stats()["short_contraction_limit"]
    yield limit
    _C._set_short_contraction_limit(-1)
    assert _C._matmul_stats()["short_contraction_limit"] == limit


# (M, N): row and column counts around the tile sizes (4 rows; 1 and 4 vectors of 8 or
# 16 lanes), the 2 KB column panels (512 float, 256 double columns), and the MNIST step's
# dz @ W2^T (128, 512).
SHORT_MN = [(1, 1), (3, 5), (4, 16), (5, 17), (7, 63), (9, 64), (13, 65), (128, 512), (6, 600), (33, 1031)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 2, 10, 17, 64])
@pytest.mark.parametrize("ta, tb", list(itertools.product([False, True], repeat=2)))
def test_short_contractions_match_numpy(dtype, k, ta, tb, short_limit):
    assert short_limit >= 64
    rng = np.random.default_rng(k)
    for m, n in SHORT_MN:
        a = rand(rng, (k, m) if ta else (m, k), dtype)
        b = rand(rng, (n, k) if tb else (k, n), dtype)
        before = short_calls()
        got = tg.matmul(a, b, transpose_a=ta, transpose_b=tb)
        assert short_calls() > before, (m, n, k)
        assert_matches(got, np_op(a, ta) @ np_op(b, tb), k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_short_contraction_limit_sends_longer_ones_to_blas(dtype, short_limit):
    rng = np.random.default_rng(1)
    a, b = rand(rng, (40, short_limit + 1), dtype), rand(rng, (short_limit + 1, 70), dtype)
    before = short_calls()
    assert_matches(tg.matmul(a, b), a @ b, short_limit + 1)
    assert short_calls() == before
    a, b = a[:, :short_limit], b[:short_limit]  # row-sliced views: leading dimension > K
    assert_matches(tg.matmul(a, b), a @ b, short_limit)
    assert short_calls() > before
    # with the limit at 0 and the tiled float32 loops off every GEMM is BLAS's; both give NumPy's product
    _C._set_short_contraction_limit(0)
    try:
        _C._set_tiled_float_gemm(0)
        before, tiled = short_calls(), tiled_calls()
        assert_matches(tg.matmul(a, b), a @ b, short_limit)
        assert (short_calls(), tiled_calls()) == (before, tiled)
    finally:
        _C._set_tiled_float_gemm(-1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_short_contraction_views_batches_and_splits(dtype, short_limit):
    rng = np.random.default_rng(2)
    base = rand(rng, (8, 300), dtype)
    # a transposed view (read column by column), a column slice of a wider matrix
    at = base[:, :130].T           # (130, 8), column-major
    bw = rand(rng, (8, 700), dtype)[:, 50:650]
    assert_matches(tg.matmul(at, bw), at @ bw, 8)
    # broadcast batch dims: A's batches stacked over a shared B, and per-batch B
    a3, b2, b3 = rand(rng, (3, 20, 5), dtype), rand(rng, (5, 40), dtype), rand(rng, (3, 5, 40), dtype)
    assert_matches(tg.matmul(a3, b2), a3 @ b2, 5)
    assert_matches(tg.matmul(a3, b3), a3 @ b3, 5)
    assert_matches(tg.matmul(a3, b3[:1]), a3 @ b3[:1], 5)
    # blocks of rows and of columns over the pool, each block its own call
    try:
        _C._set_parallel_gemm_threshold(1)
        for m, n in [(257, 70), (70, 257)]:
            a, b = rand(rng, (m, 12), dtype), rand(rng, (n, 12), dtype)
            assert_matches(tg.matmul(a, b, transpose_b=True), a @ b.T, 12)
    finally:
        _C._set_parallel_gemm_threshold(0)


def test_short_contraction_propagates_nan_and_inf_like_numpy(short_limit):
    a = np.ones((6, 3), np.float32)
    b = np.ones((3, 20), np.float32)
    a[1, 0], a[2, 1], b[2, 5] = np.inf, np.nan, -np.inf
    b[0, 3] = 0.0  # inf * 0 is NaN
    with np.errstate(invalid="ignore"):
        want = a @ b
    np.testing.assert_array_equal(tg.matmul(a, b).numpy(), want)


def test_short_contraction_every_simd_level_matches_numpy():
    """Each instruction-set level's tiles (16, 8 or 4 lanes) and column tails."""
    script = textwrap.dedent("""
        import itertools, numpy as np, tensorgear as tg
        rng = np.random.default_rng(0)
        for dt, (m, n, k), ta, tb in itertools.product(
                ["float32", "float64"],
                [(1, 3, 1), (5, 17, 4), (13, 70, 10), (128, 512, 10), (9, 601, 64), (13, 70, 129), (33, 601, 300)],
                [False, True], [False, True]):
            a = rng.standard_normal((k, m) if ta else (m, k)).astype(dt)
            b = rng.standard_normal((n, k) if tb else (k, n)).astype(dt)
            want = (a.T if ta else a) @ (b.T if tb else b)
            got = tg.matmul(a, b, transpose_a=ta, transpose_b=tb).numpy()
            tol = 1e-5 if dt == "float32" else 1e-12
            assert np.allclose(got, want, rtol=tol, atol=tol * k), (dt, m, n, k, ta, tb)
        stats = tg._C._matmul_stats()
        assert stats["short_contraction_calls"] > 0
        assert (stats["tiled_gemm_calls"] > 0) == (tg._C.simd_level() == "avx512"), stats
    """)
    for level in ("base", "avx2", "avx512"):
        env = dict(os.environ, TENSORGEAR_SIMD=level)
        r = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr


# ---- float32 GEMMs of any K through the same loops, blocked over K (AVX-512) ---------

TILED_K = [65, 127, 128, 129, 300, 784, 1100]   # around the 128-row depth blocks
TILED_MN = [(1, 1), (5, 17), (13, 65), (128, 512), (6, 600), (33, 1031)]


@pytest.fixture
def tiled():
    """Whether float32 GEMMs of long K take the tiled loops on this CPU; the default restored after."""
    on = _C._matmul_stats()["tiled_float_gemm"]
    yield on
    _C._set_tiled_float_gemm(-1)
    _C._set_parallel_gemm_threshold(0)
    assert _C._matmul_stats()["tiled_float_gemm"] == on


def float64_product(a, ta, b, tb):
    return (np_op(a.astype(np.float64), ta) @ np_op(b.astype(np.float64), tb)).astype(np.float32)


@pytest.mark.parametrize("k", TILED_K)
@pytest.mark.parametrize("ta", [False, True])
def test_tiled_float_gemm_matches_numpy(k, ta, tiled):
    rng = np.random.default_rng(k)
    for m, n in TILED_MN:
        a = rand(rng, (k, m) if ta else (m, k), np.float32)
        b = rand(rng, (k, n), np.float32)
        before = tiled_calls()
        got = tg.matmul(a, b, transpose_a=ta)
        assert (tiled_calls() > before) == tiled, (m, n, k)
        assert_matches(got, float64_product(a, ta, b, False), k)


def test_tiled_float_gemm_leaves_transposed_b_and_float64_to_blas(tiled):
    rng = np.random.default_rng(5)
    a, b = rand(rng, (40, 300), np.float32), rand(rng, (70, 300), np.float32)
    before = tiled_calls()
    assert_matches(tg.matmul(a, b, transpose_b=True), float64_product(a, False, b, True), 300)
    a64, b64 = rand(rng, (40, 300), np.float64), rand(rng, (300, 70), np.float64)
    assert_matches(tg.matmul(a64, b64), a64 @ b64, 300)
    assert tiled_calls() == before
    _C._set_tiled_float_gemm(0)
    a, b = rand(rng, (40, 300), np.float32), rand(rng, (300, 70), np.float32)
    assert_matches(tg.matmul(a, b), float64_product(a, False, b, False), 300)
    assert tiled_calls() == before
    assert not _C._matmul_stats()["tiled_float_gemm"]


def test_tiled_float_gemm_views_batches_and_splits(tiled):
    rng = np.random.default_rng(6)
    base = rand(rng, (300, 90), np.float32)
    at = base[:, :70].T                                 # (70, 300), column-major
    bw = rand(rng, (300, 700), np.float32)[:, 50:650]    # row stride 700 > N
    assert_matches(tg.matmul(at, bw), float64_product(at, False, bw, False), 300)
    a3, b2, b3 = rand(rng, (3, 20, 200), np.float32), rand(rng, (200, 40), np.float32), rand(rng, (3, 200, 40), np.float32)
    assert_matches(tg.matmul(a3, b2), (a3.astype(np.float64) @ b2).astype(np.float32), 200)
    assert_matches(tg.matmul(a3, b3), (a3.astype(np.float64) @ b3).astype(np.float32), 200)
    _C._set_parallel_gemm_threshold(1)                   # blocks of rows, then of columns, over the pool
    for m, n in [(257, 70), (70, 257)]:
        a, b = rand(rng, (m, 150), np.float32), rand(rng, (150, n), np.float32)
        before = tiled_calls()
        assert_matches(tg.matmul(a, b), float64_product(a, False, b, False), 150)
        assert _C._matmul_stats()["last_gemm_parts"] > 1
        assert (tiled_calls() - before > 1) == tiled


def test_tiled_float_gemm_propagates_nan_and_inf_like_numpy(tiled):
    a = np.ones((6, 200), np.float32)
    b = np.ones((200, 20), np.float32)
    a[1, 150], a[2, 1], b[199, 5] = np.inf, np.nan, -np.inf
    b[150, 3] = 0.0  # inf * 0 is NaN, in the second depth block
    with np.errstate(invalid="ignore"):
        want = a @ b
    np.testing.assert_array_equal(tg.matmul(a, b).numpy(), want)


def test_tiled_float_gemm_gradients_match_numpy(tiled):
    rng = np.random.default_rng(7)
    a, b = rand(rng, (64, 300), np.float32), rand(rng, (300, 96), np.float32)
    w = rand(rng, (64, 96), np.float32)
    x, y = tg.constant(a), tg.constant(b)
    with tg.GradientTape() as tape:
        tape.watch([x, y])
        loss = tg.reduce_sum(tg.matmul(x, y) * w)
    da, db = tape.gradient(loss, [x, y])
    w64 = w.astype(np.float64)
    np.testing.assert_allclose(da.numpy(), w64 @ b.T.astype(np.float64), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(db.numpy(), a.T.astype(np.float64) @ w64, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("sa, sb, ta, tb", [((9, 7), (7, 37), False, False), ((5, 21), (40, 5), True, True),
                                             ((2, 17, 3), (3, 20), False, False)])
def test_short_contraction_gradients(sa, sb, ta, tb):
    rng = np.random.default_rng(4)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check_grad(lambda x, y: tg.matmul(x, y, transpose_a=ta, transpose_b=tb), a, b)


# ---- gradients --------------------------------------------------------------------

RANK_SHAPES = [  # (shape of a, shape of b) for every rank combination, with broadcast batches
    ((4,), (4,)),
    ((4,), (4, 3)),
    ((2, 4), (4,)),
    ((2, 4), (4, 3)),
    ((4,), (2, 4, 3)),
    ((2, 3, 4), (4,)),
    ((2, 3, 4), (4, 3)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (2, 4, 3)),
    ((1, 3, 4), (2, 4, 3)),
    ((2, 1, 3, 4), (3, 4, 2)),
]


GRAD_CASES = [(sa, sb, ta, tb) for sa, sb in RANK_SHAPES for ta, tb in itertools.product([False, True], repeat=2)
              if not (ta and len(sa) == 1) and not (tb and len(sb) == 1)]  # a vector has no transpose


@pytest.mark.parametrize("sa,sb,ta,tb", GRAD_CASES, ids=lambda v: "x".join(map(str, v)) if isinstance(v, tuple) else str(v))
def test_gradients_all_ranks(sa, sb, ta, tb):
    rng = np.random.default_rng(10)
    sa = sa[:-2] + sa[-2:][::-1] if ta else sa
    sb = sb[:-2] + sb[-2:][::-1] if tb else sb
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    check_grad(lambda x, y: tg.matmul(x, y, transpose_a=ta, transpose_b=tb), a, b)


def test_gradient_of_mixed_dtypes_keeps_input_dtypes():
    a = tg.constant(np.ones((2, 3), np.float32))
    b = tg.constant(np.ones((3, 2), np.float64))
    with tg.GradientTape() as tape:
        tape.watch([a, b])
        y = tg.reduce_sum(tg.matmul(a, b))
    ga, gb = tape.gradient(y, [a, b])
    assert ga.dtype == tg.float32 and gb.dtype == tg.float64
    np.testing.assert_allclose(ga.numpy(), np.full((2, 3), 2.0))


def test_integer_matmul_has_no_gradient():
    a = tg.constant(np.ones((2, 2), np.int32))
    with tg.GradientTape() as tape:
        tape.watch(a)
        y = tg.matmul(a, a)
    assert tape.gradient(y, a) is None


@pytest.mark.parametrize("ta,tb", list(itertools.product([False, True], repeat=2)))
def test_second_order_through_matmul(ta, tb):
    # f(A) = sum((op(A) op(B))^2); grad = 2 op(A)op(B) op(B)^T (transposed back);
    # d/dA <grad, V> is 2 V B B^T for ta = tb = False, etc.: compare with NumPy.
    rng = np.random.default_rng(11)
    A = rng.standard_normal((4, 3) if ta else (3, 4))
    B = rng.standard_normal((5, 4) if tb else (4, 5))
    V = rng.standard_normal(A.shape)
    a, b, v = tg.constant(A), tg.constant(B), tg.constant(V)
    with tg.GradientTape() as outer:
        outer.watch(a)
        with tg.GradientTape() as inner:
            inner.watch(a)
            y = tg.reduce_sum(tg.square(tg.matmul(a, b, transpose_a=ta, transpose_b=tb)))
        g = inner.gradient(y, a)
        z = tg.reduce_sum(g * v)
    h = outer.gradient(z, a).numpy()
    opB = B.T if tb else B
    Vl = V.T if ta else V
    expected = 2 * Vl @ opB @ opB.T
    np.testing.assert_allclose(h, expected.T if ta else expected, rtol=1e-10, atol=1e-10)


def test_gradient_of_views():
    rng = np.random.default_rng(12)
    a, b = rng.standard_normal((5, 4)), rng.standard_normal((5, 3))
    check_grad(lambda x, y: tg.matmul(tg.transpose(x), y), a, b)
    check_grad(lambda x, y: tg.matmul(x[::2], y[::2], transpose_a=True), a, b)


# ---- tensordot -------------------------------------------------------------------

@pytest.mark.parametrize("sa,sb,axes", [
    ((3, 4, 5), (4, 5, 2), 2),
    ((3, 4), (4, 2), 1),
    ((3, 4), (2, 5), 0),
    ((), (2, 3), 0),
    ((3, 4, 5), (5, 4, 2), [[1, 2], [1, 0]]),
    ((3, 4, 5), (3, 2), [[0], [0]]),          # contracted axes lead: a transpose flag
    ((2, 3, 4), (4, 3), [[2, 1], [0, 1]]),
    ((3, 4, 5), (2, 4), [1, 1]),              # a pair of ints
    ((2, 3, 4), (2, 4, 3), [[-1, 0], [1, 0]]),
])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_tensordot_matches_numpy(sa, sb, axes, dtype):
    rng = np.random.default_rng(13)
    a, b = rand(rng, sa, dtype), rand(rng, sb, dtype)
    expected = np.tensordot(a, b, axes)
    assert_matches(tg.tensordot(a, b, axes), expected.astype(dtype), 60)


def test_tensordot_gradients():
    rng = np.random.default_rng(14)
    a, b = rng.standard_normal((3, 4, 5)), rng.standard_normal((5, 4, 2))
    check_grad(lambda x, y: tg.tensordot(x, y, [[1, 2], [1, 0]]), a, b)
    check_grad(lambda x, y: tg.tensordot(x, y, 1), rng.standard_normal((2, 3)), rng.standard_normal((3, 2)))
    check_grad(lambda x, y: tg.tensordot(x, y, [[0], [1]]), rng.standard_normal((3, 2)), rng.standard_normal((2, 3)))


def test_tensordot_bad_axes():
    a, b = np.ones((2, 3)), np.ones((3, 4))
    with pytest.raises(ValueError, match=r"contracted axis 0 of a has size 2 but axis 0 of b has size 3"):
        tg.tensordot(a, b, [[0], [0]])
    with pytest.raises(ValueError, match="same length"):
        tg.tensordot(a, b, [[1], [0, 1]])
    with pytest.raises(IndexError, match="axis 5 of a is out of range"):
        tg.tensordot(a, b, [[5], [0]])
    with pytest.raises(ValueError, match="repeated axis"):
        tg.tensordot(np.ones((3, 3)), np.ones((3, 3)), [[0, 0], [0, 1]])
    with pytest.raises(ValueError, match="axes=3"):
        tg.tensordot(a, b, 3)
    with pytest.raises(ValueError, match="pair of axis lists"):
        tg.tensordot(a, b, [[1], [0], [0]])


# ---- bad input ----------------------------------------------------------------------

def test_contracted_dimension_mismatch_names_shapes_and_dims():
    with pytest.raises(ValueError, match=r"shapes \(2, 3\) and \(4, 5\) are incompatible: contracted dimensions 3 .*and 4"):
        tg.matmul(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"\(3, 2\) and \(4, 5\).*contracted dimensions 3 \(a, axis -2, transposed\)"):
        tg.matmul(np.ones((3, 2)), np.ones((4, 5)), transpose_a=True)
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        tg.matmul(np.ones(3), np.ones(4))


def test_batch_mismatch_names_batch_dims():
    with pytest.raises(ValueError, match=r"batch dimensions \(2,\) of a \(shape \(2, 2, 3\)\) and \(3,\) of b"):
        tg.matmul(np.ones((2, 2, 3)), np.ones((3, 3, 5)))


def test_scalars_and_bool_are_rejected():
    with pytest.raises(ValueError, match="at least 1 dimension"):
        tg.matmul(3.0, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"shapes \(2, 2\) and \(\)"):
        tg.matmul(np.ones((2, 2)), np.float64(2.0))
    with pytest.raises(TypeError, match="bool"):
        tg.matmul(np.ones((2, 2), bool), np.ones((2, 2), bool))
    with pytest.raises(TypeError, match="output_type"):
        tg.matmul(np.ones((2, 2), np.float32), np.ones((2, 2), np.float32), output_type=tg.float64)


def test_tf_keyword_arguments():
    a = np.arange(6.0).reshape(2, 3)
    assert_matches(tg.matmul(a, a, adjoint_b=True, name="mm"), a @ a.T, 3)
    assert_matches(tg.matmul(a, a, adjoint_a=True, output_type=tg.float64), a.T @ a, 2)


def test_integer_operand_of_a_float_matmul_gets_no_gradient():
    a = tg.constant(np.ones((2, 3), np.int32))
    b = tg.constant(np.ones((3, 2), np.float64))
    with tg.GradientTape() as tape:
        tape.watch([a, b])
        y = tg.reduce_sum(tg.matmul(a, b))
    ga, gb = tape.gradient(y, [a, b])
    assert ga is None
    np.testing.assert_array_equal(gb.numpy(), np.full((3, 2), 2.0))

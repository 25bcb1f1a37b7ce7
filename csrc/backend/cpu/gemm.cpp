// The CPU GEMM: matmul's kernel over CBLAS, its thread policy, exact loops
// for integer dtypes, and short contractions (K <= 64 by default) sent to the
// register-tiled loops of simd/gemm_small.h instead of BLAS, as are float32
// GEMMs of any K with B not transposed where the SIMD level is AVX-512.
//
// A matrix operand reaches BLAS without a copy whenever its last two dims are
// row-contiguous (stride 1 along columns) or column-contiguous (stride 1 along
// rows): the second is the transpose of a row-major matrix, so it becomes a
// CblasTrans flag, which also absorbs transpose_a / transpose_b. An operand
// that is neither was made dense by the execution path before the call (its
// inference asked for it, linalg::blas_layout decides).
#include "backend/cpu/gemm.h"

#include <cblas.h>

#include "backend/cpu/blas_names.h"

#include <algorithm>
#include <atomic>
#include <climits>
#include <type_traits>
#include <vector>

#include "backend/cpu/register.h"
#include "linalg.h"
#include "op/registry.h"
#include "parallel.h"
#include "simd/dispatch.h"

namespace tg {

// ---- thread policy -------------------------------------------------------------
// One pool: BLAS always runs single-threaded, and a big GEMM is split into
// blocks of C's rows (or columns, when C is wider than tall) spread over our
// pool (parallel.h), one BLAS call per block. Measured on this 2-core machine, each
// process timing one policy (bench/matmul_threads.py and MNIST training):
//  - OpenBLAS's own threads beside our pool: two pools on two cores. Its
//    workers and ours took turns spinning; mid-sized GEMMs (the MNIST step's
//    (128,512)@(512,10) family, M*N*K ~ 2^19) could not be parallelised
//    without making a training epoch 4-6x slower (2.1-2.4 s vs 0.33 s).
//  - split over our pool, BLAS single-threaded: 1.3-1.6x faster than one
//    thread from 96^3 (2^19.8) up (128^3: 14 vs 21 us; the MNIST family
//    6-9 us vs 9-13 us), equal to OpenBLAS's threads on the big ones
//    ((128,784)@(784,512) 265-283 us, 2048^2 38-40 ms), equal at 64^3, and a
//    training epoch 0.31 s instead of 0.33 s.
namespace linalg {
namespace {

constexpr int64_t kDefaultParallelGemmWork = int64_t(1) << 18;
constexpr int64_t kDefaultShortContraction = 64;
constexpr int64_t kMinSplitExtent = 64;  // rows or columns of C worth splitting
constexpr int64_t kMinGemmBlock = 32;     // rows or columns of C per block, at least
constexpr int64_t kDefaultGemmBlocksPerThread = 2;
std::atomic<int64_t> g_blocks_per_thread{kDefaultGemmBlocksPerThread};

std::atomic<int64_t> g_threshold{kDefaultParallelGemmWork};
std::atomic<int64_t> g_short_limit{kDefaultShortContraction};
std::atomic<int64_t> g_short_calls{0};
std::atomic<int64_t> g_tiled_calls{0};
std::atomic<bool> g_tiled_float{true};
std::atomic<int64_t> g_gemm_calls{0};
std::atomic<int64_t> g_operand_copies{0};
std::atomic<int> g_last_parts{0};

}  // namespace

int64_t parallel_gemm_threshold() { return g_threshold.load(); }
int64_t gemm_blocks_per_thread() { return g_blocks_per_thread.load(); }
void set_gemm_blocks_per_thread(int64_t n) { g_blocks_per_thread.store(n > 0 ? n : kDefaultGemmBlocksPerThread); }
void set_parallel_gemm_threshold(int64_t work) {
  g_threshold.store(work > 0 ? work : kDefaultParallelGemmWork);
}
int64_t short_contraction_limit() { return g_short_limit.load(std::memory_order_relaxed); }
void set_short_contraction_limit(int64_t k) { g_short_limit.store(k >= 0 ? k : kDefaultShortContraction); }
bool tiled_float_gemm() { return g_tiled_float.load(std::memory_order_relaxed) && simd::kernels().gemm.float_any_depth; }
void set_tiled_float_gemm(int on) { g_tiled_float.store(on != 0); }
MatmulStats matmul_stats() {
  MatmulStats s;
  s.gemm_calls = g_gemm_calls.load();
  s.operand_copies = g_operand_copies.load();
  s.short_contraction_calls = g_short_calls.load();
  s.tiled_gemm_calls = g_tiled_calls.load();
  s.last_gemm_parts = g_last_parts.load();
  return s;
}
void reset_matmul_stats() {
  g_gemm_calls.store(0);
  g_operand_copies.store(0);
  g_short_calls.store(0);
  g_tiled_calls.store(0);
}
void count_operand_copy() { g_operand_copies.fetch_add(1, std::memory_order_relaxed); }

}  // namespace linalg

namespace cpu {

namespace {

// Batched GEMMs smaller than this (in M*N*K per thread) are not worth a fork.
constexpr int64_t kMinParallelGemmWork = int64_t(1) << 17;

// One operand seen as a stack of stored matrices, with the element offset of
// the matrix used for each output batch index (0 strides where broadcast).
struct MatArg {
  const void* data = nullptr;
  int64_t rows = 0, cols = 0, rs = 0, cs = 0;
  bool trans = false;  // the logical operand is the stored matrix transposed
  int64_t count = 1;   // output batch indices
  std::vector<int64_t> offsets;  // empty when there is no batch: one matrix at offset 0
  int64_t offset(int64_t i) const { return offsets.empty() ? 0 : offsets[size_t(i)]; }
};

MatArg make_arg(const ArrayArg& t, bool left, bool trans, const int64_t* out_batch, int nb_out) {
  MatArg m;
  m.data = t.data;
  m.trans = trans;
  const int nd = t.ndim;
  const int64_t* st = t.strides;
  int mat_dims;
  if (nd == 1) {
    // a 1-D left operand is one row (1, K); a 1-D right operand one column (K, 1)
    mat_dims = 1;
    if (left) { m.rows = 1; m.cols = t.shape[0]; m.rs = 0; m.cs = st[0]; }
    else { m.rows = t.shape[0]; m.cols = 1; m.rs = st[0]; m.cs = 0; }
  } else {
    mat_dims = 2;
    m.rows = t.shape[nd - 2]; m.cols = t.shape[nd - 1]; m.rs = st[nd - 2]; m.cs = st[nd - 1];
  }
  if (nb_out == 0) return m;  // one matrix: the usual case, without the batch walk
  // Batch offsets over the broadcast batch shape.
  const int nb_own = nd - mat_dims;
  std::vector<int64_t> bst(size_t(nb_out), 0);
  for (int i = 0; i < nb_own; ++i) bst[size_t(nb_out - nb_own + i)] = t.shape[i] == 1 ? 0 : st[i];
  int64_t count = 1;
  for (int d = 0; d < nb_out; ++d) count *= out_batch[d];
  m.count = count;
  m.offsets.resize(size_t(count));
  std::vector<int64_t> idx(size_t(nb_out), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < count; ++i) {
    m.offsets[size_t(i)] = off;
    for (int d = nb_out - 1; d >= 0; --d) {
      off += bst[size_t(d)];
      if (++idx[size_t(d)] < out_batch[d]) break;
      off -= bst[size_t(d)] * out_batch[d];
      idx[size_t(d)] = 0;
    }
  }
  return m;
}

bool fits_blas_int(std::initializer_list<int64_t> v) {
  for (int64_t x : v)
    if (x > INT_MAX) return false;
  return true;
}

// Plain loops for integer dtypes (exact, wrapping like NumPy) and for float
// GEMMs whose sizes do not fit BLAS's 32-bit ints. Any strides. Accumulates in Acc.
template <class T, class Acc>
void loop_matmul(const MatArg& A, const MatArg& B, T* C, int64_t M, int64_t N, int64_t K) {
  const int64_t am = A.trans ? A.cs : A.rs, ak = A.trans ? A.rs : A.cs;
  const int64_t bk = B.trans ? B.cs : B.rs, bn = B.trans ? B.rs : B.cs;
  const T* pa = static_cast<const T*>(A.data);
  const T* pb = static_cast<const T*>(B.data);
  const int64_t nb = A.count;
  auto conv = [](T x) -> Acc {
    if constexpr (std::is_integral_v<Acc>) return Acc(int64_t(x));  // two's complement wrap
    else return Acc(x);
  };
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, N * K));
  parallel_for(nb * M, grain, [&](int64_t r0, int64_t r1) {
    std::vector<Acc> row(static_cast<size_t>(N));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t bi = r / M, m = r % M;
      const T* arow = pa + A.offset(bi) + m * am;
      const T* bmat = pb + B.offset(bi);
      std::fill(row.begin(), row.end(), Acc(0));
      for (int64_t k = 0; k < K; ++k) {
        const Acc av = conv(arow[k * ak]);
        const T* brow = bmat + k * bk;
        Acc* out = row.data();
        if (bn == 1) {
          for (int64_t n = 0; n < N; ++n) out[n] += av * conv(brow[n]);
        } else {
          for (int64_t n = 0; n < N; ++n) out[n] += av * conv(brow[n * bn]);
        }
      }
      T* crow = C + r * N;
      for (int64_t n = 0; n < N; ++n) crow[n] = static_cast<T>(row[size_t(n)]);
    }
  });
}

// C = op(A) op(B) (+ C when accumulate) by the register-tiled loops. A is
// read in place with its strides; a transposed B is first copied to (K, N)
// rows, which is K * N elements against the M * N * K of the product.
template <class T>
void tiled_loops_gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t M, int64_t N, int64_t K, const T* a,
                            int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc, bool accumulate) {
  const int64_t a_m = ta == CblasNoTrans ? lda : 1, a_k = ta == CblasNoTrans ? 1 : lda;
  thread_local std::vector<T> packed;
  if (tb != CblasNoTrans) {
    packed.resize(size_t(K * N));
    for (int64_t k = 0; k < K; ++k)
      for (int64_t n = 0; n < N; ++n) packed[size_t(k * N + n)] = b[n * ldb + k];
    b = packed.data();
    ldb = N;
  }
  simd::kernels().gemm.small_k[std::is_same_v<T, float> ? 0 : 1](M, N, K, a, a_m, a_k, b, ldb, c, ldc, accumulate);
}

// C = op(A) op(B) + beta C (beta 0: C is only written).
template <class T>
void gemm_call(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t M, int64_t N, int64_t K, const T* a, int64_t lda,
               const T* b, int64_t ldb, T* c, int64_t ldc, T beta = T(0)) {
  const bool beta01 = beta == T(0) || beta == T(1);
  const bool short_k = K <= linalg::short_contraction_limit();
  // A transposed B is repacked per call (per block of a split GEMM): worth it
  // against K * N * M work only while K is short.
  const bool tiled = !short_k && std::is_same_v<T, float> && tb == CblasNoTrans && linalg::tiled_float_gemm();
  if (beta01 && (short_k || tiled)) {
    tiled_loops_gemm<T>(ta, tb, M, N, K, a, lda, b, ldb, c, ldc, beta == T(1));
    (short_k ? linalg::g_short_calls : linalg::g_tiled_calls).fetch_add(1, std::memory_order_relaxed);
  } else if constexpr (std::is_same_v<T, float>) {
    TG_BLAS(cblas_sgemm)(CblasRowMajor, ta, tb, int(M), int(N), int(K), 1.0f, a, int(lda), b, int(ldb), beta, c, int(ldc));
  } else {
    TG_BLAS(cblas_dgemm)(CblasRowMajor, ta, tb, int(M), int(N), int(K), 1.0, a, int(lda), b, int(ldb), beta, c, int(ldc));
  }
  linalg::g_gemm_calls.fetch_add(1, std::memory_order_relaxed);
}

// BLAS's own threads stay off while we call it (see the thread policy above).
// Without OpenBLAS's thread control BLAS keeps its threads, and we do not
// split on top of them.
bool blas_single_threaded() {
#ifdef OPENBLAS_VERSION
  if (TG_BLAS(openblas_get_num_threads)() != 1) TG_BLAS(openblas_set_num_threads)(1);
  return true;
#else
  return false;
#endif
}

// One GEMM (row-major C, ldc) by the thread policy.
template <class T>
void pooled_gemm(CBLAS_TRANSPOSE opa, CBLAS_TRANSPOSE opb, int64_t M, int64_t N, int64_t K, const T* a, int64_t lda,
                 const T* b, int64_t ldb, T* c, int64_t ldc, T beta = T(0)) {
  const bool by_rows = M >= N;
  const int64_t extent = by_rows ? M : N;
  const int64_t nt = num_threads();
  const bool split = blas_single_threaded() && nt > 1 && extent >= linalg::kMinSplitExtent &&
                     M * N * K >= linalg::parallel_gemm_threshold();
  if (!split) {
    linalg::g_last_parts.store(1, std::memory_order_relaxed);
    gemm_call<T>(opa, opb, M, N, K, a, lda, b, ldb, c, ldc, beta);
    return;
  }
  // Blocks of whole 16-row/column tiles (the SIMD kernels' width), more
  // blocks than threads so that a parked worker holds back one block only.
  const int64_t want =
      std::max<int64_t>(1, std::min(linalg::gemm_blocks_per_thread() * nt, extent / linalg::kMinGemmBlock));
  const int64_t block = ((extent + want - 1) / want + 15) / 16 * 16;
  const int64_t parts = (extent + block - 1) / block;
  linalg::g_last_parts.store(int(parts), std::memory_order_relaxed);
  parallel_for(parts, 1, [&](int64_t p0, int64_t p1) {
    const int64_t s = p0 * block, e = std::min(extent, p1 * block);
    if (by_rows)
      gemm_call<T>(opa, opb, e - s, N, K, opa == CblasNoTrans ? a + s * lda : a + s, lda, b, ldb, c + s * ldc, ldc,
                   beta);
    else
      gemm_call<T>(opa, opb, M, e - s, K, a, lda, opb == CblasNoTrans ? b + s : b + s * ldb, ldb, c + s, ldc, beta);
  });
}

template <class T>
void blas_matmul(const MatArg& A, const MatArg& B, T* C, int64_t M, int64_t N, int64_t K) {
  const linalg::Layout la = linalg::blas_layout(A.rows, A.cols, A.rs, A.cs);
  const linalg::Layout lb = linalg::blas_layout(B.rows, B.cols, B.rs, B.cs);
  // An operand BLAS cannot read only reaches here if a caller skipped the
  // inference's dense copy; the loops read any strides.
  if (!la.ok || !lb.ok || !fits_blas_int({M, N, K, la.ld, lb.ld})) {
    loop_matmul<T, T>(A, B, C, M, N, K);
    return;
  }
  const CBLAS_TRANSPOSE opa = la.col_major != A.trans ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE opb = lb.col_major != B.trans ? CblasTrans : CblasNoTrans;
  const T* pa = static_cast<const T*>(A.data);
  const T* pb = static_cast<const T*>(B.data);
  const int64_t nb = A.count;
  const int64_t work = M * N * K;

  // B shared by every batch and A's batches stacked at a fixed row pitch:
  // the whole batch is one tall GEMM (Dense applied to a 3-D input).
  if (nb > 1 && opa == CblasNoTrans && !la.col_major) {
    bool b_shared = true, a_stacked = true;
    for (int64_t i = 1; i < nb && (b_shared || a_stacked); ++i) {
      b_shared = b_shared && B.offset(i) == B.offset(0);
      a_stacked = a_stacked && A.offset(i) == A.offset(0) + i * M * la.ld;
    }
    if (b_shared && a_stacked && fits_blas_int({nb * M})) {
      pooled_gemm<T>(opa, opb, nb * M, N, K, pa + A.offset(0), la.ld, pb + B.offset(0), lb.ld, C, N);
      return;
    }
  }

  if (nb == 1 || work >= linalg::parallel_gemm_threshold()) {
    for (int64_t i = 0; i < nb; ++i)
      pooled_gemm<T>(opa, opb, M, N, K, pa + A.offset(i), la.ld, pb + B.offset(i), lb.ld,
                     C + i * M * N, N);
    return;
  }
  // Many small GEMMs: single-threaded BLAS, batches spread over our pool.
  blas_single_threaded();
  linalg::g_last_parts.store(1, std::memory_order_relaxed);
  const int64_t grain = std::max<int64_t>(1, kMinParallelGemmWork / std::max<int64_t>(1, work));
  parallel_for(nb, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t i = b0; i < b1; ++i)
      gemm_call<T>(opa, opb, M, N, K, pa + A.offset(i), la.ld, pb + B.offset(i), lb.ld,
                   C + i * M * N, N);
  });
}

template <class T>
void matmul_typed(const KernelCall& c) {
  const ArrayArg &a = c.in[0], &b = c.in[1];
  const bool a_vec = a.ndim == 1, b_vec = b.ndim == 1;
  const bool ta = c.attrs->transpose_a, tb = c.attrs->transpose_b;
  const int64_t ar = a_vec ? 1 : a.shape[a.ndim - 2], ac = a.shape[a.ndim - 1];
  const int64_t br = b_vec ? b.shape[0] : b.shape[b.ndim - 2], bc = b_vec ? 1 : b.shape[b.ndim - 1];
  const int64_t M = ta ? ac : ar, K = ta ? ar : ac, N = tb ? br : bc;
  T* C = static_cast<T*>(c.out.data);
  if (K == 0) {
    std::fill_n(C, c.numel, T(0));
    return;
  }
  // The call's shape is the output's: the batch dims, then M and N unless
  // the operand on that side was a vector.
  const int nb = c.ndim - (a_vec ? 0 : 1) - (b_vec ? 0 : 1);
  const MatArg A = make_arg(a, true, ta, c.shape, nb);
  const MatArg B = make_arg(b, false, tb, c.shape, nb);
  if constexpr (std::is_floating_point_v<T>) blas_matmul<T>(A, B, C, M, N, K);
  else loop_matmul<T, uint64_t>(A, B, C, M, N, K);
}

}  // namespace

template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* a, int64_t lda, const T* b,
          int64_t ldb, T* c, int64_t ldc, bool accumulate) {
  TG_CHECK(fits_blas_int({M, N, K, lda, ldb, ldc}), NotImplementedError, "GEMM of (", M, ", ", K, ") x (", K, ", ", N,
           ") with leading dimensions (", lda, ", ", ldb, ", ", ldc, ") exceeds BLAS's 32-bit sizes");
  const CBLAS_TRANSPOSE opa = trans_a ? CblasTrans : CblasNoTrans, opb = trans_b ? CblasTrans : CblasNoTrans;
  const T beta = accumulate ? T(1) : T(0);
  if (in_parallel_region()) {  // a kernel's chunk: one single-threaded call, no split
    blas_single_threaded();
    gemm_call<T>(opa, opb, M, N, K, a, lda, b, ldb, c, ldc, beta);
  } else {
    pooled_gemm<T>(opa, opb, M, N, K, a, lda, b, ldb, c, ldc, beta);
  }
}
template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*,
                          int64_t, bool);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, const double*, int64_t, const double*, int64_t,
                           double*, int64_t, bool);

void matmul_into(const KernelCall& c) { TG_DISPATCH_NUMERIC(c.out.dtype, "matmul", matmul_typed<T>(c)); }

void register_gemm() {
  for (DType dt : {DType::Float32, DType::Float64, DType::UInt8, DType::Int32, DType::Int64})
    op::register_kernel(op::OpId::MatMul, DeviceType::CPU, dt, &matmul_into);
}

}  // namespace cpu
}  // namespace tg

// matmul and tensordot: NumPy matmul semantics on top of CBLAS gemm.
//
// A matrix operand reaches BLAS without a copy whenever its last two dims are
// row-contiguous (stride 1 along columns) or column-contiguous (stride 1 along
// rows): the second is the transpose of a row-major matrix, so it becomes a
// CblasTrans flag, which also absorbs transpose_a / transpose_b. Only an
// operand that is neither (a slice with steps in both dims, a broadcast row,
// negative strides) is copied first.
#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <numeric>
#include <type_traits>

#include "autograd.h"
#include "op/exec.h"
#include "linalg.h"
#include "ops.h"
#include "parallel.h"

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
constexpr int64_t kMinSplitExtent = 64;  // rows or columns of C worth splitting
constexpr int64_t kMinGemmBlock = 32;     // rows or columns of C per block, at least
constexpr int64_t kDefaultGemmBlocksPerThread = 2;
std::atomic<int64_t> g_blocks_per_thread{kDefaultGemmBlocksPerThread};

std::atomic<int64_t> g_threshold{kDefaultParallelGemmWork};
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
MatmulStats matmul_stats() {
  MatmulStats s;
  s.gemm_calls = g_gemm_calls.load();
  s.operand_copies = g_operand_copies.load();
  s.last_gemm_parts = g_last_parts.load();
  return s;
}
void reset_matmul_stats() {
  g_gemm_calls.store(0);
  g_operand_copies.store(0);
}

}  // namespace linalg

namespace ops {

using autograd::Grads;

namespace {

// Batched GEMMs smaller than this (in M*N*K per thread) are not worth a fork.
constexpr int64_t kMinParallelGemmWork = int64_t(1) << 17;

// How BLAS can read a stored (rows x cols) matrix with strides (rs, cs):
// row-major with leading dimension ld, or column-major (= the transpose of a
// row-major cols x rows matrix) with leading dimension ld.
struct Layout {
  bool ok = false;
  bool col_major = false;
  int64_t ld = 0;
};

Layout blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  // A dimension of length 1 has no meaningful stride: choose one BLAS accepts.
  const int64_t ld_row = rows <= 1 ? std::max<int64_t>(cols, 1) : rs;
  if ((cols <= 1 || cs == 1) && ld_row >= std::max<int64_t>(cols, 1)) return {true, false, ld_row};
  const int64_t ld_col = cols <= 1 ? std::max<int64_t>(rows, 1) : cs;
  if ((rows <= 1 || rs == 1) && ld_col >= std::max<int64_t>(rows, 1)) return {true, true, ld_col};
  return {};
}

// One operand seen as a stack of stored matrices, with the element offset of
// the matrix used for each output batch index (0 strides where broadcast).
struct MatArg {
  Tensor t;
  int64_t rows = 0, cols = 0, rs = 0, cs = 0;
  bool trans = false;  // the logical operand is the stored matrix transposed
  std::vector<int64_t> offsets;
};

MatArg make_arg(const Tensor& t, bool is_vector, bool left, bool trans, const Shape& out_batch) {
  MatArg m;
  m.t = t;
  m.trans = trans;
  const int64_t nd = t.ndim();
  const Strides& st = t.strides();
  int64_t mat_dims;
  if (is_vector) {
    // a 1-D left operand is one row (1, K); a 1-D right operand one column (K, 1)
    mat_dims = 1;
    if (left) { m.rows = 1; m.cols = t.dim(0); m.rs = 0; m.cs = st[0]; }
    else { m.rows = t.dim(0); m.cols = 1; m.rs = st[0]; m.cs = 0; }
  } else {
    mat_dims = 2;
    m.rows = t.dim(-2); m.cols = t.dim(-1); m.rs = st[size_t(nd - 2)]; m.cs = st[size_t(nd - 1)];
  }
  // Batch offsets over the broadcast batch shape.
  const int64_t nb_out = int64_t(out_batch.size());
  const int64_t nb_own = nd - mat_dims;
  Strides bst(size_t(nb_out), 0);
  for (int64_t i = 0; i < nb_own; ++i) {
    const size_t d = size_t(nb_out - nb_own + i);
    bst[d] = t.shape()[size_t(i)] == 1 ? 0 : st[size_t(i)];
  }
  int64_t count = 1;
  for (int64_t d : out_batch) count *= d;
  m.offsets.resize(size_t(count));
  std::vector<int64_t> idx(size_t(nb_out), 0);
  int64_t off = 0;
  for (int64_t i = 0; i < count; ++i) {
    m.offsets[size_t(i)] = off;
    for (int64_t d = nb_out - 1; d >= 0; --d) {
      off += bst[size_t(d)];
      if (++idx[size_t(d)] < out_batch[size_t(d)]) break;
      off -= bst[size_t(d)] * out_batch[size_t(d)];
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
// GEMMs whose sizes do not fit BLAS's 32-bit ints. Accumulates in Acc.
template <class T, class Acc>
void loop_matmul(const MatArg& A, const MatArg& B, T* C, int64_t M, int64_t N, int64_t K) {
  const int64_t am = A.trans ? A.cs : A.rs, ak = A.trans ? A.rs : A.cs;
  const int64_t bk = B.trans ? B.cs : B.rs, bn = B.trans ? B.rs : B.cs;
  const T* pa = A.t.data<T>();
  const T* pb = B.t.data<T>();
  const int64_t nb = int64_t(A.offsets.size());
  auto conv = [](T x) -> Acc {
    if constexpr (std::is_integral_v<Acc>) return Acc(int64_t(x));  // two's complement wrap
    else return Acc(x);
  };
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, N * K));
  parallel_for(nb * M, grain, [&](int64_t r0, int64_t r1) {
    std::vector<Acc> row(static_cast<size_t>(N));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t bi = r / M, m = r % M;
      const T* arow = pa + A.offsets[size_t(bi)] + m * am;
      const T* bmat = pb + B.offsets[size_t(bi)];
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

template <class T>
void gemm_call(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int64_t M, int64_t N, int64_t K, const T* a, int64_t lda,
               const T* b, int64_t ldb, T* c, int64_t ldc) {
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, ta, tb, int(M), int(N), int(K), 1.0f, a, int(lda), b, int(ldb), 0.0f, c, int(ldc));
  } else {
    cblas_dgemm(CblasRowMajor, ta, tb, int(M), int(N), int(K), 1.0, a, int(lda), b, int(ldb), 0.0, c, int(ldc));
  }
  linalg::g_gemm_calls.fetch_add(1, std::memory_order_relaxed);
}

// BLAS's own threads stay off while we call it (see the thread policy above).
// Without OpenBLAS's thread control BLAS keeps its threads, and we do not
// split on top of them.
bool blas_single_threaded() {
#ifdef OPENBLAS_VERSION
  if (openblas_get_num_threads() != 1) openblas_set_num_threads(1);
  return true;
#else
  return false;
#endif
}

// One GEMM (row-major C, ldc) by the thread policy.
template <class T>
void pooled_gemm(CBLAS_TRANSPOSE opa, CBLAS_TRANSPOSE opb, int64_t M, int64_t N, int64_t K, const T* a, int64_t lda,
                 const T* b, int64_t ldb, T* c, int64_t ldc) {
  const bool by_rows = M >= N;
  const int64_t extent = by_rows ? M : N;
  const int64_t nt = num_threads();
  const bool split = blas_single_threaded() && nt > 1 && extent >= linalg::kMinSplitExtent &&
                     M * N * K >= linalg::parallel_gemm_threshold();
  if (!split) {
    linalg::g_last_parts.store(1, std::memory_order_relaxed);
    gemm_call<T>(opa, opb, M, N, K, a, lda, b, ldb, c, ldc);
    return;
  }
  // Blocks of whole 16-row/column tiles (the SIMD kernels' width), more
  // blocks than threads so that a parked worker holds back one block only.
  const int64_t want = std::max<int64_t>(1, std::min(linalg::gemm_blocks_per_thread() * nt, extent / linalg::kMinGemmBlock));
  const int64_t block = ((extent + want - 1) / want + 15) / 16 * 16;
  const int64_t parts = (extent + block - 1) / block;
  linalg::g_last_parts.store(int(parts), std::memory_order_relaxed);
  parallel_for(parts, 1, [&](int64_t p0, int64_t p1) {
    const int64_t s = p0 * block, e = std::min(extent, p1 * block);
    if (by_rows)
      gemm_call<T>(opa, opb, e - s, N, K, opa == CblasNoTrans ? a + s * lda : a + s, lda, b, ldb, c + s * ldc, ldc);
    else
      gemm_call<T>(opa, opb, M, e - s, K, a, lda, opb == CblasNoTrans ? b + s : b + s * ldb, ldb, c + s, ldc);
  });
}

// Makes the operand readable by BLAS, copying it only when no layout fits.
Layout blas_ready(MatArg& m, bool is_vector, bool left, const Shape& out_batch) {
  Layout l = blas_layout(m.rows, m.cols, m.rs, m.cs);
  if (l.ok) return l;
  linalg::g_operand_copies.fetch_add(1, std::memory_order_relaxed);
  m = make_arg(m.t.contiguous(), is_vector, left, m.trans, out_batch);
  return blas_layout(m.rows, m.cols, m.rs, m.cs);
}

template <class T>
void blas_matmul(MatArg& A, MatArg& B, bool a_vec, bool b_vec, const Shape& out_batch, T* C, int64_t M, int64_t N,
                 int64_t K) {
  const Layout la = blas_ready(A, a_vec, true, out_batch);
  const Layout lb = blas_ready(B, b_vec, false, out_batch);
  if (!fits_blas_int({M, N, K, la.ld, lb.ld})) {
    loop_matmul<T, T>(A, B, C, M, N, K);
    return;
  }
  const CBLAS_TRANSPOSE opa = la.col_major != A.trans ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE opb = lb.col_major != B.trans ? CblasTrans : CblasNoTrans;
  const T* pa = A.t.data<T>();
  const T* pb = B.t.data<T>();
  const int64_t nb = int64_t(A.offsets.size());
  const int64_t work = M * N * K;

  // B shared by every batch and A's batches stacked at a fixed row pitch:
  // the whole batch is one tall GEMM (Dense applied to a 3-D input).
  if (nb > 1 && opa == CblasNoTrans && !la.col_major) {
    bool b_shared = true, a_stacked = true;
    for (int64_t i = 1; i < nb && (b_shared || a_stacked); ++i) {
      b_shared = b_shared && B.offsets[size_t(i)] == B.offsets[0];
      a_stacked = a_stacked && A.offsets[size_t(i)] == A.offsets[0] + i * M * la.ld;
    }
    if (b_shared && a_stacked && fits_blas_int({nb * M})) {
      pooled_gemm<T>(opa, opb, nb * M, N, K, pa + A.offsets[0], la.ld, pb + B.offsets[0], lb.ld, C, N);
      return;
    }
  }

  if (nb == 1 || work >= linalg::parallel_gemm_threshold()) {
    for (int64_t i = 0; i < nb; ++i)
      pooled_gemm<T>(opa, opb, M, N, K, pa + A.offsets[size_t(i)], la.ld, pb + B.offsets[size_t(i)], lb.ld,
                     C + i * M * N, N);
    return;
  }
  // Many small GEMMs: single-threaded BLAS, batches spread over our pool.
  blas_single_threaded();
  linalg::g_last_parts.store(1, std::memory_order_relaxed);
  const int64_t grain = std::max<int64_t>(1, kMinParallelGemmWork / std::max<int64_t>(1, work));
  parallel_for(nb, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t i = b0; i < b1; ++i)
      gemm_call<T>(opa, opb, M, N, K, pa + A.offsets[size_t(i)], la.ld, pb + B.offsets[size_t(i)], lb.ld,
                   C + i * M * N, N);
  });
}

Shape matmul_batch(const Tensor& a, const Tensor& b, int64_t a_mat_dims, int64_t b_mat_dims) {
  Shape ab(a.shape().begin(), a.shape().end() - a_mat_dims);
  Shape bb(b.shape().begin(), b.shape().end() - b_mat_dims);
  const size_t n = std::max(ab.size(), bb.size());
  Shape out(n, 1);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - ab.size() ? 1 : ab[i - (n - ab.size())];
    const int64_t db = i < n - bb.size() ? 1 : bb[i - (n - bb.size())];
    TG_CHECK(da == db || da == 1 || db == 1, ValueError, "matmul: batch dimensions ", ab, " of a (shape ", a.shape(),
             ") and ", bb, " of b (shape ", b.shape(), ") cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  TG_CHECK(a.device() == b.device(), ValueError, "matmul: tensors on different devices (", a.device().name(), " and ",
           b.device().name(), "); copy one explicitly");
  TG_CHECK(a.ndim() >= 1 && b.ndim() >= 1, ValueError, "matmul: both operands need at least 1 dimension, got shapes ",
           a.shape(), " and ", b.shape(), " (use multiply for scalars)");
  const DType dt = result_dtype(a, b);
  TG_CHECK(dt != DType::Bool, TypeError, "matmul: unsupported dtype bool (shapes ", a.shape(), " and ", b.shape(),
           "); cast to a numeric dtype first");
  // A 1-D operand is a row (left) or a column (right) whose dimension is
  // dropped from the result, as in NumPy; transposing it changes nothing.
  const bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  const bool ta = transpose_a && !a_vec, tb = transpose_b && !b_vec;
  const int64_t ar = a_vec ? 1 : a.dim(-2), ac = a.dim(-1);
  const int64_t br = b_vec ? b.dim(0) : b.dim(-2), bc = b_vec ? 1 : b.dim(-1);
  const int64_t M = ta ? ac : ar, K = ta ? ar : ac;
  const int64_t Kb = tb ? bc : br, N = tb ? br : bc;
  TG_CHECK(K == Kb, ValueError, "matmul: shapes ", a.shape(), " and ", b.shape(),
           " are incompatible: contracted dimensions ", K, " (a, axis ", ta ? -2 : -1, ta ? ", transposed" : "",
           ") and ", Kb, " (b, axis ", b_vec ? -1 : (tb ? -1 : -2), tb ? ", transposed" : "", ") differ");
  const Shape batch = matmul_batch(a, b, a_vec ? 1 : 2, b_vec ? 1 : 2);
  Shape full = batch;  // batch + (M, N): the shape the gradient sees
  full.push_back(M);
  full.push_back(N);
  Shape out_shape = batch;
  if (!a_vec) out_shape.push_back(M);
  if (!b_vec) out_shape.push_back(N);

  Tensor out = Tensor::empty(out_shape, dt, a.device());
  if (out.numel() > 0) {
    if (K == 0) {
      TG_DISPATCH_NUMERIC(dt, "matmul", std::fill_n(out.data<T>(), out.numel(), T(0)));
    } else {
      MatArg A = make_arg(convert(a, dt), a_vec, true, ta, batch);
      MatArg B = make_arg(convert(b, dt), b_vec, false, tb, batch);
      switch (dt) {
        case DType::Float32: blas_matmul<float>(A, B, a_vec, b_vec, batch, out.data<float>(), M, N, K); break;
        case DType::Float64: blas_matmul<double>(A, B, a_vec, b_vec, batch, out.data<double>(), M, N, K); break;
        case DType::UInt8: loop_matmul<uint8_t, uint64_t>(A, B, out.data<uint8_t>(), M, N, K); break;
        case DType::Int32: loop_matmul<int32_t, uint64_t>(A, B, out.data<int32_t>(), M, N, K); break;
        case DType::Int64: loop_matmul<int64_t, uint64_t>(A, B, out.data<int64_t>(), M, N, K); break;
        default: throw TypeError(str("matmul: unsupported dtype ", dt));
      }
    }
  }

  if (is_floating(dt) && autograd::should_record({&a, &b})) {
    autograd::record("matmul", {a, b}, {out}, [a, b, ta, tb, full](const Grads& g, const std::vector<bool>& need) {
      // Work on 2-D+ views of the 1-D operands; every step is a public op, so
      // the rule is itself differentiable.
      const Tensor A = a.ndim() == 1 ? reshape(a, {1, a.dim(0)}) : a;
      const Tensor B = b.ndim() == 1 ? reshape(b, {b.dim(0), 1}) : b;
      const Tensor G = g[0].shape() == full ? g[0] : reshape(g[0], full);
      Tensor ga, gb;
      if (need[0] && is_floating(a.dtype())) {  // integer inputs get no gradient
        // C = op(A) op(B): dA = g op(B)^T, transposed back when A was.
        if (!ta) ga = tb ? matmul(G, B) : matmul(G, B, false, true);
        else ga = tb ? matmul(B, G, true, true) : matmul(B, G, false, true);
        ga = sum_to(ga, A.shape());
        if (a.ndim() == 1) ga = reshape(ga, a.shape());
        if (ga.dtype() != a.dtype()) ga = cast(ga, a.dtype());
      }
      if (need[1] && is_floating(b.dtype())) {
        if (B.ndim() == 2 && A.ndim() > 2 && !ta) {
          // B was shared by every batch: one GEMM over the stacked rows
          // instead of a GEMM per batch and a reduction.
          const Tensor A2 = reshape(A, {-1, A.dim(-1)});
          const Tensor G2 = reshape(G, {-1, G.dim(-1)});
          gb = tb ? matmul(G2, A2, true, false) : matmul(A2, G2, true, false);
        } else if (!ta) {
          gb = tb ? matmul(G, A, true, false) : matmul(A, G, true, false);
        } else {
          gb = tb ? matmul(G, A, true, true) : matmul(A, G);
        }
        gb = sum_to(gb, B.shape());
        if (b.ndim() == 1) gb = reshape(gb, b.shape());
        if (gb.dtype() != b.dtype()) gb = cast(gb, b.dtype());
      }
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& axes_a,
                 const std::vector<int64_t>& axes_b) {
  TG_CHECK(axes_a.size() == axes_b.size(), ValueError, "tensordot: axes ", axes_a, " and ", axes_b,
           " must have the same length (shapes ", a.shape(), " and ", b.shape(), ")");
  auto prepare = [](const Tensor& t, const std::vector<int64_t>& axes, const char* which) {
    std::vector<int64_t> ax;
    std::vector<bool> used(size_t(t.ndim()), false);
    for (int64_t x : axes) {
      TG_CHECK(x >= -t.ndim() && x < t.ndim(), IndexError, "tensordot: axis ", x, " of ", which,
               " is out of range for shape ", t.shape());
      const int64_t n = x < 0 ? x + t.ndim() : x;
      TG_CHECK(!used[size_t(n)], ValueError, "tensordot: repeated axis ", x, " of ", which, " in ", axes);
      used[size_t(n)] = true;
      ax.push_back(n);
    }
    std::vector<int64_t> free;
    for (int64_t i = 0; i < t.ndim(); ++i)
      if (!used[size_t(i)]) free.push_back(i);
    return std::make_pair(ax, free);
  };
  auto [ca, fa] = prepare(a, axes_a, "a");
  auto [cb, fb] = prepare(b, axes_b, "b");
  int64_t K = 1, M = 1, N = 1;
  for (size_t i = 0; i < ca.size(); ++i) {
    const int64_t da = a.shape()[size_t(ca[i])], db = b.shape()[size_t(cb[i])];
    TG_CHECK(da == db, ValueError, "tensordot: shapes ", a.shape(), " and ", b.shape(),
             " are incompatible: contracted axis ", axes_a[i], " of a has size ", da, " but axis ", axes_b[i],
             " of b has size ", db);
    K *= da;
  }
  Shape out_shape;
  for (int64_t i : fa) { M *= a.shape()[size_t(i)]; out_shape.push_back(a.shape()[size_t(i)]); }
  for (int64_t i : fb) { N *= b.shape()[size_t(i)]; out_shape.push_back(b.shape()[size_t(i)]); }

  auto concat_axes = [](const std::vector<int64_t>& x, const std::vector<int64_t>& y) {
    std::vector<int64_t> r = x;
    r.insert(r.end(), y.begin(), y.end());
    return r;
  };
  auto is_identity = [](const std::vector<int64_t>& p) {
    for (size_t i = 0; i < p.size(); ++i)
      if (p[i] != int64_t(i)) return false;
    return true;
  };
  // Each side as a matrix; when the contracted axes already lead (or trail)
  // in memory order the reshape is a view and the transpose a BLAS flag.
  Tensor A, B;
  bool ta = false, tb = false;
  if (is_identity(concat_axes(fa, ca))) A = reshape(a, {M, K});
  else if (is_identity(concat_axes(ca, fa))) { A = reshape(a, {K, M}); ta = true; }
  else A = reshape(transpose(a, concat_axes(fa, ca)), {M, K});
  if (is_identity(concat_axes(cb, fb))) B = reshape(b, {K, N});
  else if (is_identity(concat_axes(fb, cb))) { B = reshape(b, {N, K}); tb = true; }
  else B = reshape(transpose(b, concat_axes(cb, fb)), {K, N});
  return reshape(matmul(A, B, ta, tb), out_shape);
}

}  // namespace ops
}  // namespace tg

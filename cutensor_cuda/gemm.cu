// The CUDA GEMM: matmul's kernel over cuBLAS, and exact tiled loops for
// integer dtypes. Mirrors backend/cpu/gemm.cpp.
//
// cuBLAS is column-major and our matrices are row-major: a row-major C =
// op(A) op(B) is the column-major C^T = op(B)^T op(A)^T, so every call passes
// B first and A second with M and N swapped. A stored matrix that
// linalg::blas_layout reads as row-major with leading dimension ld is, to
// cuBLAS, its transpose with the same ld; one it reads as column-major is
// itself. Either way the operation flag is CUBLAS_OP_T exactly when the layout
// is column-major xor the operand is transposed (the CPU's CblasTrans rule),
// and transposed or sliced views are read in place.
//
// Batches: the broadcast batch dims of both operands are merged where both
// step through them uniformly (strided_index.h); the innermost merged run is
// one strided-batched call (a broadcast operand has stride 0 there), and any
// dims left outside it are a loop of such calls.
#include <algorithm>
#include <climits>
#include <type_traits>
#include <vector>

#include "backend/strided_index.h"
#include "cublas_loader.h"
#include "gemm.h"
#include "linalg.h"
#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

// One operand seen as a stack of stored matrices: the last two dims (or a
// 1-D row / column), and its element strides over the output's batch dims
// (0 where it is broadcast).
struct MatArg {
  const void* data = nullptr;
  int64_t rows = 0, cols = 0, rs = 0, cs = 0;
  bool trans = false;  // the logical operand is the stored matrix transposed
  std::vector<int64_t> batch_strides;
};

MatArg make_arg(const ArrayArg& t, bool left, bool trans, int nb_out) {
  MatArg m;
  m.data = t.data;
  m.trans = trans;
  const int nd = t.ndim;
  std::vector<int64_t> st(size_t(nd > 0 ? nd : 1));
  own_strides(t, st.data());
  int mat_dims;
  if (nd == 1) {
    // a 1-D left operand is one row (1, K); a 1-D right operand one column (K, 1)
    mat_dims = 1;
    if (left) { m.rows = 1; m.cols = t.shape[0]; m.rs = 0; m.cs = st[0]; }
    else { m.rows = t.shape[0]; m.cols = 1; m.rs = st[0]; m.cs = 0; }
  } else {
    mat_dims = 2;
    m.rows = t.shape[nd - 2]; m.cols = t.shape[nd - 1]; m.rs = st[size_t(nd - 2)]; m.cs = st[size_t(nd - 1)];
  }
  const int nb_own = nd - mat_dims;
  m.batch_strides.assign(size_t(nb_out), 0);
  for (int i = 0; i < nb_own; ++i)
    m.batch_strides[size_t(nb_out - nb_own + i)] = t.shape[i] == 1 ? 0 : st[size_t(i)];
  return m;
}

bool fits_int(std::initializer_list<int64_t> v) {
  for (int64_t x : v)
    if (x > INT_MAX) return false;
  return true;
}

// ---- integer dtypes (and float GEMMs cuBLAS cannot take) ---------------------------

constexpr int kTile = 16;

// Element (m, k) of op(A) is a[m*am + k*ak], element (k, n) of op(B) is
// b[k*bk + n*bn]; `batch` gives each batch's matrix offsets in a and b.
struct LoopGemm {
  int64_t M = 0, N = 0, K = 0, am = 0, ak = 0, bk = 0, bn = 0, batches = 1;
  OffsetCalc<2> batch;
};

// Integers are accumulated in uint64 (wrapping like NumPy's, two's
// complement); floats in their own type.
template <class T, class Acc>
__device__ __forceinline__ Acc widen(T x) {
  if constexpr (std::is_integral_v<Acc>) return Acc(int64_t(x));
  else return Acc(x);
}

// One kTile x kTile tile of C per block, K walked in tiles staged through
// shared memory; grid-stride over tiles and batches.
template <class T, class Acc>
__global__ void tiled_matmul_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ c,
                                    LoopGemm g) {
  __shared__ Acc as[kTile][kTile];
  __shared__ Acc bs[kTile][kTile];
  const int tx = int(threadIdx.x), ty = int(threadIdx.y);
  const int64_t tiles_m = (g.M + kTile - 1) / kTile, tiles_n = (g.N + kTile - 1) / kTile;
  for (int64_t z = blockIdx.z; z < g.batches; z += gridDim.z) {
    int64_t off[2];
    g.batch.offsets(z, off);
    const T* A = a + off[0];
    const T* B = b + off[1];
    T* C = c + z * g.M * g.N;
    for (int64_t tm = blockIdx.y; tm < tiles_m; tm += gridDim.y) {
      for (int64_t tn = blockIdx.x; tn < tiles_n; tn += gridDim.x) {
        const int64_t row = tm * kTile + ty, col = tn * kTile + tx;
        Acc acc = Acc(0);
        for (int64_t k0 = 0; k0 < g.K; k0 += kTile) {
          const int64_t ka = k0 + tx, kb = k0 + ty;
          as[ty][tx] = row < g.M && ka < g.K ? widen<T, Acc>(A[row * g.am + ka * g.ak]) : Acc(0);
          bs[ty][tx] = kb < g.K && col < g.N ? widen<T, Acc>(B[kb * g.bk + col * g.bn]) : Acc(0);
          __syncthreads();
#pragma unroll
          for (int k = 0; k < kTile; ++k) acc += as[ty][k] * bs[k][tx];
          __syncthreads();
        }
        if (row < g.M && col < g.N) C[row * g.N + col] = static_cast<T>(acc);
      }
    }
  }
}

template <class T, class Acc>
void loop_matmul(const KernelCall& c, const MatArg& A, const MatArg& B, const OffsetCalc<2>& batch,
                 int64_t batches, int64_t M, int64_t N, int64_t K) {
  LoopGemm g;
  g.M = M; g.N = N; g.K = K;
  g.am = A.trans ? A.cs : A.rs; g.ak = A.trans ? A.rs : A.cs;
  g.bk = B.trans ? B.cs : B.rs; g.bn = B.trans ? B.rs : B.cs;
  g.batches = batches;
  g.batch = batch;
  constexpr int64_t kMaxGridDim = 65535;
  const dim3 grid(unsigned(std::min<int64_t>((N + kTile - 1) / kTile, kMaxGridDim)),
                  unsigned(std::min<int64_t>((M + kTile - 1) / kTile, kMaxGridDim)),
                  unsigned(std::min<int64_t>(batches, kMaxGridDim)));
  tiled_matmul_kernel<T, Acc><<<grid, dim3(kTile, kTile), 0, stream_for(c)>>>(
      static_cast<const T*>(A.data), static_cast<const T*>(B.data), static_cast<T*>(c.out.data), g);
  TG_CUDA_LAUNCHED("tiled_matmul_kernel");
}

// ---- cuBLAS ----------------------------------------------------------------------------

// Column-major C (m x n, ldc) = op1(X1) op2(X2), `count` times with the given
// batch strides (count == 1: one plain GEMM).
template <class T>
void cublas_gemm(cublasHandle_t h, cublasOperation_t op1, cublasOperation_t op2, int64_t m, int64_t n, int64_t k,
                 const T* x1, int64_t ld1, int64_t stride1, const T* x2, int64_t ld2, int64_t stride2, T* y,
                 int64_t ldy, int64_t stride_y, int64_t count) {
  const Cublas& lib = cublas();
  const T one = T(1), zero = T(0);
  if (count == 1) {
    if constexpr (std::is_same_v<T, float>)
      TG_CUBLAS_CHECK(lib.sgemm(h, op1, op2, int(m), int(n), int(k), &one, x1, int(ld1), x2, int(ld2), &zero, y,
                                int(ldy)));
    else
      TG_CUBLAS_CHECK(lib.dgemm(h, op1, op2, int(m), int(n), int(k), &one, x1, int(ld1), x2, int(ld2), &zero, y,
                                int(ldy)));
    return;
  }
  // batchCount is an int: larger batches go in chunks.
  for (int64_t b0 = 0; b0 < count; b0 += INT_MAX) {
    const int nb = int(std::min<int64_t>(count - b0, INT_MAX));
    const T* p1 = x1 + b0 * stride1;
    const T* p2 = x2 + b0 * stride2;
    T* py = y + b0 * stride_y;
    if constexpr (std::is_same_v<T, float>)
      TG_CUBLAS_CHECK(lib.sgemm_strided_batched(h, op1, op2, int(m), int(n), int(k), &one, p1, int(ld1), stride1,
                                                p2, int(ld2), stride2, &zero, py, int(ldy), stride_y, nb));
    else
      TG_CUBLAS_CHECK(lib.dgemm_strided_batched(h, op1, op2, int(m), int(n), int(k), &one, p1, int(ld1), stride1,
                                                p2, int(ld2), stride2, &zero, py, int(ldy), stride_y, nb));
  }
}

// Returns false (nothing queued) when cuBLAS cannot take the operands: a
// layout blas_layout rejects, or sizes beyond its 32-bit ints.
template <class T>
bool blas_matmul(const KernelCall& c, const MatArg& A, const MatArg& B, const OffsetCalc<2>& batch,
                 int64_t batches, int64_t M, int64_t N, int64_t K) {
  const linalg::Layout la = linalg::blas_layout(A.rows, A.cols, A.rs, A.cs);
  const linalg::Layout lb = linalg::blas_layout(B.rows, B.cols, B.rs, B.cs);
  if (!la.ok || !lb.ok || !fits_int({M, N, K, la.ld, lb.ld})) return false;
  const cublasOperation_t opa = la.col_major != A.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t opb = lb.col_major != B.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
  const T* pa = static_cast<const T*>(A.data);
  const T* pb = static_cast<const T*>(B.data);
  T* C = static_cast<T*>(c.out.data);
  stream_for(c);  // makes the device current before the handle is used
  const cublasHandle_t h = cublas_handle(c.device);

  // The innermost merged batch run and each operand's stride along it.
  const int nd = batch.ndim;
  const int64_t inner = nd > 0 ? batch.size[nd - 1] : 1;
  const int64_t sa = nd > 0 ? batch.stride[nd - 1][0] : 0;
  const int64_t sb = nd > 0 ? batch.stride[nd - 1][1] : 0;
  const int64_t outer = batches / inner;

  // B shared by every batch and A's batches one after another at its column
  // pitch (to cuBLAS): the whole batch is one GEMM with inner*M columns of C^T
  // (Dense applied to a 3-D input).
  if (outer == 1 && inner > 1 && sb == 0 && opa == CUBLAS_OP_N && sa == M * la.ld && fits_int({inner * M})) {
    cublas_gemm<T>(h, opb, opa, N, inner * M, K, pb, lb.ld, 0, pa, la.ld, 0, C, N, 0, 1);
    return true;
  }
  for (int64_t o = 0; o < outer; ++o) {
    int64_t off[2];
    batch.offsets(o * inner, off);
    cublas_gemm<T>(h, opb, opa, N, M, K, pb + off[1], lb.ld, sb, pa + off[0], la.ld, sa, C + o * inner * M * N, N,
                   M * N, inner);
  }
  return true;
}

template <class T>
void matmul_typed(const KernelCall& c) {
  if (c.numel == 0) return;
  const ArrayArg &a = c.in[0], &b = c.in[1];
  const bool a_vec = a.ndim == 1, b_vec = b.ndim == 1;
  const bool ta = c.attrs->transpose_a, tb = c.attrs->transpose_b;
  const int64_t ar = a_vec ? 1 : a.shape[a.ndim - 2], ac = a.shape[a.ndim - 1];
  const int64_t br = b_vec ? b.shape[0] : b.shape[b.ndim - 2], bc = b_vec ? 1 : b.shape[b.ndim - 1];
  const int64_t M = ta ? ac : ar, K = ta ? ar : ac, N = tb ? br : bc;
  if (K == 0) {
    TG_CUDA_CHECK(cudaMemsetAsync(c.out.data, 0, size_t(c.numel) * sizeof(T), stream_for(c)));
    return;
  }
  // The call's shape is the output's: the batch dims, then M and N unless
  // the operand on that side was a vector.
  const int nb = c.ndim - (a_vec ? 0 : 1) - (b_vec ? 0 : 1);
  const MatArg A = make_arg(a, true, ta, nb);
  const MatArg B = make_arg(b, false, tb, nb);
  const int64_t batches = c.numel / (M * N);
  OffsetCalc<2> batch;
  const int64_t* batch_strides[2] = {A.batch_strides.data(), B.batch_strides.data()};
  TG_CHECK(make_offset_calc<2>(c.shape, nb, batch_strides, batch), NotImplementedError,
           "matmul on a GPU takes at most ", kMaxIndexDims, " batch dimensions after merging; this call has ", nb);
  if constexpr (std::is_floating_point_v<T>) {
    if (blas_matmul<T>(c, A, B, batch, batches, M, N, K)) return;
    loop_matmul<T, T>(c, A, B, batch, batches, M, N, K);
  } else {
    loop_matmul<T, uint64_t>(c, A, B, batch, batches, M, N, K);
  }
}

}  // namespace

template <class T>
void gemm_groups(const KernelCall& c, bool ta, bool tb, int64_t M, int64_t N, int64_t K, const T* a, int64_t lda,
                 int64_t sa, const T* b, int64_t ldb, int64_t sb, T* out, int64_t ldc, int64_t sc, int64_t batch,
                 bool accumulate) {
  TG_CHECK(M <= INT_MAX && N <= INT_MAX && K <= INT_MAX && lda <= INT_MAX && ldb <= INT_MAX && ldc <= INT_MAX &&
               batch <= INT_MAX,
           NotImplementedError, "GEMM of (", M, ", ", K, ") x (", K, ", ", N, ") in ", batch,
           " groups exceeds cuBLAS's 32-bit sizes");
  stream_for(c);  // makes the device current before its handle is used
  const cublasHandle_t h = cublas_handle(c.device);
  const Cublas& lib = cublas();
  const cublasOperation_t opa = ta ? CUBLAS_OP_T : CUBLAS_OP_N, opb = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  const T one = T(1), beta = accumulate ? T(1) : T(0);
  if (batch == 1) {
    if constexpr (std::is_same_v<T, float>)
      TG_CUBLAS_CHECK(lib.sgemm(h, opb, opa, int(N), int(M), int(K), &one, b, int(ldb), a, int(lda), &beta, out,
                                int(ldc)));
    else
      TG_CUBLAS_CHECK(lib.dgemm(h, opb, opa, int(N), int(M), int(K), &one, b, int(ldb), a, int(lda), &beta, out,
                                int(ldc)));
    return;
  }
  if constexpr (std::is_same_v<T, float>)
    TG_CUBLAS_CHECK(lib.sgemm_strided_batched(h, opb, opa, int(N), int(M), int(K), &one, b, int(ldb), sb, a, int(lda),
                                              sa, &beta, out, int(ldc), sc, int(batch)));
  else
    TG_CUBLAS_CHECK(lib.dgemm_strided_batched(h, opb, opa, int(N), int(M), int(K), &one, b, int(ldb), sb, a, int(lda),
                                              sa, &beta, out, int(ldc), sc, int(batch)));
}

template void gemm_groups<float>(const KernelCall&, bool, bool, int64_t, int64_t, int64_t, const float*, int64_t,
                                 int64_t, const float*, int64_t, int64_t, float*, int64_t, int64_t, int64_t, bool);
template void gemm_groups<double>(const KernelCall&, bool, bool, int64_t, int64_t, int64_t, const double*, int64_t,
                                  int64_t, const double*, int64_t, int64_t, double*, int64_t, int64_t, int64_t, bool);

void matmul_into(const KernelCall& c) { TG_DISPATCH_NUMERIC(c.out.dtype, "matmul", matmul_typed<T>(c)); }

void register_gemm() {
  op::register_accepted(op::OpId::MatMul, DeviceType::CUDA, &matmul_into);
}

}  // namespace tg::cuda

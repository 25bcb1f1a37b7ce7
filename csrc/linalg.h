// Matmul internals shared by the op definitions (ops_linalg.cpp,
// ops_dense.cpp), the CPU GEMM kernel (backend/cpu/gemm.cpp), the bindings,
// the benchmarks and the tests: which strided matrices BLAS reads in place,
// the BLAS thread policy, and the counters that prove views reach BLAS
// without copies.
#pragma once
#include <algorithm>
#include <cstdint>

namespace tg {
class Tensor;
namespace op {
struct Inferred;
}
}  // namespace tg

namespace tg::linalg {

// How BLAS can read a stored (rows x cols) matrix with element strides
// (rs, cs): row-major with leading dimension ld, or column-major (= the
// transpose of a row-major cols x rows matrix) with leading dimension ld.
// Not ok: neither (steps in both dims, a broadcast row, negative strides).
struct Layout {
  bool ok = false;
  bool col_major = false;
  int64_t ld = 0;
};

inline Layout blas_layout(int64_t rows, int64_t cols, int64_t rs, int64_t cs) {
  // A dimension of length 1 has no meaningful stride: choose one BLAS accepts.
  const int64_t ld_row = rows <= 1 ? std::max<int64_t>(cols, 1) : rs;
  if ((cols <= 1 || cs == 1) && ld_row >= std::max<int64_t>(cols, 1)) return {true, false, ld_row};
  const int64_t ld_col = cols <= 1 ? std::max<int64_t>(rows, 1) : cs;
  if ((rows <= 1 || rs == 1) && ld_col >= std::max<int64_t>(rows, 1)) return {true, true, ld_col};
  return {};
}

// The stored matrix of one matmul operand of rank ndim (a 1-D left operand is
// one row (1, K), a 1-D right operand one column (K, 1)), as blas_layout reads it.
inline Layout operand_layout(const int64_t* shape, const int64_t* strides, int ndim, bool left) {
  if (ndim == 1)
    return left ? blas_layout(1, shape[0], 0, strides[0]) : blas_layout(shape[0], 1, strides[0], 0);
  return blas_layout(shape[ndim - 2], shape[ndim - 1], strides[ndim - 2], strides[ndim - 1]);
}

// For the inferences of matmul and dense (ops_linalg.cpp): asks the execution
// path for a dense copy of each float GEMM operand (inputs 0 and 1, the left
// and right one) whose layout BLAS cannot read in place, and counts it.
void request_blas_layouts(const Tensor* const* in, op::Inferred& r);

// GEMMs with M*N*K at or above this (and C at least 64 rows or columns) are
// split into blocks of C over our thread pool, one single-threaded BLAS call
// per block; smaller ones are one single-threaded call. BLAS's own threads are
// not used (measurements in backend/cpu/gemm.cpp).
int64_t parallel_gemm_threshold();
void set_parallel_gemm_threshold(int64_t work);  // <= 0 restores the default
// Blocks per thread a split GEMM is cut into (<= 0 restores the default).
int64_t gemm_blocks_per_thread();
void set_gemm_blocks_per_thread(int64_t n);

// A float GEMM whose contraction K is at most this runs the register-tiled
// loops of simd/gemm_small.h instead of BLAS (why there); 0 sends every GEMM
// the tiled float32 rule below leaves to BLAS, < 0 restores the default.
int64_t short_contraction_limit();
void set_short_contraction_limit(int64_t k);

// Float32 GEMMs of any K with B row-major (not transposed) also take those
// loops where the SIMD level's loops allow it (GemmLoops::float_any_depth:
// AVX-512). set_tiled_float_gemm: 1 on (where allowed), 0 off, < 0 default (on).
bool tiled_float_gemm();
void set_tiled_float_gemm(int on);

struct MatmulStats {
  int64_t gemm_calls = 0;      // single-threaded GEMM calls made (BLAS or our loops)
  int64_t short_contraction_calls = 0;  // of them, by the loops with K <= the short-contraction limit
  int64_t tiled_gemm_calls = 0;         // of them, by the loops with a longer K (float32)
  int64_t operand_copies = 0;  // operands copied because no BLAS layout fits
  int last_gemm_parts = 0;     // blocks the last GEMM was split into (1: not split)
};
MatmulStats matmul_stats();
void reset_matmul_stats();
// Counted by the inference that asks the execution path for the copy.
void count_operand_copy();

}  // namespace tg::linalg

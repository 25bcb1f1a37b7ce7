// The CPU GEMM for a short contraction (backend/cpu/gemm.cpp): compiled once
// per instruction-set level with the element-wise loops (loops_arch.cpp) and
// picked with them at load time.
//
// Why not BLAS: with K in the tens, OpenBLAS spends a GEMM on packing and on
// passes over C (zeroing it for beta = 0, then loading and storing it around a
// micro-kernel that has only K steps to amortise them). Here each tile of C
// stays in registers for all K steps and is written once.
#pragma once
#include <cstdint>

namespace tg::simd {

// C (M x N, row stride ldc) = A B, or C += A B when accumulate. A's element
// (m, k) is a[m * a_m + k * a_k] (any strides); B's row k starts at
// b + k * ldb and is contiguous along N. Float or double, by the table slot.
using SmallKGemmLoop = void (*)(int64_t M, int64_t N, int64_t K, const void* a, int64_t a_m, int64_t a_k,
                                const void* b, int64_t ldb, void* c, int64_t ldc, bool accumulate);

struct GemmLoops {
  SmallKGemmLoop small_k[2] = {};  // [0] float32, [1] float64
  // The level's float32 loops, blocked over K for cache, matched or beat
  // OpenBLAS at every float32 shape measured with B row-major (AVX-512 only;
  // bench/RESULTS.md), so they may take float32 GEMMs of any K.
  bool float_any_depth = false;
};

}  // namespace tg::simd

// Matmul internals that the bindings, benchmarks and tests look at: the BLAS
// thread policy and counters that prove views reach BLAS without copies.
#pragma once
#include <cstdint>

namespace tg::linalg {

// GEMMs with M*N*K at or above this (and C at least 64 rows or columns) are
// split into blocks of C over our thread pool, one single-threaded BLAS call
// per block; smaller ones are one single-threaded call. BLAS's own threads are
// not used (measurements in ops_linalg.cpp).
int64_t parallel_gemm_threshold();
void set_parallel_gemm_threshold(int64_t work);  // <= 0 restores the default
// Blocks per thread a split GEMM is cut into (<= 0 restores the default).
int64_t gemm_blocks_per_thread();
void set_gemm_blocks_per_thread(int64_t n);

struct MatmulStats {
  int64_t gemm_calls = 0;      // BLAS calls made
  int64_t operand_copies = 0;  // operands copied because no BLAS layout fits
  int last_gemm_parts = 0;     // blocks the last GEMM was split into (1: not split)
};
MatmulStats matmul_stats();
void reset_matmul_stats();

}  // namespace tg::linalg

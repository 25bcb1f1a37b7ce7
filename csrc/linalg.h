// Matmul internals that the bindings, benchmarks and tests look at: the BLAS
// thread policy and counters that prove views reach BLAS without copies.
#pragma once
#include <cstdint>

namespace tg::linalg {

// GEMMs with M*N*K below this run BLAS on one thread; at or above it BLAS gets
// the whole pool (measurements in ops_linalg.cpp). Batches of small GEMMs are
// spread over our own pool instead, each on one BLAS thread.
int64_t blas_thread_threshold();
void set_blas_thread_threshold(int64_t work);  // <= 0 restores the default

struct MatmulStats {
  int64_t gemm_calls = 0;      // BLAS calls made
  int64_t operand_copies = 0;  // operands copied because no BLAS layout fits
  int last_blas_threads = 0;   // threads BLAS was given for the last call
};
MatmulStats matmul_stats();
void reset_matmul_stats();

}  // namespace tg::linalg

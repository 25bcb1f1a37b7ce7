// The CPU GEMM (backend/cpu/gemm.cpp) for the kernels that end in a matrix
// product: matmul's, and dense's before its epilogue (backend/cpu/dense.cpp).
#pragma once
#include <cstdint>

#include "backend/kernel.h"

namespace tg::cpu {

// out = op(in[0]) @ op(in[1]) with NumPy's matmul semantics: 1-D operands are
// a row (left) or a column (right), leading dims are broadcast batch dims,
// op() transposes the last two dims when attrs->transpose_a/_b say so. The
// two inputs are described in their own shapes and strides
// (Inferred::own_shapes); the call's shape is the output's, which is dense.
// A float operand must have a layout BLAS reads in place (linalg::blas_layout);
// inference asks for a dense copy of one that has not.
void matmul_into(const KernelCall& c);

// Row-major C (M x N, leading dimension ldc) = op(A) op(B) (+ C when
// accumulate) for float or double matrices stored row-major with leading
// dimensions lda, ldb (op transposes when trans_a / trans_b), by matmul's
// thread policy: one single-threaded BLAS call, or blocks of C spread over
// the pool when big enough; always one call inside a parallel region. For
// kernels that end in a GEMM over their own buffers (conv.cpp).
// NotImplementedError for sizes beyond BLAS's 32-bit ints.
template <class T>
void gemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* a, int64_t lda, const T* b,
          int64_t ldb, T* c, int64_t ldc, bool accumulate = false);

}  // namespace tg::cpu

// The CUDA GEMM (gemm.cu) for the kernels that end in a matrix product:
// matmul's, and dense's before its epilogue (dense.cu). Mirrors
// backend/cpu/gemm.h.
#pragma once
#include "backend/kernel.h"

namespace tg::cuda {

// out = op(in[0]) @ op(in[1]) with NumPy's matmul semantics: 1-D operands are
// a row (left) or a column (right), leading dims are broadcast batch dims,
// op() transposes the last two dims when attrs->transpose_a/_b say so. The
// two inputs are described in their own shapes and strides
// (Inferred::own_shapes); the call's shape is the output's, which is dense.
// Float operands go to cuBLAS (loaded on first use, cublas_loader.h) and are
// read in place when linalg::blas_layout accepts their layout; inference asks
// for a dense copy of one that it does not. Queued on the device's stream.
void matmul_into(const KernelCall& c);

// Row-major C (M x N, ldc) = op(A) op(B) (+ C when accumulate) for each of
// `batch` groups, the groups' matrices sa, sb, sc elements apart (one cuBLAS
// call, strided-batched when batch > 1), on the call's device and stream:
// for kernels that end in or step through matrix products over their own
// buffers (conv.cu, rnn.cu). NotImplementedError beyond cuBLAS's int sizes.
template <class T>
void gemm_groups(const KernelCall& c, bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, const T* a,
                 int64_t lda, int64_t sa, const T* b, int64_t ldb, int64_t sb, T* out, int64_t ldc, int64_t sc,
                 int64_t batch, bool accumulate);

}  // namespace tg::cuda

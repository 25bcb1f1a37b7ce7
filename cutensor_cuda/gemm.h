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

}  // namespace tg::cuda

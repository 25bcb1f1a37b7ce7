// The CPU GEMM (backend/cpu/gemm.cpp) for the kernels that end in a matrix
// product: matmul's, and dense's before its epilogue (backend/cpu/dense.cpp).
#pragma once
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

}  // namespace tg::cpu

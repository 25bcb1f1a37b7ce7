// Running an element-wise inner loop over whole tensors: broadcasting, the
// contiguous fast paths, the strided walk, and threads above a size threshold.
// Shared by the element-wise ops and by anything else with per-element loops.
#pragma once
#include "ops.h"
#include "simd/dispatch.h"

namespace tg {

// Converts t to dtype without recording anything (kernel-level cast).
Tensor convert(const Tensor& t, DType dtype);

// out[i] = loop(a[i], b[i]) over the broadcast shape; a and b already in the
// compute dtype; out allocated with out_dtype.
Tensor run_binary(simd::BinaryLoop loop, const Tensor& a, const Tensor& b, DType out_dtype);
Tensor run_unary(simd::UnaryLoop loop, const Tensor& a, DType out_dtype);
// out[i] = loop(a[i], b[i], c[i]) over the broadcast shape of all three; each
// operand keeps its own dtype (where's condition is bool).
Tensor run_ternary(simd::TernaryLoop loop, const Tensor& a, const Tensor& b, const Tensor& c, DType out_dtype);

}  // namespace tg

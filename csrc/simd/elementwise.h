// The element-wise inner loops: one function per (op, compute dtype), picked
// from the table of the best instruction set the CPU supports. A loop walks n
// elements of each input with a fixed stride (0 = broadcast scalar, 1 =
// contiguous, else strided) and writes n contiguous outputs.
#pragma once
#include <cstdint>

#include "dtype.h"

namespace tg::simd {

// ReluGrad(y, g) = y > 0 ? g : 0; SigmoidGrad(y, g) = g*y*(1-y);
// TanhGrad(y, g) = g*(1-y*y): the fused backward kernels of those activations
// (one pass instead of three; each is an op with its own gradient rule).
#define TG_BINARY_OPS(X) \
  X(Add) X(Sub) X(Mul) X(Div) X(FloorDiv) X(Mod) X(Pow) X(Maximum) X(Minimum) \
  X(Equal) X(NotEqual) X(Less) X(LessEqual) X(Greater) X(GreaterEqual)        \
  X(LogicalAnd) X(LogicalOr) X(LogicalXor) X(ReluGrad) X(SigmoidGrad) X(TanhGrad)

#define TG_UNARY_OPS(X) \
  X(Negative) X(Abs) X(Sign) X(Square) X(Sqrt) X(Rsqrt) X(Reciprocal) X(Exp) X(Log) \
  X(Log1p) X(Expm1) X(Sin) X(Cos) X(Tanh) X(Sigmoid) X(Relu) X(Softplus)           \
  X(Erf) X(Erfc) X(LogicalNot) X(IsNan) X(IsFinite) X(IsInf) X(Copy)

// Where(cond, x, y): cond is bool, x and y in the compute dtype.
// Clip(x, lo, hi) = min(max(x, lo), hi), NaN in x propagates.
#define TG_TERNARY_OPS(X) X(Where) X(Clip)

#define TG_ENUM_ENTRY(name) name,
enum class BinaryOp : uint8_t { TG_BINARY_OPS(TG_ENUM_ENTRY) kCount };
enum class UnaryOp : uint8_t { TG_UNARY_OPS(TG_ENUM_ENTRY) kCount };
enum class TernaryOp : uint8_t { TG_TERNARY_OPS(TG_ENUM_ENTRY) kCount };
#undef TG_ENUM_ENTRY

using BinaryLoop = void (*)(const void* a, int64_t sa, const void* b, int64_t sb, void* out, int64_t n);
using UnaryLoop = void (*)(const void* a, int64_t sa, void* out, int64_t n);
using TernaryLoop = void (*)(const void* a, int64_t sa, const void* b, int64_t sb, const void* c, int64_t sc,
                             void* out, int64_t n);

struct ElementwiseLoops {
  // Indexed by op and by the dtype the inputs are computed in; null when the
  // op has no loop for that dtype.
  BinaryLoop binary[int(BinaryOp::kCount)][kNumDTypes] = {};
  UnaryLoop unary[int(UnaryOp::kCount)][kNumDTypes] = {};
  // Indexed by the dtype of the values (Where's condition is always bool).
  TernaryLoop ternary[int(TernaryOp::kCount)][kNumDTypes] = {};
};

}  // namespace tg::simd

// The element-wise inner loops: one function per (op, compute dtype), picked
// from the table of the best instruction set the CPU supports. A loop walks n
// elements of each input with a fixed stride (0 = broadcast scalar, 1 =
// contiguous, else strided) and writes n contiguous outputs.
#pragma once
#include <cstdint>

#include "dtype.h"

namespace tg::simd {

#define TG_BINARY_OPS(X) \
  X(Add) X(Sub) X(Mul) X(Div) X(FloorDiv) X(Mod) X(Pow) X(Maximum) X(Minimum) \
  X(Equal) X(NotEqual) X(Less) X(LessEqual) X(Greater) X(GreaterEqual)        \
  X(LogicalAnd) X(LogicalOr) X(LogicalXor)

#define TG_UNARY_OPS(X) \
  X(Negative) X(Abs) X(Sign) X(Square) X(Sqrt) X(Rsqrt) X(Reciprocal) X(Exp) X(Log) \
  X(Log1p) X(Expm1) X(Sin) X(Cos) X(Tanh) X(Sigmoid) X(Relu) X(Softplus)           \
  X(LogicalNot) X(IsNan) X(IsFinite) X(IsInf)

#define TG_ENUM_ENTRY(name) name,
enum class BinaryOp : uint8_t { TG_BINARY_OPS(TG_ENUM_ENTRY) kCount };
enum class UnaryOp : uint8_t { TG_UNARY_OPS(TG_ENUM_ENTRY) kCount };
#undef TG_ENUM_ENTRY

using BinaryLoop = void (*)(const void* a, int64_t sa, const void* b, int64_t sb, void* out, int64_t n);
using UnaryLoop = void (*)(const void* a, int64_t sa, void* out, int64_t n);

struct ElementwiseLoops {
  // Indexed by op and by the dtype the inputs are computed in; null when the
  // op has no loop for that dtype.
  BinaryLoop binary[int(BinaryOp::kCount)][kNumDTypes] = {};
  UnaryLoop unary[int(UnaryOp::kCount)][kNumDTypes] = {};
};

}  // namespace tg::simd

// Definitions of the element-wise loops. Included only by loops_arch.cpp,
// which is compiled once per instruction-set level, so the plain loops below
// are auto-vectorised for AVX-512, AVX2 and the baseline separately.
#pragma once
#include <cmath>
#include <type_traits>

#include "simd/elementwise.h"
#include "simd/math_impl.h"

namespace tg::simd::TG_ARCH {

template <class T, class Out, class F>
void binary_loop(const void* a_, int64_t sa, const void* b_, int64_t sb, void* o_, int64_t n) {
  const T* __restrict a = static_cast<const T*>(a_);
  const T* __restrict b = static_cast<const T*>(b_);
  Out* __restrict o = static_cast<Out*>(o_);
  if (sa == 1 && sb == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = F::apply(a[i], b[i]);
  } else if (sa == 0 && sb == 1) {
    const T av = a[0];
    for (int64_t i = 0; i < n; ++i) o[i] = F::apply(av, b[i]);
  } else if (sa == 1 && sb == 0) {
    const T bv = b[0];
    for (int64_t i = 0; i < n; ++i) o[i] = F::apply(a[i], bv);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = F::apply(a[i * sa], b[i * sb]);
  }
}

template <class T, class Out, class F>
void unary_loop(const void* a_, int64_t sa, void* o_, int64_t n) {
  const T* __restrict a = static_cast<const T*>(a_);
  Out* __restrict o = static_cast<Out*>(o_);
  if (sa == 1) {
    for (int64_t i = 0; i < n; ++i) o[i] = F::apply(a[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) o[i] = F::apply(a[i * sa]);
  }
}

// ---- the functors ------------------------------------------------------------
struct AddF { template <class T> static T apply(T a, T b) { return a + b; } };
struct SubF { template <class T> static T apply(T a, T b) { return a - b; } };
struct MulF { template <class T> static T apply(T a, T b) { return a * b; } };
struct DivF { template <class T> static T apply(T a, T b) { return a / b; } };
struct MaximumF {
  // NaN propagates, as in NumPy's maximum and TF's.
  template <class T> static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) { if (a != a) return a; }
    return a > b ? a : b;
  }
};
struct MinimumF {
  template <class T> static T apply(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) { if (a != a) return a; }
    return a < b ? a : b;
  }
};
struct EqualF { template <class T> static bool apply(T a, T b) { return a == b; } };
struct NotEqualF { template <class T> static bool apply(T a, T b) { return a != b; } };
struct LessF { template <class T> static bool apply(T a, T b) { return a < b; } };
struct LessEqualF { template <class T> static bool apply(T a, T b) { return a <= b; } };
struct GreaterF { template <class T> static bool apply(T a, T b) { return a > b; } };
struct GreaterEqualF { template <class T> static bool apply(T a, T b) { return a >= b; } };

struct NegativeF { template <class T> static T apply(T a) { return -a; } };
struct SquareF { template <class T> static T apply(T a) { return a * a; } };
struct ExpF { template <class T> static T apply(T a) { return exp_approx(a); } };
struct ReluF { template <class T> static T apply(T a) { return a > T(0) ? a : T(0); } };

template <class F, class T, class Out = T>
void set_binary(ElementwiseLoops& t, BinaryOp op) {
  t.binary[int(op)][int(dtype_of<T>::value)] = &binary_loop<T, Out, F>;
}
template <class F, class T, class Out = T>
void set_unary(ElementwiseLoops& t, UnaryOp op) {
  t.unary[int(op)][int(dtype_of<T>::value)] = &unary_loop<T, Out, F>;
}

// Registers F for every numeric dtype (uint8, int32, int64, float32, float64).
template <class F>
void set_binary_numeric(ElementwiseLoops& t, BinaryOp op) {
  set_binary<F, uint8_t>(t, op); set_binary<F, int32_t>(t, op); set_binary<F, int64_t>(t, op);
  set_binary<F, float>(t, op); set_binary<F, double>(t, op);
}
template <class F>
void set_compare(ElementwiseLoops& t, BinaryOp op) {
  set_binary<F, bool, bool>(t, op); set_binary<F, uint8_t, bool>(t, op); set_binary<F, int32_t, bool>(t, op);
  set_binary<F, int64_t, bool>(t, op); set_binary<F, float, bool>(t, op); set_binary<F, double, bool>(t, op);
}

inline void fill_elementwise(ElementwiseLoops& t) {
  set_binary_numeric<AddF>(t, BinaryOp::Add);
  set_binary_numeric<SubF>(t, BinaryOp::Sub);
  set_binary_numeric<MulF>(t, BinaryOp::Mul);
  set_binary<DivF, float>(t, BinaryOp::Div);
  set_binary<DivF, double>(t, BinaryOp::Div);
  set_binary_numeric<MaximumF>(t, BinaryOp::Maximum);
  set_binary_numeric<MinimumF>(t, BinaryOp::Minimum);
  set_compare<EqualF>(t, BinaryOp::Equal);
  set_compare<NotEqualF>(t, BinaryOp::NotEqual);
  set_compare<LessF>(t, BinaryOp::Less);
  set_compare<LessEqualF>(t, BinaryOp::LessEqual);
  set_compare<GreaterF>(t, BinaryOp::Greater);
  set_compare<GreaterEqualF>(t, BinaryOp::GreaterEqual);

  set_unary<NegativeF, int32_t>(t, UnaryOp::Negative); set_unary<NegativeF, int64_t>(t, UnaryOp::Negative);
  set_unary<NegativeF, float>(t, UnaryOp::Negative); set_unary<NegativeF, double>(t, UnaryOp::Negative);
  set_unary<SquareF, int32_t>(t, UnaryOp::Square); set_unary<SquareF, int64_t>(t, UnaryOp::Square);
  set_unary<SquareF, float>(t, UnaryOp::Square); set_unary<SquareF, double>(t, UnaryOp::Square);
  set_unary<ExpF, float>(t, UnaryOp::Exp); set_unary<ExpF, double>(t, UnaryOp::Exp);
  set_unary<ReluF, float>(t, UnaryOp::Relu); set_unary<ReluF, double>(t, UnaryOp::Relu);
}

}  // namespace tg::simd::TG_ARCH

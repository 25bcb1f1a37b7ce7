// Definitions of the element-wise loops. Included only by loops_arch.cpp,
// which is compiled once per instruction-set level, so the plain loops below
// are auto-vectorised for AVX-512, AVX2 and the baseline separately.
#pragma once
#include <cmath>
#include <cstring>
#include <type_traits>

#include "simd/elementwise.h"
#include "simd/functors.h"

namespace tg::simd::TG_ARCH {

// ---- the loops ---------------------------------------------------------------
// Strides of 0 and 1 get loops of their own (a broadcast operand becomes a
// register splat, a contiguous one a vector load); other strides are scalar.

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

template <class A, class B, class C, class Out, class F, int SA, int SB, int SC>
void ternary_fixed(const A* __restrict a, const B* __restrict b, const C* __restrict c, Out* __restrict o,
                   int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = F::apply(a[i * SA], b[i * SB], c[i * SC]);
}

template <class A, class B, class C, class Out, class F>
void ternary_loop(const void* a_, int64_t sa, const void* b_, int64_t sb, const void* c_, int64_t sc, void* o_,
                  int64_t n) {
  const A* a = static_cast<const A*>(a_);
  const B* b = static_cast<const B*>(b_);
  const C* c = static_cast<const C*>(c_);
  Out* o = static_cast<Out*>(o_);
  auto unit = [](int64_t s) { return s == 0 || s == 1; };
  if (!(unit(sa) && unit(sb) && unit(sc))) {
    for (int64_t i = 0; i < n; ++i) o[i] = F::apply(a[i * sa], b[i * sb], c[i * sc]);
    return;
  }
  switch (int(sa) * 4 + int(sb) * 2 + int(sc)) {
    case 0: ternary_fixed<A, B, C, Out, F, 0, 0, 0>(a, b, c, o, n); break;
    case 1: ternary_fixed<A, B, C, Out, F, 0, 0, 1>(a, b, c, o, n); break;
    case 2: ternary_fixed<A, B, C, Out, F, 0, 1, 0>(a, b, c, o, n); break;
    case 3: ternary_fixed<A, B, C, Out, F, 0, 1, 1>(a, b, c, o, n); break;
    case 4: ternary_fixed<A, B, C, Out, F, 1, 0, 0>(a, b, c, o, n); break;
    case 5: ternary_fixed<A, B, C, Out, F, 1, 0, 1>(a, b, c, o, n); break;
    case 6: ternary_fixed<A, B, C, Out, F, 1, 1, 0>(a, b, c, o, n); break;
    default: ternary_fixed<A, B, C, Out, F, 1, 1, 1>(a, b, c, o, n); break;
  }
}

// ---- registration ----------------------------------------------------------------
// The catalogue (functors.h: list_elementwise) names each loop's functor and
// dtypes; this setter instantiates the CPU loop for each entry.
struct LoopSetter {
  ElementwiseLoops& t;
  template <class F, class T, class Out>
  void binary(BinaryOp op, DType d) { t.binary[int(op)][int(d)] = &binary_loop<T, Out, F>; }
  template <class F, class T, class Out>
  void unary(UnaryOp op, DType d) { t.unary[int(op)][int(d)] = &unary_loop<T, Out, F>; }
  template <class F, class A, class V>
  void ternary(TernaryOp op, DType d) { t.ternary[int(op)][int(d)] = &ternary_loop<A, V, V, V, F>; }
};

inline void fill_elementwise(ElementwiseLoops& t) {
  LoopSetter s{t};
  list_elementwise(s);
}

}  // namespace tg::simd::TG_ARCH

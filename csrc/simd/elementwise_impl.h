// Definitions of the element-wise loops. Included only by loops_arch.cpp,
// which is compiled once per instruction-set level, so the plain loops below
// are auto-vectorised for AVX-512, AVX2 and the baseline separately.
#pragma once
#include <cmath>
#include <cstring>
#include <type_traits>

#include "simd/elementwise.h"
#include "simd/math_impl.h"

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

// ---- integer helpers -----------------------------------------------------------
// Integer arithmetic wraps around (two's complement, as NumPy): done in the
// unsigned type, where overflow is defined.
template <class T> using Unsigned = std::make_unsigned_t<T>;
template <class T> constexpr bool kIsFloat = std::is_floating_point_v<T>;

// Floor division and modulo with Python's signs. Division by zero gives 0
// (NumPy gives 0 too, with a warning), and the most negative value // -1
// wraps (x86 would trap on it).
template <class T>
T floordiv_int(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == 0) return T(0);
    if (b == -1) return T(Unsigned<T>(0) - Unsigned<T>(a));
    const T q = T(a / b), r = T(a % b);
    return (r != 0 && ((r < 0) != (b < 0))) ? T(q - 1) : q;
  } else {
    return b == 0 ? T(0) : T(a / b);
  }
}
template <class T>
T mod_int(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b == 0 || b == -1) return T(0);
    const T r = T(a % b);
    return (r != 0 && ((r < 0) != (b < 0))) ? T(r + b) : r;
  } else {
    return b == 0 ? T(0) : T(a % b);
  }
}
// NumPy's npy_divmod: the quotient is snapped to the integer nearest to
// (a - fmod(a, b)) / b, so that 1 // 0.1 == 9 and mod keeps b's sign.
template <class T>
T floordiv_float(T a, T b) {
  if (b == 0) return a / b;
  const T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= T(1);
  if (div == 0) return std::copysign(T(0), a / b);
  T fd = std::floor(div);
  if (div - fd > T(0.5)) fd += T(1);
  return fd;
}
template <class T>
T mod_float(T a, T b) {
  T mod = std::fmod(a, b);
  if (b == 0) return mod;  // NaN
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) mod += b;
  } else {
    mod = std::copysign(T(0), b);
  }
  return mod;
}
// Exponentiation by squaring. Negative exponents are rejected by the op
// (ValueError, as NumPy); the kernel still defines them: 1/a truncated.
template <class T>
T pow_int(T a, T b) {
  if constexpr (std::is_signed_v<T>) {
    if (b < 0) return a == 1 ? T(1) : a == -1 ? T((b & 1) ? -1 : 1) : T(0);
  }
  using U = Unsigned<T>;
  U base = U(a), result = 1;
  U e = U(b);
  while (e) {
    if (e & 1) result = U(result * base);
    base = U(base * base);
    e = U(e >> 1);
  }
  return T(result);
}

// ---- the functors ------------------------------------------------------------
struct AddF {
  template <class T> static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return a + b; else return T(Unsigned<T>(a) + Unsigned<T>(b));
  }
};
struct SubF {
  template <class T> static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return a - b; else return T(Unsigned<T>(a) - Unsigned<T>(b));
  }
};
struct MulF {
  template <class T> static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return a * b; else return T(Unsigned<T>(a) * Unsigned<T>(b));
  }
};
struct DivF { template <class T> static T apply(T a, T b) { return a / b; } };
struct FloorDivF {
  template <class T> static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return floordiv_float(a, b); else return floordiv_int(a, b);
  }
};
struct ModF {
  template <class T> static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return mod_float(a, b); else return mod_int(a, b);
  }
};
struct PowF {
  template <class T> static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return std::pow(a, b); else return pow_int(a, b);
  }
};
struct MaximumF {
  // NaN propagates, as in NumPy's maximum and TF's.
  template <class T> static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) { if (a != a) return a; }
    return a > b ? a : b;
  }
};
struct MinimumF {
  template <class T> static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) { if (a != a) return a; }
    return a < b ? a : b;
  }
};
struct EqualF { template <class T> static bool apply(T a, T b) { return a == b; } };
struct NotEqualF { template <class T> static bool apply(T a, T b) { return a != b; } };
struct LessF { template <class T> static bool apply(T a, T b) { return a < b; } };
struct LessEqualF { template <class T> static bool apply(T a, T b) { return a <= b; } };
struct GreaterF { template <class T> static bool apply(T a, T b) { return a > b; } };
struct GreaterEqualF { template <class T> static bool apply(T a, T b) { return a >= b; } };
// Bool data is read as its bytes (0 or 1): GCC does not vectorise loops on
// the C++ bool type itself.
struct LogicalAndF { static uint8_t apply(uint8_t a, uint8_t b) { return a & b; } };
struct LogicalOrF { static uint8_t apply(uint8_t a, uint8_t b) { return a | b; } };
struct LogicalXorF { static uint8_t apply(uint8_t a, uint8_t b) { return a ^ b; } };
// Fused activation gradients, (y = forward output, g = incoming gradient).
struct ReluGradF { template <class T> static T apply(T y, T g) { return y > T(0) ? g : T(0); } };
struct SigmoidGradF { template <class T> static T apply(T y, T g) { return g * (y * (T(1) - y)); } };
struct TanhGradF { template <class T> static T apply(T y, T g) { return g * (T(1) - y * y); } };

struct NegativeF {
  template <class T> static T apply(T a) {
    if constexpr (kIsFloat<T>) return -a; else return T(Unsigned<T>(0) - Unsigned<T>(a));
  }
};
struct AbsF {
  template <class T> static T apply(T a) {
    if constexpr (kIsFloat<T>) return std::fabs(a);
    else if constexpr (std::is_signed_v<T>) return a < 0 ? T(Unsigned<T>(0) - Unsigned<T>(a)) : a;
    else return a;
  }
};
struct SignF {
  // NaN stays NaN and zeros keep their sign, as NumPy.
  template <class T> static T apply(T a) {
    if constexpr (kIsFloat<T>) return a > T(0) ? T(1) : a < T(0) ? T(-1) : a;
    else return T((a > T(0)) - (a < T(0)));
  }
};
struct SquareF {
  template <class T> static T apply(T a) {
    if constexpr (kIsFloat<T>) return a * a; else return T(Unsigned<T>(a) * Unsigned<T>(a));
  }
};
struct SqrtF { template <class T> static T apply(T a) { return std::sqrt(a); } };
struct RsqrtF { template <class T> static T apply(T a) { return T(1) / std::sqrt(a); } };
struct ReciprocalF { template <class T> static T apply(T a) { return T(1) / a; } };
struct ExpF { template <class T> static T apply(T a) { return exp_approx(a); } };
struct LogF { template <class T> static T apply(T a) { return log_approx(a); } };
struct Log1pF { template <class T> static T apply(T a) { return log1p_approx(a); } };
struct Expm1F { template <class T> static T apply(T a) { return expm1_approx(a); } };
struct SinF { template <class T> static T apply(T a) { return std::sin(a); } };
struct CosF { template <class T> static T apply(T a) { return std::cos(a); } };
struct TanhF { template <class T> static T apply(T a) { return tanh_approx(a); } };
struct SigmoidF { template <class T> static T apply(T a) { return sigmoid_approx(a); } };
struct SoftplusF { template <class T> static T apply(T a) { return softplus_approx(a); } };
// The C library's erf and erfc, a call per element (the threads of run_unary
// spread them). float32 goes through the double functions: glibc's erfcf is
// off by up to ~3 ulp near x = 2, the rounded double result by at most 0.5.
struct ErfF {
  template <class T> static T apply(T a) {
    if constexpr (std::is_same_v<T, float>) return float(std::erf(double(a))); else return std::erf(a);
  }
};
struct ErfcF {
  template <class T> static T apply(T a) {
    if constexpr (std::is_same_v<T, float>) return float(std::erfc(double(a))); else return std::erfc(a);
  }
};
// a < 0 ? 0 : a keeps NaN (as max(x, 0) in NumPy and TF).
struct ReluF { template <class T> static T apply(T a) { return a < T(0) ? T(0) : a; } };
struct LogicalNotF { static uint8_t apply(uint8_t a) { return a ^ 1; } };
struct IsNanF { template <class T> static bool apply(T a) { return a != a; } };
struct IsFiniteF { template <class T> static bool apply(T a) { return a - a == T(0); } };
struct IsInfF { template <class T> static bool apply(T a) { return std::fabs(a) == T(INFINITY); } };
struct CopyF { template <class T> static T apply(T a) { return a; } };

template <size_t N> struct UIntOfSize;
template <> struct UIntOfSize<1> { using type = uint8_t; };
template <> struct UIntOfSize<4> { using type = uint32_t; };
template <> struct UIntOfSize<8> { using type = uint64_t; };
// A bit select on a mask as wide as T: `c ? x : y` with a byte-wide c and a
// wider T does not vectorise, this does (at every level).
struct WhereF {
  template <class T> static T apply(uint8_t c, T x, T y) {
    using U = typename UIntOfSize<sizeof(T)>::type;
    const U m = U(U(0) - U(c != 0));
    U xi, yi;
    std::memcpy(&xi, &x, sizeof(T));
    std::memcpy(&yi, &y, sizeof(T));
    const U r = U((xi & m) | (yi & U(~m)));
    T out;
    std::memcpy(&out, &r, sizeof(T));
    return out;
  }
};
struct ClipF {
  template <class T> static T apply(T x, T lo, T hi) {
    const T m = x < lo ? lo : x;
    return m > hi ? hi : m;
  }
};

// ---- registration ----------------------------------------------------------------
template <class F, class T, class Out = T>
void set_binary(ElementwiseLoops& t, BinaryOp op) {
  t.binary[int(op)][int(dtype_of<T>::value)] = &binary_loop<T, Out, F>;
}
template <class F, class T, class Out = T>
void set_unary(ElementwiseLoops& t, UnaryOp op) {
  t.unary[int(op)][int(dtype_of<T>::value)] = &unary_loop<T, Out, F>;
}

template <class F> void set_binary_float(ElementwiseLoops& t, BinaryOp op) {
  set_binary<F, float>(t, op); set_binary<F, double>(t, op);
}
// Every numeric dtype (uint8, int32, int64, float32, float64).
template <class F> void set_binary_numeric(ElementwiseLoops& t, BinaryOp op) {
  set_binary<F, uint8_t>(t, op); set_binary<F, int32_t>(t, op); set_binary<F, int64_t>(t, op);
  set_binary_float<F>(t, op);
}
template <class F> void set_compare(ElementwiseLoops& t, BinaryOp op) {
  set_binary<F, bool, bool>(t, op); set_binary<F, uint8_t, bool>(t, op); set_binary<F, int32_t, bool>(t, op);
  set_binary<F, int64_t, bool>(t, op); set_binary<F, float, bool>(t, op); set_binary<F, double, bool>(t, op);
}
template <class F, class Out = void> void set_unary_float(ElementwiseLoops& t, UnaryOp op) {
  if constexpr (std::is_void_v<Out>) {
    set_unary<F, float>(t, op); set_unary<F, double>(t, op);
  } else {
    set_unary<F, float, Out>(t, op); set_unary<F, double, Out>(t, op);
  }
}
template <class F> void set_unary_numeric(ElementwiseLoops& t, UnaryOp op) {
  set_unary<F, uint8_t>(t, op); set_unary<F, int32_t>(t, op); set_unary<F, int64_t>(t, op);
  set_unary_float<F>(t, op);
}
template <class T> void set_where(ElementwiseLoops& t) {
  using V = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
  t.ternary[int(TernaryOp::Where)][int(dtype_of<T>::value)] = &ternary_loop<uint8_t, V, V, V, WhereF>;
}
template <class T> void set_clip(ElementwiseLoops& t) {
  t.ternary[int(TernaryOp::Clip)][int(dtype_of<T>::value)] = &ternary_loop<T, T, T, T, ClipF>;
}

inline void fill_elementwise(ElementwiseLoops& t) {
  set_binary_numeric<AddF>(t, BinaryOp::Add);
  set_binary_numeric<SubF>(t, BinaryOp::Sub);
  set_binary_numeric<MulF>(t, BinaryOp::Mul);
  set_binary_float<DivF>(t, BinaryOp::Div);
  set_binary_numeric<FloorDivF>(t, BinaryOp::FloorDiv);
  set_binary_numeric<ModF>(t, BinaryOp::Mod);
  set_binary_numeric<PowF>(t, BinaryOp::Pow);
  set_binary_numeric<MaximumF>(t, BinaryOp::Maximum);
  set_binary_numeric<MinimumF>(t, BinaryOp::Minimum);
  set_compare<EqualF>(t, BinaryOp::Equal);
  set_compare<NotEqualF>(t, BinaryOp::NotEqual);
  set_compare<LessF>(t, BinaryOp::Less);
  set_compare<LessEqualF>(t, BinaryOp::LessEqual);
  set_compare<GreaterF>(t, BinaryOp::Greater);
  set_compare<GreaterEqualF>(t, BinaryOp::GreaterEqual);
  t.binary[int(BinaryOp::LogicalAnd)][int(DType::Bool)] = &binary_loop<uint8_t, uint8_t, LogicalAndF>;
  t.binary[int(BinaryOp::LogicalOr)][int(DType::Bool)] = &binary_loop<uint8_t, uint8_t, LogicalOrF>;
  t.binary[int(BinaryOp::LogicalXor)][int(DType::Bool)] = &binary_loop<uint8_t, uint8_t, LogicalXorF>;
  set_binary_float<ReluGradF>(t, BinaryOp::ReluGrad);
  set_binary_float<SigmoidGradF>(t, BinaryOp::SigmoidGrad);
  set_binary_float<TanhGradF>(t, BinaryOp::TanhGrad);

  set_unary_numeric<NegativeF>(t, UnaryOp::Negative);
  set_unary_numeric<AbsF>(t, UnaryOp::Abs);
  set_unary_numeric<SignF>(t, UnaryOp::Sign);
  set_unary_numeric<SquareF>(t, UnaryOp::Square);
  set_unary_numeric<ReluF>(t, UnaryOp::Relu);
  set_unary_float<SqrtF>(t, UnaryOp::Sqrt);
  set_unary_float<RsqrtF>(t, UnaryOp::Rsqrt);
  set_unary_float<ReciprocalF>(t, UnaryOp::Reciprocal);
  set_unary_float<ExpF>(t, UnaryOp::Exp);
  set_unary_float<LogF>(t, UnaryOp::Log);
  set_unary_float<Log1pF>(t, UnaryOp::Log1p);
  set_unary_float<Expm1F>(t, UnaryOp::Expm1);
  set_unary_float<SinF>(t, UnaryOp::Sin);
  set_unary_float<CosF>(t, UnaryOp::Cos);
  set_unary_float<TanhF>(t, UnaryOp::Tanh);
  set_unary_float<SigmoidF>(t, UnaryOp::Sigmoid);
  set_unary_float<SoftplusF>(t, UnaryOp::Softplus);
  set_unary_float<ErfF>(t, UnaryOp::Erf);
  set_unary_float<ErfcF>(t, UnaryOp::Erfc);
  set_unary_float<IsNanF, bool>(t, UnaryOp::IsNan);
  set_unary_float<IsFiniteF, bool>(t, UnaryOp::IsFinite);
  set_unary_float<IsInfF, bool>(t, UnaryOp::IsInf);
  t.unary[int(UnaryOp::LogicalNot)][int(DType::Bool)] = &unary_loop<uint8_t, uint8_t, LogicalNotF>;
  t.unary[int(UnaryOp::Copy)][int(DType::Bool)] = &unary_loop<uint8_t, uint8_t, CopyF>;
  set_unary_numeric<CopyF>(t, UnaryOp::Copy);

  set_where<bool>(t); set_where<uint8_t>(t); set_where<int32_t>(t); set_where<int64_t>(t);
  set_where<float>(t); set_where<double>(t);
  set_clip<uint8_t>(t); set_clip<int32_t>(t); set_clip<int64_t>(t); set_clip<float>(t); set_clip<double>(t);
}

}  // namespace tg::simd::TG_ARCH

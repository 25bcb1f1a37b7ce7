// The scalar element functors: one definition of each element-wise op's
// arithmetic, shared by the CPU loops (simd/elementwise_impl.h, compiled once
// per x86 level in that level's namespace) and the CUDA kernels
// (cutensor_cuda/elementwise.cu, which includes this file with TG_ARCH =
// cuda). Everything here is TG_HD: plain scalar code, no libc calls that the
// GPU lacks, so both sides compute the same values.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "hd.h"
#include "simd/elementwise.h"
#include "simd/math_impl.h"

namespace tg::simd::TG_ARCH {

// ---- integer helpers -----------------------------------------------------------
// Integer arithmetic wraps around (two's complement, as NumPy): done in the
// unsigned type, where overflow is defined.
template <class T> using Unsigned = std::make_unsigned_t<T>;
template <class T> constexpr bool kIsFloat = std::is_floating_point_v<T>;

// Floor division and modulo with Python's signs. Division by zero gives 0
// (NumPy gives 0 too, with a warning), and the most negative value // -1
// wraps (x86 would trap on it).
template <class T>
TG_HD T floordiv_int(T a, T b) {
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
TG_HD T mod_int(T a, T b) {
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
TG_HD T floordiv_float(T a, T b) {
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
TG_HD T mod_float(T a, T b) {
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
TG_HD T pow_int(T a, T b) {
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
  template <class T> TG_HD static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return a + b; else return T(Unsigned<T>(a) + Unsigned<T>(b));
  }
};
struct SubF {
  template <class T> TG_HD static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return a - b; else return T(Unsigned<T>(a) - Unsigned<T>(b));
  }
};
struct MulF {
  template <class T> TG_HD static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return a * b; else return T(Unsigned<T>(a) * Unsigned<T>(b));
  }
};
struct DivF { template <class T> TG_HD static T apply(T a, T b) { return a / b; } };
struct FloorDivF {
  template <class T> TG_HD static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return floordiv_float(a, b); else return floordiv_int(a, b);
  }
};
struct ModF {
  template <class T> TG_HD static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return mod_float(a, b); else return mod_int(a, b);
  }
};
struct PowF {
  template <class T> TG_HD static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return std::pow(a, b); else return pow_int(a, b);
  }
};
struct MaximumF {
  // NaN propagates, as in NumPy's maximum and TF's.
  template <class T> TG_HD static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) { if (a != a) return a; }
    return a > b ? a : b;
  }
};
struct MinimumF {
  template <class T> TG_HD static T apply(T a, T b) {
    if constexpr (kIsFloat<T>) { if (a != a) return a; }
    return a < b ? a : b;
  }
};
struct EqualF { template <class T> TG_HD static bool apply(T a, T b) { return a == b; } };
struct NotEqualF { template <class T> TG_HD static bool apply(T a, T b) { return a != b; } };
struct LessF { template <class T> TG_HD static bool apply(T a, T b) { return a < b; } };
struct LessEqualF { template <class T> TG_HD static bool apply(T a, T b) { return a <= b; } };
struct GreaterF { template <class T> TG_HD static bool apply(T a, T b) { return a > b; } };
struct GreaterEqualF { template <class T> TG_HD static bool apply(T a, T b) { return a >= b; } };
// Bool data is read as its bytes (0 or 1): GCC does not vectorise loops on
// the C++ bool type itself.
struct LogicalAndF { TG_HD static uint8_t apply(uint8_t a, uint8_t b) { return a & b; } };
struct LogicalOrF { TG_HD static uint8_t apply(uint8_t a, uint8_t b) { return a | b; } };
struct LogicalXorF { TG_HD static uint8_t apply(uint8_t a, uint8_t b) { return a ^ b; } };
// Fused activation gradients, (y = forward output, g = incoming gradient).
struct ReluGradF { template <class T> TG_HD static T apply(T y, T g) { return y > T(0) ? g : T(0); } };
struct SigmoidGradF { template <class T> TG_HD static T apply(T y, T g) { return g * (y * (T(1) - y)); } };
struct TanhGradF { template <class T> TG_HD static T apply(T y, T g) { return g * (T(1) - y * y); } };

struct NegativeF {
  template <class T> TG_HD static T apply(T a) {
    if constexpr (kIsFloat<T>) return -a; else return T(Unsigned<T>(0) - Unsigned<T>(a));
  }
};
struct AbsF {
  template <class T> TG_HD static T apply(T a) {
    if constexpr (kIsFloat<T>) return std::fabs(a);
    else if constexpr (std::is_signed_v<T>) return a < 0 ? T(Unsigned<T>(0) - Unsigned<T>(a)) : a;
    else return a;
  }
};
struct SignF {
  // NaN stays NaN and zeros keep their sign, as NumPy.
  template <class T> TG_HD static T apply(T a) {
    if constexpr (kIsFloat<T>) return a > T(0) ? T(1) : a < T(0) ? T(-1) : a;
    else if constexpr (std::is_unsigned_v<T>) return T(a > T(0));
    else return T((a > T(0)) - (a < T(0)));
  }
};
struct SquareF {
  template <class T> TG_HD static T apply(T a) {
    if constexpr (kIsFloat<T>) return a * a; else return T(Unsigned<T>(a) * Unsigned<T>(a));
  }
};
struct SqrtF { template <class T> TG_HD static T apply(T a) { return std::sqrt(a); } };
struct RsqrtF { template <class T> TG_HD static T apply(T a) { return T(1) / std::sqrt(a); } };
struct ReciprocalF { template <class T> TG_HD static T apply(T a) { return T(1) / a; } };
struct ExpF { template <class T> TG_HD static T apply(T a) { return exp_approx(a); } };
struct LogF { template <class T> TG_HD static T apply(T a) { return log_approx(a); } };
struct Log1pF { template <class T> TG_HD static T apply(T a) { return log1p_approx(a); } };
struct Expm1F { template <class T> TG_HD static T apply(T a) { return expm1_approx(a); } };
struct SinF { template <class T> TG_HD static T apply(T a) { return std::sin(a); } };
struct CosF { template <class T> TG_HD static T apply(T a) { return std::cos(a); } };
struct TanhF { template <class T> TG_HD static T apply(T a) { return tanh_approx(a); } };
struct SigmoidF { template <class T> TG_HD static T apply(T a) { return sigmoid_approx(a); } };
struct SoftplusF { template <class T> TG_HD static T apply(T a) { return softplus_approx(a); } };
// The C library's erf and erfc, a call per element (the threads of run_unary
// spread them). float32 goes through the double functions: glibc's erfcf is
// off by up to ~3 ulp near x = 2, the rounded double result by at most 0.5.
struct ErfF {
  template <class T> TG_HD static T apply(T a) {
    if constexpr (std::is_same_v<T, float>) return float(std::erf(double(a))); else return std::erf(a);
  }
};
struct ErfcF {
  template <class T> TG_HD static T apply(T a) {
    if constexpr (std::is_same_v<T, float>) return float(std::erfc(double(a))); else return std::erfc(a);
  }
};
// a < 0 ? 0 : a keeps NaN (as max(x, 0) in NumPy and TF).
struct ReluF {
  template <class T> TG_HD static T apply(T a) {
    if constexpr (std::is_unsigned_v<T>) return a; else return a < T(0) ? T(0) : a;
  }
};
struct LogicalNotF { TG_HD static uint8_t apply(uint8_t a) { return a ^ 1; } };
struct IsNanF { template <class T> TG_HD static bool apply(T a) { return a != a; } };
struct IsFiniteF { template <class T> TG_HD static bool apply(T a) { return a - a == T(0); } };
struct IsInfF { template <class T> TG_HD static bool apply(T a) { return std::fabs(a) == T(INFINITY); } };
struct CopyF { template <class T> TG_HD static T apply(T a) { return a; } };

template <size_t N> struct UIntOfSize;
template <> struct UIntOfSize<1> { using type = uint8_t; };
template <> struct UIntOfSize<4> { using type = uint32_t; };
template <> struct UIntOfSize<8> { using type = uint64_t; };
// A bit select on a mask as wide as T: `c ? x : y` with a byte-wide c and a
// wider T does not vectorise, this does (at every level).
struct WhereF {
  template <class T> TG_HD static T apply(uint8_t c, T x, T y) {
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
  template <class T> TG_HD static T apply(T x, T lo, T hi) {
    const T m = x < lo ? lo : x;
    return m > hi ? hi : m;
  }
};


// ---- the catalogue ----------------------------------------------------------------
// Which functor computes each loop, for which dtypes: the one list both
// backends instantiate. S receives, per entry, s.binary<F, T, Out>(op, dtype),
// s.unary<F, T, Out>(op, dtype) or s.ternary<F, A, V>(op, dtype) (A: the
// first operand's type, V: the values' and the output's). Bool data is read
// as its bytes (uint8_t) where the functor works on bytes.
template <class S, class F, class T, class Out = T>
void list_binary(S& s, BinaryOp op) { s.template binary<F, T, Out>(op, dtype_of<T>::value); }
template <class S, class F, class T, class Out = T>
void list_unary(S& s, UnaryOp op) { s.template unary<F, T, Out>(op, dtype_of<T>::value); }

template <class F, class S> void list_binary_float(S& s, BinaryOp op) {
  list_binary<S, F, float>(s, op); list_binary<S, F, double>(s, op);
}
// Every numeric dtype (uint8, int32, int64, float32, float64).
template <class F, class S> void list_binary_numeric(S& s, BinaryOp op) {
  list_binary<S, F, uint8_t>(s, op); list_binary<S, F, int32_t>(s, op); list_binary<S, F, int64_t>(s, op);
  list_binary_float<F>(s, op);
}
template <class F, class S> void list_compare(S& s, BinaryOp op) {
  list_binary<S, F, bool, bool>(s, op); list_binary<S, F, uint8_t, bool>(s, op); list_binary<S, F, int32_t, bool>(s, op);
  list_binary<S, F, int64_t, bool>(s, op); list_binary<S, F, float, bool>(s, op); list_binary<S, F, double, bool>(s, op);
}
template <class F, class Out = void, class S> void list_unary_float(S& s, UnaryOp op) {
  if constexpr (std::is_void_v<Out>) {
    list_unary<S, F, float>(s, op); list_unary<S, F, double>(s, op);
  } else {
    list_unary<S, F, float, Out>(s, op); list_unary<S, F, double, Out>(s, op);
  }
}
template <class F, class S> void list_unary_numeric(S& s, UnaryOp op) {
  list_unary<S, F, uint8_t>(s, op); list_unary<S, F, int32_t>(s, op); list_unary<S, F, int64_t>(s, op);
  list_unary_float<F>(s, op);
}
template <class T, class S> void list_where(S& s) {
  using V = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
  s.template ternary<WhereF, uint8_t, V>(TernaryOp::Where, dtype_of<T>::value);
}
template <class T, class S> void list_clip(S& s) { s.template ternary<ClipF, T, T>(TernaryOp::Clip, dtype_of<T>::value); }

template <class S>
void list_elementwise(S& s) {
  list_binary_numeric<AddF>(s, BinaryOp::Add);
  list_binary_numeric<SubF>(s, BinaryOp::Sub);
  list_binary_numeric<MulF>(s, BinaryOp::Mul);
  list_binary_float<DivF>(s, BinaryOp::Div);
  list_binary_numeric<FloorDivF>(s, BinaryOp::FloorDiv);
  list_binary_numeric<ModF>(s, BinaryOp::Mod);
  list_binary_numeric<PowF>(s, BinaryOp::Pow);
  list_binary_numeric<MaximumF>(s, BinaryOp::Maximum);
  list_binary_numeric<MinimumF>(s, BinaryOp::Minimum);
  list_compare<EqualF>(s, BinaryOp::Equal);
  list_compare<NotEqualF>(s, BinaryOp::NotEqual);
  list_compare<LessF>(s, BinaryOp::Less);
  list_compare<LessEqualF>(s, BinaryOp::LessEqual);
  list_compare<GreaterF>(s, BinaryOp::Greater);
  list_compare<GreaterEqualF>(s, BinaryOp::GreaterEqual);
  s.template binary<LogicalAndF, uint8_t, uint8_t>(BinaryOp::LogicalAnd, DType::Bool);
  s.template binary<LogicalOrF, uint8_t, uint8_t>(BinaryOp::LogicalOr, DType::Bool);
  s.template binary<LogicalXorF, uint8_t, uint8_t>(BinaryOp::LogicalXor, DType::Bool);
  list_binary_float<ReluGradF>(s, BinaryOp::ReluGrad);
  list_binary_float<SigmoidGradF>(s, BinaryOp::SigmoidGrad);
  list_binary_float<TanhGradF>(s, BinaryOp::TanhGrad);

  list_unary_numeric<NegativeF>(s, UnaryOp::Negative);
  list_unary_numeric<AbsF>(s, UnaryOp::Abs);
  list_unary_numeric<SignF>(s, UnaryOp::Sign);
  list_unary_numeric<SquareF>(s, UnaryOp::Square);
  list_unary_numeric<ReluF>(s, UnaryOp::Relu);
  list_unary_float<SqrtF>(s, UnaryOp::Sqrt);
  list_unary_float<RsqrtF>(s, UnaryOp::Rsqrt);
  list_unary_float<ReciprocalF>(s, UnaryOp::Reciprocal);
  list_unary_float<ExpF>(s, UnaryOp::Exp);
  list_unary_float<LogF>(s, UnaryOp::Log);
  list_unary_float<Log1pF>(s, UnaryOp::Log1p);
  list_unary_float<Expm1F>(s, UnaryOp::Expm1);
  list_unary_float<SinF>(s, UnaryOp::Sin);
  list_unary_float<CosF>(s, UnaryOp::Cos);
  list_unary_float<TanhF>(s, UnaryOp::Tanh);
  list_unary_float<SigmoidF>(s, UnaryOp::Sigmoid);
  list_unary_float<SoftplusF>(s, UnaryOp::Softplus);
  list_unary_float<ErfF>(s, UnaryOp::Erf);
  list_unary_float<ErfcF>(s, UnaryOp::Erfc);
  list_unary_float<IsNanF, bool>(s, UnaryOp::IsNan);
  list_unary_float<IsFiniteF, bool>(s, UnaryOp::IsFinite);
  list_unary_float<IsInfF, bool>(s, UnaryOp::IsInf);
  s.template unary<LogicalNotF, uint8_t, uint8_t>(UnaryOp::LogicalNot, DType::Bool);
  s.template unary<CopyF, uint8_t, uint8_t>(UnaryOp::Copy, DType::Bool);
  list_unary_numeric<CopyF>(s, UnaryOp::Copy);

  list_where<bool>(s); list_where<uint8_t>(s); list_where<int32_t>(s); list_where<int64_t>(s);
  list_where<float>(s); list_where<double>(s);
  list_clip<uint8_t>(s); list_clip<int32_t>(s); list_clip<int64_t>(s); list_clip<float>(s); list_clip<double>(s);
}

}  // namespace tg::simd::TG_ARCH

// The logarithm and sine/cosine that turn uniforms into normals, written with
// basic IEEE double operations only (+ - * / sqrt floor), so that seeded
// normals are bit-identical on every machine: libm picks FMA or non-FMA
// variants at run time and does not promise the same last bit everywhere.
// Accuracy ~1e-15 relative on the ranges used (checked against libm by
// tests/core/test_random.py through the distributions and golden values).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "hd.h"

// A fused multiply-add would round differently, so contraction must stay off.
// The x86-64 baseline this file is built for has no FMA; where FMA exists
// (-march=native, other architectures) GCC is told not to contract here, and
// clang per function (TG_NO_CONTRACT).
#if defined(__GNUC__) && !defined(__clang__) && (defined(__FMA__) || !defined(__x86_64__))
#pragma GCC push_options
#pragma GCC optimize("fp-contract=off")
#define TG_RANDOM_MATH_POP_OPTIONS 1
#endif
#if defined(__clang__)
#define TG_NO_CONTRACT _Pragma("clang fp contract(off)")
#else
#define TG_NO_CONTRACT
#endif

namespace tg::random_math {

// log(x) for x in (0, 1] (normal numbers): x = m 2^e with m in [1/sqrt2, sqrt2],
// log m = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.172, as an odd series in s.
TG_HD inline double log_unit(double x) {
  TG_NO_CONTRACT
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  int e = int((bits >> 52) & 0x7FF) - 1023;
  bits = (bits & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
  double m;
  std::memcpy(&m, &bits, sizeof m);
  if (m > 1.4142135623730951) {
    m *= 0.5;
    e += 1;
  }
  const double s = (m - 1.0) / (m + 1.0), z = s * s;
  double p = 1.0 / 23;
  p = p * z + 1.0 / 21; p = p * z + 1.0 / 19; p = p * z + 1.0 / 17; p = p * z + 1.0 / 15;
  p = p * z + 1.0 / 13; p = p * z + 1.0 / 11; p = p * z + 1.0 / 9;  p = p * z + 1.0 / 7;
  p = p * z + 1.0 / 5;  p = p * z + 1.0 / 3;
  const double log_m = 2.0 * s + 2.0 * s * z * p;
  const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;  // hi has 32 bits
  return double(e) * ln2_hi + (double(e) * ln2_lo + log_m);
}

// sin and cos of 2 pi u for u in [0, 1): the quadrant comes from 4u exactly,
// the rest is an angle in [-pi/4, pi/4] for two Taylor polynomials.
TG_HD inline void sincos_2pi(double u, double& s, double& c) {
  TG_NO_CONTRACT
  const double v = 4.0 * u;
  const double q = std::floor(v + 0.5);
  const double t = (v - q) * 1.5707963267948966;
  const double t2 = t * t;
  double ps = -1.0 / 1307674368000.0;  // -1/15!
  ps = ps * t2 + 1.0 / 6227020800.0; ps = ps * t2 - 1.0 / 39916800.0; ps = ps * t2 + 1.0 / 362880.0;
  ps = ps * t2 - 1.0 / 5040.0;       ps = ps * t2 + 1.0 / 120.0;      ps = ps * t2 - 1.0 / 6.0;
  const double sn = t + t * t2 * ps;
  double pc = 1.0 / 20922789888000.0;  // 1/16!
  pc = pc * t2 - 1.0 / 87178291200.0; pc = pc * t2 + 1.0 / 479001600.0; pc = pc * t2 - 1.0 / 3628800.0;
  pc = pc * t2 + 1.0 / 40320.0;       pc = pc * t2 - 1.0 / 720.0;       pc = pc * t2 + 1.0 / 24.0;
  const double cs = 1.0 - 0.5 * t2 + t2 * t2 * pc;
  switch (int64_t(q) & 3) {
    case 0: s = sn; c = cs; break;
    case 1: s = cs; c = -sn; break;
    case 2: s = -sn; c = -cs; break;
    default: s = -cs; c = sn; break;
  }
}

// Box–Muller: u1 in (0, 1], u2 in [0, 1) to two independent standard normals.
TG_HD inline void box_muller(double u1, double u2, double& z0, double& z1) {
  TG_NO_CONTRACT
  const double r = std::sqrt(-2.0 * log_unit(u1));
  double s, c;
  sincos_2pi(u2, s, c);
  z0 = r * c;
  z1 = r * s;
}

// ---- bits to numbers -------------------------------------------------------------
TG_HD inline float u01f(uint32_t x) { return float(x >> 8) * 0x1p-24f; }  // [0, 1)
TG_HD inline uint64_t bits64(uint32_t hi, uint32_t lo) { return (uint64_t(hi) << 32) | lo; }
TG_HD inline double u01d(uint32_t hi, uint32_t lo) { return double(bits64(hi, lo) >> 11) * 0x1p-53; }
TG_HD inline double u01d_open0(uint32_t hi, uint32_t lo) { return double((bits64(hi, lo) >> 11) + 1) * 0x1p-53; }
TG_HD inline double u32_open0(uint32_t x) { return (double(x) + 1.0) * 0x1p-32; }  // (0, 1]
TG_HD inline double u32(uint32_t x) { return double(x) * 0x1p-32; }               // [0, 1)

// shift + scale * x, rounded twice (never fused), for the final affine maps.
template <class T>
TG_HD inline T shift_scale(T shift, T scale, T x) {
  TG_NO_CONTRACT
  const T y = scale * x;
  return shift + y;
}

}  // namespace tg::random_math

#ifdef TG_RANDOM_MATH_POP_OPTIONS
#pragma GCC pop_options
#undef TG_RANDOM_MATH_POP_OPTIONS
#endif

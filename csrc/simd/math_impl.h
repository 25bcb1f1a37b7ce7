// Vectorisable elementary functions for float32: no calls into libm and no
// data-dependent branches (special cases are computed and then selected), so
// the compiler keeps whole loops in SIMD registers. Each is within a few ulp
// of the correctly rounded result (tests compare with NumPy at rtol 1e-6).
// float64 calls libm: its loops are rarely hot and libm is the accuracy bar.
//
// Range reductions use the "add and subtract 1.5*2^23" rounding trick instead
// of nearbyint, which the baseline (SSE2) level cannot inline; this needs the
// default round-to-nearest mode and no -ffast-math (which would fold it away).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "hd.h"

#define TG_INLINE TG_HD_INLINE

namespace tg::simd::TG_ARCH {

TG_INLINE int32_t bits_of(float x) { int32_t i; std::memcpy(&i, &x, 4); return i; }
TG_INLINE float float_of(int32_t i) { float x; std::memcpy(&x, &i, 4); return x; }
TG_INLINE float abs_f32(float x) { return float_of(bits_of(x) & 0x7fffffff); }
TG_INLINE float copysign_f32(float mag, float sgn) {
  return float_of((bits_of(mag) & 0x7fffffff) | (bits_of(sgn) & int32_t(0x80000000u)));
}
// 2^k for k in [-126, 127], built from the exponent bits.
TG_INLINE float pow2i_f32(int32_t k) { return float_of((k + 127) << 23); }

// e^x - 1 and e^x share the reduction x = k ln2 + r, |r| <= ln2/2.
struct ExpParts {
  float pm1;     // e^r - 1
  int32_t k;
};
TG_INLINE ExpParts exp_reduce(float xc) {
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23
  const float kf = (xc * 1.44269504088896341f + kRound) - kRound;
  // ln2 split in two so that k*C1 is exact (Cody and Waite).
  float r = xc - kf * 0.693359375f;
  r = r - kf * -2.12194440e-4f;
  // Minimax polynomial for e^r - 1 - r - r^2/2 (Cephes expf)
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  return {p * r * r + r, int32_t(kf)};
}

// e^x for x already in [-104, 89] (not NaN). 2^k is applied in two factors,
// so that k down to -150 (subnormal results) and up to 128 (overflow to inf)
// both work.
TG_INLINE float exp_core(float xc) {
  ExpParts e = exp_reduce(xc);
  const int32_t k1 = e.k >> 1, k2 = e.k - k1;
  return (e.pm1 + 1.0f) * pow2i_f32(k1) * pow2i_f32(k2);
}

// Clamp to exp_core's domain; the clamped ends still over/underflow to inf/0
// as e^x does. NaN becomes 0 here (no float->int conversion of NaN) and is
// put back by the caller.
TG_INLINE float exp_domain(float x) {
  float xc = x > 89.0f ? 89.0f : x;
  xc = xc < -104.0f ? -104.0f : xc;
  return x != x ? 0.0f : xc;
}

TG_INLINE float exp_approx(float x) {
  const float y = exp_core(exp_domain(x));
  return x != x ? x : y;
}

TG_INLINE float expm1_approx(float x) {
  // Near 0, e^x - 1 = 2^k (e^r - 1) + (2^k - 1) keeps the polynomial's
  // relative accuracy (no cancellation: for k != 0 the terms do not cancel).
  // Beyond |x| > 20, e^x - 1 rounds to e^x resp. -1.
  float xc = x > 89.0f ? 89.0f : x;
  xc = xc < -20.0f ? -20.0f : xc;
  xc = x != x ? 0.0f : xc;
  ExpParts e = exp_reduce(xc);
  const int32_t k1 = e.k >> 1, k2 = e.k - k1;
  const float s1 = pow2i_f32(k1), s2 = pow2i_f32(k2);
  const float big = (e.pm1 + 1.0f) * s1 * s2;
  const float s = s1 * s2;  // only used when |k| <= 29
  const float small = s * e.pm1 + (s - 1.0f);
  float y = xc > 20.0f ? big : small;
  y = x < -20.0f ? -1.0f : y;
  y = x == 0.0f ? x : y;  // keeps -0
  return x != x ? x : y;
}

// log x for positive, normal, finite x.
TG_INLINE float log_core(float x) {
  // Split x = 2^k * m with m in [sqrt(1/2), sqrt(2)), so f = m - 1 is small.
  // (Unsigned: other bit patterns must not overflow; callers replace them.)
  uint32_t ix = uint32_t(bits_of(x)) + (0x3f800000u - 0x3f3504f3u);
  const float kf = float(int32_t(ix >> 23) - 0x7f);
  ix = (ix & 0x007fffffu) + 0x3f3504f3u;
  const float f = float_of(int32_t(ix)) - 1.0f;
  const float z = f * f;
  // Cephes logf polynomial.
  float p = 7.0376836292E-2f;
  p = p * f - 1.1514610310E-1f;
  p = p * f + 1.1676998740E-1f;
  p = p * f - 1.2420140846E-1f;
  p = p * f + 1.4249322787E-1f;
  p = p * f - 1.6668057665E-1f;
  p = p * f + 2.0000714765E-1f;
  p = p * f - 2.4999993993E-1f;
  p = p * f + 3.3333331174E-1f;
  float y = p * f * z;
  y += -2.12194440e-4f * kf;
  y += -0.5f * z;
  y = f + y;
  return y + 0.693359375f * kf;
}

TG_INLINE float log_approx(float x) {
  // Subnormals are scaled into the normal range first.
  const bool tiny = x < 1.17549435e-38f;
  float y = log_core(tiny ? x * 8388608.0f : x);  // * 2^23
  y = tiny ? y - 15.9423851528787f : y;         // - 23 ln2
  // Special values: log(0) = -inf, log(<0) = NaN, log(inf) = inf, NaN stays.
  y = x == 0.0f ? -INFINITY : y;
  y = x < 0.0f ? NAN : y;
  y = x == INFINITY ? INFINITY : y;
  return x != x ? x : y;
}

// log(1 + t) for t >= 0 finite: log(u) * t / (u - 1) with u = 1 + t rounded;
// the factor t / (u - 1) corrects the rounding of u (Goldberg, "What every
// computer scientist should know about floating-point arithmetic", thm. 4).
TG_INLINE float log1p_core(float t) {
  const float u = 1.0f + t;
  const float d = u - 1.0f;
  const float y = log_core(u) * (t / (d == 0.0f ? 1.0f : d));
  return d == 0.0f ? t : y;
}

TG_INLINE float log1p_approx(float x) {
  const float u = 1.0f + x;
  const float d = u - 1.0f;
  float y = log_approx(u) * (x / (d == 0.0f ? 1.0f : d));
  y = d == 0.0f ? x : y;
  y = x == INFINITY ? INFINITY : y;
  return y;
}

TG_INLINE float tanh_approx(float x) {
  const float a = abs_f32(x);
  // |x| >= 0.625: (1 - t) / (1 + t) with t = e^{-2|x|} <= 0.29, no
  // cancellation and nothing to overflow. Beyond |x| = 9.1 the result rounds
  // to +-1, so t needs no subnormal range and 2^k one factor; the same
  // select turns NaN into a harmless argument (NaN is put back below).
  const float xc = a < 9.1f ? -2.0f * a : -18.2f;
  const ExpParts e = exp_reduce(xc);
  const float t = (e.pm1 + 1.0f) * pow2i_f32(e.k);
  const float big = copysign_f32((1.0f - t) / (1.0f + t), x);
  // |x| < 0.625: odd minimax polynomial (Cephes tanhf).
  const float z = x * x;
  float p = -5.70498872745E-3f;
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  const float small = copysign_f32(p * z * a + a, x);  // odd, -0 stays -0
  const float y = a < 0.625f ? small : big;
  return x != x ? x : y;
}

TG_INLINE float sigmoid_approx(float x) {
  // With e = e^{-|x|} <= 1 nothing overflows, and for x < 0 the result
  // e / (1 + e) keeps its relative accuracy down to the subnormals.
  const float e = exp_approx(-abs_f32(x));
  const float s = 1.0f / (1.0f + e);
  return x >= 0.0f ? s : e * s;
}

TG_INLINE float softplus_approx(float x) {
  // log(1 + e^x) = max(x, 0) + log1p(e^{-|x|}): no overflow, and for very
  // negative x it is e^x to full relative accuracy.
  const float m = x > 0.0f ? x : 0.0f;
  const float y = m + log1p_core(exp_core(exp_domain(-abs_f32(x))));
  return x != x ? x : y;
}

// float64: libm.
TG_INLINE double exp_approx(double x) { return std::exp(x); }
TG_INLINE double expm1_approx(double x) { return std::expm1(x); }
TG_INLINE double log_approx(double x) { return std::log(x); }
TG_INLINE double log1p_approx(double x) { return std::log1p(x); }
TG_INLINE double tanh_approx(double x) { return std::tanh(x); }
TG_INLINE double sigmoid_approx(double x) {
  const double e = std::exp(-std::fabs(x));
  const double s = 1.0 / (1.0 + e);
  return x >= 0.0 ? s : e * s;
}
TG_INLINE double softplus_approx(double x) {
  return (x > 0.0 ? x : 0.0) + std::log1p(std::exp(-std::fabs(x)));
}

}  // namespace tg::simd::TG_ARCH

// Vectorisable elementary functions (no calls into libm, so the compiler can
// keep whole loops in SIMD registers). Accuracy: within a few ulp of libm.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

namespace tg::simd::TG_ARCH {

// exp by range reduction x = k ln2 + r, |r| <= ln2/2, and a polynomial for e^r.
inline float exp_approx(float x) {
  if (!(x < 88.7228394f)) return x != x ? x : INFINITY;   // overflow / NaN
  if (x < -103.972076f) return 0.0f;
  const float k = std::nearbyint(x * 1.44269504088896341f);
  float r = x - k * 0.693359375f;
  r = r - k * -2.12194440e-4f;
  // Minimax polynomial for e^r on [-ln2/2, ln2/2] (Cephes expf)
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r * r + r + 1.0f;
  // Scale by 2^k in two steps so that k down to -150 (subnormal results) works.
  int32_t ki = int32_t(k);
  int32_t k1 = ki / 2, k2 = ki - k1;
  uint32_t b1 = uint32_t(k1 + 127) << 23, b2 = uint32_t(k2 + 127) << 23;
  float s1, s2;
  std::memcpy(&s1, &b1, 4);
  std::memcpy(&s2, &b2, 4);
  return p * s1 * s2;
}

inline double exp_approx(double x) { return std::exp(x); }

}  // namespace tg::simd::TG_ARCH

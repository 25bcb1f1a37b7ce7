// FarmHash Fingerprint64 and SipHash-2-4 (see string_hash.h).
#include "string_hash.h"

#include <cstring>
#include <utility>

namespace tg::text {

namespace {

// ---- shared helpers: little-endian loads and rotations ----------------------

inline uint64_t load64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);  // x86 and ARM servers are little-endian, as FarmHash's reference reads
  return v;
}

inline uint32_t load32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline uint64_t rotr(uint64_t v, int shift) { return shift == 0 ? v : (v >> shift) | (v << (64 - shift)); }
inline uint64_t rotl(uint64_t v, int shift) { return (v << shift) | (v >> (64 - shift)); }

// ---- FarmHash "na" ------------------------------------------------------------

constexpr uint64_t kK0 = 0xc3a5c85c97cb3127ULL;
constexpr uint64_t kK1 = 0xb492b66fbe98f273ULL;
constexpr uint64_t kK2 = 0x9ae16a3b2f90404fULL;

inline uint64_t shift_mix(uint64_t v) { return v ^ (v >> 47); }

inline uint64_t mix16(uint64_t u, uint64_t v, uint64_t mul) {
  uint64_t a = (u ^ v) * mul;
  a ^= a >> 47;
  uint64_t b = (v ^ a) * mul;
  b ^= b >> 47;
  return b * mul;
}

uint64_t hash_0_to_16(const char* s, size_t len) {
  if (len >= 8) {
    const uint64_t mul = kK2 + len * 2;
    const uint64_t a = load64(s) + kK2;
    const uint64_t b = load64(s + len - 8);
    const uint64_t c = rotr(b, 37) * mul + a;
    const uint64_t d = (rotr(a, 25) + b) * mul;
    return mix16(c, d, mul);
  }
  if (len >= 4) {
    const uint64_t mul = kK2 + len * 2;
    const uint64_t a = load32(s);
    return mix16(len + (a << 3), load32(s + len - 4), mul);
  }
  if (len > 0) {
    const uint8_t a = static_cast<uint8_t>(s[0]);
    const uint8_t b = static_cast<uint8_t>(s[len >> 1]);
    const uint8_t c = static_cast<uint8_t>(s[len - 1]);
    const uint32_t y = uint32_t(a) + (uint32_t(b) << 8);
    const uint32_t z = uint32_t(len) + (uint32_t(c) << 2);
    return shift_mix(y * kK2 ^ z * kK0) * kK2;
  }
  return kK2;
}

uint64_t hash_17_to_32(const char* s, size_t len) {
  const uint64_t mul = kK2 + len * 2;
  const uint64_t a = load64(s) * kK1;
  const uint64_t b = load64(s + 8);
  const uint64_t c = load64(s + len - 8) * mul;
  const uint64_t d = load64(s + len - 16) * kK2;
  return mix16(rotr(a + b, 43) + rotr(c, 30) + d, a + rotr(b + kK2, 18) + c, mul);
}

uint64_t hash_33_to_64(const char* s, size_t len) {
  const uint64_t mul = kK2 + len * 2;
  const uint64_t a = load64(s) * kK2;
  const uint64_t b = load64(s + 8);
  const uint64_t c = load64(s + len - 8) * mul;
  const uint64_t d = load64(s + len - 16) * kK2;
  const uint64_t y = rotr(a + b, 43) + rotr(c, 30) + d;
  const uint64_t z = mix16(y, a + rotr(b + kK2, 18) + c, mul);
  const uint64_t e = load64(s + 16) * mul;
  const uint64_t f = load64(s + 24);
  const uint64_t g = (y + load64(s + len - 32)) * mul;
  const uint64_t h = (z + load64(s + len - 24)) * mul;
  return mix16(rotr(e + f, 43) + rotr(g, 30) + h, e + rotr(f + a, 18) + g, mul);
}

using Pair = std::pair<uint64_t, uint64_t>;

// 16 bytes of state from 32 bytes of input and two seeds.
inline Pair weak_hash32(const char* s, uint64_t a, uint64_t b) {
  const uint64_t w = load64(s), x = load64(s + 8), y = load64(s + 16), z = load64(s + 24);
  a += w;
  b = rotr(b + a + z, 21);
  const uint64_t c = a;
  a += x;
  a += y;
  b += rotr(a, 44);
  return {a + z, b + c};
}

// One 64-byte round of the long-string loop; `mul` and the x9 factors differ in the last round.
inline void long_round(const char* s, uint64_t mul, bool last, uint64_t& x, uint64_t& y, uint64_t& z, Pair& v,
                       Pair& w) {
  x = rotr(x + y + v.first + load64(s + 8), 37) * mul;
  y = rotr(y + v.second + load64(s + 48), 42) * mul;
  x ^= last ? w.second * 9 : w.second;
  y += (last ? v.first * 9 : v.first) + load64(s + 40);
  z = rotr(z + w.first, 33) * mul;
  v = weak_hash32(s, v.second * mul, x + w.first);
  w = weak_hash32(s + 32, z + w.second, y + load64(s + 16));
  std::swap(z, x);
}

// ---- SipHash-2-4 ----------------------------------------------------------------

struct SipState {
  uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  }
  void absorb(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

}  // namespace

uint64_t fingerprint64(const char* s, size_t len) {
  if (len <= 16) return hash_0_to_16(s, len);
  if (len <= 32) return hash_17_to_32(s, len);
  if (len <= 64) return hash_33_to_64(s, len);
  // Longer strings: 64-byte rounds over 56 bytes of state, then the last 64 bytes once more.
  const uint64_t seed = 81;
  uint64_t x = seed;
  uint64_t y = seed * kK1 + 113;
  uint64_t z = shift_mix(y * kK2 + 113) * kK2;
  Pair v{0, 0}, w{0, 0};
  x = x * kK2 + load64(s);
  const char* end = s + ((len - 1) / 64) * 64;
  const char* last64 = s + len - 64;
  do {
    long_round(s, kK1, false, x, y, z, v, w);
    s += 64;
  } while (s != end);
  const uint64_t mul = kK1 + ((z & 0xff) << 1);
  w.first += (len - 1) & 63;
  v.first += w.first;
  w.first += v.first;
  long_round(last64, mul, true, x, y, z, v, w);
  return mix16(mix16(v.first, w.first, mul) + shift_mix(y) * kK0 + z, mix16(v.second, w.second, mul) + x, mul);
}

uint64_t siphash24(const char* s, size_t len, uint64_t k0, uint64_t k1) {
  SipState st{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
              k1 ^ 0x7465646279746573ULL};
  const size_t full = len & ~size_t(7);
  for (size_t i = 0; i < full; i += 8) st.absorb(load64(s + i));
  // The last block: the remaining bytes, little-endian, with the length's low byte on top.
  uint64_t last = uint64_t(len & 0xff) << 56;
  for (size_t i = 0; i < (len & 7); ++i) last |= uint64_t(static_cast<uint8_t>(s[full + i])) << (8 * i);
  st.absorb(last);
  st.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) st.round();
  return st.v0 ^ st.v1 ^ st.v2 ^ st.v3;
}

}  // namespace tg::text

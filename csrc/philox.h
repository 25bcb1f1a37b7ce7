// Philox-4x32-10, the counter-based generator of Salmon, Moraes, Dror and
// Shaw ("Parallel random numbers: as easy as 1, 2, 3", SC'11): ten rounds of
// a multiply-xor bijection keyed by a Weyl sequence. Header-only and
// device-neutral (TG_HD): the random kernels (backend/<device>/random.*) make their
// bits in their own loops.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "hd.h"

namespace tg {

namespace philox {

struct Block {
  uint32_t v[4];
  TG_HD uint32_t operator[](size_t i) const { return v[i]; }
};

constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;  // round multipliers
constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;  // Weyl key increments

TG_HD inline void mulhilo(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t p = uint64_t(a) * uint64_t(b);
  hi = uint32_t(p >> 32);
  lo = uint32_t(p);
}

TG_HD inline Block philox4x32_10(Block c, uint32_t k0, uint32_t k1) {
  for (int r = 0; r < 10; ++r) {
    if (r) { k0 += kW0; k1 += kW1; }
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kM0, c[0], hi0, lo0);
    mulhilo(kM1, c[2], hi1, lo1);
    c = Block{{hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0}};
  }
  return c;
}

// Block `i` of sub-stream `sub` (sub > 0: resampling rounds) of the stream
// with key (k0, k1) and call counter `call`: the counter layout of every random
// kernel, so a seeded tensor is the same whatever device or thread made it.
TG_HD inline Block stream_block(uint32_t k0, uint32_t k1, uint32_t call, uint64_t i, uint32_t sub = 0) {
  return philox4x32_10(Block{{uint32_t(i), uint32_t(i >> 32), call, sub}}, k0, k1);
}

// The Fisher–Yates permutation of n items in which draw i takes block i of
// the stream, scaled to [0, i] by multiply-shift: a pure function of the
// stream, built on the host (it is sequential) by every device's shuffle.
inline std::vector<int64_t> permutation(uint32_t k0, uint32_t k1, uint32_t call, int64_t n) {
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[size_t(i)] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const Block b = stream_block(k0, k1, call, uint64_t(i));
    const uint64_t bits = (uint64_t(b[0]) << 32) | b[1];
    const int64_t j = int64_t((unsigned __int128)bits * uint64_t(i + 1) >> 64);
    std::swap(perm[size_t(i)], perm[size_t(j)]);
  }
  return perm;
}

}  // namespace philox

}  // namespace tg

// The loops of simd/gemm_small.h, compiled per instruction-set level
// (loops_arch.cpp). GCC/Clang vector types of the level's register width keep
// a tile of C in registers: R rows by NV vectors, each updated by one
// multiply-add per K step with the row's A value broadcast.
#pragma once
#include <vector>

#include "simd/gemm_small.h"

namespace tg::simd::TG_ARCH {
namespace small_gemm {

#if defined(__clang__)
#define TG_UNROLL _Pragma("unroll")
#else
#define TG_UNROLL _Pragma("GCC unroll 16")
#endif

// Register width, and tile shapes that leave room for the B row and the
// broadcast (32 vector registers with AVX-512, 16 below).
#if defined(__AVX512F__)
constexpr int kVectorBytes = 64;
constexpr int kTileRows = 4, kTileVectors = 4;
#elif defined(__AVX__)
constexpr int kVectorBytes = 32;
constexpr int kTileRows = 4, kTileVectors = 2;
#else
constexpr int kVectorBytes = 16;
constexpr int kTileRows = 4, kTileVectors = 2;
#endif

template <class T>
struct Vec {
  typedef T type __attribute__((vector_size(kVectorBytes)));
  // The same vector at the element's alignment, for loads and stores at any
  // element offset (may_alias: it reads and writes arrays of T).
  typedef T unaligned __attribute__((vector_size(kVectorBytes), aligned(alignof(T)), may_alias));
  static constexpr int lanes = kVectorBytes / int(sizeof(T));
};

template <class T>
inline typename Vec<T>::type load(const T* p) {
  return *reinterpret_cast<const typename Vec<T>::unaligned*>(p);
}
template <class T>
inline void store(T* p, typename Vec<T>::type v) {
  *reinterpret_cast<typename Vec<T>::unaligned*>(p) = v;
}

// One R x (NV * lanes) tile of C whose rows start at a (A's row m0) and c.
template <class T, int R, int NV, bool Accumulate>
inline void tile(int64_t K, const T* a, int64_t a_m, int64_t a_k, const T* b, int64_t ldb, T* c, int64_t ldc) {
  using V = typename Vec<T>::type;
  constexpr int L = Vec<T>::lanes;
  // The loops over r and v are unrolled before GCC decides what lives in
  // registers; left to its later unrolling, acc stays an array in memory that
  // is stored and reloaded around the k loop.
  V acc[R][NV];
  TG_UNROLL for (int r = 0; r < R; ++r)
    TG_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V{};
  for (int64_t k = 0; k < K; ++k) {
    V bk[NV];
    TG_UNROLL for (int v = 0; v < NV; ++v) bk[v] = load(b + k * ldb + v * L);
    TG_UNROLL for (int r = 0; r < R; ++r) {
      const T s = a[r * a_m + k * a_k];
      TG_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] += s * bk[v];
    }
  }
  TG_UNROLL for (int r = 0; r < R; ++r)
    TG_UNROLL for (int v = 0; v < NV; ++v) {
      T* p = c + r * ldc + v * L;
      if constexpr (Accumulate) store(p, acc[r][v] + load(p));
      else store(p, acc[r][v]);
    }
}

// The rows [0, R) of C over the columns [n0, N): full-width tiles, then
// single vectors, then the last columns (fewer than a vector) from tail_b,
// those columns of B copied into rows of a whole vector padded with zeros.
template <class T, int R, bool Accumulate>
inline void row_band(int64_t N, int64_t K, const T* a, int64_t a_m, int64_t a_k, const T* b, int64_t ldb,
                     const T* tail_b, T* c, int64_t ldc) {
  constexpr int L = Vec<T>::lanes, W = kTileVectors * L;
  int64_t n = 0;
  for (; n + W <= N; n += W) tile<T, R, kTileVectors, Accumulate>(K, a, a_m, a_k, b + n, ldb, c + n, ldc);
  for (; n + L <= N; n += L) tile<T, R, 1, Accumulate>(K, a, a_m, a_k, b + n, ldb, c + n, ldc);
  if (n == N) return;
  T part[R * L];
  tile<T, R, 1, false>(K, a, a_m, a_k, tail_b, L, part, L);
  for (int r = 0; r < R; ++r)
    for (int64_t j = n; j < N; ++j) {
      T& out = c[r * ldc + j];
      out = Accumulate ? out + part[r * L + (j - n)] : part[r * L + (j - n)];
    }
}

template <class T, bool Accumulate>
void rows(int64_t M, int64_t N, int64_t K, const T* a, int64_t a_m, int64_t a_k, const T* b, int64_t ldb,
          const T* tail_b, T* c, int64_t ldc) {
  int64_t m = 0;
  for (; m + kTileRows <= M; m += kTileRows)
    row_band<T, kTileRows, Accumulate>(N, K, a + m * a_m, a_m, a_k, b, ldb, tail_b, c + m * ldc, ldc);
  for (; m < M; ++m) row_band<T, 1, Accumulate>(N, K, a + m * a_m, a_m, a_k, b, ldb, tail_b, c + m * ldc, ldc);
}

// Columns are taken in panels of kPanelBytes per row of B, so that a panel
// of B stays in cache while every row band of C reads it.
// A long contraction is taken kDepth rows of B at a time (C accumulates
// over the blocks), so that the panel read by every row band, kDepth x 2 KB,
// is 256 KB and stays in L2 (kc 256 and 512 were slower at K >= 1024).
constexpr int64_t kPanelBytes = 2048;
constexpr int64_t kDepth = 128;

template <class T>
void gemm(int64_t M, int64_t N, int64_t K, const void* av, int64_t a_m, int64_t a_k, const void* bv, int64_t ldb,
          void* cv, int64_t ldc, bool accumulate) {
  constexpr int L = Vec<T>::lanes;
  constexpr int64_t panel = kPanelBytes / int64_t(sizeof(T));
  static_assert(panel % (kTileVectors * L) == 0, "a panel is whole tiles");
  const T* a = static_cast<const T*>(av);
  const T* b = static_cast<const T*>(bv);
  T* c = static_cast<T*>(cv);
  std::vector<T> tail_b;
  if (const int64_t n0 = N / L * L; n0 < N) {
    tail_b.assign(size_t(K * L), T(0));
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = n0; j < N; ++j) tail_b[size_t(k * L + j - n0)] = b[k * ldb + j];
  }
  for (int64_t n = 0; n < N; n += panel) {
    const int64_t width = N - n < panel ? N - n : panel;
    for (int64_t k0 = 0; k0 < K; k0 += kDepth) {
      const int64_t depth = K - k0 < kDepth ? K - k0 : kDepth;
      const T* ak = a + k0 * a_k;
      const T* bk = b + k0 * ldb + n;
      const T* tk = tail_b.empty() ? nullptr : tail_b.data() + k0 * L;
      if (accumulate || k0 > 0) rows<T, true>(M, width, depth, ak, a_m, a_k, bk, ldb, tk, c + n, ldc);
      else rows<T, false>(M, width, depth, ak, a_m, a_k, bk, ldb, tk, c + n, ldc);
    }
  }
}

#undef TG_UNROLL

}  // namespace small_gemm

inline void fill_gemm(GemmLoops& t) {
  t.small_k[0] = &small_gemm::gemm<float>;
  t.small_k[1] = &small_gemm::gemm<double>;
#if defined(__AVX512F__)
  t.float_any_depth = true;
#endif
}

}  // namespace tg::simd::TG_ARCH

// The loops of simd/window.h, compiled per instruction-set level
// (loops_arch.cpp, with -fno-trapping-math: the comparisons become blends).
#pragma once
#include "simd/window.h"

namespace tg::simd::TG_ARCH {

template <class T>
inline void window_max(const T* __restrict src, T* __restrict m, int64_t C) {
  for (int64_t ch = 0; ch < C; ++ch) m[ch] = src[ch] > m[ch] ? src[ch] : m[ch];
}

// Bitwise | and & (no short-circuit branches) keep the loop vectorisable.
template <class T>
inline void route_position(const T* __restrict src, const T* __restrict m, const T* __restrict g,
                           T* __restrict dst, T* __restrict taken, int64_t C) {
  for (int64_t ch = 0; ch < C; ++ch) {
    const T s = src[ch], mm = m[ch], t = taken[ch];
    const bool hit = ((s == mm) | (mm != mm)) & (t == T(0));
    dst[ch] = hit ? g[ch] : T(0);
    taken[ch] = hit ? T(1) : t;
  }
}

template <class T>
void max_pool_route(const void* xv, void* dxv, const void* gv, int64_t h, int64_t w, int64_t row, int64_t C,
                    void* mv, void* takenv) {
  const T* x = static_cast<const T*>(xv);
  T* dx = static_cast<T*>(dxv);
  T* m = static_cast<T*>(mv);
  T* taken = static_cast<T*>(takenv);
  for (int64_t ch = 0; ch < C; ++ch) {
    m[ch] = x[ch];
    taken[ch] = T(0);
  }
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j) window_max(x + i * row + j * C, m, C);
  for (int64_t i = 0; i < h; ++i)
    for (int64_t j = 0; j < w; ++j)
      route_position(x + i * row + j * C, m, static_cast<const T*>(gv), dx + i * row + j * C, taken, C);
}

inline void fill_window(WindowLoops& t) {
  t.max_pool_route[0] = &max_pool_route<float>;
  t.max_pool_route[1] = &max_pool_route<double>;
}

}  // namespace tg::simd::TG_ARCH

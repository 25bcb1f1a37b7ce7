// The per-window inner loops of the 2-D poolings' CPU kernels
// (backend/cpu/pool.cpp) that only vectorise with the instruction sets of
// the compiled levels (their selects need blends): compiled once per level
// with the element-wise loops (loops_arch.cpp) and picked with them.
#pragma once
#include <cstdint>

namespace tg::simd {

// max_pool2d_grad over one window that no other window overlaps: x and dx
// point at the window's first position, positions (i, j) for i < h, j < w
// lie at i * row + j * C; g holds the window's C output gradients. Each
// channel's dy goes to its first maximum in row-major order (or to the
// first position when the maximum is a NaN, as a NaN first in its window
// makes it), every other position of the window gets 0. m and taken are
// scratch of C elements of the dtype.
using MaxPoolRouteLoop = void (*)(const void* x, void* dx, const void* g, int64_t h, int64_t w, int64_t row,
                                  int64_t C, void* m, void* taken);

struct WindowLoops {
  MaxPoolRouteLoop max_pool_route[2] = {};  // [0] float32, [1] float64
};

}  // namespace tg::simd

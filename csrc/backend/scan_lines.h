// The scan of one line (cumsum, cumprod) shared by the CPU kernel and the
// CUDA kernel: a line is `len` elements `stride` apart; the accumulator is
// float64 for float inputs and int64 for integers (wrapped back on store).
#pragma once
#include <cstdint>
#include <type_traits>

#include "hd.h"

namespace tg::scan {

template <class T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <class T, bool Product>
TG_HD_INLINE void scan_line(const T* x, T* y, int64_t len, int64_t stride, bool exclusive, bool reverse) {
  Acc<T> acc = Product ? Acc<T>(1) : Acc<T>(0);
  for (int64_t j = 0; j < len; ++j) {
    const int64_t at = (reverse ? len - 1 - j : j) * stride;
    const Acc<T> v = Acc<T>(x[at]);
    if (exclusive) {
      y[at] = T(acc);
      acc = Product ? acc * v : acc + v;
    } else {
      acc = Product ? acc * v : acc + v;
      y[at] = T(acc);
    }
  }
}

}  // namespace tg::scan

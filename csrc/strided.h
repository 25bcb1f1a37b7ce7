// Walking N operands that share one iteration shape but have their own
// strides (broadcast operands have stride 0). Dimensions that can be merged are
// merged first, so most walks end up as a few long rows. The callback receives,
// per row, the element offset of each operand and the row length; the inner
// stride of each operand is fixed for the walk (StridedWalk::inner_strides).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "tensor.h"

namespace tg {

template <int N>
struct StridedWalk {
  Shape shape;                              // coalesced, innermost last
  std::array<Strides, N> strides;           // coalesced, per operand
  std::array<int64_t, N> inner_strides{};   // stride of the last dim
  int64_t inner = 1;                        // length of the last dim
  int64_t rows = 1;                         // product of the outer dims

  StridedWalk(const Shape& s, const std::array<Strides, N>& st) {
    // Drop size-1 dims, then merge dim i into i+1 when every operand steps
    // through them as one run.
    Shape sh;
    std::array<Strides, N> ss;
    for (size_t d = 0; d < s.size(); ++d) {
      if (s[d] == 1) continue;
      sh.push_back(s[d]);
      for (int k = 0; k < N; ++k) ss[k].push_back(st[k][d]);
    }
    for (size_t d = 0; d < sh.size(); ++d) {
      if (!shape.empty()) {
        bool merge = true;
        for (int k = 0; k < N; ++k)
          if (strides[k].back() != ss[k][d] * sh[d]) { merge = false; break; }
        if (merge) {
          shape.back() *= sh[d];
          for (int k = 0; k < N; ++k) strides[k].back() = ss[k][d];
          continue;
        }
      }
      shape.push_back(sh[d]);
      for (int k = 0; k < N; ++k) strides[k].push_back(ss[k][d]);
    }
    if (shape.empty()) {
      shape.push_back(1);
      for (int k = 0; k < N; ++k) strides[k].push_back(0);
    }
    inner = shape.back();
    for (int k = 0; k < N; ++k) inner_strides[k] = strides[k].back();
    rows = 1;
    for (size_t d = 0; d + 1 < shape.size(); ++d) rows *= shape[d];
  }

  // Offsets of every operand at the start of row r.
  std::array<int64_t, N> row_offsets(int64_t r) const {
    std::array<int64_t, N> off{};
    for (int64_t d = int64_t(shape.size()) - 2; d >= 0 && r > 0; --d) {
      int64_t i = r % shape[d];
      r /= shape[d];
      for (int k = 0; k < N; ++k) off[k] += i * strides[k][d];
    }
    return off;
  }

  // f(offsets, row_len) for rows [r0, r1), advancing offsets incrementally.
  template <class F>
  void for_rows(int64_t r0, int64_t r1, F&& f) const {
    if (r0 >= r1) return;
    const int64_t nd = int64_t(shape.size()) - 1;  // outer dims
    std::vector<int64_t> idx(size_t(nd > 0 ? nd : 1), 0);
    {
      int64_t r = r0;
      for (int64_t d = nd - 1; d >= 0; --d) { idx[d] = r % shape[d]; r /= shape[d]; }
    }
    std::array<int64_t, N> off = row_offsets(r0);
    for (int64_t r = r0; r < r1; ++r) {
      f(off, inner);
      for (int64_t d = nd - 1; d >= 0; --d) {
        ++idx[d];
        for (int k = 0; k < N; ++k) off[k] += strides[k][d];
        if (idx[d] < shape[d]) break;
        for (int k = 0; k < N; ++k) off[k] -= strides[k][d] * shape[d];
        idx[d] = 0;
      }
    }
  }
};

}  // namespace tg

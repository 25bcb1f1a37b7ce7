// Element offsets of strided operands from a linear index over the call's
// shape: what a GPU thread (or a CPU test) needs to read a broadcast or
// transposed operand without a per-dimension loop nest. Device-neutral
// (TG_HD): the CUDA kernels use it, and the CPU tests check it
// (_C._offset_calc_probe) against NumPy's own strides.
//
// The host builds it once per call: dimensions of size 1 are dropped and
// neighbouring dimensions that every operand steps through as one are
// merged, so a transposed or broadcast operand costs as few divisions as its
// layout needs.
#pragma once
#include <cstdint>

#include "hd.h"

namespace tg {

constexpr int kMaxIndexDims = 12;

template <int N>  // operands
struct OffsetCalc {
  int ndim = 0;                          // after merging; 0: one element
  int64_t size[kMaxIndexDims] = {};      // outermost first
  int64_t stride[kMaxIndexDims][N] = {};  // in elements, per operand

  // off[k] = element offset of operand k for the linear (row-major) index i.
  TG_HD void offsets(int64_t i, int64_t* off) const {
    for (int k = 0; k < N; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t n = size[d];
      const int64_t q = i / n;
      const int64_t r = i - q * n;
      i = q;
      for (int k = 0; k < N; ++k) off[k] += r * stride[d][k];
    }
  }
};

// Builds the calculator of a call: shape[ndim], strides[k][ndim] for each
// operand k. Returns false when more than kMaxIndexDims dimensions remain
// after merging (the caller raises).
template <int N>
bool make_offset_calc(const int64_t* shape, int ndim, const int64_t* const* strides, OffsetCalc<N>& calc) {
  calc.ndim = 0;
  for (int d = 0; d < ndim; ++d) {
    if (shape[d] == 1) continue;
    if (calc.ndim > 0) {
      // Merge with the previous kept dimension when every operand's step over
      // it equals this dimension's whole extent.
      const int p = calc.ndim - 1;
      bool merge = true;
      for (int k = 0; k < N; ++k) merge = merge && calc.stride[p][k] == strides[k][d] * shape[d];
      if (merge) {
        calc.size[p] *= shape[d];
        for (int k = 0; k < N; ++k) calc.stride[p][k] = strides[k][d];
        continue;
      }
    }
    if (calc.ndim == kMaxIndexDims) return false;
    calc.size[calc.ndim] = shape[d];
    for (int k = 0; k < N; ++k) calc.stride[calc.ndim][k] = strides[k][d];
    ++calc.ndim;
  }
  return true;
}

}  // namespace tg

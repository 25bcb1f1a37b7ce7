// The plan of a reduction on the GPU: which input elements fold into which
// output, and how the kernels of cutensor_cuda/reduce.cu are launched over
// it. Plain host code over shape, strides and axes (only DimGroup::offset is
// TG_HD, for the kernels), no CUDA types: it lives with the device-neutral
// headers so that every build, with CUDA or not, can check plans
// (_C._reduce_plan_probe) without a GPU.
//
// A reduction call iterates over the input's shape; the output is dense over
// the kept dimensions in their order (backend/cpu/reduce.cpp). The plan splits
// the input's dimensions into two groups, each with the input's strides:
//   out: the kept dimensions, in order (output j is the j-th row-major index
//        over them);
//   red: the reduced dimensions, largest |stride| first, so that the linear
//        index over them walks memory as contiguously as the layout allows
//        (the order of a fold does not change its value, except for float
//        rounding; argmax/argmin reduce one axis, whose order is kept).
// Dimensions of size 1 are dropped and neighbours that step through memory
// as one are merged, so the common layouts end with one dimension per group.
#pragma once
#include <algorithm>
#include <cstdint>

#include "backend/strided_index.h"  // kMaxIndexDims
#include "hd.h"

namespace tg {

// Element offsets of a group of dimensions (outermost first) from a linear
// index over them.
struct DimGroup {
  int ndim = 0;
  int64_t size[kMaxIndexDims] = {};
  int64_t stride[kMaxIndexDims] = {};

  // The outermost dimension needs no division, so a one-dimensional group
  // (the usual case) costs one multiplication.
  TG_HD int64_t offset(int64_t i) const {
    if (ndim == 0) return 0;
    int64_t off = 0;
    for (int d = ndim - 1; d > 0; --d) {
      const int64_t q = i / size[d];
      off += (i - q * size[d]) * stride[d];
      i = q;
    }
    return off + i * stride[0];
  }

  // Appends a dimension inside the current innermost one, merged with it when
  // the outer one's stride is this one's whole extent. False when full.
  bool push(int64_t n, int64_t s) {
    if (ndim > 0 && stride[ndim - 1] == s * n) {
      size[ndim - 1] *= n;
      stride[ndim - 1] = s;
      return true;
    }
    if (ndim == kMaxIndexDims) return false;
    size[ndim] = n;
    stride[ndim] = s;
    ++ndim;
    return true;
  }

  int64_t innermost_stride() const { return ndim == 0 ? 0 : stride[ndim - 1]; }
};

// Rows: a group of threads cooperates on each output (the reduced run is
// contiguous in memory, or there is only one output: the whole-tensor case).
// Cols: each thread column owns one output and the threads of a block column
// split its reduced run (the kept dimension is the one that runs along
// memory, so neighbouring threads read neighbouring elements); also the
// generic case, and the empty reduction (count 0: every output the identity).
enum class ReduceKind : uint8_t { Rows, Cols };

// Launch sizes. Device-independent, so that a float result depends on the
// shape only, never on the GPU it ran on.
constexpr int kReduceBlock = 256;                 // threads per block, every reduction kernel
constexpr int64_t kReduceTargetThreads = 1 << 17;  // enough threads in flight to fill a large GPU
constexpr int64_t kReduceMinPerThread = 16;       // a split leaves each thread at least this many elements
constexpr int64_t kReduceMaxSplits = 1024;        // partials per output (combined by one warp)
constexpr int64_t kReduceWarpRowMax = 1024;       // Rows: a warp per output up to this count, else a block

struct ReducePlan {
  int64_t kept = 1;   // outputs
  int64_t count = 1;  // input elements folded into each output
  DimGroup out;       // the kept dimensions
  DimGroup red;       // the reduced dimensions
  ReduceKind kind = ReduceKind::Cols;
  // Rows: block_x threads per output (32: a warp, kReduceBlock / 32 outputs
  // per block; or kReduceBlock: the whole block), block_y = 1.
  // Cols: block (block_x, block_y); block_x outputs per block, block_y
  // threads along each output's reduced run (powers of two).
  int block_x = 1, block_y = 1;
  int64_t blocks = 1;  // blocks along the outputs (before any cap on the grid)
  // The reduced run is cut into `splits` parts of `chunk` elements (the last
  // may be shorter), one per blockIdx.y; with splits > 1 each part writes a
  // partial accumulator and a second launch combines them.
  int64_t splits = 1;
  int64_t chunk = 0;
};

namespace reduce_plan_detail {
inline int64_t pow2_at_least(int64_t n) {
  int64_t p = 1;
  while (p < n) p *= 2;
  return p;
}
inline int64_t pow2_at_most(int64_t n) {
  int64_t p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}
inline int64_t magnitude(int64_t s) { return s < 0 ? -s : s; }
}  // namespace reduce_plan_detail

// The plan of reducing `axes` (sorted, unique, non-negative, below ndim) of
// an input of `shape` with element `strides` (any sign, 0 on broadcast
// dimensions). Returns false when a group keeps more than kMaxIndexDims
// dimensions after merging (the caller raises). With no output (kept == 0)
// only kept and count are set.
inline bool make_reduce_plan(const int64_t* shape, const int64_t* strides, int ndim, const int64_t* axes, int naxes,
                             ReducePlan& plan) {
  using namespace reduce_plan_detail;
  plan = ReducePlan{};
  struct Dim {
    int64_t n, s;
  };
  Dim red[64];
  int nred = 0, next_axis = 0;
  for (int d = 0; d < ndim; ++d) {
    const bool reduced = next_axis < naxes && axes[next_axis] == d;
    if (reduced) ++next_axis;
    const int64_t n = shape[d];
    (reduced ? plan.count : plan.kept) *= n;
    if (n == 1) continue;
    if (reduced) {
      if (nred == 64) return false;
      red[nred++] = Dim{n, strides[d]};
    } else if (!plan.out.push(n, strides[d])) {
      return false;
    }
  }
  // Largest |stride| first; broadcast (stride 0) dimensions outermost, where
  // they merge with each other.
  auto key = [](const Dim& x) { return x.s == 0 ? INT64_MAX : magnitude(x.s); };
  std::stable_sort(red, red + nred, [&](const Dim& a, const Dim& b) { return key(a) > key(b); });
  if (plan.count > 0) {
    for (int i = 0; i < nred; ++i)
      if (!plan.red.push(red[i].n, red[i].s)) return false;
  }

  if (plan.kept == 0) return true;  // nothing to compute

  const int64_t rs = magnitude(plan.red.innermost_stride());
  const bool rows = plan.count > 0 && (plan.kept == 1 || (rs == 1 && plan.count >= 32));
  plan.kind = rows ? ReduceKind::Rows : ReduceKind::Cols;
  int64_t along;  // threads along one output's reduced run
  if (rows) {
    plan.block_x = plan.kept > 1 && plan.count <= kReduceWarpRowMax ? 32 : kReduceBlock;
    plan.block_y = 1;
    along = plan.block_x;
    const int64_t per_block = kReduceBlock / plan.block_x;
    plan.blocks = (plan.kept + per_block - 1) / per_block;
  } else {
    plan.block_x = int(std::min<int64_t>(32, pow2_at_least(plan.kept)));
    plan.block_y = int(std::min<int64_t>(kReduceBlock / plan.block_x, pow2_at_most(std::max<int64_t>(plan.count, 1))));
    along = plan.block_y;
    plan.blocks = (plan.kept + plan.block_x - 1) / plan.block_x;
  }
  const int64_t threads = plan.blocks * plan.block_x * plan.block_y;
  int64_t splits = 1;
  if (threads < kReduceTargetThreads) {
    const int64_t by_work = (plan.count + along * kReduceMinPerThread - 1) / (along * kReduceMinPerThread);
    splits = std::max<int64_t>(1, std::min({kReduceTargetThreads / threads, by_work, kReduceMaxSplits}));
  }
  if (plan.count == 0) {
    plan.splits = 1;
    plan.chunk = 0;
  } else {
    plan.chunk = (plan.count + splits - 1) / splits;
    plan.splits = (plan.count + plan.chunk - 1) / plan.chunk;  // no empty part
  }
  return true;
}

}  // namespace tg

// Copying one strided block of elements into a region of another array, on
// the device's stream: the joins write each input into its part of the
// output with it, getitem's gradient writes g into the indexed region. Both
// sides have the same dtype, so elements move as raw bits of their size.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "backend/strided_index.h"
#include "runtime.h"

namespace tg::cuda {

// dst[off[1]] = src[off[0]] for every element of the block.
template <class E>
__global__ void region_copy_kernel(const E* src, E* dst, OffsetCalc<2> calc, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[2];
    calc.offsets(i, off);
    dst[off[1]] = src[off[0]];
  }
}

// Copies the block of `shape` (ndim dims) read from src with element strides
// src_st into dst with element strides dst_st, elements of `itemsize` bytes
// (1, 4 or 8). A block that is one dense run on both sides is a single
// cudaMemcpyAsync; anything else, the strided kernel.
inline void copy_region(const void* src, const int64_t* src_st, void* dst, const int64_t* dst_st, const int64_t* shape,
                        int ndim, size_t itemsize, cudaStream_t stream) {
  int64_t n = 1;
  for (int d = 0; d < ndim; ++d) n *= shape[d];
  if (n == 0) return;
  const int64_t* rows[2] = {src_st, dst_st};
  OffsetCalc<2> calc;
  TG_CHECK(make_offset_calc<2>(shape, ndim, rows, calc), NotImplementedError, "CUDA kernels index at most ",
           kMaxIndexDims, " dimensions after merging; this copy has ", ndim);
  if (calc.ndim == 0 || (calc.ndim == 1 && calc.stride[0][0] == 1 && calc.stride[0][1] == 1)) {
    TG_CUDA_CHECK(cudaMemcpyAsync(dst, src, size_t(n) * itemsize, cudaMemcpyDeviceToDevice, stream));
    return;
  }
  const unsigned grid = grid_for(n);
  switch (itemsize) {
    case 1:
      region_copy_kernel<uint8_t><<<grid, kBlock, 0, stream>>>(static_cast<const uint8_t*>(src),
                                                                static_cast<uint8_t*>(dst), calc, n);
      break;
    case 4:
      region_copy_kernel<uint32_t><<<grid, kBlock, 0, stream>>>(static_cast<const uint32_t*>(src),
                                                                 static_cast<uint32_t*>(dst), calc, n);
      break;
    default:
      region_copy_kernel<uint64_t><<<grid, kBlock, 0, stream>>>(static_cast<const uint64_t*>(src),
                                                                 static_cast<uint64_t*>(dst), calc, n);
      break;
  }
  TG_CUDA_LAUNCHED(region_copy_kernel);
}

}  // namespace tg::cuda

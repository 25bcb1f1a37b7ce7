// cumsum and cumprod on the GPU, mirroring backend/cpu/scan.cpp: one thread
// per line of the dense input viewed as (outer, len, inner), each running
// the line scan the CPU runs (backend/scan_lines.h). Lines along an inner
// axis are read coalesced across neighbouring threads; lines along the last
// axis are not, a cost that a block-wide scan per line would remove.
#include <cstdint>

#include "backend/scan_lines.h"
#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

using op::OpId;

template <class T, bool Product>
__global__ void scan_lines(const T* __restrict__ x, T* __restrict__ y, int64_t lines, int64_t len, int64_t inner,
                           bool exclusive, bool reverse) {
  for (int64_t l = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; l < lines; l += int64_t(gridDim.x) * blockDim.x) {
    const int64_t o = l / inner, i = l - o * inner;
    const int64_t start = o * len * inner + i;
    scan::scan_line<T, Product>(x + start, y + start, len, inner, exclusive, reverse);
  }
}

template <class T, bool Product>
void scan_kernel(const KernelCall& c) {
  const OpAttrs& a = *c.attrs;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < a.axis; ++d) outer *= c.shape[d];
  for (int d = int(a.axis) + 1; d < c.ndim; ++d) inner *= c.shape[d];
  const int64_t len = c.shape[a.axis];
  const int64_t lines = outer * inner;
  if (c.numel == 0) return;
  scan_lines<T, Product><<<grid_for(lines), kBlock, 0, stream_for(c)>>>(
      static_cast<const T*>(c.in[0].data), static_cast<T*>(c.out.data), lines, len, inner, a.exclusive, a.reverse);
  TG_CUDA_LAUNCHED(scan_lines);
}

template <bool Product>
void register_one(OpId id) {
  op::register_kernel(id, DeviceType::CUDA, DType::Float32, &scan_kernel<float, Product>);
  op::register_kernel(id, DeviceType::CUDA, DType::Float64, &scan_kernel<double, Product>);
  op::register_kernel(id, DeviceType::CUDA, DType::Int32, &scan_kernel<int32_t, Product>);
  op::register_kernel(id, DeviceType::CUDA, DType::Int64, &scan_kernel<int64_t, Product>);
  op::register_kernel(id, DeviceType::CUDA, DType::UInt8, &scan_kernel<uint8_t, Product>);
}

}  // namespace

void register_scan() {
  register_one<false>(OpId::Cumsum);
  register_one<true>(OpId::Cumprod);
}

}  // namespace tg::cuda

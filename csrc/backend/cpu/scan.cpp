// cumsum and cumprod on the CPU over the dense input viewed as (outer, len,
// inner): lines along the last axis are scanned one by one
// (backend/scan_lines.h); along another axis, a row of `inner` accumulators
// walks the axis, so the inner loop runs over contiguous memory. Outer
// blocks are split over the pool.
#include <algorithm>
#include <vector>

#include "backend/cpu/register.h"
#include "backend/scan_lines.h"
#include "op/registry.h"
#include "parallel.h"

namespace tg::cpu {

namespace {

template <class T, bool Product>
void scan_kernel(const KernelCall& c) {
  const OpAttrs& a = *c.attrs;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < a.axis; ++d) outer *= c.shape[d];
  for (int d = int(a.axis) + 1; d < c.ndim; ++d) inner *= c.shape[d];
  const int64_t len = c.shape[a.axis];
  if (c.numel == 0) return;
  const T* x = static_cast<const T*>(c.in[0].data);
  T* y = static_cast<T*>(c.out.data);
  const int64_t block = len * inner;
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(block, 1));
  parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
    using Acc = scan::Acc<T>;
    std::vector<Acc> acc(inner > 1 ? size_t(inner) : 0);
    for (int64_t o = o0; o < o1; ++o) {
      const T* xo = x + o * block;
      T* yo = y + o * block;
      if (inner == 1) {
        scan::scan_line<T, Product>(xo, yo, len, 1, a.exclusive, a.reverse);
        continue;
      }
      std::fill(acc.begin(), acc.end(), Product ? Acc(1) : Acc(0));
      for (int64_t j = 0; j < len; ++j) {
        const int64_t at = (a.reverse ? len - 1 - j : j) * inner;
        for (int64_t i = 0; i < inner; ++i) {
          const Acc v = Acc(xo[at + i]);
          const Acc next = Product ? acc[size_t(i)] * v : acc[size_t(i)] + v;
          yo[at + i] = T(a.exclusive ? acc[size_t(i)] : next);
          acc[size_t(i)] = next;
        }
      }
    }
  });
}

template <bool Product>
void register_one(op::OpId id) {
  op::register_kernel(id, DeviceType::CPU, DType::Float32, &scan_kernel<float, Product>);
  op::register_kernel(id, DeviceType::CPU, DType::Float64, &scan_kernel<double, Product>);
  op::register_kernel(id, DeviceType::CPU, DType::Int32, &scan_kernel<int32_t, Product>);
  op::register_kernel(id, DeviceType::CPU, DType::Int64, &scan_kernel<int64_t, Product>);
  op::register_kernel(id, DeviceType::CPU, DType::UInt8, &scan_kernel<uint8_t, Product>);
}

}  // namespace

void register_scan() {
  register_one<false>(op::OpId::Cumsum);
  register_one<true>(op::OpId::Cumprod);
}

}  // namespace tg::cpu

#include "backend/cpu/copy.h"

#include <cstring>

#include "backend/cpu/operands.h"
#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"
#include "strided.h"

namespace tg::cpu {

namespace {

template <class S, class D>
void convert_rows(const StridedWalk<2>& w, const char* src, char* dst, int64_t r0, int64_t r1) {
  const int64_t ss = w.inner_strides[0], ds = w.inner_strides[1];
  w.for_rows(r0, r1, [&](const std::array<int64_t, 2>& off, int64_t n) {
    const S* s = reinterpret_cast<const S*>(src) + off[0];
    D* d = reinterpret_cast<D*>(dst) + off[1];
    if (ss == 1 && ds == 1) {
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<D>(s[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) d[i * ds] = static_cast<D>(s[i * ss]);
    }
  });
}

// Dense in shape's row-major order (the strides of size-1 axes do not matter).
bool dense(const Strides& st, const Shape& shape) {
  int64_t expect = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] != 1 && st[d] != expect) return false;
    expect *= shape[d];
  }
  return true;
}

// cast and identity: the input, any strides, into the dense output.
void copy_kernel(const KernelCall& c) {
  const Shape shape = shape_of(c);
  copy_strided(c.in[0].data, c.in[0].dtype, strides_of(c, c.in[0]), c.out.data, c.out.dtype,
               contiguous_strides(shape), shape);
}

}  // namespace

void copy_strided(const void* src, DType sdt, const Strides& ss, void* dst, DType ddt, const Strides& ds,
                  const Shape& shape) {
  const int64_t n = shape_numel(shape);
  if (n == 0) return;
  if (sdt == ddt && dense(ss, shape) && dense(ds, shape)) {
    const int64_t bytes = n * int64_t(itemsize(sdt));
    parallel_for(bytes, kParallelBytes, [&](int64_t b, int64_t e) {
      std::memcpy(static_cast<char*>(dst) + b, static_cast<const char*>(src) + b, size_t(e - b));
    });
    return;
  }
  StridedWalk<2> w(shape, {ss, ds});
  const char* s = static_cast<const char*>(src);
  char* d = static_cast<char*>(dst);
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, w.inner));
  TG_DISPATCH_ALL(sdt, using S = T; TG_DISPATCH_ALL(ddt, using D = T;
    parallel_for(w.rows, grain, [&](int64_t r0, int64_t r1) { convert_rows<S, D>(w, s, d, r0, r1); })));
}

void register_copy() {
  for (int d = 0; d < kNumDTypes; ++d) {
    op::register_kernel(op::OpId::Cast, DeviceType::CPU, DType(d), &copy_kernel);
    op::register_kernel(op::OpId::Identity, DeviceType::CPU, DType(d), &copy_kernel);
    op::register_kernel(op::OpId::ToDevice, DeviceType::CPU, DType(d), &copy_kernel);  // CPU to CPU
  }
}

}  // namespace tg::cpu

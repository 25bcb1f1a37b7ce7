// CPU kernels of the creation ops (ops_creation.cpp): fill, eye, range and
// linspace. Each writes its dense output from the numbers in the call's attrs;
// every element is a pure function of its index, so the thread split never
// changes a value.
#include <cmath>
#include <cstring>
#include <type_traits>

#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"

namespace tg::cpu {

namespace {

using op::OpId;

template <class T, class F>
void write_each(const KernelCall& c, F&& value_at) {
  T* p = static_cast<T*>(c.out.data);
  parallel_for(c.numel, kParallelElems, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) p[i] = value_at(i);
  });
}

// real[0] as the output dtype (the public function has checked it fits).
void fill_kernel(const KernelCall& c) {
  TG_DISPATCH_ALL(c.out.dtype, {
    const T v = static_cast<T>(c.attrs->real[0]);
    write_each<T>(c, [v](int64_t) { return v; });
  });
}

// Zeros with ones on the main diagonal of the [rows, cols] output.
void eye_kernel(const KernelCall& c) {
  const int64_t rows = c.shape[0], cols = c.shape[1];
  std::memset(c.out.data, 0, size_t(c.numel) * itemsize(c.out.dtype));
  TG_DISPATCH_ALL(c.out.dtype, {
    T* p = static_cast<T*>(c.out.data);
    for (int64_t i = 0; i < std::min(rows, cols); ++i) p[i * cols + i] = T(1);
  });
}

// start + i * delta: in double for float dtypes (real), exactly in wrapping
// 64-bit arithmetic for integer ones (whole).
void range_kernel(const KernelCall& c) {
  const OpAttrs& a = *c.attrs;
  TG_DISPATCH_ALL(c.out.dtype, {
    if constexpr (std::is_floating_point_v<T>) {
      const double start = a.real[0], delta = a.real[1];
      write_each<T>(c, [=](int64_t i) { return static_cast<T>(start + double(i) * delta); });
    } else {
      const uint64_t s = uint64_t(a.whole[0]), d = uint64_t(a.whole[1]);
      write_each<T>(c, [=](int64_t i) { return static_cast<T>(int64_t(s + uint64_t(i) * d)); });
    }
  });
}

// num evenly spaced values from real[0] to real[1], the last exactly stop;
// integer dtypes round down, as NumPy's do.
void linspace_kernel(const KernelCall& c) {
  const double start = c.attrs->real[0], stop = c.attrs->real[1];
  const int64_t num = c.numel;
  const double step = num > 1 ? (stop - start) / double(num - 1) : 0.0;
  auto value = [=](int64_t i) { return i + 1 == num && num > 1 ? stop : start + double(i) * step; };
  TG_DISPATCH_ALL(c.out.dtype, {
    if constexpr (std::is_integral_v<T>)
      write_each<T>(c, [=](int64_t i) { return static_cast<T>(std::floor(value(i))); });
    else
      write_each<T>(c, [=](int64_t i) { return static_cast<T>(value(i)); });
  });
}

}  // namespace

void register_fill() {
  for (int d = 0; d < kNumDTypes; ++d) {
    const DType dt = DType(d);
    op::register_kernel(OpId::Fill, DeviceType::CPU, dt, &fill_kernel);
    op::register_kernel(OpId::Eye, DeviceType::CPU, dt, &eye_kernel);
    if (dt == DType::Bool) continue;  // no range or linspace of bools
    op::register_kernel(OpId::Range, DeviceType::CPU, dt, &range_kernel);
    op::register_kernel(OpId::Linspace, DeviceType::CPU, dt, &linspace_kernel);
  }
}

}  // namespace tg::cpu

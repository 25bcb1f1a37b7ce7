// Creation and conversion ops.
#include <cmath>

#include "autograd.h"
#include "elementwise_exec.h"
#include "ops.h"
#include "parallel.h"

namespace tg::ops {

using autograd::Grads;

Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor out = Tensor::empty(shape, dtype);
  const int64_t n = out.numel();
  TG_DISPATCH_ALL(dtype, {
    T v = static_cast<T>(value);
    T* p = out.data<T>();
    parallel_for(n, kParallelElems, [&](int64_t s, int64_t e) {
      for (int64_t i = s; i < e; ++i) p[i] = v;
    });
  });
  return out;
}

Tensor zeros(const Shape& shape, DType dtype) { return full(shape, 0.0, dtype); }
Tensor ones(const Shape& shape, DType dtype) { return full(shape, 1.0, dtype); }
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype) { return full(t.shape(), 0.0, dtype.value_or(t.dtype())); }
Tensor ones_like(const Tensor& t, std::optional<DType> dtype) { return full(t.shape(), 1.0, dtype.value_or(t.dtype())); }
Tensor full_like(const Tensor& t, double value, std::optional<DType> dtype) {
  return full(t.shape(), value, dtype.value_or(t.dtype()));
}
Tensor scalar(double value, DType dtype) { return full({}, value, dtype); }

Tensor eye(int64_t rows, int64_t cols, DType dtype) {
  TG_CHECK(rows >= 0 && cols >= 0, ValueError, "eye: sizes must be non-negative, got (", rows, ", ", cols, ")");
  Tensor out = zeros({rows, cols}, dtype);
  TG_DISPATCH_ALL(dtype, {
    T* p = out.data<T>();
    for (int64_t i = 0; i < std::min(rows, cols); ++i) p[i * cols + i] = T(1);
  });
  return out;
}

Tensor arange(double start, double limit, double delta, DType dtype) {
  TG_CHECK(delta != 0, ValueError, "range: delta must not be zero");
  TG_CHECK(std::isfinite(start) && std::isfinite(limit) && std::isfinite(delta), ValueError,
           "range: start, limit and delta must be finite, got ", start, ", ", limit, ", ", delta);
  double count = std::ceil((limit - start) / delta);
  int64_t n = count > 0 ? int64_t(count) : 0;
  Tensor out = Tensor::empty({n}, dtype);
  TG_DISPATCH_ALL(dtype, {
    T* p = out.data<T>();
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<T>(start + double(i) * delta);
  });
  return out;
}

Tensor linspace(double start, double stop, int64_t num, DType dtype) {
  TG_CHECK(num >= 0, ValueError, "linspace: num must be non-negative, got ", num);
  Tensor out = Tensor::empty({num}, dtype);
  double step = num > 1 ? (stop - start) / double(num - 1) : 0.0;
  TG_DISPATCH_ALL(dtype, {
    T* p = out.data<T>();
    for (int64_t i = 0; i < num; ++i) p[i] = static_cast<T>(i + 1 == num && num > 1 ? stop : start + double(i) * step);
  });
  return out;
}

Tensor cast(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  Tensor out = convert(t, dtype);
  if (is_floating(t.dtype()) && is_floating(dtype) && autograd::should_record({&t})) {
    autograd::record("cast", {t}, {out}, [from = t.dtype()](const Grads& g, const std::vector<bool>&) {
      return Grads{cast(g[0], from)};
    });
  }
  return out;
}

Tensor identity(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  copy_into(t, out);
  if (autograd::should_record({&t})) {
    autograd::record("identity", {t}, {out}, [](const Grads& g, const std::vector<bool>&) { return Grads{g[0]}; });
  }
  return out;
}

Tensor stop_gradient(const Tensor& t) {
  // A new handle on the same memory: a fresh id that no tape watches.
  return Tensor::view_of(t, t.shape(), t.strides(), t.offset());
}

}  // namespace tg::ops

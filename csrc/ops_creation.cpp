// Creation and conversion ops.
#include <cmath>
#include <limits>
#include <type_traits>

#include "autograd.h"
#include "op/exec.h"
#include "ops.h"
#include "parallel.h"

namespace tg::ops {

using autograd::Grads;
using op::Inferred;

namespace {

// value as a T, refusing what the conversion would make undefined (NaN or an
// out-of-range value to an integer type).
template <class T>
T checked_value(double value, const char* op) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    TG_CHECK(std::isfinite(value) && value >= double(std::numeric_limits<T>::min()) &&
                 value < double(std::numeric_limits<T>::max()) + 1.0,
             ValueError, op, ": value ", value, " is out of range for dtype ", dtype_of<T>::value);
  }
  return static_cast<T>(value);
}

}  // namespace

Tensor full(const Shape& shape, double value, DType dtype) {
  Tensor out = Tensor::empty(shape, dtype);
  const int64_t n = out.numel();
  TG_DISPATCH_ALL(dtype, {
    const T v = checked_value<T>(value, "fill");
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
  TG_CHECK(dtype != DType::Bool, TypeError, "range: unsupported dtype bool");
  TG_CHECK(std::isfinite(start) && std::isfinite(limit) && std::isfinite(delta), ValueError,
           "range: start, limit and delta must be finite, got ", start, ", ", limit, ", ", delta);
  if (is_integer(dtype)) {
    // As TF: the arguments are cast to the integer dtype first.
    int64_t s = 0, l = 0, d = 0;
    TG_DISPATCH_NUMERIC(dtype, "range", {
      s = int64_t(checked_value<T>(start, "range"));
      l = int64_t(checked_value<T>(limit, "range"));
      d = int64_t(checked_value<T>(delta, "range"));
    });
    TG_CHECK(d != 0, ValueError, "range: delta must not be zero (delta=", delta, " as ", dtype, ")");
    return arange_int(s, l, d, dtype);
  }
  TG_CHECK(delta != 0, ValueError, "range: delta must not be zero");
  const double count = std::ceil((limit - start) / delta);
  TG_CHECK(!(count > 4.6e18), OutOfMemory, "range(", start, ", ", limit, ", ", delta, ") would have ", count,
           " elements");
  const int64_t n = count > 0 ? int64_t(count) : 0;
  Tensor out = Tensor::empty({n}, dtype);
  TG_DISPATCH_FLOAT(dtype, "range", {
    T* p = out.data<T>();
    parallel_for(n, kParallelElems, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = static_cast<T>(start + double(i) * delta);
    });
  });
  return out;
}

Tensor arange_int(int64_t s, int64_t l, int64_t d, DType dtype) {
  TG_CHECK(is_integer(dtype), TypeError, "range: expected an integer dtype, got ", dtype);
  TG_CHECK(d != 0, ValueError, "range: delta must not be zero");
  TG_DISPATCH_NUMERIC(dtype, "range", {
    for (int64_t v : {s, l, d})
      TG_CHECK(v >= int64_t(std::numeric_limits<T>::min()) && v <= int64_t(std::numeric_limits<T>::max()),
               ValueError, "range: value ", v, " is out of range for dtype ", dtype);
  });
  // Unsigned arithmetic: the span of two int64 values may not fit an int64.
  const uint64_t span = d > 0 ? (l > s ? uint64_t(l) - uint64_t(s) : 0) : (l < s ? uint64_t(s) - uint64_t(l) : 0);
  const uint64_t ad = d > 0 ? uint64_t(d) : uint64_t(0) - uint64_t(d);
  const uint64_t count = span / ad + (span % ad != 0);
  TG_CHECK(count <= (uint64_t(1) << 62), OutOfMemory, "range(", s, ", ", l, ", ", d, ") would have ", count,
           " elements");
  const int64_t n = int64_t(count);
  Tensor out = Tensor::empty({n}, dtype);
  TG_DISPATCH_NUMERIC(dtype, "range", {
    T* p = out.data<T>();
    parallel_for(n, kParallelElems, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) p[i] = static_cast<T>(int64_t(uint64_t(s) + uint64_t(i) * uint64_t(d)));
    });
  });
  return out;
}

Tensor linspace(double start, double stop, int64_t num, DType dtype) {
  TG_CHECK(num >= 0, ValueError, "linspace: num must be non-negative, got ", num);
  TG_CHECK(dtype != DType::Bool, TypeError, "linspace: unsupported dtype bool");
  TG_CHECK(std::isfinite(start) && std::isfinite(stop), ValueError, "linspace: start and stop must be finite, got ",
           start, " and ", stop);
  Tensor out = Tensor::empty({num}, dtype);
  const double step = num > 1 ? (stop - start) / double(num - 1) : 0.0;
  auto value = [&](int64_t i) { return i + 1 == num && num > 1 ? stop : start + double(i) * step; };
  TG_DISPATCH_NUMERIC(dtype, "linspace", {
    T* p = out.data<T>();
    if constexpr (std::is_integral_v<T>) {
      // Integer results round down, as NumPy's do.
      checked_value<T>(std::floor(start), "linspace");
      checked_value<T>(std::floor(stop), "linspace");
      for (int64_t i = 0; i < num; ++i) p[i] = static_cast<T>(std::floor(value(i)));
    } else {
      parallel_for(num, kParallelElems, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) p[i] = static_cast<T>(value(i));
      });
    }
  });
  return out;
}

namespace {

// cast and identity: the input's shape; identity keeps the dtype. A cast is
// differentiable between floating dtypes only (TF's rule).
void infer_copy(const char*, const Tensor* const* in, int, const OpAttrs& a, Inferred& r, bool is_cast) {
  r.shape = in[0]->shape();
  r.kernel = r.inputs[0] = in[0]->dtype();
  r.out = is_cast ? a.dtype : in[0]->dtype();
  r.differentiable = !is_cast || (is_floating(in[0]->dtype()) && is_floating(a.dtype));
}
void infer_cast(const char* name, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  infer_copy(name, in, n, a, r, true);
}
void infer_identity(const char* name, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  infer_copy(name, in, n, a, r, false);
}

op::Grads grad_cast(const op::GradCtx& c, const op::Grads& g, const op::Needs&) {
  return op::Grads{cast(g[0], c.dtypes[0])};
}
op::Grads grad_identity(const op::GradCtx&, const op::Grads& g, const op::Needs&) { return op::Grads{g[0]}; }

}  // namespace

Tensor cast(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  // A Python scalar is never watched; convert() keeps a Python float's digits.
  if (t.get()->weak) return convert(t, dtype);
  OpAttrs a;
  a.dtype = dtype;
  return op::exec(op::OpId::Cast, t, a);
}

// A recorded copy (tf.identity): dense, whatever the input's strides.
Tensor identity(const Tensor& t) { return op::exec(op::OpId::Identity, t); }

Tensor stop_gradient(const Tensor& t) {
  // A new handle on the same memory: a fresh id that no tape watches.
  return Tensor::view_of(t, t.shape(), t.strides(), t.offset());
}

}  // namespace tg::ops

namespace tg::op {

void define_copy() {
  using namespace tg::ops;
  constexpr uint32_t kAll = kNumericDTypes | kBoolDType;
  define(OpId::Cast, 1, infer_cast, grad_cast, kSaveNothing, kAll);
  define(OpId::Identity, 1, infer_identity, grad_identity, kSaveNothing, kAll);
}

}  // namespace tg::op

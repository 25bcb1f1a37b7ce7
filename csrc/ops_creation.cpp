// Creation and conversion ops: their checks and definitions; the kernels are
// in backend/cpu/fill.cpp and backend/cpu/copy.cpp.
#include <cmath>
#include <limits>
#include <type_traits>

#include "autograd.h"
#include "op/exec.h"
#include "ops.h"

namespace tg::ops {

using autograd::Grads;
using op::Inferred;
using op::OpId;

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

namespace {

// The output of a creation op: the shape, dtype and device in the attrs, made
// by the op's kernel through the one execution path.
Tensor create(OpId id, const Shape& shape, DType dtype, Device device, OpAttrs& a) {
  a.shape = shape;
  a.dtype = dtype;
  a.device = device;
  return op::exec_nullary(id, a);
}

}  // namespace

Tensor full(const Shape& shape, double value, DType dtype, Device device) {
  shape_numel(shape);  // a bad shape is reported before a bad value, as ever
  TG_DISPATCH_ALL(dtype, checked_value<T>(value, "fill"));
  OpAttrs a;
  a.real[0] = value;
  return create(OpId::Fill, shape, dtype, device, a);
}

Tensor zeros(const Shape& shape, DType dtype, Device device) { return full(shape, 0.0, dtype, device); }
Tensor ones(const Shape& shape, DType dtype, Device device) { return full(shape, 1.0, dtype, device); }
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype) {
  return full(t.shape(), 0.0, dtype.value_or(t.dtype()), t.device());
}
Tensor ones_like(const Tensor& t, std::optional<DType> dtype) {
  return full(t.shape(), 1.0, dtype.value_or(t.dtype()), t.device());
}
Tensor full_like(const Tensor& t, double value, std::optional<DType> dtype) {
  return full(t.shape(), value, dtype.value_or(t.dtype()), t.device());
}
Tensor scalar(double value, DType dtype, Device device) { return full({}, value, dtype, device); }
Tensor scalar(double value, DType dtype) {
  Tensor s = full({}, value, dtype, Device{});
  s.get()->host_value = true;
  return s;
}

Tensor eye(int64_t rows, int64_t cols, DType dtype, Device device) {
  TG_CHECK(rows >= 0 && cols >= 0, ValueError, "eye: sizes must be non-negative, got (", rows, ", ", cols, ")");
  OpAttrs a;
  return create(OpId::Eye, {rows, cols}, dtype, device, a);
}

Tensor arange(double start, double limit, double delta, DType dtype, Device device) {
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
    return arange_int(s, l, d, dtype, device);
  }
  TG_CHECK(delta != 0, ValueError, "range: delta must not be zero");
  const double count = std::ceil((limit - start) / delta);
  TG_CHECK(!(count > 4.6e18), OutOfMemory, "range(", start, ", ", limit, ", ", delta, ") would have ", count,
           " elements");
  TG_CHECK(is_floating(dtype), TypeError, "range: unsupported dtype ", dtype);
  OpAttrs a;
  a.real[0] = start;
  a.real[1] = delta;
  return create(OpId::Range, {count > 0 ? int64_t(count) : 0}, dtype, device, a);
}

Tensor arange_int(int64_t s, int64_t l, int64_t d, DType dtype, Device device) {
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
  OpAttrs a;
  a.whole[0] = s;
  a.whole[1] = d;
  return create(OpId::Range, {int64_t(count)}, dtype, device, a);
}

Tensor linspace(double start, double stop, int64_t num, DType dtype, Device device) {
  TG_CHECK(num >= 0, ValueError, "linspace: num must be non-negative, got ", num);
  TG_CHECK(dtype != DType::Bool, TypeError, "linspace: unsupported dtype bool");
  TG_CHECK(std::isfinite(start) && std::isfinite(stop), ValueError, "linspace: start and stop must be finite, got ",
           start, " and ", stop);
  TG_DISPATCH_NUMERIC(dtype, "linspace", {
    if constexpr (std::is_integral_v<T>) {
      // Integer results round down, as NumPy's do; both ends must fit.
      checked_value<T>(std::floor(start), "linspace");
      checked_value<T>(std::floor(stop), "linspace");
    }
  });
  OpAttrs a;
  a.real[0] = start;
  a.real[1] = stop;
  return create(OpId::Linspace, {num}, dtype, device, a);
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

namespace {
// fill, eye, range, linspace: the shape and dtype their public function put
// in the attrs; nothing to differentiate.
void infer_creation(const char*, const Tensor* const*, int, const OpAttrs& a, Inferred& r) {
  r.shape = a.shape;
  r.out = r.kernel = a.dtype;
  r.differentiable = false;
}
}  // namespace

void define_creation() {
  constexpr uint32_t kAll = kNumericDTypes | kBoolDType;
  define(OpId::Fill, 0, infer_creation, nullptr, kSaveNothing, kAll);
  define(OpId::Eye, 0, infer_creation, nullptr, kSaveNothing, kAll);
  define(OpId::Range, 0, infer_creation, nullptr, kSaveNothing, kNumericDTypes);
  define(OpId::Linspace, 0, infer_creation, nullptr, kSaveNothing, kNumericDTypes);
}

void define_copy() {
  using namespace tg::ops;
  constexpr uint32_t kAll = kNumericDTypes | kBoolDType;
  define(OpId::Cast, 1, infer_cast, grad_cast, kSaveNothing, kAll);
  define(OpId::Identity, 1, infer_identity, grad_identity, kSaveNothing, kAll);
}

}  // namespace tg::op

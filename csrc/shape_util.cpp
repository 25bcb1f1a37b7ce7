#include <algorithm>

#include "ops.h"

namespace tg::ops {

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  if (a == b) return a;
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    TG_CHECK(da == db || da == 1 || db == 1, ValueError, "shapes ", a, " and ", b,
             " are not broadcast-compatible (dimension ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op) {
  if (!(axis >= -ndim && axis < ndim)) {
    // A scalar has no axis at all, not even 0 or -1 (TensorFlow raises too).
    if (ndim == 0)
      throw IndexError(str(op, ": axis ", axis, " is out of range for a tensor of rank 0 (a scalar has no axes)"));
    throw IndexError(str(op, ": axis ", axis, " is out of range for a tensor of rank ", ndim, " (valid: ", -ndim,
                         " to ", ndim - 1, ")"));
  }
  return axis < 0 ? axis + ndim : axis;
}

std::vector<int64_t> normalize_axes(const Axes& axes, int64_t ndim, const char* op) {
  std::vector<int64_t> out;
  if (!axes) {
    for (int64_t i = 0; i < ndim; ++i) out.push_back(i);
    return out;
  }
  // Every axis must exist, for a scalar too: axis=None or [] reduces it to
  // itself, an axis 0 or -1 raises, as in TensorFlow.
  for (int64_t a : *axes) out.push_back(normalize_axis(a, ndim, op));
  std::sort(out.begin(), out.end());
  auto dup = std::adjacent_find(out.begin(), out.end());
  TG_CHECK(dup == out.end(), ValueError, op, ": axis ", *dup, " repeated in the axes");
  return out;
}

DType result_dtype(const Tensor& a, const Tensor& b) {
  const DType da = a.dtype(), db = b.dtype();
  if (da == db) return da;
  const bool wa = a.get()->weak, wb = b.get()->weak;
  if (wa != wb) {
    auto kind = [](DType d) { return d == DType::Bool ? 0 : is_integer(d) ? 1 : 2; };
    const DType strong = wa ? db : da, weak = wa ? da : db;
    if (kind(weak) <= kind(strong)) return strong;
    return weak == DType::Int64 ? DType::Int64 : DType::Float32;
  }
  return promote(da, db);
}

Strides broadcast_strides(const Tensor& t, const Shape& shape) {
  Strides st(shape.size(), 0);
  size_t off = shape.size() - t.shape().size();
  for (size_t i = 0; i < t.shape().size(); ++i)
    st[off + i] = t.shape()[i] == 1 ? 0 : t.strides()[i];
  return st;
}

}  // namespace tg::ops

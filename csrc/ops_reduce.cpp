// Reductions: the strided reduction engine and the ops built on it.
//
// Dtype rules (NumPy-like, with TensorFlow's int32 exception):
//   sum, prod:  bool and uint8 -> int64; int32 -> int32 (TF keeps it; the
//               int64 accumulator wraps to int32 at the end); int64, float32,
//               float64 keep their dtype. Floats accumulate in float64.
//   mean, variance, std, logsumexp: integers and bool -> float32 (TF would
//               truncate to an integer, NumPy would give float64).
//   max, min:   keep the dtype; a NaN in a reduced group gives NaN.
//   any, all:   bool, of any input (x != 0; NaN counts as true).
//   argmax/argmin: int64 (or int32); ties -> first occurrence; a NaN wins.
// Empty groups: sum 0, prod 1, mean NaN, any false, all true; max, min,
// argmax and argmin raise ValueError naming the shape.
//
// Gradient rules: sum and mean broadcast back; max and min split the gradient
// evenly among the tied extremes (TensorFlow's rule); prod: the product of
// the other entries, exact for any number of zeros (second derivatives at
// zeros are not); logsumexp: softmax weights; variance and std follow from
// their composition; argmax, argmin, any and all have none.
//
// The reduction engine and the other kernels are in backend/cpu/reduce.cpp;
// this file holds the definitions. variance and reduce_std are compositions of
// table ops, not entries of their own.
#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd.h"
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

// The input's shape with the reduced axes set to 1.
Shape keep_shape(const Shape& in, const std::vector<int64_t>& axes) {
  Shape keep = in;
  for (int64_t a : axes) keep[size_t(a)] = 1;
  return keep;
}

int64_t group_size(const Shape& in, const std::vector<int64_t>& axes) {
  int64_t n = 1;
  for (int64_t a : axes) n *= in[size_t(a)];
  return n;
}

DType sum_dtype(DType d) { return d == DType::Bool || d == DType::UInt8 ? DType::Int64 : d; }
DType float_dtype(DType d) { return is_floating(d) ? d : DType::Float32; }

// ---- inference ----------------------------------------------------------------------

void infer_reduction(const Tensor& t, const OpAttrs& a, DType out, Inferred& r) {
  r.shape.clear();
  for (int64_t i = 0; i < t.ndim(); ++i) {
    const bool reduced = std::binary_search(a.axes.begin(), a.axes.end(), i);
    if (!reduced) r.shape.push_back(t.shape()[size_t(i)]);
    else if (a.keepdims) r.shape.push_back(1);
  }
  r.call_over_input = true;
  r.out = out;
  r.kernel = r.inputs[0] = t.dtype();
}

void infer_sum(const char*, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  infer_reduction(*in[0], a, sum_dtype(in[0]->dtype()), r);
}
void infer_mean(const char*, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  infer_reduction(*in[0], a, float_dtype(in[0]->dtype()), r);
}
void infer_extreme(const char* name, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  TG_CHECK(group_size(in[0]->shape(), a.axes) > 0, ValueError, name, ": cannot reduce a tensor of shape ",
           in[0]->shape(), " over the empty axes ", a.axes, " (the result has no identity)");
  infer_reduction(*in[0], a, in[0]->dtype(), r);
}
void infer_any_all(const char*, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  infer_reduction(*in[0], a, DType::Bool, r);
}
// A floating input whose reduced axes are trailing and dense (logsumexp()
// arranges both).
void infer_logsumexp(const char* name, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  TG_CHECK(is_floating(in[0]->dtype()), TypeError, name, ": expected a floating tensor, got ", in[0]->dtype());
  infer_reduction(*in[0], a, in[0]->dtype(), r);
}
void infer_sum_to(const char*, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  r.shape = a.shape;
  r.call_over_input = true;
  r.out = r.kernel = r.inputs[0] = in[0]->dtype();
}
void infer_arg(const char* name, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const Shape& sh = in[0]->shape();
  TG_CHECK(sh[size_t(a.axis)] > 0, ValueError, name, ": cannot take the ", name, " of a tensor of shape ", sh,
           " along the empty axis ", a.axis);
  r.shape.clear();
  for (size_t i = 0; i < sh.size(); ++i)
    if (int64_t(i) != a.axis) r.shape.push_back(sh[i]);
  r.call_over_input = true;
  r.out = a.dtype;
  r.kernel = r.inputs[0] = in[0]->dtype();
}

// ---- gradient rules -----------------------------------------------------------------

// g (shaped like the result) broadcast back over the input.
Tensor broadcast_back(const Tensor& g, const GradCtx& c) {
  return broadcast_to(reshape(g, keep_shape(c.shapes[0], c.attrs.axes)), c.shapes[0]);
}

Grads grad_sum(const GradCtx& c, const Grads& g, const Needs&) { return Grads{broadcast_back(g[0], c)}; }
Grads grad_mean(const GradCtx& c, const Grads& g, const Needs&) {
  const int64_t n = group_size(c.shapes[0], c.attrs.axes);
  const double inv = n ? 1.0 / double(n) : std::numeric_limits<double>::quiet_NaN();
  return Grads{broadcast_back(multiply(g[0], scalar(inv, g[0].dtype())), c)};
}
// TF's rule: the gradient is shared evenly by the entries equal to the result.
Grads grad_extreme(const GradCtx& c, const Grads& g, const Needs&) {
  const Tensor& t = c.inputs[0];
  const Shape keep = keep_shape(c.shapes[0], c.attrs.axes);
  Tensor hit = cast(equal(t, reshape(c.output, keep)), g[0].dtype());
  Tensor share = divide(hit, sum(hit, c.attrs.axes, true));
  return Grads{multiply(share, reshape(g[0], keep))};
}
// d prod / d x_i = product of the others. With z zeros in the group:
// z = 0: prod / x_i; z = 1: the product of the non-zeros at the zero, 0
// elsewhere; z >= 2: 0. The zeros enter through constant masks, so this is
// exact to first order (x * nz + zero keeps the zero entries out of the
// product's own gradient).
Grads grad_prod(const GradCtx& c, const Grads& g, const Needs&) {
  const Tensor& t = c.inputs[0];
  const auto& ax = c.attrs.axes;
  const DType dt = g[0].dtype();
  Tensor zero = cast(equal(t, scalar(0.0, t.dtype())), dt);
  Tensor nz = cast(not_equal(t, scalar(0.0, t.dtype())), dt);
  Tensor safe = add(multiply(t, nz), zero);
  Tensor p = prod(safe, ax, true);
  Tensor zc = sum(zero, ax, true);
  Tensor none = cast(equal(zc, scalar(0.0, dt)), dt);
  Tensor one = cast(equal(zc, scalar(1.0, dt)), dt);
  Tensor w = add(divide(none, safe), multiply(one, zero));
  return Grads{multiply(multiply(w, p), reshape(g[0], keep_shape(c.shapes[0], ax)))};
}
// The softmax weights.
Grads grad_logsumexp(const GradCtx& c, const Grads& g, const Needs&) {
  const Shape keep = keep_shape(c.shapes[0], c.attrs.axes);
  return Grads{multiply(exp(subtract(c.inputs[0], reshape(c.output, keep))), reshape(g[0], keep))};
}
Grads grad_sum_to(const GradCtx& c, const Grads& g, const Needs&) { return Grads{broadcast_to(g[0], c.shapes[0])}; }

OpAttrs reduce_attrs(const Tensor& t, const Axes& axes, bool keepdims, const char* name) {
  OpAttrs a;
  a.axes = normalize_axes(axes, t.ndim(), name);
  a.keepdims = keepdims;
  return a;
}

Tensor arg_extreme(OpId id, const char* name, const Tensor& t, int64_t axis, DType out_dtype) {
  TG_CHECK(out_dtype == DType::Int32 || out_dtype == DType::Int64, TypeError, name,
           ": output_type must be int32 or int64, got ", out_dtype);
  OpAttrs a;
  a.axis = normalize_axis(axis, t.ndim(), name);  // a scalar has no axis to search (TF raises)
  a.dtype = out_dtype;
  return exec(id, t, a);
}

}  // namespace

// ---- the public functions -----------------------------------------------------------

Tensor sum(const Tensor& t, const Axes& axes, bool keepdims) {
  return exec(OpId::ReduceSum, t, reduce_attrs(t, axes, keepdims, "reduce_sum"));
}
Tensor mean(const Tensor& t, const Axes& axes, bool keepdims) {
  return exec(OpId::ReduceMean, t, reduce_attrs(t, axes, keepdims, "reduce_mean"));
}
Tensor max(const Tensor& t, const Axes& axes, bool keepdims) {
  return exec(OpId::ReduceMax, t, reduce_attrs(t, axes, keepdims, "reduce_max"));
}
Tensor min(const Tensor& t, const Axes& axes, bool keepdims) {
  return exec(OpId::ReduceMin, t, reduce_attrs(t, axes, keepdims, "reduce_min"));
}
Tensor prod(const Tensor& t, const Axes& axes, bool keepdims) {
  return exec(OpId::ReduceProd, t, reduce_attrs(t, axes, keepdims, "reduce_prod"));
}
Tensor any(const Tensor& t, const Axes& axes, bool keepdims) {
  return exec(OpId::ReduceAny, t, reduce_attrs(t, axes, keepdims, "reduce_any"));
}
Tensor all(const Tensor& t, const Axes& axes, bool keepdims) {
  return exec(OpId::ReduceAll, t, reduce_attrs(t, axes, keepdims, "reduce_all"));
}

// The kernel folds trailing dense rows: other axes are moved to the end by a
// recorded transpose and copy first.
Tensor logsumexp(const Tensor& t_in, const Axes& axes, bool keepdims) {
  const OpAttrs a = reduce_attrs(t_in, axes, keepdims, "reduce_logsumexp");
  Tensor t = is_floating(t_in.dtype()) ? t_in : cast(t_in, DType::Float32);
  const int64_t nd = t.ndim(), k = int64_t(a.axes.size());
  const bool last_axes = k == 0 || a.axes.front() == nd - k;  // sorted and unique: the last k axes
  if (!last_axes) {
    std::vector<int64_t> perm;
    for (int64_t i = 0; i < nd; ++i)
      if (!std::binary_search(a.axes.begin(), a.axes.end(), i)) perm.push_back(i);
    perm.insert(perm.end(), a.axes.begin(), a.axes.end());
    t = identity(transpose(t, perm));
  } else if (!t.is_contiguous()) {
    t = identity(t);
  }
  OpAttrs trailing;
  for (int64_t i = nd - k; i < nd; ++i) trailing.axes.push_back(i);
  Tensor out = exec(OpId::ReduceLogSumExp, t, trailing);
  return keepdims ? reshape(out, keep_shape(t_in.shape(), a.axes)) : out;
}

Tensor variance(const Tensor& t_in, const Axes& axes, bool keepdims) {
  normalize_axes(axes, t_in.ndim(), "reduce_variance");
  // Two passes (mean first) for accuracy; the gradient follows from the ops.
  const Tensor t = is_floating(t_in.dtype()) ? t_in : cast(t_in, DType::Float32);
  Tensor d = subtract(t, mean(t, axes, true));
  return mean(multiply(d, d), axes, keepdims);
}

Tensor reduce_std(const Tensor& t, const Axes& axes, bool keepdims) {
  normalize_axes(axes, t.ndim(), "reduce_std");
  return sqrt(variance(t, axes, keepdims));
}

Tensor argmax(const Tensor& t, int64_t axis, DType out_dtype) {
  return arg_extreme(OpId::ArgMax, "argmax", t, axis, out_dtype);
}
Tensor argmin(const Tensor& t, int64_t axis, DType out_dtype) {
  return arg_extreme(OpId::ArgMin, "argmin", t, axis, out_dtype);
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int64_t lead = g.ndim() - int64_t(shape.size());
  TG_CHECK(lead >= 0, ValueError, "sum_to: cannot reduce shape ", g.shape(), " to ", shape);
  OpAttrs a;
  for (int64_t i = 0; i < g.ndim(); ++i) {
    if (i < lead) { a.axes.push_back(i); continue; }
    const int64_t want = shape[size_t(i - lead)], have = g.shape()[size_t(i)];
    if (want == 1 && have != 1) a.axes.push_back(i);
    else TG_CHECK(want == have, ValueError, "sum_to: cannot reduce shape ", g.shape(), " to ", shape);
  }
  a.shape = shape;
  return exec(OpId::SumTo, g, a);
}

}  // namespace tg::ops

// ---- the table entries --------------------------------------------------------------

namespace tg::op {

void define_reduce() {
  using namespace tg::ops;
  constexpr uint32_t kAll = kNumericDTypes | kBoolDType;
  define(OpId::ReduceSum, 1, infer_sum, grad_sum, kSaveNothing, kAll);
  define(OpId::ReduceMean, 1, infer_mean, grad_mean, kSaveNothing, kAll);
  define(OpId::ReduceMax, 1, infer_extreme, grad_extreme, kSaveInputs | kSaveOutput, kAll);
  define(OpId::ReduceMin, 1, infer_extreme, grad_extreme, kSaveInputs | kSaveOutput, kAll);
  define(OpId::ReduceProd, 1, infer_sum, grad_prod, kSaveInputs, kAll);
  define(OpId::ReduceAny, 1, infer_any_all, nullptr, kSaveNothing, kAll);
  define(OpId::ReduceAll, 1, infer_any_all, nullptr, kSaveNothing, kAll);
  define(OpId::ReduceLogSumExp, 1, infer_logsumexp, grad_logsumexp, kSaveInputs | kSaveOutput, kFloatDTypes);
  define(OpId::SumTo, 1, infer_sum_to, grad_sum_to, kSaveNothing, kAll);
  define(OpId::ArgMax, 1, infer_arg, nullptr, kSaveNothing, kAll);
  define(OpId::ArgMin, 1, infer_arg, nullptr, kSaveNothing, kAll);
}

}  // namespace tg::op

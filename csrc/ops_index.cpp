// Index-driven copies: gather and its scatter-add gradient, one_hot,
// flatnonzero and boolean_mask (a composition of flatnonzero and gather).
//
// Indices are data, so their range check runs where they live: the kernel
// checks every index before it copies anything (IndexError naming the index
// and the axis), and never reads out of bounds. boolean_mask's output size
// is a value too: it reads the mask's count back to the host (one explicit
// sync point) before the kernel runs.
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

Shape gathered_shape(const Shape& params, const Shape& indices, int64_t axis) {
  Shape out(params.begin(), params.begin() + axis);
  out.insert(out.end(), indices.begin(), indices.end());
  out.insert(out.end(), params.begin() + axis + 1, params.end());
  return out;
}

void check_indices_dtype(const char* name, const Tensor& indices) {
  TG_CHECK(is_integer(indices.dtype()), TypeError, name, ": indices must be an integer tensor, got dtype ",
           indices.dtype());
}

// (params, indices); a.axis normalised by gather().
void infer_gather(const char* name, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  check_indices_dtype(name, *in[1]);
  r.shape = gathered_shape(in[0]->shape(), in[1]->shape(), a.axis);
  r.own_shapes = true;
  r.out = r.kernel = r.inputs[0] = in[0]->dtype();
  r.inputs[1] = in[1]->dtype();
}

// (g, indices); a.shape: the params' shape, a.axis normalised.
void infer_gather_backward(const char* name, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const Tensor &g = *in[0], &indices = *in[1];
  check_indices_dtype(name, indices);
  const Shape expect = gathered_shape(a.shape, indices.shape(), a.axis);
  TG_CHECK(g.shape() == expect, ValueError, "gather_backward: gradient of shape ", g.shape(), " does not match ", expect,
           " (params shape ", a.shape, ", indices shape ", indices.shape(), ", axis ", a.axis, ")");
  r.shape = a.shape;
  r.own_shapes = true;
  r.out = r.kernel = r.inputs[0] = g.dtype();
  r.inputs[1] = indices.dtype();
}

// (indices); a.count: depth, a.axis in [0, rank], a.dtype: the output's.
void infer_one_hot(const char* name, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  check_indices_dtype(name, *in[0]);
  r.shape = in[0]->shape();
  r.shape.insert(r.shape.begin() + a.axis, a.count);
  r.own_shapes = true;
  r.out = a.dtype;
  r.kernel = r.inputs[0] = in[0]->dtype();
}

// (mask); a.count: the number of true elements (read by flatnonzero()).
void infer_flatnonzero(const char* name, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  TG_CHECK(in[0]->dtype() == DType::Bool, TypeError, name, ": expected a bool tensor, got dtype ", in[0]->dtype());
  r.shape = {a.count};
  r.own_shapes = true;
  r.out = DType::Int64;
  r.kernel = r.inputs[0] = DType::Bool;
}

Grads grad_gather(const GradCtx& c, const Grads& g, const Needs& need) {
  return {need[0] ? gather_backward(g[0], c.inputs[1], c.attrs.axis, c.shapes[0]) : Tensor(), Tensor()};
}

Grads grad_gather_backward(const GradCtx& c, const Grads& g, const Needs& need) {
  return {need[0] ? gather(g[0], c.inputs[1], c.attrs.axis) : Tensor(), Tensor()};
}

}  // namespace

Tensor gather(const Tensor& params, const Tensor& indices, int64_t axis) {
  OpAttrs a;
  a.axis = normalize_axis(axis, params.ndim(), "gather");
  return exec_n(OpId::Gather, {&params, &indices}, a);
}

Tensor gather_backward(const Tensor& g, const Tensor& indices, int64_t axis, const Shape& shape) {
  TG_CHECK(!shape.empty(), ValueError, "gather_backward: params shape must have rank >= 1");
  OpAttrs a;
  a.axis = normalize_axis(axis, int64_t(shape.size()), "gather_backward");
  a.shape = shape;
  return exec_n(OpId::GatherBackward, {&g, &indices}, a);
}

Tensor one_hot(const Tensor& indices, int64_t depth, double on, double off, int64_t axis, DType dtype) {
  TG_CHECK(depth >= 0, ValueError, "one_hot: depth must be non-negative, got ", depth);
  const int64_t nd = indices.ndim();
  TG_CHECK(axis >= -1 && axis <= nd, IndexError, "one_hot: axis ", axis, " is out of range for indices of rank ", nd,
           " (valid: -1 to ", nd, ")");
  OpAttrs a;
  a.count = depth;
  a.axis = axis == -1 ? nd : axis;
  a.real[0] = on;
  a.real[1] = off;
  a.dtype = dtype;
  return exec(OpId::OneHot, indices, a);
}

Tensor flatnonzero(const Tensor& mask) {
  TG_CHECK(mask.dtype() == DType::Bool, TypeError, "flatnonzero: expected a bool tensor, got dtype ", mask.dtype());
  OpAttrs a;
  a.count = sum(mask, std::nullopt, false).item_int();  // the host sync: the output's size is data
  return exec(OpId::FlatNonzero, mask, a);
}

Tensor boolean_mask(const Tensor& t, const Tensor& mask, int64_t axis_in) {
  TG_CHECK(mask.dtype() == DType::Bool, TypeError, "boolean_mask: mask must be a bool tensor, got dtype ", mask.dtype());
  const int64_t k = mask.ndim();
  TG_CHECK(k > 0, ValueError, "boolean_mask: mask must have rank >= 1, got a 0-d mask");
  const int64_t nd = t.ndim();
  TG_CHECK(axis_in >= -nd && axis_in < nd, IndexError, "boolean_mask: axis ", axis_in,
           " is out of range for a tensor of rank ", nd);
  const int64_t axis = axis_in < 0 ? axis_in + nd : axis_in;
  bool ok = axis + k <= nd;
  for (int64_t i = 0; ok && i < k; ++i) ok = t.shape()[size_t(axis + i)] == mask.shape()[size_t(i)];
  TG_CHECK(ok, ValueError, "boolean_mask: mask of shape ", mask.shape(), " does not match the dimensions ", axis,
           "..", axis + k - 1, " of the tensor of shape ", t.shape());
  Shape flat(t.shape().begin(), t.shape().begin() + axis);
  flat.push_back(mask.numel());
  flat.insert(flat.end(), t.shape().begin() + axis + k, t.shape().end());
  return gather(reshape(t, flat), flatnonzero(mask), axis);
}

}  // namespace tg::ops

// ---- the table entries --------------------------------------------------------------

namespace tg::op {

void define_gather() {
  using namespace tg::ops;
  define(OpId::Gather, 2, infer_gather, grad_gather, kSaveInputs, kNumericDTypes | kBoolDType);
  define(OpId::GatherBackward, 2, infer_gather_backward, grad_gather_backward, kSaveInputs, kNumericDTypes);
  define(OpId::OneHot, 1, infer_one_hot, nullptr, kSaveNothing, kIntDTypes);
  define(OpId::FlatNonzero, 1, infer_flatnonzero, nullptr, kSaveNothing, kBoolDType);
}

}  // namespace tg::op

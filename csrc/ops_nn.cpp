// Neural-network ops: softmax, log_softmax, masked_softmax and the fused
// cross-entropies.
//
// The kernels (backend/cpu/softmax.cpp) run one fused pass per row. The
// cross-entropies keep each row's max and log-sum-exp as auxiliary outputs,
// and their first-order gradients are fused kernels too, (softmax - labels) *
// g in one pass; each such backward is itself an op of the table whose
// gradient rule is written with public ops, so second-order gradients work.
#include <algorithm>
#include <cmath>

#include "autograd.h"
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

void check_float_logits(const char* op, const Tensor& logits) {
  TG_CHECK(is_floating(logits.dtype()), TypeError, op, ": logits must be float32 or float64, got ", logits.dtype());
}

// g with a trailing axis of 1, to broadcast a per-row value over the classes.
Tensor per_row(const Tensor& g) {
  Shape s = g.shape();
  s.push_back(1);
  return reshape(g, s);
}

Shape rows_of(const Tensor& logits) { return Shape(logits.shape().begin(), logits.shape().end() - 1); }

// The labels made comparable with the logits (same dtype, same shape).
Tensor match_labels(const char* op, const Tensor& labels, const Tensor& logits) {
  TG_CHECK(labels.shape() == logits.shape(), ValueError, op, ": labels and logits must have the same shape, got labels ",
           labels.shape(), " and logits ", logits.shape());
  return labels.dtype() == logits.dtype() ? labels : cast(labels, logits.dtype());
}

// ---- inference ----------------------------------------------------------------------

void infer_softmax(const char*, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  r.shape = in[0]->shape();
  r.dense_inputs = true;
  r.out = r.kernel = r.inputs[0] = in[0]->dtype();
}

// (logits, mask): the mask is read in place through its broadcast strides
// (kept bool, never expanded to the logits' shape); the logits come dense.
void infer_masked_softmax(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  const Tensor &x = *in[0], &mask = *in[1];
  const Shape &xs = x.shape(), &ms = mask.shape();
  bool fits = ms.size() <= xs.size();
  for (size_t i = 1; fits && i <= ms.size(); ++i) fits = ms[ms.size() - i] == 1 || ms[ms.size() - i] == xs[xs.size() - i];
  TG_CHECK(fits, ValueError, name, ": the mask must be broadcastable to the logits without adding dimensions "
           "(each of its dimensions 1 or the logits'), got logits of shape ", xs, " and a mask of shape ", ms);
  r.shape = xs;
  r.dense_input[0] = true;
  r.out = r.kernel = r.inputs[0] = x.dtype();
  r.inputs[1] = DType::Bool;
}

// Inputs (logits, labels-or-ids, ...): the logits' dtype decides; g (the last
// input of a backward) is cast to it; ids stay int64.
void set_inputs(Inferred& r, int n, DType dt, bool ids) {
  for (int i = 0; i < n; ++i) r.inputs[i] = dt;
  if (ids) r.inputs[1] = DType::Int64;
  r.kernel = dt;
  r.dense_inputs = true;
  r.call_over_input = true;
}

// Forwards: the per-row loss, plus the rows' max and log-sum-exp.
void infer_xent(const char*, const Tensor* const* in, int n, const OpAttrs&, Inferred& r, bool ids) {
  const DType dt = in[0]->dtype();
  set_inputs(r, n, dt, ids);
  r.shape = rows_of(*in[0]);
  r.out = dt;
  r.n_aux = 2;
  r.aux_shape[0] = r.aux_shape[1] = r.shape;
  r.aux_dtype[0] = r.aux_dtype[1] = dt;
}
void infer_sparse_xent(const char* name, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  infer_xent(name, in, n, a, r, true);
}
void infer_dense_xent(const char* name, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  infer_xent(name, in, n, a, r, false);
}
// Backwards, and the element-wise sigmoid loss: shaped like the logits.
void infer_like_logits(const char*, const Tensor* const* in, int n, const OpAttrs&, Inferred& r, bool ids) {
  set_inputs(r, n, in[0]->dtype(), ids);
  r.shape = in[0]->shape();
  r.out = in[0]->dtype();
}
void infer_sparse_grad(const char* name, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  infer_like_logits(name, in, n, a, r, true);
}
void infer_dense_like(const char* name, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  infer_like_logits(name, in, n, a, r, false);
}

// ---- the fused backwards, as ops ----------------------------------------------------------

Tensor sparse_xent_grad(const Tensor& logits, const Tensor& ids, const Tensor& mx, const Tensor& ls, const Tensor& g) {
  return exec_n(OpId::SparseSoftmaxXentGrad, {&logits, &ids, &mx, &ls, &g}, OpAttrs{});
}
Tensor dense_xent_grad(const Tensor& logits, const Tensor& labels, const Tensor& mx, const Tensor& ls,
                       const Tensor& g) {
  return exec_n(OpId::SoftmaxXentGrad, {&logits, &labels, &mx, &ls, &g}, OpAttrs{});
}
Tensor sigmoid_xent_grad(const Tensor& logits, const Tensor& labels, const Tensor& g) {
  return exec_n(OpId::SigmoidXentGrad, {&logits, &labels, &g}, OpAttrs{});
}

// ---- gradient rules -----------------------------------------------------------------

Grads grad_softmax(const GradCtx& c, const Grads& g, const Needs&) {
  const Tensor& y = c.output;
  const std::vector<int64_t> ax{c.attrs.axis};
  return Grads{multiply(y, subtract(g[0], sum(multiply(g[0], y), ax, true)))};
}
// (logits, mask): the outputs of masked entries are 0, so softmax's rule over
// the output holds row by row. Equal weights in a row with no true entry do
// not depend on the logits: the mask zeroes those rows' gradient.
Grads grad_masked_softmax(const GradCtx& c, const Grads& g, const Needs&) {
  const Tensor& y = c.output;
  const std::vector<int64_t> ax{c.attrs.axis};
  Tensor gx = multiply(y, subtract(g[0], sum(multiply(g[0], y), ax, true)));
  if (c.attrs.uniform_if_all_masked) gx = where(c.inputs[1], gx, scalar(0.0, gx.dtype()));
  return Grads{gx, Tensor()};
}
Grads grad_log_softmax(const GradCtx& c, const Grads& g, const Needs&) {
  const std::vector<int64_t> ax{c.attrs.axis};
  return Grads{subtract(g[0], multiply(exp(c.output), sum(g[0], ax, true)))};
}
// (logits, ids): labels are class ids, with no gradient.
Grads grad_sparse_xent(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &logits = c.inputs[0], &ids = c.inputs[1];
  return Grads{need[0] ? sparse_xent_grad(logits, ids, c.aux[0], c.aux[1], g[0]) : Tensor(), Tensor()};
}
// (logits, ids, mx, ls, g) -> (softmax(x) - onehot) * g.
Grads grad_sparse_xent_grad(const GradCtx& c, const Grads& gr, const Needs& need) {
  const Tensor &logits = c.inputs[0], &ids = c.inputs[1], &g_in = c.inputs[4];
  const Tensor& u = gr[0];
  const std::vector<int64_t> last{-1};
  Tensor p = softmax(logits, -1);
  Tensor gx, gg;
  if (need[0]) {
    Tensor v = multiply(u, per_row(g_in));
    gx = multiply(p, subtract(v, sum(multiply(v, p), last, true)));
  }
  if (need[4]) {
    Tensor hot = one_hot(ids, logits.shape().back(), 1.0, 0.0, -1, logits.dtype());
    gg = sum(multiply(u, subtract(p, hot)), last);
  }
  return Grads{gx, Tensor(), Tensor(), Tensor(), gg};
}
// (logits, labels)
Grads grad_dense_xent(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &logits = c.inputs[0], &labels = c.inputs[1];
  Tensor gx = need[0] ? dense_xent_grad(logits, labels, c.aux[0], c.aux[1], g[0]) : Tensor();
  Tensor gz = need[1] ? multiply(negative(log_softmax(logits, -1)), per_row(g[0])) : Tensor();
  return Grads{gx, gz};
}
// (logits, labels, mx, ls, g) -> (softmax(x) * sum(z) - z) * g.
Grads grad_dense_xent_grad(const GradCtx& c, const Grads& gr, const Needs& need) {
  const Tensor &logits = c.inputs[0], &labels = c.inputs[1], &g_in = c.inputs[4];
  const std::vector<int64_t> last{-1};
  const Tensor& u = gr[0];
  Tensor p = softmax(logits, -1);
  Tensor s = sum(labels, last, true);
  Tensor gr_ = per_row(g_in);
  Tensor gx, gz, gg;
  if (need[0]) {
    Tensor v = multiply(u, multiply(s, gr_));
    gx = multiply(p, subtract(v, sum(multiply(v, p), last, true)));
  }
  if (need[1]) gz = multiply(gr_, subtract(sum(multiply(u, p), last, true), u));
  if (need[4]) gg = sum(multiply(u, subtract(multiply(p, s), labels)), last);
  return Grads{gx, gz, Tensor(), Tensor(), gg};
}
// (logits, labels)
Grads grad_sigmoid_xent(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &logits = c.inputs[0], &labels = c.inputs[1];
  Tensor gx = need[0] ? sigmoid_xent_grad(logits, labels, g[0]) : Tensor();
  Tensor gz = need[1] ? multiply(negative(logits), g[0]) : Tensor();
  return Grads{gx, gz};
}
// (logits, labels, g) -> (sigmoid(x) - z) * g.
Grads grad_sigmoid_xent_grad(const GradCtx& c, const Grads& gr, const Needs& need) {
  const Tensor &logits = c.inputs[0], &labels = c.inputs[1], &g_in = c.inputs[2];
  const Tensor& u = gr[0];
  Tensor s = sigmoid(logits);
  Tensor gx, gz, gg;
  if (need[0]) gx = multiply(multiply(u, g_in), multiply(s, subtract(scalar(1.0, s.dtype()), s)));
  if (need[1]) gz = negative(multiply(u, g_in));
  if (need[2]) gg = multiply(u, subtract(s, labels));
  return Grads{gx, gz, gg};
}

Tensor softmax_op(OpId id, const char* name, const Tensor& t, int64_t axis) {
  check_float_logits(name, t);
  TG_CHECK(t.ndim() >= 1, ValueError, name, ": axis ", axis,
           " is out of range for logits of rank 0 (logits must have rank >= 1)");
  OpAttrs a;
  a.axis = normalize_axis(axis, t.ndim(), name);
  return exec(id, t, a);
}

// Class ids as int64, checked against the number of classes (a host read of
// the labels: one of the engine's explicit sync points).
Tensor checked_ids(const char* name, const Tensor& labels, int64_t n) {
  const Tensor ids = cast(labels, DType::Int64);
  // On a GPU the check would read the labels back every step (a host sync);
  // there, as in TensorFlow's GPU kernel, an id out of range gives NaN.
  if (ids.device().type != DeviceType::CPU) return ids;
  if (ids.numel() > 0 && (min(ids).item_int() < 0 || max(ids).item_int() >= n)) {
    const Tensor bad =
        logical_or(less(ids, scalar(0.0, DType::Int64)), greater_equal(ids, scalar(double(n), DType::Int64)));
    const Tensor flat = reshape(ids, {-1});
    const Tensor where_bad = argmax(reshape(bad, {-1}), 0, DType::Int64);
    const int64_t pos = where_bad.item_int();
    const int64_t value = gather(flat, where_bad, 0).item_int();
    throw IndexError(str(name, ": received a label value of ", value, " (at position ", pos,
                         ") which is outside the valid range of [0, ", n, ") for ", n, " classes"));
  }
  return ids;
}

}  // namespace

// ---- the public functions -----------------------------------------------------------

Tensor softmax(const Tensor& t, int64_t axis) { return softmax_op(OpId::Softmax, "softmax", t, axis); }
Tensor log_softmax(const Tensor& t, int64_t axis) { return softmax_op(OpId::LogSoftmax, "log_softmax", t, axis); }

Tensor masked_softmax(const Tensor& t, const Tensor& mask, int64_t axis, bool uniform_if_all_masked) {
  const char* name = "masked_softmax";
  check_float_logits(name, t);
  TG_CHECK(t.ndim() >= 1, ValueError, name, ": axis ", axis,
           " is out of range for logits of rank 0 (logits must have rank >= 1)");
  OpAttrs a;
  a.axis = normalize_axis(axis, t.ndim(), name);
  a.uniform_if_all_masked = uniform_if_all_masked;
  // Keras keeps the entries where the mask is true or > 0.5 (0.5 cast to the
  // mask's dtype: 0 for integers).
  Tensor keep = mask;
  if (mask.dtype() != DType::Bool)
    keep = greater(mask, scalar(is_floating(mask.dtype()) ? 0.5 : 0.0, mask.dtype()));
  return exec_n(OpId::MaskedSoftmax, {&t, &keep}, a);
}

Tensor sparse_softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits) {
  const char* name = "sparse_softmax_cross_entropy_with_logits";
  check_float_logits(name, logits);
  TG_CHECK(is_integer(labels.dtype()), TypeError, name, ": labels must be integer class ids (int32 or int64), got ",
           labels.dtype());
  TG_CHECK(logits.ndim() >= 1, ValueError, name, ": logits must have rank >= 1, got a scalar");
  const Shape rows = rows_of(logits);
  TG_CHECK(labels.shape() == rows, ValueError, name, ": labels of shape ", labels.shape(),
           " do not match logits of shape ", logits.shape(), " (labels must have shape ", rows,
           ": the logits' shape without the class axis)");
  const Tensor ids = checked_ids(name, labels, logits.shape().back());
  return exec_n(OpId::SparseSoftmaxXent, {&logits, &ids}, OpAttrs{});
}

Tensor softmax_cross_entropy_with_logits(const Tensor& labels_in, const Tensor& logits, int64_t axis) {
  const char* name = "softmax_cross_entropy_with_logits";
  check_float_logits(name, logits);
  TG_CHECK(logits.ndim() >= 1, ValueError, name, ": axis ", axis,
           " is out of range for logits of rank 0 (logits must have rank >= 1)");
  const Tensor labels = match_labels(name, labels_in, logits);
  const int64_t a = normalize_axis(axis, logits.ndim(), name);
  if (a == logits.ndim() - 1) return exec_n(OpId::SoftmaxXent, {&logits, &labels}, OpAttrs{});
  // Another class axis: move it last (views; exec then copies them dense).
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < logits.ndim(); ++i)
    if (i != a) perm.push_back(i);
  perm.push_back(a);
  const Tensor x = transpose(logits, perm), z = transpose(labels, perm);
  return exec_n(OpId::SoftmaxXent, {&x, &z}, OpAttrs{});
}

Tensor sigmoid_cross_entropy_with_logits(const Tensor& labels_in, const Tensor& logits) {
  const char* name = "sigmoid_cross_entropy_with_logits";
  check_float_logits(name, logits);
  const Tensor labels = match_labels(name, labels_in, logits);
  return exec_n(OpId::SigmoidXent, {&logits, &labels}, OpAttrs{});
}

}  // namespace tg::ops

// ---- the table entries --------------------------------------------------------------

namespace tg::op {

void define_nn() {
  using namespace tg::ops;
  define(OpId::Softmax, 1, infer_softmax, grad_softmax, kSaveOutput, kFloatDTypes);
  define(OpId::LogSoftmax, 1, infer_softmax, grad_log_softmax, kSaveOutput, kFloatDTypes);
  define(OpId::MaskedSoftmax, 2, infer_masked_softmax, grad_masked_softmax, kSaveInputs | kSaveOutput,
         kFloatDTypes);
  define(OpId::SparseSoftmaxXent, 2, infer_sparse_xent, grad_sparse_xent, kSaveInputs, kFloatDTypes);
  define(OpId::SparseSoftmaxXentGrad, 5, infer_sparse_grad, grad_sparse_xent_grad, kSaveInputs, kFloatDTypes);
  define(OpId::SoftmaxXent, 2, infer_dense_xent, grad_dense_xent, kSaveInputs, kFloatDTypes);
  define(OpId::SoftmaxXentGrad, 5, infer_dense_like, grad_dense_xent_grad, kSaveInputs, kFloatDTypes);
  define(OpId::SigmoidXent, 2, infer_dense_like, grad_sigmoid_xent, kSaveInputs, kFloatDTypes);
  define(OpId::SigmoidXentGrad, 3, infer_dense_like, grad_sigmoid_xent_grad, kSaveInputs, kFloatDTypes);
}

}  // namespace tg::op

// Batch and layer normalization over the last axis as one op each way: x
// [..., C] is read as M rows of C channels.
//
// Batch normalization (TensorFlow's FusedBatchNorm in training mode,
// channels-last):
//  - batch_norm(x, gamma, beta) -> y = (x - mean) * rsqrt(var + eps) * gamma
//    + beta, with the batch's per-channel mean and biased variance as
//    auxiliary outputs: the layer moves its moving statistics with them, and
//    no gradient flows through them (as in TF).
//  - batch_norm_grad(x, gamma, mean, var, dy) -> dx, with dgamma and dbeta as
//    auxiliary outputs: one pass over x and dy for the two sums, one for dx.
// Layer normalization (Keras LayerNormalization over the last axis):
//  - layer_norm(x, gamma, beta) -> y = (x - mean_row) * rstd_row * gamma + beta,
//    each row's mean and rstd = rsqrt(var + eps) as auxiliary outputs;
//  - layer_norm_grad(x, gamma, mean, rstd, dy) -> dx, with dgamma and dbeta
//    as auxiliary outputs (column sums over the rows).
// Each forward's gradient rule runs the fused backward when nothing records
// the backward pass. Under a recording tape (a second derivative) it builds
// the same gradient from table ops, with mean and variance recomputed from
// x, so every order of derivative is right; batch_norm_grad itself is never
// taped.
#include "autograd.h"
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

void check_channels(const char* op, const char* what, const Tensor& t, int64_t channels, DType dt) {
  TG_CHECK(t.shape() == Shape{channels}, ValueError, op, ": ", what, " must have shape (", channels,
           ",) (the input's last dimension), got ", t.shape());
  TG_CHECK(t.dtype() == dt, TypeError, op, ": ", what, " must have the input's dtype ", dt, ", got ", t.dtype());
}

// Every operand dense and of the input's dtype; out like x; two per-channel
// auxiliary outputs.
void norm_operands(int n, const Tensor& x, Inferred& r) {
  const DType dt = x.dtype();
  r.shape = x.shape();
  r.dense_inputs = true;
  for (int i = 0; i < n; ++i) r.inputs[i] = dt;
  r.out = r.kernel = dt;
  r.n_aux = 2;
  r.aux_shape[0] = r.aux_shape[1] = Shape{x.shape().back()};
  r.aux_dtype[0] = r.aux_dtype[1] = dt;
}

// batch_norm(x, gamma, beta)
void infer_batch_norm(const char* op, const Tensor* const* in, int n, const OpAttrs&, Inferred& r) {
  const Tensor& x = *in[0];
  TG_CHECK(is_floating(x.dtype()), TypeError, op, ": the input must be float32 or float64, got ", x.dtype());
  TG_CHECK(x.ndim() >= 1 && x.numel() > 0, ValueError, op, ": the input must hold at least one row of channels, got shape ",
           x.shape());
  check_channels(op, "gamma", *in[1], x.shape().back(), x.dtype());
  check_channels(op, "beta", *in[2], x.shape().back(), x.dtype());
  norm_operands(n, x, r);
}

// layer_norm(x, gamma, beta): per-row statistics
void infer_layer_norm(const char* op, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  infer_batch_norm(op, in, n, a, r);
  r.aux_shape[0] = r.aux_shape[1] = Shape(in[0]->shape().begin(), in[0]->shape().end() - 1);
}

// layer_norm_grad(x, gamma, mean, rstd, dy): mean and rstd per row
void infer_layer_norm_grad(const char* op, const Tensor* const* in, int n, const OpAttrs&, Inferred& r) {
  const Tensor& x = *in[0];
  TG_CHECK(is_floating(x.dtype()), TypeError, op, ": the input must be float32 or float64, got ", x.dtype());
  TG_CHECK(x.ndim() >= 1 && x.numel() > 0, ValueError, op, ": the input must hold at least one row, got shape ",
           x.shape());
  check_channels(op, "gamma", *in[1], x.shape().back(), x.dtype());
  const Shape rows(x.shape().begin(), x.shape().end() - 1);
  for (int i : {2, 3}) {
    TG_CHECK(in[i]->shape() == rows && in[i]->dtype() == x.dtype(), ValueError, op, ": the row statistics must have shape ",
             rows, " and dtype ", x.dtype(), ", got ", in[i]->shape(), " ", in[i]->dtype());
  }
  TG_CHECK(in[4]->shape() == x.shape() && in[4]->dtype() == x.dtype(), ValueError, op,
           ": the output gradient must match the input (", x.shape(), " ", x.dtype(), "), got ", in[4]->shape(), " ",
           in[4]->dtype());
  norm_operands(n, x, r);
}

// batch_norm_grad(x, gamma, mean, var, dy)
void infer_batch_norm_grad(const char* op, const Tensor* const* in, int n, const OpAttrs&, Inferred& r) {
  const Tensor& x = *in[0];
  TG_CHECK(is_floating(x.dtype()), TypeError, op, ": the input must be float32 or float64, got ", x.dtype());
  TG_CHECK(x.ndim() >= 1 && x.numel() > 0, ValueError, op, ": the input must hold at least one row of channels, got shape ",
           x.shape());
  const int64_t c = x.shape().back();
  check_channels(op, "gamma", *in[1], c, x.dtype());
  check_channels(op, "mean", *in[2], c, x.dtype());
  check_channels(op, "variance", *in[3], c, x.dtype());
  TG_CHECK(in[4]->shape() == x.shape(), ValueError, op, ": the output gradient has shape ", in[4]->shape(),
           ", expected the input's ", x.shape());
  TG_CHECK(in[4]->dtype() == x.dtype(), TypeError, op, ": the output gradient must have the input's dtype ", x.dtype(),
           ", got ", in[4]->dtype());
  norm_operands(n, x, r);
}

OpAttrs with_epsilon(const char* op, double epsilon) {
  TG_CHECK(epsilon >= 0, ValueError, op, ": epsilon must be non-negative, got ", epsilon);
  OpAttrs a;
  a.real[0] = epsilon;
  return a;
}

// Runs a norm op; its two auxiliary outputs land in *first / *second (each may be null).
Tensor run_norm(OpId id, std::initializer_list<const Tensor*> in, const OpAttrs& attrs, Tensor* first,
                Tensor* second) {
  Tensor aux[kMaxAux];
  Tensor out = exec_with_aux(id, in, attrs, aux);
  if (first != nullptr) *first = aux[0];
  if (second != nullptr) *second = aux[1];
  return out;
}

std::vector<int64_t> row_axes(const Tensor& x) {
  std::vector<int64_t> axes;
  for (int64_t i = 0; i + 1 < x.ndim(); ++i) axes.push_back(i);
  return axes;
}

// The gradient from table ops, x's statistics recomputed from x (so that it
// is itself differentiable in x): dbeta = sum(dy), dgamma = sum(dy * xhat),
// dx = gamma * inv * (dy - mean(dy) - xhat * mean(dy * xhat)).
Grads composed_grad(const Tensor& x, const Tensor& gamma, const Tensor& dy, double epsilon, const Needs& need) {
  const std::vector<int64_t> rows = row_axes(x);
  const Tensor centred = subtract(x, mean(x, rows, true));
  const Tensor inv = rsqrt(add(mean(square(centred), rows, true), scalar(epsilon, x.dtype())));
  const Tensor xhat = multiply(centred, inv);
  const Tensor dy_xhat = multiply(dy, xhat);
  Grads r(3);
  if (need[0])
    r[0] = multiply(multiply(gamma, inv),
                    subtract(subtract(dy, mean(dy, rows, true)), multiply(xhat, mean(dy_xhat, rows, true))));
  if (need[1]) r[1] = sum(dy_xhat, rows);
  if (need[2]) r[2] = sum(dy, rows);
  return r;
}

// Layer normalization's gradient from table ops, each row's statistics
// recomputed from x: with gh = dy * gamma, dx = rstd * (gh - mean(gh) -
// xhat * mean(gh * xhat)) along the row; dgamma = sum(dy * xhat), dbeta =
// sum(dy) over the rows.
Grads composed_layer_norm_grad(const Tensor& x, const Tensor& gamma, const Tensor& dy, double epsilon,
                               const Needs& need) {
  const std::vector<int64_t> last{x.ndim() - 1}, rows = row_axes(x);
  const Tensor centred = subtract(x, mean(x, last, true));
  const Tensor rstd = rsqrt(add(mean(square(centred), last, true), scalar(epsilon, x.dtype())));
  const Tensor xhat = multiply(centred, rstd);
  Grads r(3);
  if (need[0]) {
    const Tensor gh = multiply(dy, gamma);
    r[0] = multiply(rstd, subtract(subtract(gh, mean(gh, last, true)), multiply(xhat, mean(multiply(gh, xhat), last, true))));
  }
  if (need[1]) r[1] = sum(multiply(dy, xhat), rows);
  if (need[2]) r[2] = sum(dy, rows);
  return r;
}

Grads grad_layer_norm(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &x = c.inputs[0], &gamma = c.inputs[1];
  if (autograd::should_record({&x, &gamma, &g[0]})) return composed_layer_norm_grad(x, gamma, g[0], c.attrs.real[0], need);
  Grads r(3);
  r[0] = run_norm(OpId::LayerNormGrad, {&x, &gamma, &c.aux[0], &c.aux[1], &g[0]}, OpAttrs{}, &r[1], &r[2]);
  return r;
}

Grads grad_batch_norm(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &x = c.inputs[0], &gamma = c.inputs[1];
  const double epsilon = c.attrs.real[0];
  if (autograd::should_record({&x, &gamma, &g[0]})) return composed_grad(x, gamma, g[0], epsilon, need);
  Grads r(3);
  r[0] = run_norm(OpId::BatchNormGrad, {&x, &gamma, &c.aux[0], &c.aux[1], &g[0]}, with_epsilon("batch_norm", epsilon),
                  &r[1], &r[2]);
  return r;
}

}  // namespace

Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double epsilon, Tensor* batch_mean,
                  Tensor* batch_variance) {
  return run_norm(OpId::BatchNorm, {&x, &gamma, &beta}, with_epsilon("batch_norm", epsilon), batch_mean,
                  batch_variance);
}

Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double epsilon, Tensor* row_mean,
                  Tensor* row_rstd) {
  return run_norm(OpId::LayerNorm, {&x, &gamma, &beta}, with_epsilon("layer_norm", epsilon), row_mean, row_rstd);
}

Tensor layer_norm_grad(const Tensor& x, const Tensor& gamma, const Tensor& row_mean, const Tensor& row_rstd,
                       const Tensor& dy, Tensor* dgamma, Tensor* dbeta) {
  return run_norm(OpId::LayerNormGrad, {&x, &gamma, &row_mean, &row_rstd, &dy}, OpAttrs{}, dgamma, dbeta);
}

Tensor batch_norm_grad(const Tensor& x, const Tensor& gamma, const Tensor& mean, const Tensor& variance,
                       const Tensor& dy, double epsilon, Tensor* dgamma, Tensor* dbeta) {
  return run_norm(OpId::BatchNormGrad, {&x, &gamma, &mean, &variance, &dy}, with_epsilon("batch_norm_grad", epsilon),
                  dgamma, dbeta);
}

}  // namespace tg::ops

namespace tg::op {

void define_norm() {
  using namespace tg::ops;
  define(OpId::BatchNorm, 3, infer_batch_norm, grad_batch_norm, kSaveInputs, kFloatDTypes);
  // The backwards are never taped: the rules run them only when nothing records (above).
  define(OpId::BatchNormGrad, 5, infer_batch_norm_grad, nullptr, kSaveNothing, kFloatDTypes);
  define(OpId::LayerNorm, 3, infer_layer_norm, grad_layer_norm, kSaveInputs, kFloatDTypes);
  define(OpId::LayerNormGrad, 5, infer_layer_norm_grad, nullptr, kSaveNothing, kFloatDTypes);
}

}  // namespace tg::op

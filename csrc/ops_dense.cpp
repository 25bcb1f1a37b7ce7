// dense(x, W, b, activation): the Dense layer's forward as one op of the
// table: activation(x @ W + b).
//
// The CPU kernel (backend/cpu/dense.cpp) is the GEMM followed by the bias and
// the activation applied in place to its fresh output. The bias is optional:
// the op is called with 2 inputs (x, W) or 3 (x, W, b). The gradient rule is
// written with public ops (matmul, sum, the relu mask), so higher orders work.
#include "linalg.h"
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

// ---- inference ----------------------------------------------------------------------

// x of rank >= 1 (leading dims are batch dims), W (in, units), b (units,).
void infer_dense(const char*, const Tensor* const* in, int n, const OpAttrs&, Inferred& r) {
  const Tensor &x = *in[0], &kernel = *in[1];
  const Tensor* bias = n == 3 ? in[2] : nullptr;
  TG_CHECK(x.ndim() >= 1 && kernel.ndim() == 2, ValueError, "dense: expected inputs of rank >= 1 and a 2-D kernel, got ",
           x.shape(), " and ", kernel.shape());
  const int64_t units = kernel.shape()[1];
  TG_CHECK(x.shape().back() == kernel.shape()[0], ValueError, "dense: the inputs' last dimension ", x.shape().back(),
           " does not match the kernel's input size ", kernel.shape()[0], " (inputs ", x.shape(), ", kernel ",
           kernel.shape(), ")");
  TG_CHECK(!bias || (bias->ndim() == 1 && bias->shape()[0] == units), ValueError, "dense: bias of shape ",
           bias ? bias->shape() : Shape{}, " does not match the kernel's ", units, " units");
  const DType dt = kernel.dtype();
  TG_CHECK(is_floating(dt) && x.dtype() == dt && (!bias || bias->dtype() == dt), TypeError,
           "dense: inputs, kernel and bias must share one floating dtype, got ", x.dtype(), ", ", dt, ", ",
           bias ? dtype_name(bias->dtype()) : "none");
  r.shape = x.shape();
  r.shape.back() = units;
  r.out = r.kernel = dt;
  for (int i = 0; i < n; ++i) r.inputs[i] = dt;
  r.own_shapes = true;
  int64_t numel = 1;
  for (int64_t d : r.shape) numel *= d;
  if (numel > 0 && kernel.shape()[0] > 0) linalg::request_blas_layouts(in, r);
  r.dense_input[2] = bias != nullptr;  // the epilogue reads the bias densely (a copy only if strided)
}

// ---- gradient rule --------------------------------------------------------------------

// (x, W[, b]); the relu mask comes from the saved output (relu'(0) = 0, as TF).
Grads grad_dense(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &x = c.inputs[0], &kernel = c.inputs[1];
  const int64_t in = kernel.shape()[0], units = kernel.shape()[1];
  const Tensor gz = c.attrs.activation == Activation::Relu ? relu_grad(c.output, g[0]) : g[0];
  const Tensor gz2 = gz.ndim() == 2 ? gz : reshape(gz, {-1, units});
  Grads r(c.shapes.size());
  if (need[0]) {
    r[0] = matmul(gz2, kernel, false, true);
    if (x.ndim() != 2) r[0] = reshape(r[0], x.shape());
  }
  if (need[1]) r[1] = matmul(x.ndim() == 2 ? x : reshape(x, {-1, in}), gz2, true, false);
  if (r.size() == 3 && need[2]) r[2] = sum(gz2, std::vector<int64_t>{0});
  return r;
}

}  // namespace

// ---- the public function ------------------------------------------------------------

Tensor dense(const Tensor& x, const Tensor& kernel, const Tensor& bias, DenseActivation activation) {
  OpAttrs attrs;
  attrs.activation = activation;
  if (bias.defined()) return exec_n(OpId::Dense, {&x, &kernel, &bias}, attrs);
  return exec_n(OpId::Dense, {&x, &kernel}, attrs);
}

}  // namespace tg::ops

// ---- the table entry ----------------------------------------------------------------

namespace tg::op {

void define_dense() {
  using namespace tg::ops;
  // Arity 3: (x, W, b); a call without a bias passes (x, W).
  define(OpId::Dense, 3, infer_dense, grad_dense, kSaveInputs | kSaveOutput, kFloatDTypes);
}

}  // namespace tg::op

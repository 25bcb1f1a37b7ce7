// Scans along an axis: tf.math.cumsum and tf.math.cumprod, each a table op
// over the dense input viewed as (outer, length, inner), with TensorFlow's
// exclusive and reverse flags. Gradient rules, in table ops (so any order):
//   cumsum:  cumsum(g) with the direction reversed (the same exclusive flag);
//   cumprod: TensorFlow's cumsum(cumprod(x) * g, reversed) / x, which, as
//            in TensorFlow, is not finite where x has zeros.
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

// (t); a.axis normalised, a.exclusive, a.reverse.
void infer_scan(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  const Tensor& t = *in[0];
  TG_CHECK(t.dtype() != DType::Bool, TypeError, name, ": bool tensors cannot be summed or multiplied; cast first");
  r.shape = t.shape();
  r.dense_inputs = true;
  r.out = r.kernel = r.inputs[0] = t.dtype();
}

Tensor scan(OpId id, const char* name, const Tensor& t, int64_t axis, bool exclusive, bool reverse) {
  TG_CHECK(t.ndim() >= 1, ValueError, name, ": the input must have rank >= 1, got a scalar");
  OpAttrs a;
  a.axis = normalize_axis(axis, t.ndim(), name);
  a.exclusive = exclusive;
  a.reverse = reverse;
  return exec(id, t, a);
}

Grads grad_cumsum(const GradCtx& c, const Grads& g, const Needs& need) {
  if (!need[0]) return {Tensor()};
  return {cumsum(g[0], c.attrs.axis, c.attrs.exclusive, !c.attrs.reverse)};
}

Grads grad_cumprod(const GradCtx& c, const Grads& g, const Needs& need) {
  if (!need[0]) return {Tensor()};
  const Tensor& x = c.inputs[0];
  const Tensor prod = cumprod(x, c.attrs.axis, c.attrs.exclusive, c.attrs.reverse);
  return {divide(cumsum(multiply(prod, g[0]), c.attrs.axis, c.attrs.exclusive, !c.attrs.reverse), x)};
}

}  // namespace

Tensor cumsum(const Tensor& t, int64_t axis, bool exclusive, bool reverse) {
  return scan(OpId::Cumsum, "cumsum", t, axis, exclusive, reverse);
}

Tensor cumprod(const Tensor& t, int64_t axis, bool exclusive, bool reverse) {
  return scan(OpId::Cumprod, "cumprod", t, axis, exclusive, reverse);
}

}  // namespace tg::ops

// ---- the table entries -------------------------------------------------------------------

namespace tg::op {

void define_scan() {
  using namespace tg::ops;
  constexpr uint32_t kScanDTypes = kFloatDTypes | dtype_bit(DType::Int32) | dtype_bit(DType::Int64) |
                                   dtype_bit(DType::UInt8);
  define(OpId::Cumsum, 1, infer_scan, grad_cumsum, kSaveNothing, kScanDTypes);
  define(OpId::Cumprod, 1, infer_scan, grad_cumprod, kSaveInputs, kScanDTypes);
}

}  // namespace tg::op

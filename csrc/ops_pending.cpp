// Ops declared in ops.h that have no kernel yet: they raise instead of failing to link.
// Each op family deletes its entries here as it lands.
#include "ops.h"

namespace tg::ops {

Tensor floor_divide(const Tensor& a, const Tensor& b) { throw RuntimeError("floor_divide: not implemented yet"); }
Tensor mod(const Tensor& a, const Tensor& b) { throw RuntimeError("mod: not implemented yet"); }
Tensor pow(const Tensor& a, const Tensor& b) { throw RuntimeError("pow: not implemented yet"); }
Tensor logical_and(const Tensor& a, const Tensor& b) { throw RuntimeError("logical_and: not implemented yet"); }
Tensor logical_or(const Tensor& a, const Tensor& b) { throw RuntimeError("logical_or: not implemented yet"); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { throw RuntimeError("logical_xor: not implemented yet"); }
Tensor abs(const Tensor& t) { throw RuntimeError("abs: not implemented yet"); }
Tensor sign(const Tensor& t) { throw RuntimeError("sign: not implemented yet"); }
Tensor sqrt(const Tensor& t) { throw RuntimeError("sqrt: not implemented yet"); }
Tensor rsqrt(const Tensor& t) { throw RuntimeError("rsqrt: not implemented yet"); }
Tensor reciprocal(const Tensor& t) { throw RuntimeError("reciprocal: not implemented yet"); }
Tensor log(const Tensor& t) { throw RuntimeError("log: not implemented yet"); }
Tensor log1p(const Tensor& t) { throw RuntimeError("log1p: not implemented yet"); }
Tensor expm1(const Tensor& t) { throw RuntimeError("expm1: not implemented yet"); }
Tensor sin(const Tensor& t) { throw RuntimeError("sin: not implemented yet"); }
Tensor cos(const Tensor& t) { throw RuntimeError("cos: not implemented yet"); }
Tensor tanh(const Tensor& t) { throw RuntimeError("tanh: not implemented yet"); }
Tensor sigmoid(const Tensor& t) { throw RuntimeError("sigmoid: not implemented yet"); }
Tensor softplus(const Tensor& t) { throw RuntimeError("softplus: not implemented yet"); }
Tensor logical_not(const Tensor& t) { throw RuntimeError("logical_not: not implemented yet"); }
Tensor isnan(const Tensor& t) { throw RuntimeError("isnan: not implemented yet"); }
Tensor isfinite(const Tensor& t) { throw RuntimeError("isfinite: not implemented yet"); }
Tensor isinf(const Tensor& t) { throw RuntimeError("isinf: not implemented yet"); }
Tensor clip_by_value(const Tensor& t, const Tensor& lo, const Tensor& hi) { throw RuntimeError("clip_by_value: not implemented yet"); }
Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y) { throw RuntimeError("where: not implemented yet"); }
Tensor mean(const Tensor& t, const Axes& axes, bool keepdims) { throw RuntimeError("mean: not implemented yet"); }
Tensor max(const Tensor& t, const Axes& axes, bool keepdims) { throw RuntimeError("max: not implemented yet"); }
Tensor min(const Tensor& t, const Axes& axes, bool keepdims) { throw RuntimeError("min: not implemented yet"); }
Tensor prod(const Tensor& t, const Axes& axes, bool keepdims) { throw RuntimeError("prod: not implemented yet"); }
Tensor any(const Tensor& t, const Axes& axes, bool keepdims) { throw RuntimeError("any: not implemented yet"); }
Tensor all(const Tensor& t, const Axes& axes, bool keepdims) { throw RuntimeError("all: not implemented yet"); }
Tensor logsumexp(const Tensor& t, const Axes& axes, bool keepdims) { throw RuntimeError("logsumexp: not implemented yet"); }
Tensor variance(const Tensor& t, const Axes& axes, bool keepdims) { throw RuntimeError("variance: not implemented yet"); }
Tensor reduce_std(const Tensor& t, const Axes& axes, bool keepdims) { throw RuntimeError("reduce_std: not implemented yet"); }
Tensor argmax(const Tensor& t, int64_t axis, DType out_dtype) { throw RuntimeError("argmax: not implemented yet"); }
Tensor argmin(const Tensor& t, int64_t axis, DType out_dtype) { throw RuntimeError("argmin: not implemented yet"); }
Tensor softmax(const Tensor& t, int64_t axis) { throw RuntimeError("softmax: not implemented yet"); }
Tensor log_softmax(const Tensor& t, int64_t axis) { throw RuntimeError("log_softmax: not implemented yet"); }
Tensor sparse_softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits) { throw RuntimeError("sparse_softmax_cross_entropy_with_logits: not implemented yet"); }
Tensor softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits, int64_t axis) { throw RuntimeError("softmax_cross_entropy_with_logits: not implemented yet"); }
Tensor sigmoid_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits) { throw RuntimeError("sigmoid_cross_entropy_with_logits: not implemented yet"); }

}  // namespace tg::ops

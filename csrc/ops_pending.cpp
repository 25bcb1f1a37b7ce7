// Ops declared in ops.h that have no kernel yet: they raise instead of failing to link.
// Each op family deletes its entries here as it lands.
#include "ops.h"

namespace tg::ops {

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

// Reductions. (Placeholder implementation of sum/sum_to until the reduction
// kernels land; owned by the reductions work.)
#include "autograd.h"
#include "elementwise_exec.h"
#include "ops.h"

namespace tg::ops {

using autograd::Grads;

Tensor sum(const Tensor& t, const Axes& axes, bool keepdims) {
  auto ax = normalize_axes(axes, t.ndim(), "reduce_sum");
  DType dt = t.dtype() == DType::Bool || t.dtype() == DType::UInt8 || t.dtype() == DType::Int32 ? DType::Int64 : t.dtype();
  if (t.dtype() == DType::Int32) dt = DType::Int32;
  Shape out_shape, keep_shape = t.shape();
  std::vector<bool> reduced(size_t(t.ndim()), false);
  for (int64_t a : ax) reduced[size_t(a)] = true;
  for (int64_t i = 0; i < t.ndim(); ++i) {
    if (reduced[size_t(i)]) { keep_shape[size_t(i)] = 1; if (keepdims) out_shape.push_back(1); }
    else out_shape.push_back(t.shape()[size_t(i)]);
  }
  Tensor src = convert(t, dt).contiguous();
  Tensor out = zeros(keep_shape, dt);
  // Naive: walk every input element and add into its output slot.
  Strides ost = contiguous_strides(keep_shape);
  for (size_t i = 0; i < ost.size(); ++i) if (reduced[i]) ost[i] = 0;
  const int64_t n = src.numel();
  const Shape& sh = t.shape();
  TG_DISPATCH_NUMERIC(dt, "reduce_sum", {
    const T* p = src.data<T>();
    T* o = out.data<T>();
    std::vector<int64_t> idx(sh.size(), 0);
    int64_t off = 0;
    for (int64_t i = 0; i < n; ++i) {
      o[off] += p[i];
      for (int64_t d = int64_t(sh.size()) - 1; d >= 0; --d) {
        if (++idx[d] < sh[d]) { off += ost[d]; break; }
        off -= ost[d] * (sh[d] - 1);
        idx[d] = 0;
      }
    }
  });
  out = reshape(out, out_shape);
  if (autograd::should_record({&t})) {
    autograd::record("sum", {t}, {out}, [in_shape = t.shape(), keep_shape](const Grads& g, const std::vector<bool>&) {
      return Grads{broadcast_to(reshape(g[0], keep_shape), in_shape)};
    });
  }
  return out;
}

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int64_t lead = g.ndim() - int64_t(shape.size());
  TG_CHECK(lead >= 0, ValueError, "sum_to: cannot reduce shape ", g.shape(), " to ", shape);
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < g.ndim(); ++i) {
    if (i < lead) { axes.push_back(i); continue; }
    int64_t want = shape[size_t(i - lead)];
    if (want == 1 && g.shape()[size_t(i)] != 1) axes.push_back(i);
    else TG_CHECK(want == g.shape()[size_t(i)], ValueError, "sum_to: cannot reduce shape ", g.shape(), " to ", shape);
  }
  return reshape(sum(g, axes, false), shape);
}

}  // namespace tg::ops

// Shape ops. (Minimal reshape/broadcast_to until the shape-op work lands.)
#include "autograd.h"
#include "ops.h"

namespace tg::ops {

using autograd::Grads;

Tensor reshape(const Tensor& t, const Shape& shape_in) {
  Shape shape = shape_in;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      TG_CHECK(infer < 0, ValueError, "reshape: only one dimension may be -1, got ", shape_in);
      infer = int64_t(i);
    } else {
      TG_CHECK(shape[i] >= 0, ValueError, "reshape: invalid dimension ", shape[i], " in ", shape_in);
      known *= shape[i];
    }
  }
  const int64_t n = t.numel();
  if (infer >= 0) {
    TG_CHECK(known != 0 && n % known == 0, ValueError, "reshape: cannot reshape a tensor of shape ", t.shape(), " (",
             n, " elements) into ", shape_in);
    shape[size_t(infer)] = n / known;
  }
  TG_CHECK(shape_numel(shape) == n, ValueError, "reshape: cannot reshape a tensor of shape ", t.shape(), " (", n,
           " elements) into ", shape_in, " (", shape_numel(shape), " elements)");
  Tensor src = t.contiguous();
  Tensor out = Tensor::view_of(src, shape, contiguous_strides(shape), src.offset());
  if (autograd::should_record({&t})) {
    autograd::record("reshape", {t}, {out}, [in = t.shape()](const Grads& g, const std::vector<bool>&) {
      return Grads{reshape(g[0], in)};
    });
  }
  return out;
}

Tensor broadcast_to(const Tensor& t, const Shape& shape) {
  Shape b = broadcast_shapes(t.shape(), shape);
  TG_CHECK(b == shape, ValueError, "broadcast_to: cannot broadcast shape ", t.shape(), " to ", shape);
  Tensor out = Tensor::view_of(t, shape, broadcast_strides(t, shape), t.offset());
  if (autograd::should_record({&t})) {
    autograd::record("broadcast_to", {t}, {out}, [in = t.shape()](const Grads& g, const std::vector<bool>&) {
      return Grads{sum_to(g[0], in)};
    });
  }
  return out;
}

}  // namespace tg::ops

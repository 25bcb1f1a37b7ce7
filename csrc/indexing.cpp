// Basic indexing as views, and the ops made of it (getitem, slice, strided_slice).
#include "indexing.h"

#include <sstream>

#include "op/definition.h"

namespace tg {


Tensor view_index(const Tensor& t, const IndexSpec& spec) {
  ViewLayout v = resolve_index(t.shape(), t.strides(), spec);
  return Tensor::view_of(t, std::move(v.shape), std::move(v.strides), t.offset() + v.offset);
}

namespace ops {

namespace {

bool view_getitem(const char*, const Tensor& t, const OpAttrs& a, std::vector<ViewOut>& outs) {
  ViewLayout v = resolve_index(t.shape(), t.strides(), a.index);
  outs.push_back(ViewOut{std::move(v.shape), std::move(v.strides), t.offset() + v.offset});
  return true;
}

// a.shape: the shape of the tensor that was indexed; g is shaped like t[a.index].
void infer_getitem_backward(const char*, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const Tensor& g = *in[0];
  const ViewLayout region = resolve_index(a.shape, contiguous_strides(a.shape), a.index);
  TG_CHECK(region.shape == g.shape(), ValueError, "getitem_backward: gradient of shape ", g.shape(),
           " does not match the shape ", region.shape, " of ", index_str(a.index), " on shape ", a.shape);
  r.shape = a.shape;
  r.own_shapes = true;
  r.out = r.kernel = r.inputs[0] = g.dtype();
}

Grads grad_getitem(const GradCtx& c, const Grads& g, const Needs&) {
  return {getitem_backward(g[0], c.attrs.index, c.shapes[0])};
}

Grads grad_getitem_backward(const GradCtx& c, const Grads& g, const Needs&) { return {getitem(g[0], c.attrs.index)}; }

}  // namespace

Tensor getitem(const Tensor& t, const IndexSpec& spec) {
  OpAttrs a;
  a.index = spec;
  return op::view(OpId::GetItem, t, a);
}

Tensor getitem_backward(const Tensor& g, const IndexSpec& spec, const Shape& shape) {
  OpAttrs a;
  a.index = spec;
  a.shape = shape;
  return exec(OpId::GetItemBackward, g, a);
}

Tensor slice(const Tensor& t, const std::vector<int64_t>& begin, const std::vector<int64_t>& size) {
  const int64_t nd = t.ndim();
  TG_CHECK(int64_t(begin.size()) == nd && int64_t(size.size()) == nd, ValueError, "slice: begin ", begin, " and size ",
           size, " must both have one entry per dimension of the input of shape ", t.shape());
  IndexSpec spec;
  spec.reserve(size_t(nd));
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t len = t.shape()[size_t(i)], b = begin[size_t(i)], s = size[size_t(i)];
    TG_CHECK(b >= 0 && b <= len, ValueError, "slice: begin[", i, "] = ", b, " is out of range for dimension ", i,
             " of size ", len, " (input shape ", t.shape(), ")");
    const int64_t n = s == -1 ? len - b : s;
    TG_CHECK(n >= 0 && b + n <= len, ValueError, "slice: size[", i, "] = ", s, " with begin ", b,
             " does not fit in dimension ", i, " of size ", len, " (input shape ", t.shape(), ")");
    spec.push_back(IndexItem::slice(b, b + n, 1));
  }
  return getitem(t, spec);
}

Tensor strided_slice(const Tensor& t, const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                     const std::vector<int64_t>& strides_in, int64_t begin_mask, int64_t end_mask,
                     int64_t ellipsis_mask, int64_t new_axis_mask, int64_t shrink_axis_mask) {
  const size_t n = begin.size();
  std::vector<int64_t> strides = strides_in.empty() ? std::vector<int64_t>(n, 1) : strides_in;
  TG_CHECK(end.size() == n && strides.size() == n, ValueError, "strided_slice: begin ", begin, ", end ", end,
           " and strides ", strides, " must have the same length");
  TG_CHECK(n <= 62, ValueError, "strided_slice: too many index entries (", n, ")");
  auto bit = [](int64_t mask, size_t i) { return ((mask >> i) & 1) != 0; };
  IndexSpec spec;
  spec.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (bit(ellipsis_mask, i)) {
      spec.push_back(IndexItem::ellipsis());
    } else if (bit(new_axis_mask, i)) {
      spec.push_back(IndexItem::newaxis());
    } else if (bit(shrink_axis_mask, i)) {
      spec.push_back(IndexItem::integer(begin[i]));
    } else {
      TG_CHECK(strides[i] != 0, ValueError, "strided_slice: strides[", i, "] is 0");
      std::optional<int64_t> b, e;
      if (!bit(begin_mask, i)) b = begin[i];
      if (!bit(end_mask, i)) e = end[i];
      spec.push_back(IndexItem::slice(b, e, strides[i]));
    }
  }
  return getitem(t, spec);
}

}  // namespace ops
}  // namespace tg

// ---- the table entries --------------------------------------------------------------

namespace tg::op {

void define_indexing() {
  using namespace tg::ops;
  define_view(OpId::GetItem, view_getitem, grad_getitem);
  define(OpId::GetItemBackward, 1, infer_getitem_backward, grad_getitem_backward, kSaveNothing,
         kNumericDTypes | kBoolDType);
}

}  // namespace tg::op

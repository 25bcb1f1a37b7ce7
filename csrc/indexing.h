// Basic indexing (ints, slices with any step, newaxis, Ellipsis) as views,
// and the ops built on it: getitem and its gradient, tf.slice, tf.strided_slice.
// The parsed index is kept independent of the shape it is applied to, so the
// same spec serves the forward view, the gradient scatter and slice assignment
// into a Variable (TensorImpl::slice_origin holds one).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "ops.h"

namespace tg {

struct IndexItem {
  enum Kind : uint8_t { Int, Slice, NewAxis, Ellipsis };
  Kind kind = Int;
  int64_t index = 0;                   // Int: may be negative (counts from the end)
  std::optional<int64_t> start, stop;  // Slice: nullopt = the end that the step's sign implies
  int64_t step = 1;                    // Slice: never 0

  static IndexItem integer(int64_t i) { IndexItem it; it.kind = Int; it.index = i; return it; }
  static IndexItem slice(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1);  // ValueError on step 0
  static IndexItem full() { IndexItem it; it.kind = Slice; return it; }
  static IndexItem newaxis() { IndexItem it; it.kind = NewAxis; return it; }
  static IndexItem ellipsis() { IndexItem it; it.kind = Ellipsis; return it; }
};
using IndexSpec = std::vector<IndexItem>;

// "[1, ::-1, None, ...]" for messages.
std::string index_str(const IndexSpec& spec);

// Where a basic index lands in a tensor of the given layout: the view's shape,
// strides, and the element offset added to the base offset. IndexError for an
// int out of range (naming the index, the axis and its size), too many indices
// or two ellipses.
struct ViewLayout {
  Shape shape;
  Strides strides;
  int64_t offset = 0;
};
ViewLayout resolve_index(const Shape& shape, const Strides& strides, const IndexSpec& spec);

// The view itself, not recorded on tapes (for kernels and slice assignment).
Tensor view_index(const Tensor& t, const IndexSpec& spec);

namespace ops {

// t[spec]: a view sharing t's storage; recorded (gradient: getitem_backward).
Tensor getitem(const Tensor& t, const IndexSpec& spec);
// g (shaped like t[spec]) written into zeros of `shape` at the indexed places.
// Differentiable in g (its gradient is getitem).
Tensor getitem_backward(const Tensor& g, const IndexSpec& spec, const Shape& shape);

}  // namespace ops
}  // namespace tg

// Basic indexing (ints, slices with any step, newaxis, Ellipsis) as views,
// and the ops built on it: getitem and its gradient, tf.slice, tf.strided_slice.
// The parsed index is kept independent of the shape it is applied to, so the
// same spec serves the forward view, the gradient scatter and slice assignment
// into a Variable (TensorImpl::slice_origin holds one).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "index_spec.h"
#include "ops.h"

namespace tg {

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

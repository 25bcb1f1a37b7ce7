// Reading a KernelCall's operands on the CPU.
#pragma once
#include "backend/kernel.h"
#include "tensor.h"

namespace tg::cpu {

// The element strides of an operand over the call's shape, whichever way the
// call describes it (explicit strides, dense, or one broadcast element).
inline Strides strides_of(const KernelCall& c, const ArrayArg& a) {
  if (a.strides) return Strides(a.strides, a.strides + c.ndim);
  if (a.scalar) return Strides(size_t(c.ndim), 0);
  return contiguous_strides(Shape(c.shape, c.shape + c.ndim));
}

inline Shape shape_of(const KernelCall& c) { return Shape(c.shape, c.shape + c.ndim); }

// The product of dims [b, e) of a shape: the outer and inner extents around
// an axis.
inline int64_t prod_dims(const Shape& s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e; ++i) p *= s[i];
  return p;
}

// An operand described in its own shape (Inferred::own_shapes): its dims and
// element strides.
inline Shape own_shape(const ArrayArg& a) { return Shape(a.shape, a.shape + a.ndim); }
inline Strides own_strides(const ArrayArg& a) {
  if (a.strides) return Strides(a.strides, a.strides + a.ndim);
  return contiguous_strides(own_shape(a));
}

}  // namespace tg::cpu

// Image sampling over NHWC inputs as entries of the op table:
// image_transform (a projective transform per image, TensorFlow's
// ImageProjectiveTransformV3, or a resize with half-pixel centres)
// and image_transform_grad, its adjoint. backend/image_sampling.h says how
// an output pixel reads the input.
//
// The output is A x + b (A the taps' weights, b the fill value's share), so:
//  - image_transform(x[, t]) -> y: dx = image_transform_grad(dy[, t]) = A^T dy;
//    the transforms get no gradient (as in TensorFlow).
//  - image_transform_grad(dy[, t]) is linear: its gradient is A g, the
//    forward with a zero fill value.
#include "backend/image_sampling.h"
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

DType image_dtype(const char* op, const char* what, const Tensor& t) {
  TG_CHECK(is_floating(t.dtype()), TypeError, op, ": ", what, " must be float32 or float64, got ", t.dtype());
  return t.dtype();
}

// The transforms input: [N or 1, 8], converted to float64 (none for resize).
void check_transforms(const char* op, const Tensor* const* in, int n, int64_t batch, const OpAttrs& a, Inferred& r) {
  TG_CHECK(n == (a.sampling.resize ? 1 : 2), ValueError, op, ": expected ", a.sampling.resize ? 1 : 2,
           " inputs (a resize takes no transforms), got ", n);
  if (n < 2) return;
  const Tensor& t = *in[1];
  TG_CHECK(is_floating(t.dtype()), TypeError, op, ": transforms must be float32 or float64, got ", t.dtype());
  TG_CHECK(t.ndim() == 2 && t.shape()[1] == 8 && (t.shape()[0] == batch || t.shape()[0] == 1), ValueError, op,
           ": transforms must have shape [", batch, ", 8] or [1, 8], got ", t.shape());
  r.inputs[1] = DType::Float64;
  r.dense_input[1] = true;
}

// image_transform(images[, transforms]); a.shape: the output's (height, width)
void infer_transform(const char* op, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  const Shape& x = in[0]->shape();
  const DType dt = image_dtype(op, "the images", *in[0]);
  TG_CHECK(x.size() == 4, ValueError, op, ": the images must have rank 4 [batch, height, width, channels], got shape ",
           x);
  TG_CHECK(x[1] >= 1 && x[2] >= 1, ValueError, op, ": the images must have a height and width >= 1, got shape ", x);
  TG_CHECK(a.shape.size() == 2 && a.shape[0] >= 1 && a.shape[1] >= 1, ValueError, op,
           ": the output size must be two ints >= 1 (height, width), got ", a.shape);
  r.own_shapes = true;
  r.inputs[0] = dt;
  r.dense_input[0] = true;
  check_transforms(op, in, n, x[0], a, r);
  r.shape = {x[0], a.shape[0], a.shape[1], x[3]};
  r.out = r.kernel = dt;
}

// image_transform_grad(dy[, transforms]); a.shape: the images' shape
void infer_transform_grad(const char* op, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  const Shape& dy = in[0]->shape();
  const DType dt = image_dtype(op, "the output gradient", *in[0]);
  TG_CHECK(a.shape.size() == 4 && a.shape[1] >= 1 && a.shape[2] >= 1, ValueError, op,
           ": the images' shape must be [batch, height >= 1, width >= 1, channels], got ", a.shape);
  TG_CHECK(dy.size() == 4 && dy[0] == a.shape[0] && dy[3] == a.shape[3], ValueError, op,
           ": the output gradient has shape ", dy, ", which does not match the images' shape ", a.shape);
  r.own_shapes = true;
  r.inputs[0] = dt;
  r.dense_input[0] = true;
  check_transforms(op, in, n, a.shape[0], a, r);
  r.shape = a.shape;
  r.out = r.kernel = dt;
}

Tensor run(OpId id, const Tensor& x, const Tensor* transforms, const Shape& shape, const ImageSampling& s) {
  OpAttrs a;
  a.shape = shape;
  a.sampling = s;
  return transforms ? exec_n(id, {&x, transforms}, a) : exec_n(id, {&x}, a);
}

const Tensor* transforms_of(const GradCtx& c) { return c.inputs.size() > 1 ? &c.inputs[1] : nullptr; }

Grads grad_transform(const GradCtx& c, const Grads& g, const Needs& need) {
  Grads r(c.inputs.size());
  if (need[0]) r[0] = run(OpId::ImageTransformGrad, g[0], transforms_of(c), c.shapes[0], c.attrs.sampling);
  return r;
}

Grads grad_transform_grad(const GradCtx& c, const Grads& g, const Needs& need) {
  Grads r(c.inputs.size());
  if (need[0]) {
    ImageSampling s = c.attrs.sampling;
    s.fill_value = 0;  // A g: the fill value's share is no function of dy
    r[0] = run(OpId::ImageTransform, g[0], transforms_of(c), {c.shapes[0][1], c.shapes[0][2]}, s);
  }
  return r;
}

}  // namespace

Tensor image_transform(const Tensor& images, const Tensor* transforms, Pair out_hw, const ImageSampling& sampling) {
  return run(OpId::ImageTransform, images, transforms, {out_hw[0], out_hw[1]}, sampling);
}

Tensor image_transform_grad(const Tensor& dy, const Tensor* transforms, const Shape& image_shape,
                            const ImageSampling& sampling) {
  ImageSampling s = sampling;
  if (!transforms) {
    s.resize = true;
    s.fill = ImageFill::Nearest;
  }
  return run(OpId::ImageTransformGrad, dy, transforms, image_shape, s);
}

Tensor resize(const Tensor& images, Pair size, ImageInterpolation method) {
  ImageSampling s;
  s.interpolation = method;
  s.fill = ImageFill::Nearest;
  s.resize = true;
  return run(OpId::ImageTransform, images, nullptr, {size[0], size[1]}, s);
}

}  // namespace tg::ops

// ---- the table entries ----------------------------------------------------------------

namespace tg::op {

void define_image() {
  using namespace tg::ops;
  define(OpId::ImageTransform, 2, infer_transform, grad_transform, kSaveInputs, kFloatDTypes);
  define(OpId::ImageTransformGrad, 2, infer_transform_grad, grad_transform_grad, kSaveInputs, kFloatDTypes);
}

}  // namespace tg::op

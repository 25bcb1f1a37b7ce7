// tensorgear._C's convolution, pooling (ops_conv.cpp) and image sampling
// (ops_image.cpp) functions over NHWC tensors. tg.nn (pyfrontend/tensorgear/nn.py) turns TensorFlow's argument
// forms (4-element strides, explicit padding per dimension, NCHW, 1-D) into
// these: (height, width) pairs or one int, and padding "VALID", "SAME" (any
// case) or (top, bottom, left, right).
#include <cctype>

#include "bindings/common.h"

namespace tg::py_bind {

namespace {

ops::Pair parse_pair(py::handle v, const char* op, const char* what) {
  if (py::isinstance<py::int_>(v) && !py::isinstance<py::bool_>(v)) {
    const int64_t k = v.cast<int64_t>();
    return {k, k};
  }
  TG_CHECK(py::isinstance<py::sequence>(v) && !py::isinstance<py::str>(v), TypeError, op, ": ", what,
           " must be an int or a pair of ints, got ", std::string(py::str(py::type::of(v).attr("__name__"))));
  const auto seq = v.cast<py::sequence>();
  TG_CHECK(seq.size() == 2, ValueError, op, ": ", what, " must be an int or a pair of ints (height, width), got ",
           std::string(py::str(v)));
  return {seq[0].cast<int64_t>(), seq[1].cast<int64_t>()};
}

ops::Padding2D parse_padding(py::handle v, const char* op) {
  ops::Padding2D p;
  if (py::isinstance<py::str>(v)) {
    std::string s = v.cast<std::string>();
    for (char& ch : s) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    TG_CHECK(s == "VALID" || s == "SAME", ValueError, op, ": padding must be 'VALID', 'SAME' or explicit amounts, got '",
             v.cast<std::string>(), "'");
    p.kind = s == "SAME" ? ops::Padding2D::Same : ops::Padding2D::Valid;
    return p;
  }
  TG_CHECK(py::isinstance<py::sequence>(v), TypeError, op,
           ": padding must be 'VALID', 'SAME' or (top, bottom, left, right), got ",
           std::string(py::str(py::type::of(v).attr("__name__"))));
  const auto seq = v.cast<py::sequence>();
  TG_CHECK(seq.size() == 4, ValueError, op, ": explicit padding must be (top, bottom, left, right), got ",
           std::string(py::str(v)));
  p.kind = ops::Padding2D::Explicit;
  for (size_t i = 0; i < 4; ++i) p.pads[i] = seq[i].cast<int64_t>();
  return p;
}

std::string lower(py::handle v, const char* op, const char* what) {
  TG_CHECK(py::isinstance<py::str>(v), TypeError, op, ": ", what, " must be a string, got ",
           std::string(py::str(py::type::of(v).attr("__name__"))));
  std::string s = v.cast<std::string>();
  for (char& ch : s) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

ImageInterpolation parse_interpolation(py::handle v, const char* op) {
  const std::string s = lower(v, op, "interpolation");
  if (s == "bilinear") return ImageInterpolation::Bilinear;
  TG_CHECK(s == "nearest", ValueError, op, ": interpolation must be 'bilinear' or 'nearest', got '",
           v.cast<std::string>(), "'");
  return ImageInterpolation::Nearest;
}

ImageFill parse_fill(py::handle v, const char* op) {
  const std::string s = lower(v, op, "fill_mode");
  if (s == "reflect") return ImageFill::Reflect;
  if (s == "wrap") return ImageFill::Wrap;
  if (s == "constant") return ImageFill::Constant;
  TG_CHECK(s == "nearest", ValueError, op, ": fill_mode must be 'reflect', 'wrap', 'constant' or 'nearest', got '",
           v.cast<std::string>(), "'");
  return ImageFill::Nearest;
}

}  // namespace

void bind_conv(py::module_& m) {
  using namespace pybind11::literals;
  m.def("conv2d", [](const Tensor& input, const Tensor& filter, py::handle strides, py::handle padding,
                     py::handle dilations) {
    const auto s = parse_pair(strides, "conv2d", "strides");
    const auto d = parse_pair(dilations, "conv2d", "dilations");
    const auto p = parse_padding(padding, "conv2d");
    MaybeReleaseGil gil(input.numel() * std::max<int64_t>(1, filter.numel()));
    return ops::conv2d(input, filter, s, p, d);
  }, "input"_a, "filter"_a, "strides"_a = 1, "padding"_a = "VALID", "dilations"_a = 1,
     "NHWC input, HWIO filter (in_channels = C / groups) -> [N, OH, OW, out_channels]");
  m.def("conv2d_backprop_input", [](py::handle input_shape, const Tensor& filter, const Tensor& dout,
                                    py::handle strides, py::handle padding, py::handle dilations) {
    const Shape shape = parse_shape(input_shape, "input_shape");
    const auto s = parse_pair(strides, "conv2d_backprop_input", "strides");
    const auto d = parse_pair(dilations, "conv2d_backprop_input", "dilations");
    const auto p = parse_padding(padding, "conv2d_backprop_input");
    MaybeReleaseGil gil(dout.numel() * std::max<int64_t>(1, filter.numel()));
    return ops::conv2d_backprop_input(shape, filter, dout, s, p, d);
  }, "input_shape"_a, "filter"_a, "dout"_a, "strides"_a = 1, "padding"_a = "VALID", "dilations"_a = 1,
     "The gradient of conv2d with respect to its input (the transposed convolution)");
  m.def("conv2d_backprop_filter", [](const Tensor& input, py::handle filter_shape, const Tensor& dout,
                                     py::handle strides, py::handle padding, py::handle dilations) {
    const Shape shape = parse_shape(filter_shape, "filter_shape");
    const auto s = parse_pair(strides, "conv2d_backprop_filter", "strides");
    const auto d = parse_pair(dilations, "conv2d_backprop_filter", "dilations");
    const auto p = parse_padding(padding, "conv2d_backprop_filter");
    MaybeReleaseGil gil(dout.numel() * std::max<int64_t>(1, shape_numel(shape)));
    return ops::conv2d_backprop_filter(input, shape, dout, s, p, d);
  }, "input"_a, "filter_shape"_a, "dout"_a, "strides"_a = 1, "padding"_a = "VALID", "dilations"_a = 1,
     "The gradient of conv2d with respect to its filter");

  using Pool = Tensor (*)(const Tensor&, ops::Pair, ops::Pair, const ops::Padding2D&);
  auto bind_pool = [&](const char* name, Pool fn) {
    m.def(name, [name, fn](const Tensor& input, py::handle ksize, py::handle strides, py::handle padding) {
      const auto k = parse_pair(ksize, name, "ksize");
      const auto s = parse_pair(strides, name, "strides");
      const auto p = parse_padding(padding, name);
      MaybeReleaseGil gil(input.numel() * k[0] * k[1]);
      return fn(input, k, s, p);
    }, "input"_a, "ksize"_a, "strides"_a, "padding"_a = "VALID");
  };
  bind_pool("max_pool2d", &ops::max_pool2d);
  bind_pool("avg_pool2d", &ops::avg_pool2d);
  // max_pool2d_grad(input, dout, ...) and max_pool2d_grad_grad(input, grad, ...)
  using PoolPair = Tensor (*)(const Tensor&, const Tensor&, ops::Pair, ops::Pair, const ops::Padding2D&);
  auto bind_pool_pair = [&](const char* name, const char* second, PoolPair fn) {
    m.def(name, [name, fn](const Tensor& input, const Tensor& other, py::handle ksize, py::handle strides,
                           py::handle padding) {
      const auto k = parse_pair(ksize, name, "ksize");
      const auto s = parse_pair(strides, name, "strides");
      const auto p = parse_padding(padding, name);
      MaybeReleaseGil gil(input.numel() * k[0] * k[1]);
      return fn(input, other, k, s, p);
    }, "input"_a, py::arg(second), "ksize"_a, "strides"_a, "padding"_a = "VALID");
  };
  bind_pool_pair("max_pool2d_grad", "dout", &ops::max_pool2d_grad);
  bind_pool_pair("max_pool2d_grad_grad", "grad", &ops::max_pool2d_grad_grad);
  m.def("avg_pool2d_grad", [](py::handle input_shape, const Tensor& dout, py::handle ksize, py::handle strides,
                              py::handle padding) {
    const Shape shape = parse_shape(input_shape, "input_shape");
    const auto k = parse_pair(ksize, "avg_pool2d_grad", "ksize");
    const auto s = parse_pair(strides, "avg_pool2d_grad", "strides");
    const auto p = parse_padding(padding, "avg_pool2d_grad");
    MaybeReleaseGil gil(dout.numel() * k[0] * k[1]);
    return ops::avg_pool2d_grad(shape, dout, k, s, p);
  }, "input_shape"_a, "dout"_a, "ksize"_a, "strides"_a, "padding"_a = "VALID");

  m.def("image_transform", [](const Tensor& images, const Tensor& transforms, py::handle output_shape,
                              py::handle interpolation, py::handle fill_mode, double fill_value) {
    ImageSampling smp;
    smp.interpolation = parse_interpolation(interpolation, "image_transform");
    smp.fill = parse_fill(fill_mode, "image_transform");
    smp.fill_value = fill_value;
    const auto size = parse_pair(output_shape, "image_transform", "output_shape");
    MaybeReleaseGil gil(images.numel() * 4);
    return ops::image_transform(images, &transforms, size, smp);
  }, "images"_a, "transforms"_a, "output_shape"_a, "interpolation"_a = "bilinear", "fill_mode"_a = "constant",
     "fill_value"_a = 0.0,
     "Each image [N, H, W, C] read through its projective transform (transforms [N or 1, 8], "
     "TensorFlow's convention) -> [N, output height, output width, C]");
  m.def("image_transform_grad", [](const Tensor& dy, py::handle image_shape, std::optional<Tensor> transforms,
                                   py::handle interpolation, py::handle fill_mode) {
    ImageSampling smp;
    smp.interpolation = parse_interpolation(interpolation, "image_transform_grad");
    smp.fill = parse_fill(fill_mode, "image_transform_grad");
    const Shape shape = parse_shape(image_shape, "image_shape");
    MaybeReleaseGil gil(dy.numel() * 4);
    return ops::image_transform_grad(dy, transforms ? &*transforms : nullptr, shape, smp);
  }, "dy"_a, "image_shape"_a, "transforms"_a = py::none(), "interpolation"_a = "bilinear",
     "fill_mode"_a = "constant",
     "The adjoint of image_transform (its gradient in the images); transforms None: of resize");
  m.def("resize", [](const Tensor& images, py::handle size, py::handle method) {
    const auto hw = parse_pair(size, "resize", "size");
    const ImageInterpolation how = parse_interpolation(method, "resize");
    MaybeReleaseGil gil(hw[0] * hw[1] * (images.ndim() == 4 ? images.shape()[0] * images.shape()[3] : 1) * 4);
    return ops::resize(images, hw, how);
  }, "images"_a, "size"_a, "method"_a = "bilinear",
     "tf.image.resize with half-pixel centres over NHWC images, 'bilinear' or 'nearest'");
}

}  // namespace tg::py_bind

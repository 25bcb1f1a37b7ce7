// conv2d and the 2-D poolings over NHWC inputs (TensorFlow's default
// layout), with their gradient ops, as entries of the op table.
//
// Shapes: input [N, H, W, C], filter [KH, KW, C / groups, O] (HWIO), output
// [N, OH, OW, O]. groups is C / the filter's input channels, as TensorFlow
// infers it (depthwise: groups == C, Keras's DepthwiseConv2D). Padding is
// "VALID", "SAME" (TF's rule: out = ceil(n / s), pad_total = max((out - 1) *
// s + (k - 1) * d + 1 - n, 0), pad_before = pad_total / 2) or explicit
// amounts; the public functions resolve it into OpAttrs::window, which
// inference, the kernels and the gradient rules all read.
//
// The gradient rules, in table ops (so higher orders work):
//  - conv2d(x, w) -> y: dx = conv2d_backprop_input(shape of x, w, dy),
//    dw = conv2d_backprop_filter(x, shape of w, dy).
//  - conv2d_backprop_input(w, dy) -> dx is linear in each input, and
//    <g, dx> = <conv2d(g, w), dy>: d/ddy = conv2d(g, w),
//    d/dw = conv2d_backprop_filter(g, shape of w, dy).
//  - conv2d_backprop_filter(x, dy) -> dw: <g, dw> = <conv2d(x, g), dy>:
//    d/dx = conv2d_backprop_input(shape of x, g, dy), d/ddy = conv2d(x, g).
//  - max_pool2d(x): dx = max_pool2d_grad(x, dy), each dy going to the first
//    maximum of its window in row-major order (TF's CPU MaxPoolGrad). That
//    op is linear in dy: its gradient is max_pool2d_grad_grad(x, g), g at
//    each window's first maximum (TF's MaxPoolGradGrad), whose own gradient
//    is max_pool2d_grad again; both are constant in x almost everywhere.
//  - avg_pool2d(x): dx = avg_pool2d_grad(shape of x, dy), the adjoint of the
//    average (padding excluded from each window's count, as TF); its own
//    gradient is avg_pool2d(g).
#include <algorithm>

#include "backend/window2d.h"
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

// ---- checks and shapes ---------------------------------------------------------------

void check_rank4(const char* op, const char* what, const Shape& s) {
  TG_CHECK(s.size() == 4, ValueError, op, ": ", what, " must have rank 4 (NHWC), got shape ", s);
}

void check_window(const char* op, const Window2D& w, bool conv) {
  TG_CHECK(w.strides[0] >= 1 && w.strides[1] >= 1, ValueError, op, ": strides must be >= 1, got (", w.strides[0], ", ",
           w.strides[1], ")");
  TG_CHECK(w.dilations[0] >= 1 && w.dilations[1] >= 1, ValueError, op, ": dilations must be >= 1, got (",
           w.dilations[0], ", ", w.dilations[1], ")");
  TG_CHECK(w.pads[0] >= 0 && w.pads[1] >= 0 && w.pads[2] >= 0 && w.pads[3] >= 0, ValueError, op,
           ": padding must be >= 0, got (top, bottom, left, right) = (", w.pads[0], ", ", w.pads[1], ", ", w.pads[2],
           ", ", w.pads[3], ")");
  if (!conv)
    TG_CHECK(w.ksize[0] >= 1 && w.ksize[1] >= 1, ValueError, op, ": ksize must be >= 1, got (", w.ksize[0], ", ",
             w.ksize[1], ")");
}

// Output size along one spatial dim; ValueError when the window does not fit.
int64_t out_size(const char* op, const char* dim, int64_t n, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1) {
  const int64_t eff = (k - 1) * d + 1;
  TG_CHECK(n + p0 + p1 >= eff, ValueError, op, ": the ", dim, " window (", k, " with dilation ", d, ", spanning ", eff,
           ") does not fit the input's ", dim, " ", n, " with padding ", p0, " + ", p1);
  return window_out_size(n, k, s, d, p0, p1);
}

// conv2d's output shape for input shape x and filter shape w; every typed
// error of the three conv ops' shapes.
Shape conv_out_shape(const char* op, const Shape& x, const Shape& w, const Window2D& win) {
  check_rank4(op, "the input", x);
  TG_CHECK(w.size() == 4, ValueError, op, ": the filter must have rank 4 [height, width, in_channels, out_channels], ",
           "got shape ", w);
  check_window(op, win, true);
  TG_CHECK(w[0] >= 1 && w[1] >= 1 && w[2] >= 1, ValueError, op, ": the filter's height, width and input channels must ",
           "be >= 1, got filter shape ", w);
  TG_CHECK(x[3] % w[2] == 0, ValueError, op, ": the input's ", x[3], " channels are not a multiple of the filter's ",
           w[2], " input channels (input ", x, ", filter ", w, ")");
  const int64_t groups = x[3] / w[2];
  TG_CHECK(groups >= 1 && w[3] % groups == 0, ValueError, op, ": the filter's ", w[3], " output channels are not a ",
           "multiple of the ", groups, " groups (input ", x, ", filter ", w, ")");
  TG_CHECK(win.groups == groups, ValueError, op, ": ", win.groups, " groups requested, but the input ", x,
           " and the filter ", w, " make ", groups);
  const int64_t oh = out_size(op, "height", x[1], w[0], win.strides[0], win.dilations[0], win.pads[0], win.pads[1]);
  const int64_t ow = out_size(op, "width", x[2], w[1], win.strides[1], win.dilations[1], win.pads[2], win.pads[3]);
  return {x[0], oh, ow, w[3]};
}

Shape pool_out_shape(const char* op, const Shape& x, const Window2D& win) {
  check_rank4(op, "the input", x);
  check_window(op, win, false);
  // A window wholly in the padding would have nothing to pool ("SAME" never makes one).
  TG_CHECK(win.pads[0] < win.ksize[0] && win.pads[1] < win.ksize[0] && win.pads[2] < win.ksize[1] &&
               win.pads[3] < win.ksize[1],
           ValueError, op, ": padding must be smaller than the window (", win.ksize[0], ", ", win.ksize[1],
           "), got (top, bottom, left, right) = (", win.pads[0], ", ", win.pads[1], ", ", win.pads[2], ", ",
           win.pads[3], ")");
  const int64_t oh = out_size(op, "height", x[1], win.ksize[0], win.strides[0], 1, win.pads[0], win.pads[1]);
  const int64_t ow = out_size(op, "width", x[2], win.ksize[1], win.strides[1], 1, win.pads[2], win.pads[3]);
  return {x[0], oh, ow, x[3]};
}

DType float_dtype(const char* op, const char* what, const Tensor& t) {
  TG_CHECK(is_floating(t.dtype()), TypeError, op, ": ", what, " must be float32 or float64, got ", t.dtype());
  return t.dtype();
}

void same_dtype(const char* op, const char* a, const Tensor& ta, const char* b, const Tensor& tb) {
  TG_CHECK(ta.dtype() == tb.dtype(), TypeError, op, ": ", a, " and ", b, " must have the same dtype, got ", ta.dtype(),
           " and ", tb.dtype());
}

void check_dout(const char* op, const Shape& expected, const Tensor& dy) {
  TG_CHECK(dy.shape() == expected, ValueError, op, ": the output gradient has shape ", dy.shape(), ", expected ",
           expected);
}

// Every operand dense, each in its own shape: the kernels index NHWC / HWIO directly.
void dense_operands(Inferred& r, int n, DType dt) {
  r.own_shapes = true;
  for (int i = 0; i < n; ++i) {
    r.inputs[i] = dt;
    r.dense_input[i] = true;
  }
  r.out = r.kernel = dt;
}

// ---- inference ----------------------------------------------------------------------

// conv2d(x, w)
void infer_conv2d(const char* op, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const DType dt = float_dtype(op, "the input", *in[0]);
  same_dtype(op, "the input", *in[0], "the filter", *in[1]);
  r.shape = conv_out_shape(op, in[0]->shape(), in[1]->shape(), a.window);
  dense_operands(r, 2, dt);
}

// conv2d_backprop_input(w, dy); a.shape: the input's shape
void infer_backprop_input(const char* op, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const DType dt = float_dtype(op, "the filter", *in[0]);
  same_dtype(op, "the filter", *in[0], "the output gradient", *in[1]);
  check_dout(op, conv_out_shape(op, a.shape, in[0]->shape(), a.window), *in[1]);
  r.shape = a.shape;
  dense_operands(r, 2, dt);
}

// conv2d_backprop_filter(x, dy); a.shape: the filter's shape
void infer_backprop_filter(const char* op, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const DType dt = float_dtype(op, "the input", *in[0]);
  same_dtype(op, "the input", *in[0], "the output gradient", *in[1]);
  check_dout(op, conv_out_shape(op, in[0]->shape(), a.shape, a.window), *in[1]);
  r.shape = a.shape;
  dense_operands(r, 2, dt);
}

// max_pool2d(x), avg_pool2d(x)
void infer_pool(const char* op, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const DType dt = float_dtype(op, "the input", *in[0]);
  r.shape = pool_out_shape(op, in[0]->shape(), a.window);
  dense_operands(r, 1, dt);
}

// max_pool2d_grad(x, dy)
void infer_max_pool_grad(const char* op, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const DType dt = float_dtype(op, "the input", *in[0]);
  same_dtype(op, "the input", *in[0], "the output gradient", *in[1]);
  check_dout(op, pool_out_shape(op, in[0]->shape(), a.window), *in[1]);
  r.shape = in[0]->shape();
  dense_operands(r, 2, dt);
}

// max_pool2d_grad_grad(x, u): u shaped like x; out shaped like the pooled x
void infer_max_pool_grad_grad(const char* op, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const DType dt = float_dtype(op, "the input", *in[0]);
  same_dtype(op, "the input", *in[0], "the gradient", *in[1]);
  TG_CHECK(in[1]->shape() == in[0]->shape(), ValueError, op, ": the gradient has shape ", in[1]->shape(),
           " but the input has shape ", in[0]->shape());
  r.shape = pool_out_shape(op, in[0]->shape(), a.window);
  dense_operands(r, 2, dt);
}

// avg_pool2d_grad(dy); a.shape: the input's shape
void infer_avg_pool_grad(const char* op, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const DType dt = float_dtype(op, "the output gradient", *in[0]);
  check_dout(op, pool_out_shape(op, a.shape, a.window), *in[0]);
  r.shape = a.shape;
  dense_operands(r, 1, dt);
}

// ---- the ops with resolved attributes (the public functions and the rules) -----------

OpAttrs with_shape(const Window2D& w, const Shape& shape) {
  OpAttrs a;
  a.window = w;
  a.shape = shape;
  return a;
}

Tensor conv2d_w(const Tensor& x, const Tensor& w, const Window2D& win) {
  return exec_n(OpId::Conv2D, {&x, &w}, with_shape(win, {}));
}
Tensor backprop_input_w(const Shape& x_shape, const Tensor& w, const Tensor& dy, const Window2D& win) {
  return exec_n(OpId::Conv2DBackpropInput, {&w, &dy}, with_shape(win, x_shape));
}
Tensor backprop_filter_w(const Tensor& x, const Shape& w_shape, const Tensor& dy, const Window2D& win) {
  return exec_n(OpId::Conv2DBackpropFilter, {&x, &dy}, with_shape(win, w_shape));
}

// ---- gradient rules -----------------------------------------------------------------

Grads grad_conv2d(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &x = c.inputs[0], &w = c.inputs[1];
  Grads r(2);
  if (need[0]) r[0] = backprop_input_w(x.shape(), w, g[0], c.attrs.window);
  if (need[1]) r[1] = backprop_filter_w(x, w.shape(), g[0], c.attrs.window);
  return r;
}

Grads grad_backprop_input(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &w = c.inputs[0], &dy = c.inputs[1];
  Grads r(2);
  if (need[0]) r[0] = backprop_filter_w(g[0], w.shape(), dy, c.attrs.window);
  if (need[1]) r[1] = conv2d_w(g[0], w, c.attrs.window);
  return r;
}

Grads grad_backprop_filter(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &x = c.inputs[0], &dy = c.inputs[1];
  Grads r(2);
  if (need[0]) r[0] = backprop_input_w(x.shape(), g[0], dy, c.attrs.window);
  if (need[1]) r[1] = conv2d_w(x, g[0], c.attrs.window);
  return r;
}

Grads grad_max_pool(const GradCtx& c, const Grads& g, const Needs&) {
  return {exec_n(OpId::MaxPool2DGrad, {&c.inputs[0], &g[0]}, with_shape(c.attrs.window, {}))};
}

// max_pool2d_grad(x, dy) = P^T dy, P picking each window's first maximum of x:
// linear in dy, so its gradient is P g (TF's MaxPoolGradGrad); piecewise
// constant in x, whose gradient is zero (TensorFlow's too).
Grads grad_max_pool_grad(const GradCtx& c, const Grads& g, const Needs& need) {
  Grads r(2);
  if (need[0]) r[0] = zeros_like(c.inputs[0]);
  if (need[1]) r[1] = exec_n(OpId::MaxPool2DGradGrad, {&c.inputs[0], &g[0]}, with_shape(c.attrs.window, {}));
  return r;
}

// max_pool2d_grad_grad(x, u) = P u: its adjoint is max_pool2d_grad.
Grads grad_max_pool_grad_grad(const GradCtx& c, const Grads& g, const Needs& need) {
  Grads r(2);
  if (need[0]) r[0] = zeros_like(c.inputs[0]);
  if (need[1]) r[1] = exec_n(OpId::MaxPool2DGrad, {&c.inputs[0], &g[0]}, with_shape(c.attrs.window, {}));
  return r;
}

Grads grad_avg_pool(const GradCtx& c, const Grads& g, const Needs&) {
  return {exec(OpId::AvgPool2DGrad, g[0], with_shape(c.attrs.window, c.shapes[0]))};
}

Grads grad_avg_pool_grad(const GradCtx& c, const Grads& g, const Needs&) {
  return {exec(OpId::AvgPool2D, g[0], with_shape(c.attrs.window, {}))};
}

// ---- padding ------------------------------------------------------------------------

// "SAME" / "VALID" / explicit amounts for input size n, window k, stride s,
// dilation d: pads[0] before, pads[1] after.
void resolve_dim(const Padding2D& p, int dim, int64_t n, int64_t k, int64_t s, int64_t d, int64_t* pads) {
  if (p.kind == Padding2D::Explicit) {
    pads[0] = p.pads[2 * dim];
    pads[1] = p.pads[2 * dim + 1];
  } else if (p.kind == Padding2D::Same) {
    const int64_t out = (n + s - 1) / s;
    const int64_t total = std::max<int64_t>((out - 1) * s + (k - 1) * d + 1 - n, 0);
    pads[0] = total / 2;
    pads[1] = total - pads[0];
  } else {
    pads[0] = pads[1] = 0;
  }
}

// The window of a conv over input shape x with filter shape w.
Window2D conv_window(const char* op, const Shape& x, const Shape& w, Pair strides, const Padding2D& padding,
                     Pair dilations) {
  check_rank4(op, "the input", x);
  TG_CHECK(w.size() == 4, ValueError, op, ": the filter must have rank 4 [height, width, in_channels, out_channels], ",
           "got shape ", w);
  Window2D win;
  win.strides[0] = strides[0];
  win.strides[1] = strides[1];
  win.dilations[0] = dilations[0];
  win.dilations[1] = dilations[1];
  check_window(op, win, true);
  TG_CHECK(w[2] >= 1 && x[3] % w[2] == 0, ValueError, op, ": the input's ", x[3],
           " channels are not a multiple of the filter's ", w[2], " input channels (input ", x, ", filter ", w, ")");
  win.groups = x[3] / w[2];
  resolve_dim(padding, 0, x[1], w[0], strides[0], dilations[0], win.pads);
  resolve_dim(padding, 1, x[2], w[1], strides[1], dilations[1], win.pads + 2);
  return win;
}

Window2D pool_window(const char* op, const Shape& x, Pair ksize, Pair strides, const Padding2D& padding) {
  check_rank4(op, "the input", x);
  Window2D win;
  win.ksize[0] = ksize[0];
  win.ksize[1] = ksize[1];
  win.strides[0] = strides[0];
  win.strides[1] = strides[1];
  check_window(op, win, false);
  resolve_dim(padding, 0, x[1], ksize[0], strides[0], 1, win.pads);
  resolve_dim(padding, 1, x[2], ksize[1], strides[1], 1, win.pads + 2);
  return win;
}

}  // namespace

// ---- the public functions -------------------------------------------------------------

Tensor conv2d(const Tensor& input, const Tensor& filter, Pair strides, const Padding2D& padding, Pair dilations) {
  return conv2d_w(input, filter, conv_window("conv2d", input.shape(), filter.shape(), strides, padding, dilations));
}

Tensor conv2d_backprop_input(const Shape& input_shape, const Tensor& filter, const Tensor& dout, Pair strides,
                             const Padding2D& padding, Pair dilations) {
  return backprop_input_w(
      input_shape, filter, dout,
      conv_window("conv2d_backprop_input", input_shape, filter.shape(), strides, padding, dilations));
}

Tensor conv2d_backprop_filter(const Tensor& input, const Shape& filter_shape, const Tensor& dout, Pair strides,
                              const Padding2D& padding, Pair dilations) {
  return backprop_filter_w(
      input, filter_shape, dout,
      conv_window("conv2d_backprop_filter", input.shape(), filter_shape, strides, padding, dilations));
}

Tensor max_pool2d(const Tensor& input, Pair ksize, Pair strides, const Padding2D& padding) {
  return exec(OpId::MaxPool2D, input,
              with_shape(pool_window("max_pool2d", input.shape(), ksize, strides, padding), {}));
}

Tensor avg_pool2d(const Tensor& input, Pair ksize, Pair strides, const Padding2D& padding) {
  return exec(OpId::AvgPool2D, input,
              with_shape(pool_window("avg_pool2d", input.shape(), ksize, strides, padding), {}));
}

Tensor max_pool2d_grad(const Tensor& input, const Tensor& dout, Pair ksize, Pair strides, const Padding2D& padding) {
  return exec_n(OpId::MaxPool2DGrad, {&input, &dout},
                with_shape(pool_window("max_pool2d_grad", input.shape(), ksize, strides, padding), {}));
}

Tensor max_pool2d_grad_grad(const Tensor& input, const Tensor& grad, Pair ksize, Pair strides,
                            const Padding2D& padding) {
  return exec_n(OpId::MaxPool2DGradGrad, {&input, &grad},
                with_shape(pool_window("max_pool2d_grad_grad", input.shape(), ksize, strides, padding), {}));
}

Tensor avg_pool2d_grad(const Shape& input_shape, const Tensor& dout, Pair ksize, Pair strides,
                       const Padding2D& padding) {
  return exec(OpId::AvgPool2DGrad, dout,
              with_shape(pool_window("avg_pool2d_grad", input_shape, ksize, strides, padding), input_shape));
}

}  // namespace tg::ops

// ---- the table entries ----------------------------------------------------------------

namespace tg::op {

void define_conv() {
  using namespace tg::ops;
  define(OpId::Conv2D, 2, infer_conv2d, grad_conv2d, kSaveInputs, kFloatDTypes);
  define(OpId::Conv2DBackpropInput, 2, infer_backprop_input, grad_backprop_input, kSaveInputs, kFloatDTypes);
  define(OpId::Conv2DBackpropFilter, 2, infer_backprop_filter, grad_backprop_filter, kSaveInputs, kFloatDTypes);
  define(OpId::MaxPool2D, 1, infer_pool, grad_max_pool, kSaveInputs, kFloatDTypes);
  define(OpId::MaxPool2DGrad, 2, infer_max_pool_grad, grad_max_pool_grad, kSaveInputs, kFloatDTypes);
  define(OpId::MaxPool2DGradGrad, 2, infer_max_pool_grad_grad, grad_max_pool_grad_grad, kSaveInputs, kFloatDTypes);
  define(OpId::AvgPool2D, 1, infer_pool, grad_avg_pool, kSaveNothing, kFloatDTypes);
  define(OpId::AvgPool2DGrad, 1, infer_avg_pool_grad, grad_avg_pool_grad, kSaveNothing, kFloatDTypes);
}

}  // namespace tg::op

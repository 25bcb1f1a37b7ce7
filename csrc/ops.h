// The public ops of the engine, callable from C++ (gradient rules use them)
// and bound to Python. Each op is defined once, in the file named in its
// section: argument checks and shape/dtype inference, the kernel, and the
// gradient rule, which is written with these same ops.
#pragma once
#include <array>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "backend/kernel.h"
#include "tensor.h"

namespace tg::ops {

using Axes = std::optional<std::vector<int64_t>>;  // nullopt: every axis

// ---- helpers shared by the op files (shape_util.cpp) -------------------------
Shape broadcast_shapes(const Shape& a, const Shape& b);  // ValueError naming both shapes
int64_t normalize_axis(int64_t axis, int64_t ndim, const char* op);  // IndexError when out of range
std::vector<int64_t> normalize_axes(const Axes& axes, int64_t ndim, const char* op);  // sorted, unique
// Result dtype of a binary op: Array-API promotion, except that a weak operand
// (a Python scalar) takes the other's dtype when both are of the same kind
// (bool < integer < floating); a weak float with an integer tensor gives float32.
DType result_dtype(const Tensor& a, const Tensor& b);
// Broadcast strides of t for iterating over `shape` (0 on broadcast dims).
Strides broadcast_strides(const Tensor& t, const Shape& shape);

// ---- creation and conversion (ops_creation.cpp) -----------------------------
// Made on `device` (the CPU unless given). The _like functions keep making
// their result on the CPU, as before devices had kernels.
Tensor full(const Shape& shape, double value, DType dtype, Device device = Device{});
Tensor zeros(const Shape& shape, DType dtype = DType::Float32, Device device = Device{});
Tensor ones(const Shape& shape, DType dtype = DType::Float32, Device device = Device{});
Tensor zeros_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor ones_like(const Tensor& t, std::optional<DType> dtype = std::nullopt);
Tensor full_like(const Tensor& t, double value, std::optional<DType> dtype = std::nullopt);
// A constant of the engine's own arithmetic (the 2 in a square's gradient):
// made on the host, it joins the device of the tensors it meets, as a Python
// scalar does (TensorImpl::host_value). With a device: an ordinary tensor there.
Tensor scalar(double value, DType dtype);
Tensor scalar(double value, DType dtype, Device device);
Tensor eye(int64_t rows, int64_t cols, DType dtype, Device device = Device{});
Tensor arange(double start, double limit, double delta, DType dtype, Device device = Device{});
// exact, integer dtypes
Tensor arange_int(int64_t start, int64_t limit, int64_t delta, DType dtype, Device device = Device{});
Tensor linspace(double start, double stop, int64_t num, DType dtype, Device device = Device{});
Tensor cast(const Tensor& t, DType dtype);      // differentiable between float dtypes
Tensor identity(const Tensor& t);               // a recorded copy (tf.identity)
// The tensor on another device (a recorded copy whose gradient copies back);
// t itself when it is already there. ValueError when this build has no
// backend for the device.
Tensor to_device(const Tensor& t, Device device);
Tensor stop_gradient(const Tensor& t);          // same data, never recorded

// ---- random (random.cpp): Philox-4x32-10, counter based ----------------------
void set_global_seed(std::optional<int64_t> seed);
// Made on `device` (the CPU unless given); the numbers do not depend on it.
Tensor random_normal(const Shape& shape, double mean, double stddev, DType dtype, std::optional<int64_t> seed,
                     Device device = Device{});
Tensor random_uniform(const Shape& shape, double minval, double maxval, DType dtype, std::optional<int64_t> seed,
                      Device device = Device{});
Tensor truncated_normal(const Shape& shape, double mean, double stddev, DType dtype, std::optional<int64_t> seed,
                        Device device = Device{});
Tensor random_shuffle(const Tensor& t, std::optional<int64_t> seed);  // permutes the first axis
// (tensor) bernoulli mask helper for dropout: 1/(1-rate) with prob 1-rate else 0
Tensor dropout_mask(const Shape& shape, double rate, DType dtype, std::optional<int64_t> seed,
                    Device device = Device{});
// Integers in [minval, maxval), exact for any int64 bounds (int32/int64 dtypes).
Tensor random_uniform_int(const Shape& shape, int64_t minval, int64_t maxval, DType dtype, std::optional<int64_t> seed,
                          Device device = Device{});
// tf.random.stateless_*: the numbers depend only on the two seeds (no call counter).
using SeedPair = std::pair<int64_t, int64_t>;
Tensor stateless_random_normal(const Shape& shape, double mean, double stddev, DType dtype, SeedPair seed,
                               Device device = Device{});
Tensor stateless_truncated_normal(const Shape& shape, double mean, double stddev, DType dtype, SeedPair seed,
                                  Device device = Device{});
Tensor stateless_random_uniform(const Shape& shape, double minval, double maxval, DType dtype, SeedPair seed,
                                Device device = Device{});
Tensor stateless_random_uniform_int(const Shape& shape, int64_t minval, int64_t maxval, DType dtype, SeedPair seed,
                                    Device device = Device{});

// ---- element-wise (ops_elementwise.cpp) -----------------------------------
// NumPy broadcasting, Array-API promotion of the two dtypes.
Tensor add(const Tensor& a, const Tensor& b);
Tensor subtract(const Tensor& a, const Tensor& b);
Tensor multiply(const Tensor& a, const Tensor& b);
Tensor divide(const Tensor& a, const Tensor& b);        // true division: ints give float32
Tensor floor_divide(const Tensor& a, const Tensor& b);
Tensor mod(const Tensor& a, const Tensor& b);           // sign of the divisor, as Python/NumPy
Tensor pow(const Tensor& a, const Tensor& b);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
Tensor equal(const Tensor& a, const Tensor& b);         // -> bool
Tensor not_equal(const Tensor& a, const Tensor& b);
Tensor less(const Tensor& a, const Tensor& b);
Tensor less_equal(const Tensor& a, const Tensor& b);
Tensor greater(const Tensor& a, const Tensor& b);
Tensor greater_equal(const Tensor& a, const Tensor& b);
Tensor logical_and(const Tensor& a, const Tensor& b);   // bool inputs
Tensor logical_or(const Tensor& a, const Tensor& b);
Tensor logical_xor(const Tensor& a, const Tensor& b);

Tensor negative(const Tensor& t);
Tensor abs(const Tensor& t);
Tensor sign(const Tensor& t);
Tensor square(const Tensor& t);
Tensor sqrt(const Tensor& t);
Tensor rsqrt(const Tensor& t);
Tensor reciprocal(const Tensor& t);
Tensor exp(const Tensor& t);
Tensor log(const Tensor& t);
Tensor log1p(const Tensor& t);
Tensor expm1(const Tensor& t);
Tensor sin(const Tensor& t);
Tensor cos(const Tensor& t);
Tensor tanh(const Tensor& t);
Tensor sigmoid(const Tensor& t);
Tensor relu(const Tensor& t);
Tensor relu_grad(const Tensor& y, const Tensor& g);  // relu's backward: g where the output y > 0
Tensor softplus(const Tensor& t);
Tensor erf(const Tensor& t);   // Gauss error function
Tensor erfc(const Tensor& t);  // 1 - erf, without the cancellation for large x
Tensor logical_not(const Tensor& t);
Tensor isnan(const Tensor& t);
Tensor isfinite(const Tensor& t);
Tensor isinf(const Tensor& t);
Tensor clip_by_value(const Tensor& t, const Tensor& lo, const Tensor& hi);
Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y);

// ---- reductions (ops_reduce.cpp) ------------------------------------------
Tensor sum(const Tensor& t, const Axes& axes = std::nullopt, bool keepdims = false);
Tensor mean(const Tensor& t, const Axes& axes = std::nullopt, bool keepdims = false);
Tensor max(const Tensor& t, const Axes& axes = std::nullopt, bool keepdims = false);
Tensor min(const Tensor& t, const Axes& axes = std::nullopt, bool keepdims = false);
Tensor prod(const Tensor& t, const Axes& axes = std::nullopt, bool keepdims = false);
Tensor any(const Tensor& t, const Axes& axes = std::nullopt, bool keepdims = false);
Tensor all(const Tensor& t, const Axes& axes = std::nullopt, bool keepdims = false);
Tensor logsumexp(const Tensor& t, const Axes& axes = std::nullopt, bool keepdims = false);
Tensor variance(const Tensor& t, const Axes& axes = std::nullopt, bool keepdims = false);
Tensor reduce_std(const Tensor& t, const Axes& axes = std::nullopt, bool keepdims = false);
Tensor argmax(const Tensor& t, int64_t axis, DType out_dtype = DType::Int64);
Tensor argmin(const Tensor& t, int64_t axis, DType out_dtype = DType::Int64);
// Sums g over the axes along which `shape` was broadcast to g's shape.
Tensor sum_to(const Tensor& g, const Shape& shape);

// ---- shape ops (ops_shape.cpp) --------------------------------------------
Tensor reshape(const Tensor& t, const Shape& shape);            // one -1 allowed; view when contiguous
Tensor transpose(const Tensor& t, const std::vector<int64_t>& perm = {});  // empty perm: reverse
Tensor expand_dims(const Tensor& t, int64_t axis);
Tensor squeeze(const Tensor& t, const Axes& axes = std::nullopt);
Tensor broadcast_to(const Tensor& t, const Shape& shape);      // a view (stride 0)
Tensor concat(const std::vector<Tensor>& ts, int64_t axis);
Tensor stack(const std::vector<Tensor>& ts, int64_t axis);
std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& sizes, int64_t axis);
std::vector<Tensor> unstack(const Tensor& t, int64_t axis);
Tensor tile(const Tensor& t, const std::vector<int64_t>& multiples);
Tensor pad(const Tensor& t, const std::vector<std::pair<int64_t, int64_t>>& paddings, double constant);
Tensor gather(const Tensor& t, const Tensor& indices, int64_t axis);  // IndexError out of range
Tensor one_hot(const Tensor& indices, int64_t depth, double on, double off, int64_t axis, DType dtype);
// Adds g (shaped like gather's output) into zeros of `shape` at the gathered places.
Tensor gather_backward(const Tensor& g, const Tensor& indices, int64_t axis, const Shape& shape);
// Mirror padding (tf.pad modes REFLECT / SYMMETRIC), built from reversed slices and concat.
Tensor pad_mirror(const Tensor& t, const std::vector<std::pair<int64_t, int64_t>>& paddings, bool symmetric);

// ---- indexing (indexing.cpp; getitem with a parsed index: indexing.h; ----
// ---- gather, gather_backward, one_hot, boolean_mask: ops_index.cpp)   ----
Tensor slice(const Tensor& t, const std::vector<int64_t>& begin, const std::vector<int64_t>& size);  // a view
// tf.strided_slice with its bit masks; a view.
Tensor strided_slice(const Tensor& t, const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                     const std::vector<int64_t>& strides, int64_t begin_mask, int64_t end_mask,
                     int64_t ellipsis_mask, int64_t new_axis_mask, int64_t shrink_axis_mask);
// Elements of t where mask (bool, shaped like t.shape[axis:axis+mask.ndim]) is true,
// those dims flattened into one (tf.boolean_mask). A copy; gradient through gather.
Tensor boolean_mask(const Tensor& t, const Tensor& mask, int64_t axis = 0);
// The flat positions of the true elements of a bool tensor, as int64 (NumPy's flatnonzero).
Tensor flatnonzero(const Tensor& mask);

// ---- scans (ops_scan.cpp; kernels backend/cpu/scan.cpp, cutensor_cuda/scan.cu) ----
// tf.math.cumsum / cumprod along axis: the input's dtype (floats, int32,
// int64, uint8); floats accumulate in float64. exclusive: each entry's own
// value is left out (the first is 0 or 1); reverse: from the end.
Tensor cumsum(const Tensor& t, int64_t axis, bool exclusive, bool reverse);
Tensor cumprod(const Tensor& t, int64_t axis, bool exclusive, bool reverse);

// ---- dense linear algebra (ops_lapack.cpp; LAPACK kernels backend/cpu/linalg.cpp) ----
// Batched over leading dims; float32/float64. Compositions: matrix_transpose
// (a view), band_part (tf.linalg.band_part: keep i - j <= lower and j - i <=
// upper, a negative bound keeps everything), diag_part (..., m, n) ->
// (..., min(m, n)), matrix_diag (..., k) -> (..., k, k), set_diag.
Tensor matrix_transpose(const Tensor& t);
Tensor band_part(const Tensor& t, int64_t num_lower, int64_t num_upper);
Tensor diag_part(const Tensor& t);
Tensor matrix_diag(const Tensor& d);
Tensor set_diag(const Tensor& t, const Tensor& d);
Tensor cholesky(const Tensor& a);  // the lower factor; ValueError when not positive definite
// X with A X = B (adjoint: A^T X = B) for a lower (or upper) triangular A.
Tensor triangular_solve(const Tensor& a, const Tensor& b, bool lower, bool adjoint);
Tensor matrix_inverse(const Tensor& a);             // ValueError when singular
Tensor matrix_solve(const Tensor& a, const Tensor& b);  // X with A X = B; ValueError when singular
std::pair<Tensor, Tensor> slogdet(const Tensor& a);     // (sign, log|det|); a singular matrix: (0, -inf)
std::pair<Tensor, Tensor> qr(const Tensor& a);          // reduced (Q, R)
std::pair<Tensor, Tensor> eigh(const Tensor& a);        // (ascending eigenvalues, eigenvectors as columns)
std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& a);  // reduced (s descending, U, V)

// ---- sorting (ops_sort.cpp; kernels backend/cpu/sort.cpp, cutensor_cuda/sort.cu) ----
// The positions that sort each line along `axis`: a stable sort (equal
// values keep their order), NaN the largest value in either direction.
// index_dtype: int32 or int64. Not differentiable (integer output).
Tensor argsort(const Tensor& t, int64_t axis, bool descending, DType index_dtype);
// NumPy's take_along_axis: out[..., j, ...] = t[..., indices[..., j, ...], ...]
// along `axis`, the other dims broadcast; negative indices wrap, others out of
// range are an IndexError (checked on the host: one sync). Gradient through gather.
Tensor take_along_axis(const Tensor& t, const Tensor& indices, int64_t axis);
// The values in sorted order (tf.sort): take_along_axis over argsort.
Tensor sort(const Tensor& t, int64_t axis, bool descending);
// tf.math.top_k: the k largest entries along the last axis, largest first
// (equal values: lower index first), with their int32 positions.
std::pair<Tensor, Tensor> top_k(const Tensor& t, int64_t k);

// ---- linear algebra (ops_linalg.cpp; kernel backend/cpu/gemm.cpp) ---------
// NumPy matmul semantics (1-D, 2-D, batched with broadcast batch dims);
// transposes are folded into the BLAS call. tensordot is a composition.
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a = false, bool transpose_b = false);
Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& axes_a,
                 const std::vector<int64_t>& axes_b);

// ---- the Dense layer's forward in one op (ops_dense.cpp; kernel backend/cpu/dense.cpp)
using DenseActivation = Activation;  // None or Relu (backend/kernel.h)
// activation(x @ kernel + bias); x of rank >= 1 (leading dims are batch dims),
// kernel (in, units), bias (units,) or undefined.
Tensor dense(const Tensor& x, const Tensor& kernel, const Tensor& bias, DenseActivation activation);

// ---- neural-network kernels (ops_nn.cpp) -----------------------------------
Tensor softmax(const Tensor& t, int64_t axis = -1);
Tensor log_softmax(const Tensor& t, int64_t axis = -1);
// Softmax over `axis` in which the entries where `mask` is false get no
// weight (Keras's Softmax layer: their logits become -1e9, their outputs 0).
// The mask broadcasts to t without adding dimensions; a bool mask is used as
// is, a float one as mask > 0.5, an integer one as mask > 0 (Keras). A row
// with no true entry gives zeros, or equal weights when
// uniform_if_all_masked (Keras's dot_product_attention).
Tensor masked_softmax(const Tensor& t, const Tensor& mask, int64_t axis = -1, bool uniform_if_all_masked = false);
// Per-sample losses, stable (log-sum-exp); labels are integer class ids.
Tensor sparse_softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits);
Tensor softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits, int64_t axis = -1);
Tensor sigmoid_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits);  // element-wise

// ---- convolution and pooling, NHWC (ops_conv.cpp; kernels backend/cpu/conv.cpp, pool.cpp)
// Padding: "VALID", "SAME" (TensorFlow's rule) or explicit amounts
// (top, bottom, left, right).
struct Padding2D {
  enum Kind : uint8_t { Valid, Same, Explicit } kind = Valid;
  int64_t pads[4] = {};
};
using Pair = std::array<int64_t, 2>;  // (height, width)
// input [N, H, W, C], filter [KH, KW, C / groups, O] -> [N, OH, OW, O]; groups
// = C / the filter's input channels (TensorFlow's rule).
Tensor conv2d(const Tensor& input, const Tensor& filter, Pair strides, const Padding2D& padding,
              Pair dilations = {1, 1});
// The gradient of conv2d with respect to its input (the transposed
// convolution), and with respect to its filter.
Tensor conv2d_backprop_input(const Shape& input_shape, const Tensor& filter, const Tensor& dout, Pair strides,
                             const Padding2D& padding, Pair dilations = {1, 1});
Tensor conv2d_backprop_filter(const Tensor& input, const Shape& filter_shape, const Tensor& dout, Pair strides,
                              const Padding2D& padding, Pair dilations = {1, 1});
// ksize x ksize windows per channel; avg_pool2d leaves padding out of each
// window's count (TensorFlow). max_pool2d_grad routes each dout to the first
// maximum of its window (row-major), as TensorFlow's CPU kernel.
Tensor max_pool2d(const Tensor& input, Pair ksize, Pair strides, const Padding2D& padding);
Tensor avg_pool2d(const Tensor& input, Pair ksize, Pair strides, const Padding2D& padding);
Tensor max_pool2d_grad(const Tensor& input, const Tensor& dout, Pair ksize, Pair strides, const Padding2D& padding);
// Batch normalization over the last axis in training mode (TF's
// FusedBatchNorm): y = (x - mean) * rsqrt(var + epsilon) * gamma + beta with
// the batch's per-channel mean and biased variance, which land in
// *batch_mean / *batch_variance when given (no gradient flows through those).
Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double epsilon,
                  Tensor* batch_mean = nullptr, Tensor* batch_variance = nullptr);
// Layer normalization over the last axis (Keras LayerNormalization): each
// row's own mean and variance; *row_mean / *row_rstd get them (the mean and
// 1 / sqrt(var + epsilon) per row) when given.
Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double epsilon,
                  Tensor* row_mean = nullptr, Tensor* row_rstd = nullptr);
// Its fused backward: dx, with dgamma and dbeta in *dgamma / *dbeta.
Tensor layer_norm_grad(const Tensor& x, const Tensor& gamma, const Tensor& row_mean, const Tensor& row_rstd,
                       const Tensor& dy, Tensor* dgamma = nullptr, Tensor* dbeta = nullptr);
// batch_norm's fused backward: dx, with dgamma and dbeta in *dgamma / *dbeta.
Tensor batch_norm_grad(const Tensor& x, const Tensor& gamma, const Tensor& mean, const Tensor& variance,
                       const Tensor& dy, double epsilon, Tensor* dgamma = nullptr, Tensor* dbeta = nullptr);
// A recurrent layer's recurrence over a sequence (ops_rnn.cpp explains the
// operands): states [B, T + 1, S, U] from the input projections xp, the
// initial state, the recurrent kernel and bias, and an optional bool mask
// [B, T]; *saved gets what the backward reads when given.
Tensor rnn_sequence(RnnCell cell, const Tensor& xp, const Tensor& state0, const Tensor& recurrent_kernel,
                    const Tensor& recurrent_bias, const Tensor* mask, bool reverse, Tensor* saved = nullptr);
// Its backward through time: dxp, with the recurrent pre-activations'
// gradient (step order) in *drec and d(state0) in *dstate0.
Tensor rnn_sequence_grad(RnnCell cell, const Tensor& dstates, const Tensor& states, const Tensor& saved,
                         const Tensor& recurrent_kernel, const Tensor* mask, bool reverse, Tensor* drec = nullptr,
                         Tensor* dstate0 = nullptr);
// grad (shaped like input) at each window's first maximum of input: the
// gradient of max_pool2d_grad with respect to dout (TF's MaxPoolGradGrad).
Tensor max_pool2d_grad_grad(const Tensor& input, const Tensor& grad, Pair ksize, Pair strides,
                            const Padding2D& padding);
Tensor avg_pool2d_grad(const Shape& input_shape, const Tensor& dout, Pair ksize, Pair strides,
                       const Padding2D& padding);

// ---- image sampling, NHWC (ops_image.cpp; kernels backend/cpu/image.cpp) -----
// images [N, H, W, C] -> [N, out_hw[0], out_hw[1], C], each output pixel read
// through its image's projective transform (transforms [N or 1, 8],
// TensorFlow's ImageProjectiveTransformV3 convention) or, without one,
// through sampling.transform.
Tensor image_transform(const Tensor& images, const Tensor* transforms, Pair out_hw, const ImageSampling& sampling);
// Its adjoint (the gradient): dy [N, OH, OW, C] -> [image_shape]; without
// transforms, the adjoint of the resize of that sampling's interpolation.
Tensor image_transform_grad(const Tensor& dy, const Tensor* transforms, const Shape& image_shape,
                            const ImageSampling& sampling);
// tf.image.resize with half-pixel centres, "bilinear" or "nearest".
Tensor resize(const Tensor& images, Pair size, ImageInterpolation method);

}  // namespace tg::ops

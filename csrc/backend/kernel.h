// What a kernel sees: pointers, the iteration shape, per-operand strides and
// dtypes, and the op's attributes. Never a Tensor, never the tape: a kernel
// for another device is the same function over that device's pointers.
#pragma once
#include <cstdint>
#include <vector>

#include "device.h"
#include "dtype.h"
#include "index_spec.h"

namespace tg {

struct ArrayArg {
  void* data = nullptr;
  DType dtype = DType::Float32;
  // Element strides over the call's shape (0 along broadcast dimensions), or
  // over the operand's own shape when that is given (below).
  const int64_t* strides = nullptr;
  // The operand's own shape, for ops whose operands are not broadcast over
  // one call shape (matmul, dense, the joins, gathers:
  // Inferred::own_shapes); null otherwise.
  const int64_t* shape = nullptr;
  int ndim = 0;
  bool contiguous = false;  // dense over the whole call shape (or over its own shape, when given)
  bool scalar = false;      // one element, broadcast everywhere
};

// An activation fused into an op's epilogue (dense).
enum class Activation : uint8_t { None, Relu };

// The window of conv2d, its two backprops and the 2-D poolings (NHWC
// operands), resolved by the op's public function: "SAME" and "VALID" are
// explicit amounts of padding here.
struct Window2D {
  int64_t ksize[2] = {1, 1};      // poolings: the window (h, w); the convs read the filter's shape
  int64_t strides[2] = {1, 1};
  int64_t dilations[2] = {1, 1};  // convs
  int64_t pads[4] = {};           // top, bottom, left, right
  int64_t groups = 1;             // convs: input channels / the filter's input channels
};

// image_transform(_grad) (ops_image.cpp, backend/image_sampling.h): how an
// output pixel reads the input.
enum class ImageInterpolation : uint8_t { Nearest, Bilinear };
enum class ImageFill : uint8_t { Reflect, Wrap, Constant, Nearest };
struct ImageSampling {
  ImageInterpolation interpolation = ImageInterpolation::Bilinear;
  ImageFill fill = ImageFill::Constant;
  double fill_value = 0;
  // resize: no transforms input; output (x, y) reads the input at
  // ((x + 0.5) * W / OW - 0.5, (y + 0.5) * H / OH - 0.5).
  bool resize = false;
};

// rnn_sequence(_grad) (ops_rnn.cpp): the cell of the recurrence and its
// direction. The cells are Keras's with their default activations: SimpleRNN
// (tanh or relu), LSTM (gates i, f, c, o; sigmoid and tanh) and GRU
// (reset_after, gates z, r, h).
enum class RnnCell : uint8_t { SimpleTanh, SimpleRelu, Lstm, Gru };
struct RnnAttrs {
  RnnCell cell = RnnCell::Lstm;
  bool reverse = false;  // go_backwards: step s reads input time T - 1 - s
};

// The attributes of an op call, parsed and normalised by the op's public
// function. Each family reads the fields it has.
struct OpAttrs {
  std::vector<int64_t> axes;      // reductions: sorted, unique, non-negative
  bool keepdims = false;          // reductions
  std::vector<int64_t> shape;     // sum_to, reshape, broadcast_to: the target shape;
                                  // getitem_backward, gather_backward: the input's
  int64_t axis = 0;               // arg reductions, softmax, masked_softmax: non-negative
  // masked_softmax: a row whose mask is all false gives equal weights
  // (Keras's dot_product_attention) instead of zeros (Keras's Softmax layer).
  bool uniform_if_all_masked = false;
  bool descending = false;        // argsort: largest first (NaN counts as the largest either way)
  // cumsum, cumprod (along `axis`): exclusive leaves each entry out of its own
  // prefix; reverse scans from the end.
  bool exclusive = false, reverse = false;
  bool lower = true;  // triangular_solve: the matrix is lower triangular (transpose_a: solve with its transpose)
  DType dtype = DType::Int64;     // arg reductions: the index dtype; creation and random: the output's
  std::vector<int64_t> perm;      // transpose: a permutation, non-negative
  std::vector<int64_t> sizes;     // split: sizes along axis; tile: multiples
  std::vector<int64_t> paddings;  // pad: [before, after] per dimension, flattened
  int64_t count = 0;              // one_hot: depth; flatnonzero: the number of true elements
  IndexSpec index;                // getitem: a basic index
  Device from;                    // to_device: the source (where the gradient goes back)
  // to_device: the target. Creation and random ops: where their output goes.
  // Their numbers (and pad's constant, one_hot's on and off values in
  // real[0], real[1]): fill: real[0] the value; range: real = {start, delta}, or
  // whole = {start, delta} for integer dtypes; linspace: real = {start, stop};
  // normals: real = {mean, stddev}; uniform: real = {minval, maxval}, or whole
  // = the bounds for integer dtypes; dropout: real[0] the rate. A random op's
  // stream: philox = {key word 0, key word 1, call counter} (random.cpp).
  Device device;
  double real[2] = {};
  int64_t whole[2] = {};
  uint32_t philox[3] = {};
  // matmul, dense: the last two dims of input 0 / input 1 are read
  // transposed (never set for a 1-D operand, which has no transpose).
  bool transpose_a = false, transpose_b = false;
  Activation activation = Activation::None;  // dense: applied after the bias
  // conv2d, conv2d_backprop_input/_filter, the 2-D poolings and their
  // gradients (ops_conv.cpp); `shape` holds the backprops' output shape.
  Window2D window;
  // image_transform(_grad); `shape` holds the forward's output (height,
  // width) and the gradient's output shape.
  ImageSampling sampling;
  RnnAttrs rnn;  // rnn_sequence(_grad)
};

// masked_softmax: the logit a masked entry takes (Keras's Softmax layer's).
constexpr double kMaskedLogit = -1e9;

constexpr int kMaxInputs = 5;
constexpr int kMaxAux = 2;

struct KernelCall {
  uint16_t op = 0;           // op::OpId of the op being run
  int16_t device = 0;        // index of the device whose kernel runs (its type picked the column)
  // The iteration shape: the output's for element-wise ops, the input's for
  // reductions.
  const int64_t* shape = nullptr;
  int ndim = 0;
  int64_t numel = 0;
  int n_in = 0;
  const ArrayArg* in = nullptr;  // n_in operands (the joins take any number)
  ArrayArg out;
  // Auxiliary outputs an op computes for its gradient rule (the
  // cross-entropies' per-row max and log-sum-exp); dense.
  int n_aux = 0;
  ArrayArg aux[kMaxAux];
  const OpAttrs* attrs = nullptr;
};

using KernelFn = void (*)(const KernelCall& call);

// Strided memory into strided memory on one device, converting the dtype:
// copy_into on a device other than the CPU (a Variable's writes, slice
// assignment). Both operands' strides are over `shape`.
using StridedCopyFn = void (*)(int device, const ArrayArg& src, const ArrayArg& dst, const int64_t* shape, int ndim);

// Waits until the work queued on a device is done (before another library
// reads its memory: DLPack export; timing).
using SynchronizeFn = void (*)(int device);

}  // namespace tg

// dense(x, W, b, activation): the Dense layer's forward as one op.
//
// The GEMM's output is fresh memory that nobody else sees, so the bias and the
// activation are applied to it in place in one pass, instead of two more ops
// each allocating and streaming a (batch, units) tensor. The gradient rule is
// written with public ops (matmul, sum, the relu mask), so higher orders still work.
#include "autograd.h"
#include "ops.h"
#include "parallel.h"

namespace tg::ops {

namespace {

template <class T>
void bias_activation_inplace(T* out, const T* bias, int64_t rows, int64_t cols, DenseActivation act) {
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, cols));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* row = out + r * cols;
      if (bias && act == DenseActivation::Relu) {
        for (int64_t c = 0; c < cols; ++c) {
          T v = row[c] + bias[c];
          row[c] = v > T(0) ? v : T(0);
        }
      } else if (bias) {
        for (int64_t c = 0; c < cols; ++c) row[c] += bias[c];
      } else if (act == DenseActivation::Relu) {
        for (int64_t c = 0; c < cols; ++c) row[c] = row[c] > T(0) ? row[c] : T(0);
      }
    }
  });
}

}  // namespace

Tensor dense(const Tensor& x, const Tensor& kernel, const Tensor& bias, DenseActivation activation) {
  TG_CHECK(x.ndim() >= 1 && kernel.ndim() == 2, ValueError, "dense: expected inputs of rank >= 1 and a 2-D kernel, got ",
           x.shape(), " and ", kernel.shape());
  const int64_t in = kernel.shape()[0], units = kernel.shape()[1];
  TG_CHECK(x.shape().back() == in, ValueError, "dense: the inputs' last dimension ", x.shape().back(),
           " does not match the kernel's input size ", in, " (inputs ", x.shape(), ", kernel ", kernel.shape(), ")");
  TG_CHECK(!bias.defined() || (bias.ndim() == 1 && bias.shape()[0] == units), ValueError, "dense: bias of shape ",
           bias.defined() ? bias.shape() : Shape{}, " does not match the kernel's ", units, " units");
  TG_CHECK(is_floating(kernel.dtype()) && x.dtype() == kernel.dtype() && (!bias.defined() || bias.dtype() == kernel.dtype()),
           TypeError, "dense: inputs, kernel and bias must share one floating dtype, got ", x.dtype(), ", ",
           kernel.dtype(), ", ", bias.defined() ? dtype_name(bias.dtype()) : "none");

  Shape out_shape = x.shape();
  out_shape.back() = units;
  Tensor out;
  {
    autograd::NoRecordScope no_record;  // one record for the whole op, below
    Tensor x2 = x.ndim() == 2 ? x : reshape(x, {-1, in});
    out = matmul(x2, kernel);
  }
  if (bias.defined() || activation != DenseActivation::None) {
    Tensor b = bias.defined() ? bias.contiguous() : Tensor();
    TG_DISPATCH_FLOAT(out.dtype(), "dense", {
      bias_activation_inplace<T>(out.data<T>(), b.defined() ? b.data<T>() : nullptr, out.shape()[0], units, activation);
    });
  }
  if (out.shape() != out_shape) out = Tensor::view_of(out, out_shape, contiguous_strides(out_shape), out.offset());

  if (autograd::should_record({&x, &kernel, &bias})) {
    autograd::record("dense", {x, kernel, bias}, {out},
                     [x, kernel, out, activation, has_bias = bias.defined()](const autograd::Grads& g,
                                                                             const std::vector<bool>& need) {
      const int64_t in = kernel.shape()[0], units = kernel.shape()[1];
      // The relu mask from the saved output (relu'(0) = 0, as TF).
      Tensor gz = activation == DenseActivation::Relu ? relu_grad(out, g[0]) : g[0];
      Tensor gz2 = gz.ndim() == 2 ? gz : reshape(gz, {-1, units});
      Tensor gx, gk, gb;
      if (need[0]) {
        gx = matmul(gz2, kernel, false, true);
        if (x.ndim() != 2) gx = reshape(gx, x.shape());
      }
      if (need[1]) gk = matmul(x.ndim() == 2 ? x : reshape(x, {-1, in}), gz2, true, false);
      if (has_bias && need[2]) gb = sum(gz2, std::vector<int64_t>{0});
      return autograd::Grads{gx, gk, gb};
    });
  }
  return out;
}

}  // namespace tg::ops

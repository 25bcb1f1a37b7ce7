// The CPU kernel of dense(x, W[, b]): the GEMM (backend/cpu/gemm.cpp), then
// the bias and the activation applied to its output in place.
//
// The GEMM's output is fresh memory that nobody else sees, so the epilogue is
// one pass over it while it is still in cache, instead of two more ops each
// allocating and streaming a (batch, units) tensor.
#include <algorithm>

#include "backend/cpu/gemm.h"
#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"

namespace tg::cpu {

namespace {

// out (rows, cols), dense; bias (cols,) dense or null.
template <class T>
void bias_activation_inplace(T* out, const T* bias, int64_t rows, int64_t cols, Activation act) {
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, cols));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      T* row = out + r * cols;
      if (bias && act == Activation::Relu) {
        for (int64_t c = 0; c < cols; ++c) {
          T v = row[c] + bias[c];
          row[c] = v > T(0) ? v : T(0);
        }
      } else if (bias) {
        for (int64_t c = 0; c < cols; ++c) row[c] += bias[c];
      } else if (act == Activation::Relu) {
        for (int64_t c = 0; c < cols; ++c) row[c] = row[c] > T(0) ? row[c] : T(0);
      }
    }
  });
}

// Inputs (x, W) or (x, W, b) in their own shapes; b is dense (the op's
// inference asks for it). The output is x's shape with the last dim W's units.
template <class T>
void dense_kernel(const KernelCall& c) {
  matmul_into(c);
  const Activation act = c.attrs->activation;
  const bool has_bias = c.n_in == 3;
  if (!has_bias && act == Activation::None) return;
  const int64_t units = c.in[1].shape[1];
  bias_activation_inplace<T>(static_cast<T*>(c.out.data), has_bias ? static_cast<const T*>(c.in[2].data) : nullptr,
                             c.numel / units, units, act);
}

}  // namespace

void register_dense() {
  op::register_kernel(op::OpId::Dense, DeviceType::CPU, DType::Float32, &dense_kernel<float>);
  op::register_kernel(op::OpId::Dense, DeviceType::CPU, DType::Float64, &dense_kernel<double>);
}

}  // namespace tg::cpu

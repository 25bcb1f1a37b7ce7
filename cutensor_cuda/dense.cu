// The CUDA kernel of dense(x, W[, b]): the GEMM (gemm.cu), then the bias and
// the activation applied to its output in place. Mirrors
// backend/cpu/dense.cpp.
//
// The GEMM's output is fresh memory that nobody else sees, so the epilogue is
// one pass over it, queued right after the GEMM on the same stream, instead
// of two more ops each allocating and streaming a (batch, units) tensor.
#include "gemm.h"
#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

// out (n / cols rows, cols), dense; bias (cols,) dense (HasBias only).
// Grid-stride over the elements; each thread's column advances by the grid's
// stride modulo cols, so the loop has no division.
template <class T, bool HasBias, bool Relu>
__global__ void bias_activation_kernel(T* __restrict__ out, const T* __restrict__ bias, int64_t n, int64_t cols) {
  const int64_t stride = int64_t(gridDim.x) * blockDim.x;
  const int64_t col_step = stride % cols;
  int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  int64_t col = i % cols;
  for (; i < n; i += stride) {
    T v = out[i];
    if constexpr (HasBias) v = v + bias[col];
    if constexpr (Relu) v = v > T(0) ? v : T(0);
    out[i] = v;
    col += col_step;
    if (col >= cols) col -= cols;
  }
}

template <class T, bool HasBias, bool Relu>
void launch_epilogue(const KernelCall& c, int64_t units) {
  bias_activation_kernel<T, HasBias, Relu><<<grid_for(c.numel), kBlock, 0, stream_for(c)>>>(
      static_cast<T*>(c.out.data), HasBias ? static_cast<const T*>(c.in[2].data) : nullptr, c.numel, units);
  TG_CUDA_LAUNCHED("bias_activation_kernel");
}

// Inputs (x, W) or (x, W, b) in their own shapes; b is dense (the op's
// inference asks for it). The output is x's shape with the last dim W's units.
template <class T>
void dense_kernel(const KernelCall& c) {
  matmul_into(c);
  const bool relu = c.attrs->activation == Activation::Relu;
  const bool has_bias = c.n_in == 3;
  const int64_t units = c.in[1].shape[1];
  if ((!has_bias && !relu) || c.numel == 0) return;
  if (has_bias && relu) launch_epilogue<T, true, true>(c, units);
  else if (has_bias) launch_epilogue<T, true, false>(c, units);
  else launch_epilogue<T, false, true>(c, units);
}

}  // namespace

void register_dense() {
  op::register_kernel(op::OpId::Dense, DeviceType::CUDA, DType::Float32, &dense_kernel<float>);
  op::register_kernel(op::OpId::Dense, DeviceType::CUDA, DType::Float64, &dense_kernel<double>);
}

}  // namespace tg::cuda

// The CUDA column of the LAPACK-backed ops (ops_lapack.cpp): there is no
// cuSOLVER to call here, so the call runs the CPU kernel on host copies of
// its operands and copies the results back. The device's stream is
// synchronised first (the inputs must be computed) and after the copies,
// so such an op is a host sync point; the results are the CPU kernel's bit
// for bit. Contract: every input is dense and described in its own shape
// (Inferred::own_shapes), and an auxiliary output is shaped like the output.
#include <cstring>
#include <vector>

#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

using op::OpId;

int64_t own_numel(const ArrayArg& a) {
  int64_t n = 1;
  for (int d = 0; d < a.ndim; ++d) n *= a.shape[d];
  return n;
}

void host_fallback(const KernelCall& c) {
  const DType kernel_dtype = c.n_in > 0 ? c.in[0].dtype : c.out.dtype;
  const KernelFn cpu = op::kernel_for(OpId(c.op), Device{DeviceType::CPU, 0}, kernel_dtype);
  cudaStream_t s = stream_for(c);
  TG_CUDA_CHECK(cudaStreamSynchronize(s));
  std::vector<std::vector<char>> inputs(size_t(c.n_in));
  std::vector<ArrayArg> host_in(c.in, c.in + c.n_in);
  for (int i = 0; i < c.n_in; ++i) {
    TG_CHECK(c.in[i].shape != nullptr && c.in[i].contiguous, RuntimeError, op::name(OpId(c.op)),
             ": the host fallback needs dense inputs described in their own shapes");
    const size_t bytes = size_t(own_numel(c.in[i])) * itemsize(c.in[i].dtype);
    inputs[size_t(i)].resize(bytes);
    if (bytes) TG_CUDA_CHECK(cudaMemcpy(inputs[size_t(i)].data(), c.in[i].data, bytes, cudaMemcpyDeviceToHost));
    host_in[size_t(i)].data = inputs[size_t(i)].data();
  }
  const size_t out_bytes = size_t(c.numel) * itemsize(c.out.dtype);
  std::vector<char> out(out_bytes);
  std::vector<std::vector<char>> aux(size_t(c.n_aux));
  KernelCall h = c;
  h.device = 0;
  h.in = host_in.data();
  h.out.data = out.data();
  for (int i = 0; i < c.n_aux; ++i) {
    aux[size_t(i)].resize(size_t(c.numel) * itemsize(c.aux[i].dtype));
    h.aux[i].data = aux[size_t(i)].data();
  }
  cpu(h);
  if (out_bytes) TG_CUDA_CHECK(cudaMemcpy(c.out.data, out.data(), out_bytes, cudaMemcpyHostToDevice));
  for (int i = 0; i < c.n_aux; ++i)
    if (!aux[size_t(i)].empty())
      TG_CUDA_CHECK(cudaMemcpy(c.aux[i].data, aux[size_t(i)].data(), aux[size_t(i)].size(), cudaMemcpyHostToDevice));
}

}  // namespace

void register_linalg() {
  for (OpId id : {OpId::Cholesky, OpId::TriangularSolve, OpId::MatrixInverse, OpId::MatrixSolve, OpId::LogAbsDet,
                  OpId::Qr, OpId::Eigh, OpId::Svd}) {
    op::register_kernel(id, DeviceType::CUDA, DType::Float32, &host_fallback);
    op::register_kernel(id, DeviceType::CUDA, DType::Float64, &host_fallback);
  }
}

}  // namespace tg::cuda

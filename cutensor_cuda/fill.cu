// CUDA kernels of the creation ops (ops_creation.cpp): fill, eye, range and
// linspace, mirroring backend/cpu/fill.cpp. Each writes its dense output from
// the numbers in the call's attrs; every element is a pure function of its
// index, computed with the CPU kernel's formula in the same order.
//
// This file is compiled with FMA contraction on, so the float formulas of
// range and linspace spell out their roundings (__dmul_rn, __dadd_rn): the
// CPU computes start + i * delta as a product rounded, then a sum rounded,
// and a fused multiply-add would differ in the last bit.
#include <cmath>
#include <type_traits>

#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

using op::OpId;

template <class T>
__global__ void fill_value(T* out, int64_t n, T v) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = v;
}

// out[i * step] = 1 for i < count: the diagonal of a zeroed [rows, cols] matrix.
template <class T>
__global__ void write_diagonal(T* out, int64_t count, int64_t step) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < count; i += int64_t(gridDim.x) * blockDim.x)
    out[i * step] = T(1);
}

// start + i * delta in double, each operation rounded on its own.
template <class T>
__global__ void range_float(T* out, int64_t n, double start, double delta) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = static_cast<T>(__dadd_rn(start, __dmul_rn(double(i), delta)));
}

// start + i * delta exactly, in wrapping 64-bit arithmetic.
template <class T>
__global__ void range_int(T* out, int64_t n, uint64_t start, uint64_t delta) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = static_cast<T>(int64_t(start + uint64_t(i) * delta));
}

// The CPU's value(i): the last element is exactly stop; integer dtypes round
// down. step is computed on the host as the CPU computes it.
template <class T>
__global__ void linspace_values(T* out, int64_t n, double start, double stop, double step) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const double v = i + 1 == n && n > 1 ? stop : __dadd_rn(start, __dmul_rn(double(i), step));
    if constexpr (std::is_integral_v<T>)
      out[i] = static_cast<T>(floor(v));
    else
      out[i] = static_cast<T>(v);
  }
}

// real[0] as the output dtype (the public function has checked it fits).
void fill_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  TG_DISPATCH_ALL(c.out.dtype, {
    const T v = static_cast<T>(c.attrs->real[0]);
    fill_value<T><<<grid_for(c.numel), kBlock, 0, s>>>(static_cast<T*>(c.out.data), c.numel, v);
    TG_CUDA_LAUNCHED(fill_value);
  });
}

// Zeros with ones on the main diagonal of the [rows, cols] output.
void eye_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  const int64_t rows = c.shape[0], cols = c.shape[1];
  const int64_t count = rows < cols ? rows : cols;
  TG_CUDA_CHECK(cudaMemsetAsync(c.out.data, 0, size_t(c.numel) * itemsize(c.out.dtype), s));
  TG_DISPATCH_ALL(c.out.dtype, {
    write_diagonal<T><<<grid_for(count), kBlock, 0, s>>>(static_cast<T*>(c.out.data), count, cols + 1);
    TG_CUDA_LAUNCHED(write_diagonal);
  });
}

// start + i * delta: in double for float dtypes (real), exactly in wrapping
// 64-bit arithmetic for integer ones (whole).
template <class T>
void launch_range(const KernelCall& c, cudaStream_t s) {
  const OpAttrs& a = *c.attrs;
  T* out = static_cast<T*>(c.out.data);
  if constexpr (std::is_floating_point_v<T>) {
    range_float<T><<<grid_for(c.numel), kBlock, 0, s>>>(out, c.numel, a.real[0], a.real[1]);
    TG_CUDA_LAUNCHED(range_float);
  } else if constexpr (!std::is_same_v<T, bool>) {
    range_int<T><<<grid_for(c.numel), kBlock, 0, s>>>(out, c.numel, uint64_t(a.whole[0]), uint64_t(a.whole[1]));
    TG_CUDA_LAUNCHED(range_int);
  }
}

void range_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  TG_DISPATCH_ALL(c.out.dtype, launch_range<T>(c, s));
}

// num evenly spaced values from real[0] to real[1], the last exactly stop;
// integer dtypes round down, as NumPy's do.
template <class T>
void launch_linspace(const KernelCall& c, cudaStream_t s) {
  if constexpr (!std::is_same_v<T, bool>) {
    const double start = c.attrs->real[0], stop = c.attrs->real[1];
    const int64_t num = c.numel;
    const double step = num > 1 ? (stop - start) / double(num - 1) : 0.0;
    linspace_values<T><<<grid_for(num), kBlock, 0, s>>>(static_cast<T*>(c.out.data), num, start, stop, step);
    TG_CUDA_LAUNCHED(linspace_values);
  }
}

void linspace_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  TG_DISPATCH_ALL(c.out.dtype, launch_linspace<T>(c, s));
}

}  // namespace

void register_fill() {
  op::register_accepted(OpId::Fill, DeviceType::CUDA, &fill_kernel);
  op::register_accepted(OpId::Eye, DeviceType::CUDA, &eye_kernel);
  op::register_accepted(OpId::Range, DeviceType::CUDA, &range_kernel);
  op::register_accepted(OpId::Linspace, DeviceType::CUDA, &linspace_kernel);
}

}  // namespace tg::cuda

// image_transform and image_transform_grad (ops_image.cpp) on the GPU, over
// NHWC operands. The taps of each output pixel come from
// backend/image_sampling.h, as on the CPU (backend/cpu/image.cpp).
//
// Forward: one thread per output element, the channel fastest, so
// neighbouring threads read neighbouring memory. Gradient: dx is zeroed,
// then one thread per dy element adds its share into its taps with
// atomicAdd: an output's taps are found from its coordinates, but an
// input's outputs are not (a projective transform has no cheap inverse
// window), so the sums' order, and the last bits of dx, may vary between
// runs; the CPU's gradient is deterministic.
#include "backend/image_sampling.h"
#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

struct ImageGeom {
  int64_t N, H, W, C, OH, OW, rows;  // rows: the transforms' rows (1: shared; 0: a resize)
};

ImageGeom geom(const int64_t* x, const int64_t* y, const KernelCall& c) {
  return {x[0], x[1], x[2], x[3], y[1], y[2], c.n_in > 1 ? c.in[1].shape[0] : 0};
}

#define TG_GRID_STRIDE(i, n) \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

__device__ __forceinline__ const double* transform_for(const double* transforms, const ImageGeom& g, int64_t n) {
  return transforms ? transforms + (g.rows == 1 ? 0 : n) * 8 : nullptr;
}

template <class T>
__global__ void transform_kernel(const T* __restrict__ x, const double* __restrict__ transforms, T* __restrict__ y,
                                 ImageGeom g, ImageSampling s, int64_t total) {
  TG_GRID_STRIDE(i, total) {
    const int64_t ch = i % g.C, ox = (i / g.C) % g.OW, oy = (i / (g.C * g.OW)) % g.OH, n = i / (g.C * g.OW * g.OH);
    const Taps taps = sample_taps(s, transform_for(transforms, g, n), ox, oy, g.H, g.W, g.OH, g.OW);
    const T* img = x + n * g.H * g.W * g.C + ch;
    T acc = T(0);
    for (int k = 0; k < taps.n; ++k)
      acc += T(taps.w[k]) * (taps.at[k] < 0 ? T(s.fill_value) : img[taps.at[k] * g.C]);
    y[i] = acc;
  }
}

template <class T>
__global__ void transform_grad_kernel(const T* __restrict__ dy, const double* __restrict__ transforms,
                                      T* __restrict__ dx, ImageGeom g, ImageSampling s, int64_t total) {
  TG_GRID_STRIDE(i, total) {
    const int64_t ch = i % g.C, ox = (i / g.C) % g.OW, oy = (i / (g.C * g.OW)) % g.OH, n = i / (g.C * g.OW * g.OH);
    const Taps taps = sample_taps(s, transform_for(transforms, g, n), ox, oy, g.H, g.W, g.OH, g.OW);
    T* dimg = dx + n * g.H * g.W * g.C + ch;
    for (int k = 0; k < taps.n; ++k)
      if (taps.at[k] >= 0) atomicAdd(dimg + taps.at[k] * g.C, T(taps.w[k]) * dy[i]);
  }
}

#undef TG_GRID_STRIDE

const double* transforms_of(const KernelCall& c) {
  return c.n_in > 1 ? static_cast<const double*>(c.in[1].data) : nullptr;
}

// Input images[, transforms]; out [N, OH, OW, C].
template <class T>
void transform_launch(const KernelCall& c) {
  const ImageGeom g = geom(c.in[0].shape, c.shape, c);
  if (c.numel == 0) return;
  transform_kernel<T><<<grid_for(c.numel), kBlock, 0, stream_for(c)>>>(
      static_cast<const T*>(c.in[0].data), transforms_of(c), static_cast<T*>(c.out.data), g, c.attrs->sampling,
      c.numel);
  TG_CUDA_LAUNCHED("image transform_kernel");
}

// Input dy[, transforms]; out dx (the shape in attrs).
template <class T>
void transform_grad_launch(const KernelCall& c) {
  const ImageGeom g = geom(c.shape, c.in[0].shape, c);
  cudaStream_t s = stream_for(c);
  TG_CUDA_CHECK(cudaMemsetAsync(c.out.data, 0, size_t(c.numel) * sizeof(T), s));
  const int64_t outs = g.N * g.OH * g.OW * g.C;
  if (outs == 0) return;
  transform_grad_kernel<T><<<grid_for(outs), kBlock, 0, s>>>(static_cast<const T*>(c.in[0].data), transforms_of(c),
                                                             static_cast<T*>(c.out.data), g, c.attrs->sampling, outs);
  TG_CUDA_LAUNCHED("image transform_grad_kernel");
}

}  // namespace

void register_image() {
  using op::OpId;
  op::register_kernel(OpId::ImageTransform, DeviceType::CUDA, DType::Float32, &transform_launch<float>);
  op::register_kernel(OpId::ImageTransform, DeviceType::CUDA, DType::Float64, &transform_launch<double>);
  op::register_kernel(OpId::ImageTransformGrad, DeviceType::CUDA, DType::Float32, &transform_grad_launch<float>);
  op::register_kernel(OpId::ImageTransformGrad, DeviceType::CUDA, DType::Float64, &transform_grad_launch<double>);
}

}  // namespace tg::cuda

// The 2-D poolings over NHWC inputs and their gradients on the GPU.
// Mirrors backend/cpu/pool.cpp (its header gives the semantics: windows
// clipped to the input, padding never a candidate and never counted, each
// dy of max_pool2d_grad going to the first maximum of its window in
// row-major order, as TensorFlow's CPU MaxPoolGrad).
//
// Forwards: one thread per output element; the channel index runs fastest,
// so neighbouring threads read neighbouring memory. Gradients: one thread
// per input element, gathering from the windows that contain it (no
// zeroing, no atomics, the same sums in the same order on every run).
// max_pool2d_grad first records each output's argmax (its position in the
// window) in a scratch array, one thread per output, so that the gather
// compares an index instead of rescanning each window.
#include "backend/window2d.h"
#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

// The window of output (oh, ow) clipped to the input: [h0, h1) x [w0, w1).
struct Clip {
  int64_t h0, h1, w0, w1;
};
__device__ __forceinline__ Clip clip_window(const ConvGeom& g, int64_t oh, int64_t ow) {
  const int64_t hs = oh * g.sh - g.pt, ws = ow * g.sw - g.pl;
  return {hs > 0 ? hs : 0, hs + g.KH < g.H ? hs + g.KH : g.H, ws > 0 ? ws : 0, ws + g.KW < g.W ? ws + g.KW : g.W};
}

#define TG_GRID_STRIDE(i, n) \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

// out [N, OH, OW, C] from x [N, H, W, C].
template <class T, bool Max>
__global__ void pool_kernel(const T* __restrict__ x, T* __restrict__ y, ConvGeom g, int64_t total) {
  TG_GRID_STRIDE(i, total) {
    const int64_t ch = i % g.C, ow = (i / g.C) % g.OW, oh = (i / (g.C * g.OW)) % g.OH, n = i / (g.C * g.OW * g.OH);
    const Clip w = clip_window(g, oh, ow);
    const T* img = x + n * g.H * g.W * g.C + ch;
    T acc = img[(w.h0 * g.W + w.w0) * g.C];
    bool first = true;
    for (int64_t ih = w.h0; ih < w.h1; ++ih) {
      for (int64_t iw = w.w0; iw < w.w1; ++iw) {
        if (first) {
          first = false;
          continue;
        }
        const T v = img[(ih * g.W + iw) * g.C];
        if constexpr (Max) acc = v > acc ? v : acc;
        else acc += v;
      }
    }
    if constexpr (!Max) acc /= T((w.h1 - w.h0) * (w.w1 - w.w0));
    y[i] = acc;
  }
}

// The first maximum of one channel's window (img points at that channel of
// the image): its input row and column.
template <class T>
__device__ __forceinline__ void first_max(const T* img, const ConvGeom& g, const Clip& w, int64_t& best_h,
                                          int64_t& best_w) {
  T best = img[(w.h0 * g.W + w.w0) * g.C];
  best_h = w.h0;
  best_w = w.w0;
  for (int64_t ih = w.h0; ih < w.h1; ++ih) {
    for (int64_t iw = w.w0; iw < w.w1; ++iw) {
      const T v = img[(ih * g.W + iw) * g.C];
      if (v > best) {
        best = v;
        best_h = ih;
        best_w = iw;
      }
    }
  }
}

// Each output's first maximum, as its position kh * KW + kw in the window
// (not the clipped one).
template <class T>
__global__ void argmax_kernel(const T* __restrict__ x, int32_t* __restrict__ at, ConvGeom g, int64_t total) {
  TG_GRID_STRIDE(i, total) {
    const int64_t ch = i % g.C, ow = (i / g.C) % g.OW, oh = (i / (g.C * g.OW)) % g.OH, n = i / (g.C * g.OW * g.OH);
    int64_t best_h, best_w;
    first_max(x + n * g.H * g.W * g.C + ch, g, clip_window(g, oh, ow), best_h, best_w);
    at[i] = int32_t((best_h - (oh * g.sh - g.pt)) * g.KW + (best_w - (ow * g.sw - g.pl)));
  }
}

// out [N, OH, OW, C]: u (shaped like x) at each window's first maximum of x.
template <class T>
__global__ void max_pool_grad_grad_kernel(const T* __restrict__ x, const T* __restrict__ u, T* __restrict__ y,
                                          ConvGeom g, int64_t total) {
  TG_GRID_STRIDE(i, total) {
    const int64_t ch = i % g.C, ow = (i / g.C) % g.OW, oh = (i / (g.C * g.OW)) % g.OH, n = i / (g.C * g.OW * g.OH);
    const int64_t image = n * g.H * g.W * g.C + ch;
    int64_t best_h, best_w;
    first_max(x + image, g, clip_window(g, oh, ow), best_h, best_w);
    y[i] = u[image + (best_h * g.W + best_w) * g.C];
  }
}

// dx [N, H, W, C]: for each input element, the dy of every window whose
// first maximum it is (Max), or each window's dy / its count (average).
template <class T, bool Max>
__global__ void pool_grad_kernel(const T* __restrict__ dy, const int32_t* __restrict__ at, T* __restrict__ dx,
                                 ConvGeom g, int64_t total) {
  TG_GRID_STRIDE(i, total) {
    const int64_t ch = i % g.C, iw = (i / g.C) % g.W, ih = (i / (g.C * g.W)) % g.H, n = i / (g.C * g.W * g.H);
    int64_t oh0, oh1, ow0, ow1;
    windows_containing(ih, g.KH, g.sh, g.pt, g.OH, oh0, oh1);
    windows_containing(iw, g.KW, g.sw, g.pl, g.OW, ow0, ow1);
    T sum = T(0);
    for (int64_t oh = oh0; oh <= oh1; ++oh) {
      for (int64_t ow = ow0; ow <= ow1; ++ow) {
        const int64_t o = ((n * g.OH + oh) * g.OW + ow) * g.C + ch;
        if constexpr (Max) {
          const int64_t here = (ih - (oh * g.sh - g.pt)) * g.KW + (iw - (ow * g.sw - g.pl));
          if (at[o] == here) sum += dy[o];
        } else {
          const Clip w = clip_window(g, oh, ow);
          sum += dy[o] / T((w.h1 - w.h0) * (w.w1 - w.w0));
        }
      }
    }
    dx[i] = sum;
  }
}

#undef TG_GRID_STRIDE

// x dense; out [N, OH, OW, C].
template <class T, bool Max>
void pool_launch(const KernelCall& c) {
  const ConvGeom g = pool_geom(c.in[0].shape, c.shape, c.attrs->window);
  pool_kernel<T, Max><<<grid_for(c.numel), kBlock, 0, stream_for(c)>>>(static_cast<const T*>(c.in[0].data),
                                                                       static_cast<T*>(c.out.data), g, c.numel);
  TG_CUDA_LAUNCHED("pool_kernel");
}

// Inputs x, dy; out dx like x.
template <class T>
void max_pool_grad_launch(const KernelCall& c) {
  const ConvGeom g = pool_geom(c.in[0].shape, c.in[1].shape, c.attrs->window);
  const int64_t outs = g.N * g.OH * g.OW * g.C;
  cudaStream_t s = stream_for(c);
  if (outs == 0) {  // an empty window grid: nothing flows back
    TG_CUDA_CHECK(cudaMemsetAsync(c.out.data, 0, size_t(c.numel) * sizeof(T), s));
    return;
  }
  DeviceScratch at(c.device, size_t(outs) * sizeof(int32_t));
  argmax_kernel<T><<<grid_for(outs), kBlock, 0, s>>>(static_cast<const T*>(c.in[0].data),
                                                     static_cast<int32_t*>(at.get()), g, outs);
  TG_CUDA_LAUNCHED("argmax_kernel");
  pool_grad_kernel<T, true><<<grid_for(c.numel), kBlock, 0, s>>>(
      static_cast<const T*>(c.in[1].data), static_cast<const int32_t*>(at.get()), static_cast<T*>(c.out.data), g,
      c.numel);
  TG_CUDA_LAUNCHED("pool_grad_kernel");
}

// Inputs x, u like x; out like the pooled x.
template <class T>
void max_pool_grad_grad_launch(const KernelCall& c) {
  const ConvGeom g = pool_geom(c.in[0].shape, c.shape, c.attrs->window);
  max_pool_grad_grad_kernel<T><<<grid_for(c.numel), kBlock, 0, stream_for(c)>>>(
      static_cast<const T*>(c.in[0].data), static_cast<const T*>(c.in[1].data), static_cast<T*>(c.out.data), g,
      c.numel);
  TG_CUDA_LAUNCHED("max_pool_grad_grad_kernel");
}

// Input dy; out dx (the shape in attrs).
template <class T>
void avg_pool_grad_launch(const KernelCall& c) {
  const ConvGeom g = pool_geom(c.shape, c.in[0].shape, c.attrs->window);
  pool_grad_kernel<T, false><<<grid_for(c.numel), kBlock, 0, stream_for(c)>>>(
      static_cast<const T*>(c.in[0].data), nullptr, static_cast<T*>(c.out.data), g, c.numel);
  TG_CUDA_LAUNCHED("pool_grad_kernel");
}

}  // namespace

void register_pool() {
  using op::OpId;
  op::register_kernel(OpId::MaxPool2D, DeviceType::CUDA, DType::Float32, &pool_launch<float, true>);
  op::register_kernel(OpId::MaxPool2D, DeviceType::CUDA, DType::Float64, &pool_launch<double, true>);
  op::register_kernel(OpId::AvgPool2D, DeviceType::CUDA, DType::Float32, &pool_launch<float, false>);
  op::register_kernel(OpId::AvgPool2D, DeviceType::CUDA, DType::Float64, &pool_launch<double, false>);
  op::register_kernel(OpId::MaxPool2DGrad, DeviceType::CUDA, DType::Float32, &max_pool_grad_launch<float>);
  op::register_kernel(OpId::MaxPool2DGrad, DeviceType::CUDA, DType::Float64, &max_pool_grad_launch<double>);
  op::register_kernel(OpId::MaxPool2DGradGrad, DeviceType::CUDA, DType::Float32, &max_pool_grad_grad_launch<float>);
  op::register_kernel(OpId::MaxPool2DGradGrad, DeviceType::CUDA, DType::Float64, &max_pool_grad_grad_launch<double>);
  op::register_kernel(OpId::AvgPool2DGrad, DeviceType::CUDA, DType::Float32, &avg_pool_grad_launch<float>);
  op::register_kernel(OpId::AvgPool2DGrad, DeviceType::CUDA, DType::Float64, &avg_pool_grad_launch<double>);
}

}  // namespace tg::cuda

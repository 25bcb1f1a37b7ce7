// The CPU kernels of the 2-D poolings over NHWC inputs and their gradients
// (ops_conv.cpp). Direct loops: the channels of one position are contiguous,
// so every inner loop runs over channels.
//
// max_pool2d / avg_pool2d are threaded over the output rows (n, oh). The
// gradients scatter into dx, where windows overlap when the stride is
// smaller than the window, so they are threaded over (image, block of
// channels) pairs instead: no two threads write one element. Each window
// sees only the positions inside the input (padding is never a candidate
// for the maximum and never counts in the average, as in TensorFlow).
// max_pool2d_grad sends each dy to the first maximum of its window in
// row-major order, which is what TensorFlow's CPU MaxPoolGrad does (its
// argmax is replaced only by a strictly greater value); a NaN that comes
// first in its window stays the maximum.
#include <algorithm>
#include <vector>

#include "backend/cpu/register.h"
#include "backend/window2d.h"
#include "op/registry.h"
#include "parallel.h"
#include "simd/dispatch.h"

namespace tg::cpu {

namespace {

constexpr int64_t kChannelBlock = 64;  // channels per unit of the gradients' work

// The window of output (oh, ow) clipped to the input: [h0, h1) x [w0, w1).
struct Clip {
  int64_t h0, h1, w0, w1;
};
inline Clip clip_window(const ConvGeom& g, int64_t oh, int64_t ow) {
  const int64_t hs = oh * g.sh - g.pt, ws = ow * g.sw - g.pl;
  return {std::max<int64_t>(hs, 0), std::min(hs + g.KH, g.H), std::max<int64_t>(ws, 0), std::min(ws + g.KW, g.W)};
}

int64_t row_grain(const ConvGeom& g) {
  return std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, g.OW * g.C * g.KH * g.KW));
}

// ---- forwards -------------------------------------------------------------------------

// x [N, H, W, C] dense; out [N, OH, OW, C].
template <class T, bool Max>
void pool_kernel(const KernelCall& c) {
  const ConvGeom g = pool_geom(c.in[0].shape, c.shape, c.attrs->window);
  const T* x = static_cast<const T*>(c.in[0].data);
  T* y = static_cast<T*>(c.out.data);
  const int64_t C = g.C;
  parallel_for(g.N * g.OH, row_grain(g), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / g.OH, oh = r % g.OH;
      const T* img = x + n * g.H * g.W * C;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const Clip w = clip_window(g, oh, ow);
        T* out = y + (r * g.OW + ow) * C;
        bool first = true;
        for (int64_t ih = w.h0; ih < w.h1; ++ih) {
          for (int64_t iw = w.w0; iw < w.w1; ++iw) {
            const T* src = img + (ih * g.W + iw) * C;
            if (first) {
              std::copy_n(src, C, out);
              first = false;
            } else if constexpr (Max) {
              for (int64_t ch = 0; ch < C; ++ch) out[ch] = src[ch] > out[ch] ? src[ch] : out[ch];
            } else {
              for (int64_t ch = 0; ch < C; ++ch) out[ch] += src[ch];
            }
          }
        }
        if constexpr (!Max) {
          const T count = T((w.h1 - w.h0) * (w.w1 - w.w0));
          for (int64_t ch = 0; ch < C; ++ch) out[ch] /= count;
        }
      }
    }
  });
}

// ---- gradients ------------------------------------------------------------------------

// f(n, c0, c1) over every (image, block of channels) unit, on the pool,
// after dx (numel elements) is zeroed.
template <class T, class F>
void for_channel_blocks(const ConvGeom& g, T* dx, int64_t numel, F&& f) {
  std::fill_n(dx, numel, T(0));
  const int64_t blocks = (g.C + kChannelBlock - 1) / kChannelBlock;
  const int64_t per_unit = g.OH * g.OW * std::min(g.C, kChannelBlock) * g.KH * g.KW;
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, per_unit));
  parallel_for(g.N * blocks, grain, [&](int64_t u0, int64_t u1) {
    for (int64_t u = u0; u < u1; ++u) {
      const int64_t c0 = (u % blocks) * kChannelBlock;
      f(u / blocks, c0, std::min(g.C, c0 + kChannelBlock));
    }
  });
}

// max_pool2d_grad when no two windows overlap (stride >= window, the usual
// 2x2 / 2 pooling): each output row's windows own their input rows, so the
// work is threaded over output rows like the forward, and each window writes
// its part of dx in place (simd/window.h: dy at the first maximum, zeros
// elsewhere) instead of zeroing dx and scattering into it. Positions no
// window covers are zeroed first.
template <class T>
void max_pool_grad_disjoint(const ConvGeom& g, const T* x, const T* dy, T* dx, int64_t numel) {
  const int64_t C = g.C;
  const bool tiled = g.sh == g.KH && g.sw == g.KW && g.pt == 0 && g.pl == 0 && g.OH * g.KH == g.H &&
                     g.OW * g.KW == g.W;
  if (!tiled) std::fill_n(dx, numel, T(0));
  const simd::MaxPoolRouteLoop route = simd::kernels().window.max_pool_route[sizeof(T) == 8 ? 1 : 0];
  parallel_for(g.N * g.OH, row_grain(g), [&](int64_t r0, int64_t r1) {
    std::vector<T> scratch(static_cast<size_t>(2 * C));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / g.OH, oh = r % g.OH;
      const int64_t image = n * g.H * g.W * C;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const Clip w = clip_window(g, oh, ow);
        const int64_t at = image + (w.h0 * g.W + w.w0) * C;
        route(x + at, dx + at, dy + (r * g.OW + ow) * C, w.h1 - w.h0, w.w1 - w.w0, g.W * C, C, scratch.data(),
              scratch.data() + C);
      }
    }
  });
}

// The first maximum of each of nc channels in window w of one image (img at
// its first channel of the nc): at[k] its position ih * W + iw, best[k] the
// value. Replaced only by a strictly greater value, so a tie or a leading
// NaN keeps the first.
template <class T>
void window_first_max(const ConvGeom& g, const T* img, const Clip& w, int64_t nc, std::vector<T>& best,
                      std::vector<int64_t>& at) {
  bool first = true;
  for (int64_t ih = w.h0; ih < w.h1; ++ih) {
    for (int64_t iw = w.w0; iw < w.w1; ++iw) {
      const int64_t pos = ih * g.W + iw;
      const T* src = img + pos * g.C;
      if (first) {
        std::copy_n(src, nc, best.data());
        std::fill(at.begin(), at.end(), pos);
        first = false;
        continue;
      }
      for (int64_t k = 0; k < nc; ++k) {
        if (src[k] > best[size_t(k)]) {
          best[size_t(k)] = src[k];
          at[size_t(k)] = pos;
        }
      }
    }
  }
}

// Inputs x [N, H, W, C], dy [N, OH, OW, C]; out dx like x.
template <class T>
void max_pool_grad_kernel(const KernelCall& c) {
  const ConvGeom g = pool_geom(c.in[0].shape, c.in[1].shape, c.attrs->window);
  if (g.sh >= g.KH && g.sw >= g.KW) {
    max_pool_grad_disjoint(g, static_cast<const T*>(c.in[0].data), static_cast<const T*>(c.in[1].data),
                           static_cast<T*>(c.out.data), c.numel);
    return;
  }
  const T* x = static_cast<const T*>(c.in[0].data);
  const T* dy = static_cast<const T*>(c.in[1].data);
  T* dx = static_cast<T*>(c.out.data);
  const int64_t C = g.C;
  for_channel_blocks(g, dx, c.numel, [&](int64_t n, int64_t c0, int64_t c1) {
    const int64_t nc = c1 - c0;
    std::vector<T> best(static_cast<size_t>(nc));
    std::vector<int64_t> at(static_cast<size_t>(nc));  // each channel's first maximum: its position ih * W + iw
    const T* img = x + n * g.H * g.W * C + c0;
    T* dimg = dx + n * g.H * g.W * C + c0;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        window_first_max(g, img, clip_window(g, oh, ow), nc, best, at);
        const T* g_out = dy + ((n * g.OH + oh) * g.OW + ow) * C + c0;
        for (int64_t k = 0; k < nc; ++k) dimg[at[size_t(k)] * C + k] += g_out[k];
      }
    }
  });
}

// Inputs x [N, H, W, C], u like x; out [N, OH, OW, C]: u at each window's
// first maximum of x (the same choice as max_pool_grad_kernel's).
template <class T>
void max_pool_grad_grad_kernel(const KernelCall& c) {
  const ConvGeom g = pool_geom(c.in[0].shape, c.shape, c.attrs->window);
  const T* x = static_cast<const T*>(c.in[0].data);
  const T* u = static_cast<const T*>(c.in[1].data);
  T* y = static_cast<T*>(c.out.data);
  const int64_t C = g.C;
  parallel_for(g.N * g.OH, row_grain(g), [&](int64_t r0, int64_t r1) {
    std::vector<T> best(static_cast<size_t>(C));
    std::vector<int64_t> at(static_cast<size_t>(C));
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / g.OH, oh = r % g.OH;
      const T* img = x + n * g.H * g.W * C;
      const T* uimg = u + n * g.H * g.W * C;
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        window_first_max(g, img, clip_window(g, oh, ow), C, best, at);
        T* out = y + (r * g.OW + ow) * C;
        for (int64_t k = 0; k < C; ++k) out[k] = uimg[at[size_t(k)] * C + k];
      }
    }
  });
}

// Input dy [N, OH, OW, C]; out dx [N, H, W, C].
template <class T>
void avg_pool_grad_kernel(const KernelCall& c) {
  const ConvGeom g = pool_geom(c.shape, c.in[0].shape, c.attrs->window);
  const T* dy = static_cast<const T*>(c.in[0].data);
  T* dx = static_cast<T*>(c.out.data);
  const int64_t C = g.C;
  for_channel_blocks(g, dx, c.numel, [&](int64_t n, int64_t c0, int64_t c1) {
    const int64_t nc = c1 - c0;
    std::vector<T> share(static_cast<size_t>(nc));
    T* dimg = dx + n * g.H * g.W * C + c0;
    for (int64_t oh = 0; oh < g.OH; ++oh) {
      for (int64_t ow = 0; ow < g.OW; ++ow) {
        const Clip w = clip_window(g, oh, ow);
        const T count = T((w.h1 - w.h0) * (w.w1 - w.w0));
        const T* g_out = dy + ((n * g.OH + oh) * g.OW + ow) * C + c0;
        for (int64_t k = 0; k < nc; ++k) share[size_t(k)] = g_out[k] / count;
        for (int64_t ih = w.h0; ih < w.h1; ++ih) {
          for (int64_t iw = w.w0; iw < w.w1; ++iw) {
            T* dst = dimg + (ih * g.W + iw) * C;
            for (int64_t k = 0; k < nc; ++k) dst[k] += share[size_t(k)];
          }
        }
      }
    }
  });
}

}  // namespace

void register_pool() {
  using op::OpId;
  op::register_kernel(OpId::MaxPool2D, DeviceType::CPU, DType::Float32, &pool_kernel<float, true>);
  op::register_kernel(OpId::MaxPool2D, DeviceType::CPU, DType::Float64, &pool_kernel<double, true>);
  op::register_kernel(OpId::AvgPool2D, DeviceType::CPU, DType::Float32, &pool_kernel<float, false>);
  op::register_kernel(OpId::AvgPool2D, DeviceType::CPU, DType::Float64, &pool_kernel<double, false>);
  op::register_kernel(OpId::MaxPool2DGrad, DeviceType::CPU, DType::Float32, &max_pool_grad_kernel<float>);
  op::register_kernel(OpId::MaxPool2DGrad, DeviceType::CPU, DType::Float64, &max_pool_grad_kernel<double>);
  op::register_kernel(OpId::MaxPool2DGradGrad, DeviceType::CPU, DType::Float32, &max_pool_grad_grad_kernel<float>);
  op::register_kernel(OpId::MaxPool2DGradGrad, DeviceType::CPU, DType::Float64, &max_pool_grad_grad_kernel<double>);
  op::register_kernel(OpId::AvgPool2DGrad, DeviceType::CPU, DType::Float32, &avg_pool_grad_kernel<float>);
  op::register_kernel(OpId::AvgPool2DGrad, DeviceType::CPU, DType::Float64, &avg_pool_grad_kernel<double>);
}

}  // namespace tg::cpu

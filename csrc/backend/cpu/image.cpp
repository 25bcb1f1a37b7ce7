// The CPU kernels of image_transform and image_transform_grad (ops_image.cpp)
// over NHWC operands; backend/image_sampling.h computes each output pixel's
// taps, and every inner loop runs over the channels of one pixel, which are
// contiguous.
//
// The forward is threaded over output rows (n, y). The gradient scatters
// into dx, where taps of different outputs meet, so it is threaded over
// images: no two threads write one element, and the sums come in one order
// whatever the thread count.
#include <algorithm>

#include "backend/cpu/register.h"
#include "backend/image_sampling.h"
#include "op/registry.h"
#include "parallel.h"

namespace tg::cpu {

namespace {

struct ImageGeom {
  int64_t N, H, W, C, OH, OW, rows;  // rows: the transforms' rows (1: shared), 0 for a resize
};

// x [N, H, W, C]; y [N, OH, OW, C].
ImageGeom geom(const int64_t* x, const int64_t* y, const KernelCall& c) {
  return {x[0], x[1], x[2], x[3], y[1], y[2], c.n_in > 1 ? c.in[1].shape[0] : 0};
}

const double* transform_for(const KernelCall& c, const ImageGeom& g, int64_t n) {
  if (c.n_in < 2) return nullptr;
  return static_cast<const double*>(c.in[1].data) + (g.rows == 1 ? 0 : n) * 8;
}

// Input images; out [N, OH, OW, C].
template <class T>
void transform_kernel(const KernelCall& c) {
  const ImageGeom g = geom(c.in[0].shape, c.shape, c);
  const ImageSampling& s = c.attrs->sampling;
  const T* x = static_cast<const T*>(c.in[0].data);
  T* y = static_cast<T*>(c.out.data);
  const int64_t C = g.C;
  const T fill = T(s.fill_value);
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, g.OW * C * 4));
  parallel_for(g.N * g.OH, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t n = r / g.OH, oy = r % g.OH;
      const T* img = x + n * g.H * g.W * C;
      const double* t = transform_for(c, g, n);
      for (int64_t ox = 0; ox < g.OW; ++ox) {
        const Taps taps = sample_taps(s, t, ox, oy, g.H, g.W, g.OH, g.OW);
        T* out = y + (r * g.OW + ox) * C;
        std::fill_n(out, C, T(0));
        for (int k = 0; k < taps.n; ++k) {
          const T w = T(taps.w[k]);
          if (taps.at[k] < 0) {
            for (int64_t ch = 0; ch < C; ++ch) out[ch] += w * fill;
          } else {
            const T* src = img + taps.at[k] * C;
            for (int64_t ch = 0; ch < C; ++ch) out[ch] += w * src[ch];
          }
        }
      }
    }
  });
}

// Input dy [N, OH, OW, C]; out dx [N, H, W, C] (the shape in attrs).
template <class T>
void transform_grad_kernel(const KernelCall& c) {
  const ImageGeom g = geom(c.shape, c.in[0].shape, c);
  const ImageSampling& s = c.attrs->sampling;
  const T* dy = static_cast<const T*>(c.in[0].data);
  T* dx = static_cast<T*>(c.out.data);
  const int64_t C = g.C;
  std::fill_n(dx, c.numel, T(0));
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, g.OH * g.OW * C * 4));
  parallel_for(g.N, grain, [&](int64_t n0, int64_t n1) {
    for (int64_t n = n0; n < n1; ++n) {
      T* dimg = dx + n * g.H * g.W * C;
      const double* t = transform_for(c, g, n);
      for (int64_t oy = 0; oy < g.OH; ++oy) {
        for (int64_t ox = 0; ox < g.OW; ++ox) {
          const Taps taps = sample_taps(s, t, ox, oy, g.H, g.W, g.OH, g.OW);
          const T* g_out = dy + ((n * g.OH + oy) * g.OW + ox) * C;
          for (int k = 0; k < taps.n; ++k) {
            if (taps.at[k] < 0) continue;
            const T w = T(taps.w[k]);
            T* dst = dimg + taps.at[k] * C;
            for (int64_t ch = 0; ch < C; ++ch) dst[ch] += w * g_out[ch];
          }
        }
      }
    }
  });
}

}  // namespace

void register_image() {
  using op::OpId;
  op::register_kernel(OpId::ImageTransform, DeviceType::CPU, DType::Float32, &transform_kernel<float>);
  op::register_kernel(OpId::ImageTransform, DeviceType::CPU, DType::Float64, &transform_kernel<double>);
  op::register_kernel(OpId::ImageTransformGrad, DeviceType::CPU, DType::Float32, &transform_grad_kernel<float>);
  op::register_kernel(OpId::ImageTransformGrad, DeviceType::CPU, DType::Float64, &transform_grad_kernel<double>);
}

}  // namespace tg::cpu

// The CUDA kernels of conv2d and its two backprops: im2col / col2im kernels
// and cuBLAS GEMMs. Mirrors backend/cpu/conv.cpp, whose header gives the
// matrices: per group g,
//   conv2d:          Y[:, g]     = cols[:, g]   . W[:, g]
//   backprop_filter: dW[:, g]    = cols[:, g]^T . dY[:, g]
//   backprop_input:  dcols[:, g] = dY[:, g]     . W[:, g]^T, then col2im.
// The groups' blocks sit at fixed element strides in every operand (Kg in
// cols, Og in W and Y), so all groups are one strided-batched cuBLAS call.
//
// cuBLAS is column-major and these matrices row-major: a row-major C = op(A)
// op(B) is the column-major C^T = op(B)^T op(A)^T, so each call passes B
// first and A second with M and N swapped, and an operand's flag is
// CUBLAS_OP_T exactly when it is transposed (gemm.cu explains the rule).
//
// im2col runs over chunks of rows whose cols fit a fixed scratch size
// (backprop_filter accumulates the chunks' products with beta = 1).
// col2im is a gather: one thread per input element sums the dcols elements
// that came from it, so nothing is zeroed first and no atomics are needed;
// it needs every output row of an image, so backprop_input's chunks are
// whole images. A pointwise conv (1x1, stride 1, no padding) reads the input
// as the cols matrix.
#include <algorithm>
#include <climits>
#include <type_traits>

#include "backend/window2d.h"
#include "gemm.h"
#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

constexpr int64_t kScratchBytes = int64_t(256) << 20;  // one chunk's im2col matrix
constexpr int64_t kMaxGemmRows = INT_MAX / 2;            // rows per GEMM call (cuBLAS sizes are ints)

// ---- im2col / col2im ------------------------------------------------------------------

// Rows [m0, m0 + total / K) of the im2col matrix, one thread per element;
// the column index runs fastest, so neighbouring threads read neighbouring
// channels of one input position and write neighbouring elements.
template <class T>
__global__ void im2col_kernel(const T* __restrict__ x, T* __restrict__ cols, ConvGeom g, int64_t m0, int64_t total) {
  const int64_t K = g.K(), Kg = g.Kg(), ohw = g.OH * g.OW;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t m = m0 + i / K, k = i % K;
    const int64_t gi = k / Kg, r = k % Kg;
    const int64_t kh = r / (g.KW * g.Cg), kw = (r / g.Cg) % g.KW, ci = r % g.Cg;
    const int64_t n = m / ohw, oh = (m % ohw) / g.OW, ow = m % g.OW;
    const int64_t ih = oh * g.sh - g.pt + kh * g.dh, iw = ow * g.sw - g.pl + kw * g.dw;
    const bool in = ih >= 0 && ih < g.H && iw >= 0 && iw < g.W;
    cols[i] = in ? x[((n * g.H + ih) * g.W + iw) * g.C + gi * g.Cg + ci] : T(0);
  }
}

// dx elements of images [n0, n0 + total / (H W C)), one thread each: the sum
// of the dcols elements (rows from image n0 on) whose window element is this
// input position.
template <class T>
__global__ void col2im_kernel(const T* __restrict__ dcols, T* __restrict__ dx, ConvGeom g, int64_t n0,
                              int64_t total) {
  const int64_t K = g.K(), Kg = g.Kg();
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ch = i % g.C, iw = (i / g.C) % g.W, ih = (i / (g.C * g.W)) % g.H, n = i / (g.C * g.W * g.H);
    const int64_t gi = ch / g.Cg, ci = ch % g.Cg;
    T sum = T(0);
    for (int64_t kh = 0; kh < g.KH; ++kh) {
      const int64_t th = ih + g.pt - kh * g.dh;  // = oh * sh when output row oh reads ih through kh
      if (th < 0 || th % g.sh != 0 || th / g.sh >= g.OH) continue;
      const int64_t oh = th / g.sh;
      for (int64_t kw = 0; kw < g.KW; ++kw) {
        const int64_t tw = iw + g.pl - kw * g.dw;
        if (tw < 0 || tw % g.sw != 0 || tw / g.sw >= g.OW) continue;
        const int64_t m = (n * g.OH + oh) * g.OW + tw / g.sw;
        sum += dcols[m * K + gi * Kg + (kh * g.KW + kw) * g.Cg + ci];
      }
    }
    dx[(n0 * g.H * g.W * g.C) + i] = sum;
  }
}

template <class T>
void launch_im2col(const KernelCall& c, const T* x, T* cols, const ConvGeom& g, int64_t m0, int64_t m) {
  const int64_t total = m * g.K();
  im2col_kernel<T><<<grid_for(total), kBlock, 0, stream_for(c)>>>(x, cols, g, m0, total);
  TG_CUDA_LAUNCHED("im2col_kernel");
}

// Rows per chunk when each row takes `row_elems` scratch elements.
template <class T>
int64_t chunk_rows(int64_t rows, int64_t row_elems) {
  const int64_t fit = std::max<int64_t>(1, kScratchBytes / (std::max<int64_t>(1, row_elems) * int64_t(sizeof(T))));
  return std::min({rows, fit, kMaxGemmRows});
}

// ---- the kernels ----------------------------------------------------------------------

// Inputs x [N, H, W, C], w [KH, KW, Cg, O], dense in their own shapes; out [N, OH, OW, O].
template <class T>
void conv2d_kernel(const KernelCall& c) {
  const ConvGeom g = conv_geom(c.in[0].shape, c.in[1].shape, c.shape, c.attrs->window);
  const T* x = static_cast<const T*>(c.in[0].data);
  const T* w = static_cast<const T*>(c.in[1].data);
  T* y = static_cast<T*>(c.out.data);
  const int64_t rows = g.rows(), K = g.K(), Kg = g.Kg();
  const bool pointwise = g.pointwise();
  const int64_t step = pointwise ? std::min(rows, kMaxGemmRows) : chunk_rows<T>(rows, K);
  DeviceScratch scratch(c.device, pointwise ? 1 : size_t(step * K) * sizeof(T));
  T* cols = static_cast<T*>(scratch.get());
  for (int64_t m0 = 0; m0 < rows; m0 += step) {
    const int64_t m = std::min(step, rows - m0);
    const T* a = pointwise ? x + m0 * g.C : cols;
    if (!pointwise) launch_im2col(c, x, cols, g, m0, m);
    gemm_groups<T>(c, false, false, m, g.Og, Kg, a, K, Kg, w, g.O, g.Og, y + m0 * g.O, g.O, g.Og, g.G, false);
  }
}

// Inputs x [N, H, W, C], dy [N, OH, OW, O]; out dw [KH, KW, Cg, O].
template <class T>
void backprop_filter_kernel(const KernelCall& c) {
  const ConvGeom g = conv_geom(c.in[0].shape, c.shape, c.in[1].shape, c.attrs->window);
  const T* x = static_cast<const T*>(c.in[0].data);
  const T* dy = static_cast<const T*>(c.in[1].data);
  T* dw = static_cast<T*>(c.out.data);
  const int64_t rows = g.rows(), K = g.K(), Kg = g.Kg();
  if (rows == 0) {  // an empty batch: no contribution
    TG_CUDA_CHECK(cudaMemsetAsync(dw, 0, size_t(c.numel) * sizeof(T), stream_for(c)));
    return;
  }
  const bool pointwise = g.pointwise();
  const int64_t step = pointwise ? std::min(rows, kMaxGemmRows) : chunk_rows<T>(rows, K);
  DeviceScratch scratch(c.device, pointwise ? 1 : size_t(step * K) * sizeof(T));
  T* cols = static_cast<T*>(scratch.get());
  for (int64_t m0 = 0; m0 < rows; m0 += step) {
    const int64_t m = std::min(step, rows - m0);
    const T* a = pointwise ? x + m0 * g.C : cols;
    if (!pointwise) launch_im2col(c, x, cols, g, m0, m);
    gemm_groups<T>(c, true, false, Kg, g.Og, m, a, K, Kg, dy + m0 * g.O, g.O, g.Og, dw, g.O, g.Og, g.G, m0 > 0);
  }
}

// Inputs w [KH, KW, Cg, O], dy [N, OH, OW, O]; out dx [N, H, W, C].
template <class T>
void backprop_input_kernel(const KernelCall& c) {
  const ConvGeom g = conv_geom(c.shape, c.in[0].shape, c.in[1].shape, c.attrs->window);
  const T* w = static_cast<const T*>(c.in[0].data);
  const T* dy = static_cast<const T*>(c.in[1].data);
  T* dx = static_cast<T*>(c.out.data);
  const int64_t K = g.K(), Kg = g.Kg();
  if (g.Og == 0) {  // no output channels: nothing flows back
    TG_CUDA_CHECK(cudaMemsetAsync(dx, 0, size_t(c.numel) * sizeof(T), stream_for(c)));
    return;
  }
  if (g.pointwise()) {
    const int64_t rows = g.rows();
    for (int64_t m0 = 0; m0 < rows; m0 += kMaxGemmRows) {
      const int64_t m = std::min(kMaxGemmRows, rows - m0);
      gemm_groups<T>(c, false, true, m, Kg, g.Og, dy + m0 * g.O, g.O, g.Og, w, g.O, g.Og, dx + m0 * g.C, g.C, Kg,
                     g.G, false);
    }
    return;
  }
  // Whole images per chunk: col2im gathers from every output row of an image.
  const int64_t per_image = g.OH * g.OW;
  const int64_t images = std::max<int64_t>(1, chunk_rows<T>(g.rows(), K) / per_image);
  DeviceScratch scratch(c.device, size_t(images * per_image * K) * sizeof(T));
  T* dcols = static_cast<T*>(scratch.get());
  const int64_t image = g.H * g.W * g.C;
  for (int64_t n0 = 0; n0 < g.N; n0 += images) {
    const int64_t nb = std::min(images, g.N - n0);
    const int64_t m0 = n0 * per_image, m = nb * per_image;
    gemm_groups<T>(c, false, true, m, Kg, g.Og, dy + m0 * g.O, g.O, g.Og, w, g.O, g.Og, dcols, K, Kg, g.G, false);
    const int64_t total = nb * image;
    col2im_kernel<T><<<grid_for(total), kBlock, 0, stream_for(c)>>>(dcols, dx, g, n0, total);
    TG_CUDA_LAUNCHED("col2im_kernel");
  }
}

}  // namespace

void register_conv() {
  using op::OpId;
  op::register_accepted(OpId::Conv2D, DeviceType::CUDA, [](const KernelCall& c) {
    TG_DISPATCH_FLOAT(c.out.dtype, "conv2d", conv2d_kernel<T>(c));
  });
  op::register_accepted(OpId::Conv2DBackpropInput, DeviceType::CUDA, [](const KernelCall& c) {
    TG_DISPATCH_FLOAT(c.out.dtype, "conv2d_backprop_input", backprop_input_kernel<T>(c));
  });
  op::register_accepted(OpId::Conv2DBackpropFilter, DeviceType::CUDA, [](const KernelCall& c) {
    TG_DISPATCH_FLOAT(c.out.dtype, "conv2d_backprop_filter", backprop_filter_kernel<T>(c));
  });
}

}  // namespace tg::cuda

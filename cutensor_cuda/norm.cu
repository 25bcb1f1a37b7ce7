// Batch and layer normalization over the last axis on the GPU (ops_norm.cpp;
// mirrors backend/cpu/norm.cpp): x dense as M rows of C channels. Layer
// normalization's row statistics: one block per row.
//
// Per-channel sums: a grid of (channel tiles of 32) x (row chunks); in a block
// 32 threads read 32 neighbouring channels of a row (one coalesced load) and
// 8 rows at a time; each block writes its double partial sums, and one thread
// per channel adds the chunks in order. The grid depends on the shape only,
// so the sums are the same on every run. The element-wise passes are one
// thread per element.
#include <cmath>

#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

constexpr int kTile = 32;       // channels per block
constexpr int kRowThreads = 8;  // rows read at once per block

int row_chunks(int64_t m) {
  const int64_t chunks = (m + 255) / 256;
  return int(chunks < 1 ? 1 : chunks > 1024 ? 1024 : chunks);
}

// A block's two column sums: each thread's (a0, a1) for its channel ch,
// added over the block's kRowThreads rows of threads into this row chunk's
// partials ([chunk][2][c]).
__device__ void block_partials(double a0, double a1, int64_t ch, int64_t c, double* __restrict__ partial) {
  __shared__ double s0[kRowThreads][kTile], s1[kRowThreads][kTile];
  s0[threadIdx.y][threadIdx.x] = a0;
  s1[threadIdx.y][threadIdx.x] = a1;
  __syncthreads();
  if (threadIdx.y == 0 && ch < c) {
    double t0 = 0, t1 = 0;
    for (int k = 0; k < kRowThreads; ++k) {
      t0 += s0[k][threadIdx.x];
      t1 += s1[k][threadIdx.x];
    }
    partial[(int64_t(blockIdx.y) * 2) * c + ch] = t0;
    partial[(int64_t(blockIdx.y) * 2 + 1) * c + ch] = t1;
  }
}

// Kind 0: sum x. Kind 1: sum (x - mean)^2. Kind 2: sum dy and sum dy * (x - mean) * inv.
// partial: [chunks][2][c].
template <class T, int Kind>
__global__ void partial_sums(const T* __restrict__ x, const T* __restrict__ dy, const double* __restrict__ mean,
                             const double* __restrict__ inv, int64_t m, int64_t c, double* __restrict__ partial) {
  const int64_t ch = int64_t(blockIdx.x) * kTile + threadIdx.x;
  double a0 = 0, a1 = 0;
  if (ch < c) {
    for (int64_t i = int64_t(blockIdx.y) * kRowThreads + threadIdx.y; i < m; i += int64_t(gridDim.y) * kRowThreads) {
      const double v = double(x[i * c + ch]);
      if constexpr (Kind == 0) {
        a0 += v;
      } else if constexpr (Kind == 1) {
        const double d = v - mean[ch];
        a0 += d * d;
      } else {
        const double g = double(dy[i * c + ch]);
        a0 += g;
        a1 += g * (v - mean[ch]) * inv[ch];
      }
    }
  }
  block_partials(a0, a1, ch, c, partial);
}

// total[ch] (and total[c + ch]) = the chunks' partials added in order.
__global__ void add_chunks(const double* __restrict__ partial, int chunks, int64_t c, double* __restrict__ total) {
  const int64_t ch = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (ch >= c) return;
  double t0 = 0, t1 = 0;
  for (int b = 0; b < chunks; ++b) {
    t0 += partial[(int64_t(b) * 2) * c + ch];
    t1 += partial[(int64_t(b) * 2 + 1) * c + ch];
  }
  total[ch] = t0;
  total[c + ch] = t1;
}

template <class T, int Kind>
void channel_sums(const KernelCall& k, const T* x, const T* dy, const double* mean, const double* inv, int64_t m,
                  int64_t c, double* partial, double* total) {
  const cudaStream_t s = stream_for(k);
  const int chunks = row_chunks(m);
  const dim3 grid(unsigned((c + kTile - 1) / kTile), unsigned(chunks)), block(kTile, kRowThreads);
  partial_sums<T, Kind><<<grid, block, 0, s>>>(x, dy, mean, inv, m, c, partial);
  TG_CUDA_LAUNCHED("partial_sums");
  add_chunks<<<grid_for(c), kBlock, 0, s>>>(partial, chunks, c, total);
  TG_CUDA_LAUNCHED("add_chunks");
}

// Forward statistics: from sum(x) (totals[0..c)) the mean; from sum((x - mean)^2) the variance.
template <class T>
__global__ void finish_mean(double* __restrict__ sums, int64_t m, int64_t c, double* __restrict__ mean,
                            T* __restrict__ mean_out) {
  const int64_t ch = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (ch >= c) return;
  mean[ch] = sums[ch] / double(m);
  mean_out[ch] = T(mean[ch]);
}

// scale[0..c) and shift[c..2c): y = (x - mean_T) * scale + shift, as on the
// CPU (shift puts back what rounding the mean to T took).
template <class T>
__global__ void finish_variance(const double* __restrict__ sums, const double* __restrict__ mean,
                                const T* __restrict__ mean_t, int64_t m, int64_t c, double eps,
                                const T* __restrict__ gamma, const T* __restrict__ beta, T* __restrict__ var_out,
                                T* __restrict__ coef) {
  const int64_t ch = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (ch >= c) return;
  const double var = sums[ch] / double(m);
  var_out[ch] = T(var);
  const double scale = double(gamma[ch]) / sqrt(var + eps);
  coef[ch] = T(scale);
  coef[c + ch] = T(double(beta[ch]) - (mean[ch] - double(mean_t[ch])) * scale);
}

template <class T>
__global__ void normalize(const T* __restrict__ x, const T* __restrict__ mean, const T* __restrict__ coef,
                          T* __restrict__ y, int64_t c, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ch = i % c;
    y[i] = (x[i] - mean[ch]) * coef[ch] + coef[c + ch];
  }
}

// Inputs x, gamma, beta; out y; aux mean, variance.
template <class T>
void batch_norm_launch(const KernelCall& k) {
  const int64_t c = k.shape[k.ndim - 1], m = k.numel / c;
  const T* x = static_cast<const T*>(k.in[0].data);
  T* mean_out = static_cast<T*>(k.aux[0].data);
  T* var_out = static_cast<T*>(k.aux[1].data);
  // doubles: partials [chunks][2][c], totals [2][c], mean [c]; then T scale and shift [2][c]
  const size_t doubles = size_t(row_chunks(m)) * 2 * size_t(c) + 3 * size_t(c);
  DeviceScratch scratch(k.device, doubles * sizeof(double) + 2 * size_t(c) * sizeof(T));
  double* partial = static_cast<double*>(scratch.get());
  double* total = partial + size_t(row_chunks(m)) * 2 * size_t(c);
  double* mean = total + 2 * size_t(c);
  T* coef = reinterpret_cast<T*>(mean + c);
  const cudaStream_t s = stream_for(k);
  channel_sums<T, 0>(k, x, nullptr, nullptr, nullptr, m, c, partial, total);
  finish_mean<T><<<grid_for(c), kBlock, 0, s>>>(total, m, c, mean, mean_out);
  TG_CUDA_LAUNCHED("finish_mean");
  channel_sums<T, 1>(k, x, nullptr, mean, nullptr, m, c, partial, total);
  finish_variance<T><<<grid_for(c), kBlock, 0, s>>>(total, mean, mean_out, m, c, k.attrs->real[0],
                                                    static_cast<const T*>(k.in[1].data),
                                                    static_cast<const T*>(k.in[2].data), var_out, coef);
  TG_CUDA_LAUNCHED("finish_variance");
  normalize<T><<<grid_for(k.numel), kBlock, 0, s>>>(x, mean_out, coef, static_cast<T*>(k.out.data), c, k.numel);
  TG_CUDA_LAUNCHED("normalize");
}

// The backward's per-channel inputs in double: mean and inv = rsqrt(var + eps).
template <class T>
__global__ void prepare_grad(const T* __restrict__ mean_in, const T* __restrict__ var, int64_t c, double eps,
                             double* __restrict__ mean, double* __restrict__ inv) {
  const int64_t ch = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (ch >= c) return;
  mean[ch] = double(mean_in[ch]);
  inv[ch] = 1.0 / sqrt(double(var[ch]) + eps);
}

// From sum(dy) and sum(dy * xhat): dbeta, dgamma, and dx's coefficients
// a = gamma * inv, b = -a * inv * dgamma / M, cc = -a * dbeta / M.
template <class T>
__global__ void finish_grad(const double* __restrict__ sums, const double* __restrict__ inv,
                            const T* __restrict__ gamma, int64_t m, int64_t c, T* __restrict__ dgamma,
                            T* __restrict__ dbeta, T* __restrict__ coef) {
  const int64_t ch = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (ch >= c) return;
  const double sum_dy = sums[ch], sum_dy_xhat = sums[c + ch], per_row = 1.0 / double(m);
  dbeta[ch] = T(sum_dy);
  dgamma[ch] = T(sum_dy_xhat);
  const double a = double(gamma[ch]) * inv[ch];
  coef[ch] = T(a);
  coef[c + ch] = T(-a * inv[ch] * sum_dy_xhat * per_row);
  coef[2 * c + ch] = T(-a * sum_dy * per_row);
}

template <class T>
__global__ void grad_input(const T* __restrict__ x, const T* __restrict__ dy, const T* __restrict__ mean,
                           const T* __restrict__ coef, T* __restrict__ dx, int64_t c, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t ch = i % c;
    dx[i] = coef[ch] * dy[i] + coef[c + ch] * (x[i] - mean[ch]) + coef[2 * c + ch];
  }
}

// Inputs x, gamma, mean, variance, dy; out dx; aux dgamma, dbeta.
template <class T>
void batch_norm_grad_launch(const KernelCall& k) {
  const int64_t c = k.shape[k.ndim - 1], m = k.numel / c;
  const T* x = static_cast<const T*>(k.in[0].data);
  const T* gamma = static_cast<const T*>(k.in[1].data);
  const T* mean_in = static_cast<const T*>(k.in[2].data);
  const T* dy = static_cast<const T*>(k.in[4].data);
  // doubles: partials [chunks][2][c], totals [2][c], mean [c], inv [c]; then T coefficients [3][c]
  const size_t doubles = size_t(row_chunks(m)) * 2 * size_t(c) + 4 * size_t(c);
  DeviceScratch scratch(k.device, doubles * sizeof(double) + 3 * size_t(c) * sizeof(T));
  double* partial = static_cast<double*>(scratch.get());
  double* total = partial + size_t(row_chunks(m)) * 2 * size_t(c);
  double* mean = total + 2 * size_t(c);
  double* inv = mean + c;
  T* coef = reinterpret_cast<T*>(inv + c);
  const cudaStream_t s = stream_for(k);
  prepare_grad<T><<<grid_for(c), kBlock, 0, s>>>(mean_in, static_cast<const T*>(k.in[3].data), c, k.attrs->real[0],
                                                 mean, inv);
  TG_CUDA_LAUNCHED("prepare_grad");
  channel_sums<T, 2>(k, x, dy, mean, inv, m, c, partial, total);
  finish_grad<T><<<grid_for(c), kBlock, 0, s>>>(total, inv, gamma, m, c, static_cast<T*>(k.aux[0].data),
                                                static_cast<T*>(k.aux[1].data), coef);
  TG_CUDA_LAUNCHED("finish_grad");
  grad_input<T><<<grid_for(k.numel), kBlock, 0, s>>>(x, dy, mean_in, coef, static_cast<T*>(k.out.data), c,
                                                     k.numel);
  TG_CUDA_LAUNCHED("grad_input");
}

// ---- layer normalization: statistics per row --------------------------------------------

constexpr int kRowBlock = 256;

// The sum of v over the block (every thread gets it); sh: kRowBlock doubles.
__device__ double block_sum(double v, double* sh) {
  sh[threadIdx.x] = v;
  __syncthreads();
  for (int step = kRowBlock / 2; step > 0; step /= 2) {
    if (int(threadIdx.x) < step) sh[threadIdx.x] += sh[threadIdx.x + step];
    __syncthreads();
  }
  const double total = sh[0];
  __syncthreads();
  return total;
}

// One block per row: mean and rstd in double, then y.
template <class T>
__global__ void layer_norm_rows(const T* __restrict__ x, const T* __restrict__ gamma, const T* __restrict__ beta,
                                T* __restrict__ y, T* __restrict__ mean_out, T* __restrict__ rstd_out, int64_t c,
                                double eps) {
  __shared__ double sh[kRowBlock];
  const int64_t row = blockIdx.x;
  const T* xi = x + row * c;
  double s = 0;
  for (int64_t ch = threadIdx.x; ch < c; ch += kRowBlock) s += double(xi[ch]);
  const double mean = block_sum(s, sh) / double(c);
  double q = 0;
  for (int64_t ch = threadIdx.x; ch < c; ch += kRowBlock) {
    const double d = double(xi[ch]) - mean;
    q += d * d;
  }
  const double rstd = 1.0 / sqrt(block_sum(q, sh) / double(c) + eps);
  if (threadIdx.x == 0) {
    mean_out[row] = T(mean);
    rstd_out[row] = T(rstd);
  }
  const T m = T(mean), r = T(rstd), delta = T((mean - double(m)) * rstd);
  T* yi = y + row * c;
  for (int64_t ch = threadIdx.x; ch < c; ch += kRowBlock) yi[ch] = ((xi[ch] - m) * r - delta) * gamma[ch] + beta[ch];
}

// One block per row: dx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat)), gh = dy * gamma.
template <class T>
__global__ void layer_norm_grad_rows(const T* __restrict__ x, const T* __restrict__ gamma, const T* __restrict__ mean,
                                     const T* __restrict__ rstd, const T* __restrict__ dy, T* __restrict__ dx,
                                     int64_t c) {
  __shared__ double sh[kRowBlock];
  const int64_t row = blockIdx.x;
  const T *xi = x + row * c, *dyi = dy + row * c;
  const T m = mean[row], r = rstd[row];
  double a = 0, b = 0;
  for (int64_t ch = threadIdx.x; ch < c; ch += kRowBlock) {
    const double gh = double(dyi[ch]) * double(gamma[ch]);
    a += gh;
    b += gh * double((xi[ch] - m) * r);
  }
  const T mean_gh = T(block_sum(a, sh) / double(c)), mean_gh_xhat = T(block_sum(b, sh) / double(c));
  T* dxi = dx + row * c;
  for (int64_t ch = threadIdx.x; ch < c; ch += kRowBlock)
    dxi[ch] = r * (dyi[ch] * gamma[ch] - mean_gh - (xi[ch] - m) * r * mean_gh_xhat);
}

// Column partials of dy * xhat (first) and dy (second), as partial_sums.
template <class T>
__global__ void layer_norm_column_partials(const T* __restrict__ x, const T* __restrict__ dy, const T* __restrict__ mean,
                                           const T* __restrict__ rstd, int64_t m, int64_t c,
                                           double* __restrict__ partial) {
  const int64_t ch = int64_t(blockIdx.x) * kTile + threadIdx.x;
  double a0 = 0, a1 = 0;
  if (ch < c) {
    for (int64_t i = int64_t(blockIdx.y) * kRowThreads + threadIdx.y; i < m; i += int64_t(gridDim.y) * kRowThreads) {
      const double g = double(dy[i * c + ch]);
      a0 += g * double((x[i * c + ch] - mean[i]) * rstd[i]);
      a1 += g;
    }
  }
  block_partials(a0, a1, ch, c, partial);
}

template <class T>
__global__ void store_sums(const double* __restrict__ total, int64_t c, T* __restrict__ first, T* __restrict__ second) {
  const int64_t ch = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (ch >= c) return;
  first[ch] = T(total[ch]);
  second[ch] = T(total[c + ch]);
}

// Inputs x, gamma, beta; out y; aux mean, rstd per row.
template <class T>
void layer_norm_launch(const KernelCall& k) {
  const int64_t c = k.shape[k.ndim - 1], m = k.numel / c;
  layer_norm_rows<T><<<unsigned(m), kRowBlock, 0, stream_for(k)>>>(
      static_cast<const T*>(k.in[0].data), static_cast<const T*>(k.in[1].data), static_cast<const T*>(k.in[2].data),
      static_cast<T*>(k.out.data), static_cast<T*>(k.aux[0].data), static_cast<T*>(k.aux[1].data), c,
      k.attrs->real[0]);
  TG_CUDA_LAUNCHED("layer_norm_rows");
}

// Inputs x, gamma, mean, rstd, dy; out dx; aux dgamma, dbeta.
template <class T>
void layer_norm_grad_launch(const KernelCall& k) {
  const int64_t c = k.shape[k.ndim - 1], m = k.numel / c;
  const T* x = static_cast<const T*>(k.in[0].data);
  const T* mean = static_cast<const T*>(k.in[2].data);
  const T* rstd = static_cast<const T*>(k.in[3].data);
  const T* dy = static_cast<const T*>(k.in[4].data);
  const cudaStream_t s = stream_for(k);
  layer_norm_grad_rows<T><<<unsigned(m), kRowBlock, 0, s>>>(x, static_cast<const T*>(k.in[1].data), mean, rstd, dy,
                                                            static_cast<T*>(k.out.data), c);
  TG_CUDA_LAUNCHED("layer_norm_grad_rows");
  const int chunks = row_chunks(m);
  DeviceScratch scratch(k.device, (size_t(chunks) * 2 * size_t(c) + 2 * size_t(c)) * sizeof(double));
  double* partial = static_cast<double*>(scratch.get());
  double* total = partial + size_t(chunks) * 2 * size_t(c);
  const dim3 grid(unsigned((c + kTile - 1) / kTile), unsigned(chunks)), block(kTile, kRowThreads);
  layer_norm_column_partials<T><<<grid, block, 0, s>>>(x, dy, mean, rstd, m, c, partial);
  TG_CUDA_LAUNCHED("layer_norm_column_partials");
  add_chunks<<<grid_for(c), kBlock, 0, s>>>(partial, chunks, c, total);
  TG_CUDA_LAUNCHED("add_chunks");
  store_sums<T><<<grid_for(c), kBlock, 0, s>>>(total, c, static_cast<T*>(k.aux[0].data),
                                               static_cast<T*>(k.aux[1].data));
  TG_CUDA_LAUNCHED("store_sums");
}

}  // namespace

void register_norm() {
  using op::OpId;
  op::register_kernel(OpId::BatchNorm, DeviceType::CUDA, DType::Float32, &batch_norm_launch<float>);
  op::register_kernel(OpId::BatchNorm, DeviceType::CUDA, DType::Float64, &batch_norm_launch<double>);
  op::register_kernel(OpId::BatchNormGrad, DeviceType::CUDA, DType::Float32, &batch_norm_grad_launch<float>);
  op::register_kernel(OpId::BatchNormGrad, DeviceType::CUDA, DType::Float64, &batch_norm_grad_launch<double>);
  op::register_kernel(OpId::LayerNorm, DeviceType::CUDA, DType::Float32, &layer_norm_launch<float>);
  op::register_kernel(OpId::LayerNorm, DeviceType::CUDA, DType::Float64, &layer_norm_launch<double>);
  op::register_kernel(OpId::LayerNormGrad, DeviceType::CUDA, DType::Float32, &layer_norm_grad_launch<float>);
  op::register_kernel(OpId::LayerNormGrad, DeviceType::CUDA, DType::Float64, &layer_norm_grad_launch<double>);
}

}  // namespace tg::cuda

// The CPU kernels of batch and layer normalization over the last axis
// (ops_norm.cpp): x dense as M rows of C channels.
//
// The per-channel sums run over a fixed split of the rows into blocks; each
// block sums 64 rows at a time in T, then into its own double partials, and
// the partials are added in block order: the result does not depend on how
// many threads ran. Forward: the mean, then the variance from the values
// centred on it (two passes, no cancellation), then y. Backward: sum(dy)
// and sum(dy * (x - mean)) in one pass, then dx.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"

namespace tg::cpu {

namespace {

struct Rows {
  int64_t m, c;  // rows, channels
};

Rows rows_of(const KernelCall& k) {
  const int64_t c = k.shape[k.ndim - 1];
  return {k.numel / c, c};
}

// A kernel's operands, in the order every norm op takes them: x, gamma, then
// beta (forwards) or the statistics (backwards: in2, in3), then dy.
template <class T>
struct Operands {
  Rows r;
  const T *x, *gamma, *in2, *in3, *dy;
  T *out, *aux0, *aux1;
  double eps;
  explicit Operands(const KernelCall& k)
      : r(rows_of(k)), x(in(k, 0)), gamma(in(k, 1)), in2(in(k, 2)), in3(in(k, 3)), dy(in(k, 4)),
        out(static_cast<T*>(k.out.data)), aux0(static_cast<T*>(k.aux[0].data)),
        aux1(static_cast<T*>(k.aux[1].data)), eps(k.attrs->real[0]) {}
  static const T* in(const KernelCall& k, int i) { return i < k.n_in ? static_cast<const T*>(k.in[i].data) : nullptr; }
};

// Blocks of rows: enough to spread over the pool, few enough that the
// partials stay small next to x.
int64_t block_count(const Rows& r) {
  const int64_t by_work = (r.m * r.c) / kParallelElems + 1;
  return std::max<int64_t>(1, std::min<int64_t>({r.m, by_work, 256}));
}

// Rows summed in T (a loop over channels the compiler vectorises) before each
// flush into the double partials.
constexpr int64_t kFlushRows = 64;

// sums[j][ch], j < Sums: the sum over rows of what row(i, acc) adds into
// acc[j * c + ch]. Each block of rows sums into its own partials, which are
// then added in block order: deterministic whatever the thread count.
template <int Sums, class T, class Row>
void channel_sums(const Rows& r, std::vector<double>& sums, Row row) {
  const int64_t blocks = block_count(r), width = Sums * r.c;
  std::vector<double> partial(static_cast<size_t>(blocks * width), 0.0);
  parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    std::vector<T> acc(static_cast<size_t>(width));
    for (int64_t b = b0; b < b1; ++b) {
      double* out = partial.data() + b * width;
      const int64_t i1 = r.m * (b + 1) / blocks;
      for (int64_t i = r.m * b / blocks; i < i1;) {
        std::fill(acc.begin(), acc.end(), T(0));
        for (const int64_t stop = std::min(i1, i + kFlushRows); i < stop; ++i) row(i, acc.data());
        for (int64_t j = 0; j < width; ++j) out[j] += double(acc[size_t(j)]);
      }
    }
  });
  sums.assign(static_cast<size_t>(width), 0.0);
  for (int64_t b = 0; b < blocks; ++b)
    for (int64_t j = 0; j < width; ++j) sums[size_t(j)] += partial[size_t(b * width + j)];
}

int64_t row_grain(const Rows& r) { return std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, r.c)); }

// Inputs x, gamma, beta; out y; aux mean, variance.
template <class T>
void batch_norm_kernel(const KernelCall& k) {
  const Operands<T> o(k);
  const Rows r = o.r;
  const int64_t c = r.c;
  const T *x = o.x, *gamma = o.gamma, *beta = o.in2;
  T *y = o.out, *mean_t = o.aux0, *var_out = o.aux1;
  const double eps = o.eps;
  // The mean as the first row plus the mean offset from it: the offsets are
  // small next to a large mean, so summing them in T loses nothing.
  std::vector<double> mean, centred;
  channel_sums<1, T>(r, mean, [&](int64_t i, T* __restrict__ acc) {
    const T* __restrict__ xi = x + i * c;
    const T* __restrict__ first = x;
    for (int64_t ch = 0; ch < c; ++ch) acc[ch] += xi[ch] - first[ch];
  });
  for (int64_t ch = 0; ch < c; ++ch) {
    mean[size_t(ch)] = double(x[ch]) + mean[size_t(ch)] / double(r.m);
    mean_t[ch] = T(mean[size_t(ch)]);
  }
  // Around the mean rounded to T (x - mean_t is exact next to it); then
  // sum (x - mean)^2 = sum (x - mean_t)^2 - M * (mean - mean_t)^2.
  channel_sums<1, T>(r, centred, [&](int64_t i, T* __restrict__ acc) {
    const T* __restrict__ xi = x + i * c;
    for (int64_t ch = 0; ch < c; ++ch) {
      const T d = xi[ch] - mean_t[ch];
      acc[ch] += d * d;
    }
  });
  // y = (x - mean_t) * scale + shift, shift = beta - (mean - mean_t) *
  // scale putting back what the rounding took: a large mean next to a small
  // spread loses nothing to cancellation
  std::vector<T> scale(static_cast<size_t>(c)), shift(static_cast<size_t>(c));
  for (int64_t ch = 0; ch < c; ++ch) {
    const size_t s = size_t(ch);
    const double delta = mean[s] - double(mean_t[ch]);
    const double var = std::max(0.0, centred[s] / double(r.m) - delta * delta);
    var_out[ch] = T(var);
    const double sc = double(gamma[ch]) / std::sqrt(var + eps);
    scale[s] = T(sc);
    shift[s] = T(double(beta[ch]) - delta * sc);
  }
  parallel_for(r.m, row_grain(r), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const T* xi = x + i * c;
      T* yi = y + i * c;
      for (int64_t ch = 0; ch < c; ++ch) yi[ch] = (xi[ch] - mean_t[ch]) * scale[size_t(ch)] + shift[size_t(ch)];
    }
  });
}

// Inputs x, gamma, mean, variance, dy; out dx; aux dgamma, dbeta.
template <class T>
void batch_norm_grad_kernel(const KernelCall& k) {
  const Operands<T> o(k);
  const Rows r = o.r;
  const int64_t c = r.c;
  const T *x = o.x, *gamma = o.gamma, *mean = o.in2, *var = o.in3, *dy = o.dy;
  T *dx = o.out, *dgamma_out = o.aux0, *dbeta_out = o.aux1;
  const double eps = o.eps;
  // sums[0..c): sum dy; sums[c..2c): sum dy * (x - mean), in one pass
  std::vector<double> sums;
  channel_sums<2, T>(r, sums, [&](int64_t i, T* __restrict__ acc) {
    const T *__restrict__ xi = x + i * c, *__restrict__ dyi = dy + i * c;
    for (int64_t ch = 0; ch < c; ++ch) {
      acc[ch] += dyi[ch];
      acc[c + ch] += dyi[ch] * (xi[ch] - mean[ch]);
    }
  });
  // dx = gamma * inv * (dy - dbeta / M - xhat * dgamma / M) = a * dy + b * (x - mean) + cc per channel
  std::vector<T> a(static_cast<size_t>(c)), b(static_cast<size_t>(c)), cc(static_cast<size_t>(c));
  for (int64_t ch = 0; ch < c; ++ch) {
    const size_t s = size_t(ch);
    const double inv = 1.0 / std::sqrt(double(var[ch]) + eps), per_row = 1.0 / double(r.m);
    const double dbeta = sums[s], dgamma = sums[size_t(c + ch)] * inv;
    dgamma_out[ch] = T(dgamma);
    dbeta_out[ch] = T(dbeta);
    const double g = double(gamma[ch]) * inv;
    a[s] = T(g);
    b[s] = T(-g * inv * dgamma * per_row);  // xhat * dgamma / M = (x - mean) * inv * dgamma / M
    cc[s] = T(-g * dbeta * per_row);
  }
  parallel_for(r.m, row_grain(r), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const T *xi = x + i * c, *dyi = dy + i * c;
      T* dxi = dx + i * c;
      for (int64_t ch = 0; ch < c; ++ch) {
        const size_t s = size_t(ch);
        dxi[ch] = a[s] * dyi[ch] + b[s] * (xi[ch] - mean[ch]) + cc[s];
      }
    }
  });
}

// The sum of term(ch) over one row: 16 lanes summed in T (independent
// accumulators the compiler vectorises), then added in double.
template <class T, class Term>
double row_sum(int64_t c, Term term) {
  constexpr int kLanes = 16;
  T lane[kLanes] = {};
  int64_t ch = 0;
  for (; ch + kLanes <= c; ch += kLanes)
    for (int l = 0; l < kLanes; ++l) lane[l] += term(ch + l);
  double total = 0;
  for (int l = 0; l < kLanes; ++l) total += double(lane[l]);
  for (; ch < c; ++ch) total += double(term(ch));
  return total;
}

// Inputs x, gamma, beta; out y; aux each row's mean and rstd = 1 / sqrt(var + eps).
// A row's channels are contiguous: its mean (as the first element plus the
// mean offset from it, exact next to a large mean), its variance around the
// mean rounded to T, then y.
template <class T>
void layer_norm_kernel(const KernelCall& k) {
  const Operands<T> o(k);
  const Rows r = o.r;
  const int64_t c = r.c;
  const T *x = o.x, *gamma = o.gamma, *beta = o.in2;
  T *y = o.out, *mean_out = o.aux0, *rstd_out = o.aux1;
  const double eps = o.eps;
  parallel_for(r.m, row_grain(r), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const T* __restrict__ xi = x + i * c;
      const T first = xi[0];
      const double mean = double(first) + row_sum<T>(c, [&](int64_t ch) { return xi[ch] - first; }) / double(c);
      const T mt = T(mean);
      const double delta_m = mean - double(mt);
      const double sq = row_sum<T>(c, [&](int64_t ch) {
        const T d = xi[ch] - mt;
        return d * d;
      });
      const double rstd = 1.0 / std::sqrt(std::max(0.0, sq / double(c) - delta_m * delta_m) + eps);
      mean_out[i] = T(mean);
      rstd_out[i] = T(rstd);
      const T m = T(mean), s = T(rstd), delta = T((mean - double(m)) * rstd);
      T* yi = y + i * c;
      for (int64_t ch = 0; ch < c; ++ch) yi[ch] = ((xi[ch] - m) * s - delta) * gamma[ch] + beta[ch];
    }
  });
}

// Inputs x, gamma, mean, rstd (per row), dy; out dx; aux dgamma, dbeta.
template <class T>
void layer_norm_grad_kernel(const KernelCall& k) {
  const Operands<T> o(k);
  const Rows r = o.r;
  const int64_t c = r.c;
  const T *x = o.x, *gamma = o.gamma, *mean = o.in2, *rstd = o.in3, *dy = o.dy;
  T* dx = o.out;
  // dx per row: gh = dy * gamma; dx = rstd * (gh - mean(gh) - xhat * mean(gh * xhat))
  parallel_for(r.m, row_grain(r), [&](int64_t i0, int64_t i1) {
    for (int64_t i = i0; i < i1; ++i) {
      const T *__restrict__ xi = x + i * c, *__restrict__ dyi = dy + i * c;
      const T m = mean[i], s = rstd[i];
      const double sum_gh = row_sum<T>(c, [&](int64_t ch) { return dyi[ch] * gamma[ch]; });
      const double sum_gh_xhat = row_sum<T>(c, [&](int64_t ch) { return dyi[ch] * gamma[ch] * ((xi[ch] - m) * s); });
      const T a = T(sum_gh / double(c)), b = T(sum_gh_xhat / double(c));
      T* dxi = dx + i * c;
      for (int64_t ch = 0; ch < c; ++ch) {
        const T xhat = (xi[ch] - m) * s;
        dxi[ch] = s * (dyi[ch] * gamma[ch] - a - xhat * b);
      }
    }
  });
  // dgamma = sum over rows of dy * xhat, dbeta = sum of dy
  std::vector<double> sums;
  channel_sums<2, T>(r, sums, [&](int64_t i, T* __restrict__ acc) {
    const T *__restrict__ xi = x + i * c, *__restrict__ dyi = dy + i * c;
    const T m = mean[i], s = rstd[i];
    for (int64_t ch = 0; ch < c; ++ch) {
      acc[ch] += dyi[ch] * ((xi[ch] - m) * s);
      acc[c + ch] += dyi[ch];
    }
  });
  for (int64_t ch = 0; ch < c; ++ch) {
    o.aux0[ch] = T(sums[size_t(ch)]);  // dgamma
    o.aux1[ch] = T(sums[size_t(c + ch)]);  // dbeta
  }
}

}  // namespace

void register_norm() {
  using op::OpId;
  op::register_kernel(OpId::BatchNorm, DeviceType::CPU, DType::Float32, &batch_norm_kernel<float>);
  op::register_kernel(OpId::BatchNorm, DeviceType::CPU, DType::Float64, &batch_norm_kernel<double>);
  op::register_kernel(OpId::BatchNormGrad, DeviceType::CPU, DType::Float32, &batch_norm_grad_kernel<float>);
  op::register_kernel(OpId::BatchNormGrad, DeviceType::CPU, DType::Float64, &batch_norm_grad_kernel<double>);
  op::register_kernel(OpId::LayerNorm, DeviceType::CPU, DType::Float32, &layer_norm_kernel<float>);
  op::register_kernel(OpId::LayerNorm, DeviceType::CPU, DType::Float64, &layer_norm_kernel<double>);
  op::register_kernel(OpId::LayerNormGrad, DeviceType::CPU, DType::Float32, &layer_norm_grad_kernel<float>);
  op::register_kernel(OpId::LayerNormGrad, DeviceType::CPU, DType::Float64, &layer_norm_grad_kernel<double>);
}

}  // namespace tg::cpu

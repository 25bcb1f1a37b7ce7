// CUDA kernels of softmax, log_softmax, masked_softmax and the fused cross-entropies
// (mirrors csrc/backend/cpu/softmax.cpp; the arithmetic is the CPU loops' of
// simd/reduce_impl.h, with the same exp_approx/log1p_approx from
// simd/math_impl.h).
//
// Every operand is dense in its own shape (the ops ask exec for dense
// inputs). A row (softmax along the last axis, every cross-entropy: the class
// axis is last) belongs to a group of threads: a warp for short rows, the
// whole block for long ones (group_reduce.cuh). Each group reads its row
// three times (max, exp-sum, write), recomputing exp rather than keeping it:
// the row stays in cache and the kernel needs no scratch. Softmax along a
// middle axis works on columns of (L, inner) blocks, a block column per
// column. Sums of exponentials accumulate in float64, as on the CPU. The
// cross-entropies also write each row's max and log-sum-exp (aux outputs)
// for their fused backward kernels.
#include <cstdint>
#include <type_traits>

#define TG_ARCH cuda
#include "simd/math_impl.h"
#undef TG_ARCH

#include "group_reduce.cuh"
#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

using op::OpId;
using simd::cuda::exp_approx;
using simd::cuda::log1p_approx;

// Calls f(std::integral_constant<int, G>) with the group size for rows of n:
// a warp up to 1024 elements, then a block of 256, then of 1024 threads.
template <class F>
void with_group_size(int64_t n, F&& f) {
  if (n <= 1024) f(std::integral_constant<int, 32>{});
  else if (n <= 8192) f(std::integral_constant<int, 256>{});
  else f(std::integral_constant<int, 1024>{});
}

// The class axis is the call shape's last: (m rows, n classes).
void rows_and_classes(const KernelCall& c, int64_t& m, int64_t& n) {
  n = c.ndim ? c.shape[c.ndim - 1] : 1;
  m = 1;
  for (int d = 0; d + 1 < c.ndim; ++d) m *= c.shape[d];
}

// A row's max (a NaN wins) and sum of exp(x - max) in float64, known to every
// thread of the group. An empty row gives -inf and 0.
template <class T>
struct RowShift {
  T mx;
  double s;
};
template <class T, int G>
__device__ __forceinline__ RowShift<T> row_shift(const T* __restrict__ x, int64_t n, int t, T* smax,
                                                    double* ssum) {
  T mx = -T(INFINITY);
  for (int64_t i = t; i < n; i += G) mx = NanMax{}(mx, x[i]);
  mx = group_allreduce<G>(mx, NanMax{}, smax);
  double s = 0;
  for (int64_t i = t; i < n; i += G) s += double(exp_approx(T(x[i] - mx)));
  s = group_allreduce<G>(s, Plus{}, ssum);
  return {mx, s};
}

// ---- softmax / log_softmax ------------------------------------------------------------
// Rows of n (the axis is the last): y = exp(x - mx) * (1 / s), or
// (x - mx) - log(s), as the CPU's softmax_rows.
template <class T, bool Log, int G>
__global__ void __launch_bounds__(RowGroups<G>::kBlock)
    softmax_rows(const T* __restrict__ x, T* __restrict__ y, int64_t m, int64_t n) {
  __shared__ T smax[G / 32];
  __shared__ double ssum[G / 32];
  RowGroups<G>::for_each(m, [&](int64_t row, int t) {
    const T* xr = x + row * n;
    T* yr = y + row * n;
    const RowShift<T> sh = row_shift<T, G>(xr, n, t, smax, ssum);
    if constexpr (Log) {
      const T ls = T(log(sh.s));
      for (int64_t i = t; i < n; i += G) yr[i] = T(xr[i] - sh.mx) - ls;
    } else {
      const T inv = T(1.0 / sh.s);
      for (int64_t i = t; i < n; i += G) yr[i] = exp_approx(T(xr[i] - sh.mx)) * inv;
    }
  });
}

// Along a middle axis: columns of (L, inner) blocks, column c = (o, i) at
// x[o * L * inner + r * inner + i], r < L. Block (bx, by): threadIdx.x picks
// the column (neighbouring threads, neighbouring elements), threadIdx.y
// strides through its L entries. As the CPU's softmax_cols.
template <class T, bool Log>
__global__ void __launch_bounds__(256)
    softmax_cols(const T* __restrict__ x, T* __restrict__ y, int64_t cols, int64_t L, int64_t inner) {
  __shared__ T smax[256];
  __shared__ double ssum[256];
  const int64_t bx = blockDim.x, by = blockDim.y;
  // Uniform over the block: column_allreduce synchronises it.
  for (int64_t b = blockIdx.x; b * bx < cols; b += gridDim.x) {
    const int64_t col = b * bx + threadIdx.x;
    const bool live = col < cols;
    const int64_t o = live ? col / inner : 0;
    const int64_t base = live ? o * L * inner + (col - o * inner) : 0;
    T mx = -T(INFINITY);
    if (live)
      for (int64_t r = threadIdx.y; r < L; r += by) mx = NanMax{}(mx, x[base + r * inner]);
    mx = column_allreduce(mx, NanMax{}, smax);
    double s = 0;
    if (live)
      for (int64_t r = threadIdx.y; r < L; r += by) s += double(exp_approx(T(x[base + r * inner] - mx)));
    s = column_allreduce(s, Plus{}, ssum);
    if (!live) continue;
    if constexpr (Log) {
      const T ls = T(log(s));
      for (int64_t r = threadIdx.y; r < L; r += by) y[base + r * inner] = T(x[base + r * inner] - mx) - ls;
    } else {
      const T inv = T(1.0 / s);
      for (int64_t r = threadIdx.y; r < L; r += by) y[base + r * inner] = exp_approx(T(x[base + r * inner] - mx)) * inv;
    }
  }
}

int64_t pow2_at_least(int64_t n) {
  int64_t p = 1;
  while (p < n) p *= 2;
  return p;
}
int64_t pow2_at_most(int64_t n) {
  int64_t p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

template <class T, bool Log>
void launch_softmax(const KernelCall& c) {
  const int64_t a = c.attrs->axis, L = c.shape[a];
  int64_t inner = 1;
  for (int d = int(a) + 1; d < c.ndim; ++d) inner *= c.shape[d];
  const int64_t outer = L * inner != 0 ? c.numel / (L * inner) : 0;
  if (outer == 0) return;
  const cudaStream_t stream = stream_for(c);
  const T* x = static_cast<const T*>(c.in[0].data);
  T* y = static_cast<T*>(c.out.data);
  if (inner == 1) {
    with_group_size(L, [&](auto g) {
      constexpr int G = decltype(g)::value;
      softmax_rows<T, Log, G><<<RowGroups<G>::grid(outer), RowGroups<G>::kBlock, 0, stream>>>(x, y, outer, L);
      TG_CUDA_LAUNCHED("softmax_rows");
    });
    return;
  }
  // Up to 32 columns side by side; the rest of a 256-thread block (no more
  // threads than entries) down each column.
  const int64_t cols = outer * inner;
  const int64_t bx = std::min<int64_t>(32, pow2_at_least(cols));
  const int64_t by = std::min<int64_t>(256 / bx, pow2_at_most(L));
  const int64_t blocks = std::min<int64_t>((cols + bx - 1) / bx, int64_t(1) << 20);
  softmax_cols<T, Log><<<unsigned(blocks), dim3(unsigned(bx), unsigned(by)), 0, stream>>>(x, y, cols, L, inner);
  TG_CUDA_LAUNCHED("softmax_cols");
}

template <bool Log>
void softmax_kernel(const KernelCall& c) {
  TG_DISPATCH_FLOAT(c.in[0].dtype, Log ? "log_softmax" : "softmax", { launch_softmax<T, Log>(c); });
}

// ---- masked_softmax -----------------------------------------------------------------
// softmax with the logits of masked entries replaced by kMaskedLogit, as the
// CPU's (backend/cpu/softmax.cpp); then, unless a row with no true entry keeps
// its equal weights, the masked outputs are 0. The mask (bool) is read through
// its broadcast strides: `starts` maps a row (column) index to the offset of
// its first mask element, `step` walks along the axis.
template <class T>
__device__ __forceinline__ T masked_logit(const T* x, const bool* m, int64_t i, int64_t mi) {
  return m[mi] ? x[i] : T(kMaskedLogit);
}

template <class T, int G>
__global__ void __launch_bounds__(RowGroups<G>::kBlock)
    masked_softmax_rows(const T* __restrict__ x, const bool* __restrict__ mask, T* __restrict__ y, int64_t m,
                        int64_t n, OffsetCalc<1> starts, int64_t step, bool zero_masked) {
  __shared__ T smax[G / 32];
  __shared__ double ssum[G / 32];
  RowGroups<G>::for_each(m, [&](int64_t row, int t) {
    const T* xr = x + row * n;
    T* yr = y + row * n;
    int64_t off;
    starts.offsets(row, &off);
    const bool* mr = mask + off;
    T mx = -T(INFINITY);
    for (int64_t i = t; i < n; i += G) mx = NanMax{}(mx, masked_logit(xr, mr, i, i * step));
    mx = group_allreduce<G>(mx, NanMax{}, smax);
    double s = 0;
    for (int64_t i = t; i < n; i += G) s += double(exp_approx(T(masked_logit(xr, mr, i, i * step) - mx)));
    s = group_allreduce<G>(s, Plus{}, ssum);
    const T inv = T(1.0 / s);
    for (int64_t i = t; i < n; i += G) {
      const bool keep = mr[i * step];
      yr[i] = zero_masked && !keep ? T(0) : exp_approx(T(masked_logit(xr, mr, i, i * step) - mx)) * inv;
    }
  });
}

// Along a middle axis, as softmax_cols: column col = (o, i) at
// x[o * L * inner + r * inner + i]; its mask starts at starts(col).
template <class T>
__global__ void __launch_bounds__(256)
    masked_softmax_cols(const T* __restrict__ x, const bool* __restrict__ mask, T* __restrict__ y, int64_t cols,
                        int64_t L, int64_t inner, OffsetCalc<1> starts, int64_t step, bool zero_masked) {
  __shared__ T smax[256];
  __shared__ double ssum[256];
  const int64_t bx = blockDim.x, by = blockDim.y;
  for (int64_t b = blockIdx.x; b * bx < cols; b += gridDim.x) {
    const int64_t col = b * bx + threadIdx.x;
    const bool live = col < cols;
    const int64_t o = live ? col / inner : 0;
    const int64_t base = live ? o * L * inner + (col - o * inner) : 0;
    int64_t off = 0;
    if (live) starts.offsets(col, &off);
    const T* xc = x + base;
    const bool* mc = mask + off;
    T mx = -T(INFINITY);
    if (live)
      for (int64_t r = threadIdx.y; r < L; r += by) mx = NanMax{}(mx, masked_logit(xc, mc, r * inner, r * step));
    mx = column_allreduce(mx, NanMax{}, smax);
    double s = 0;
    if (live)
      for (int64_t r = threadIdx.y; r < L; r += by)
        s += double(exp_approx(T(masked_logit(xc, mc, r * inner, r * step) - mx)));
    s = column_allreduce(s, Plus{}, ssum);
    if (!live) continue;
    const T inv = T(1.0 / s);
    for (int64_t r = threadIdx.y; r < L; r += by) {
      const bool keep = mc[r * step];
      y[base + r * inner] =
          zero_masked && !keep ? T(0) : exp_approx(T(masked_logit(xc, mc, r * inner, r * step) - mx)) * inv;
    }
  }
}

template <class T>
void launch_masked_softmax(const KernelCall& c) {
  const int64_t a = c.attrs->axis, L = c.shape[a];
  int64_t inner = 1;
  for (int d = int(a) + 1; d < c.ndim; ++d) inner *= c.shape[d];
  const int64_t outer = L * inner != 0 ? c.numel / (L * inner) : 0;
  if (outer == 0) return;
  // The mask's strides over the call shape; its row starts index the shape
  // with the axis set to 1 (row-major: row o * inner + i).
  TG_CHECK(c.ndim <= 64, NotImplementedError, "CUDA kernels take at most 64 dimensions, got ", c.ndim);
  int64_t st[64], rows_shape[64];
  call_strides(c, c.in[1], st);
  for (int d = 0; d < c.ndim; ++d) rows_shape[d] = d == a ? 1 : c.shape[d];
  const int64_t* const strides[1] = {st};
  OffsetCalc<1> starts;
  TG_CHECK(make_offset_calc<1>(rows_shape, c.ndim, strides, starts), NotImplementedError,
           "CUDA kernels index at most ", kMaxIndexDims, " dimensions after merging; this call has ", c.ndim);
  const int64_t step = st[a];
  const bool zero_masked = !c.attrs->uniform_if_all_masked;
  const cudaStream_t stream = stream_for(c);
  const T* x = static_cast<const T*>(c.in[0].data);
  const bool* mask = static_cast<const bool*>(c.in[1].data);
  T* y = static_cast<T*>(c.out.data);
  if (inner == 1) {
    with_group_size(L, [&](auto g) {
      constexpr int G = decltype(g)::value;
      masked_softmax_rows<T, G><<<RowGroups<G>::grid(outer), RowGroups<G>::kBlock, 0, stream>>>(
          x, mask, y, outer, L, starts, step, zero_masked);
      TG_CUDA_LAUNCHED("masked_softmax_rows");
    });
    return;
  }
  const int64_t cols = outer * inner;
  const int64_t bx = std::min<int64_t>(32, pow2_at_least(cols));
  const int64_t by = std::min<int64_t>(256 / bx, pow2_at_most(L));
  const int64_t blocks = std::min<int64_t>((cols + bx - 1) / bx, int64_t(1) << 20);
  masked_softmax_cols<T><<<unsigned(blocks), dim3(unsigned(bx), unsigned(by)), 0, stream>>>(
      x, mask, y, cols, L, inner, starts, step, zero_masked);
  TG_CUDA_LAUNCHED("masked_softmax_cols");
}

void masked_softmax_kernel(const KernelCall& c) {
  TG_DISPATCH_FLOAT(c.in[0].dtype, "masked_softmax", { launch_masked_softmax<T>(c); });
}

// ---- the cross-entropies ------------------------------------------------------------
// Class ids are checked on the host before the forward runs (checked_ids in
// ops_nn.cpp); an id outside [0, n) reaching a kernel anyway gives NaN for
// its row's loss and gradient, TensorFlow's GPU behaviour for this op.
__device__ __forceinline__ bool valid_id(int64_t id, int64_t n) { return id >= 0 && id < n; }

// (logits, ids) -> loss = ls - (x[id] - mx); aux: mx, ls = log(sum(exp(x - mx))).
template <class T, int G>
__global__ void __launch_bounds__(RowGroups<G>::kBlock)
    sparse_xent_rows(const T* __restrict__ x, const int64_t* __restrict__ ids, int64_t m, int64_t n,
                     T* __restrict__ loss, T* __restrict__ mx_out, T* __restrict__ ls_out) {
  __shared__ T smax[G / 32];
  __shared__ double ssum[G / 32];
  RowGroups<G>::for_each(m, [&](int64_t row, int t) {
    const T* xr = x + row * n;
    const RowShift<T> sh = row_shift<T, G>(xr, n, t, smax, ssum);
    if (t != 0) return;
    const T ls = T(log(sh.s));
    const int64_t id = ids[row];
    mx_out[row] = sh.mx;
    ls_out[row] = ls;
    loss[row] = valid_id(id, n) ? T(ls - T(xr[id] - sh.mx)) : T(NAN);
  });
}

// (logits, ids, mx, ls, g) -> (softmax(x) - onehot(id)) * g.
template <class T, int G>
__global__ void __launch_bounds__(RowGroups<G>::kBlock)
    sparse_xent_grad_rows(const T* __restrict__ x, const int64_t* __restrict__ ids, const T* __restrict__ mx,
                          const T* __restrict__ ls, const T* __restrict__ g, int64_t m, int64_t n,
                          T* __restrict__ out) {
  RowGroups<G>::for_each(m, [&](int64_t row, int t) {
    const T* xr = x + row * n;
    T* yr = out + row * n;
    const T mo = mx[row], lo = ls[row], go = g[row];
    const int64_t id = ids[row];
    const bool ok = valid_id(id, n);
    for (int64_t j = t; j < n; j += G) {
      T v = exp_approx(T(T(xr[j] - mo) - lo)) * go;
      if (j == id) v -= go;
      yr[j] = ok ? v : T(NAN);
    }
  });
}

// (logits, labels) -> loss = sum_j z_j * (ls - (x_j - mx)), summed in T as
// the CPU does (one term per class, never lse * sum(z) - sum(z * x)); aux:
// mx, ls. No classes: loss 0 (and mx = ls = -inf).
template <class T, int G>
__global__ void __launch_bounds__(RowGroups<G>::kBlock)
    dense_xent_rows(const T* __restrict__ x, const T* __restrict__ z, int64_t m, int64_t n, T* __restrict__ loss,
                    T* __restrict__ mx_out, T* __restrict__ ls_out) {
  __shared__ T smax[G / 32];
  __shared__ double ssum[G / 32];
  __shared__ T sterm[G / 32];
  RowGroups<G>::for_each(m, [&](int64_t row, int t) {
    const T* xr = x + row * n;
    const T* zr = z + row * n;
    const RowShift<T> sh = row_shift<T, G>(xr, n, t, smax, ssum);
    const T ls = T(log(sh.s));
    T acc = 0;
    for (int64_t j = t; j < n; j += G) acc += zr[j] * T(ls - T(xr[j] - sh.mx));
    acc = group_allreduce<G>(acc, Plus{}, sterm);
    if (t != 0) return;
    mx_out[row] = sh.mx;
    ls_out[row] = ls;
    loss[row] = acc;
  });
}

// (logits, labels, mx, ls, g) -> softmax(x) * (sum(z) * g) - z * g (labels
// need not sum to one; sum(z) in float64, as the CPU).
template <class T, int G>
__global__ void __launch_bounds__(RowGroups<G>::kBlock)
    dense_xent_grad_rows(const T* __restrict__ x, const T* __restrict__ z, const T* __restrict__ mx,
                         const T* __restrict__ ls, const T* __restrict__ g, int64_t m, int64_t n, T* __restrict__ out) {
  __shared__ double ssum[G / 32];
  RowGroups<G>::for_each(m, [&](int64_t row, int t) {
    const T* xr = x + row * n;
    const T* zr = z + row * n;
    T* yr = out + row * n;
    const T mo = mx[row], lo = ls[row], go = g[row];
    double zsum = 0;
    for (int64_t j = t; j < n; j += G) zsum += double(zr[j]);
    zsum = group_allreduce<G>(zsum, Plus{}, ssum);
    const T zs = T(zsum) * go;
    for (int64_t j = t; j < n; j += G) yr[j] = exp_approx(T(T(xr[j] - mo) - lo)) * zs - zr[j] * go;
  });
}

// Element-wise: max(x, 0) - x z + log1p(exp(-|x|)).
template <class T>
__global__ void sigmoid_xent_flat(const T* __restrict__ x, const T* __restrict__ z, T* __restrict__ out, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const T xv = x[i];
    const T e = exp_approx(T(-fabs(xv)));
    out[i] = (xv > T(0) ? xv : T(0)) - xv * z[i] + log1p_approx(e);
  }
}

// Element-wise: (sigmoid(x) - z) * g, the sigmoid without overflow.
template <class T>
__global__ void sigmoid_xent_grad_flat(const T* __restrict__ x, const T* __restrict__ z, const T* __restrict__ g,
                                       T* __restrict__ out, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    const T xv = x[i];
    const T e = exp_approx(T(-fabs(xv)));
    const T inv = T(1) / (T(1) + e);
    const T s = xv >= T(0) ? inv : e * inv;
    out[i] = (s - z[i]) * g[i];
  }
}

// ---- launchers ----------------------------------------------------------------------
template <class T>
const T* in_ptr(const KernelCall& c, int k) {
  return static_cast<const T*>(c.in[k].data);
}

template <class T>
void launch_sparse_xent(const KernelCall& c) {
  int64_t m, n;
  rows_and_classes(c, m, n);
  const cudaStream_t stream = stream_for(c);
  with_group_size(n, [&](auto g) {
    constexpr int G = decltype(g)::value;
    sparse_xent_rows<T, G><<<RowGroups<G>::grid(m), RowGroups<G>::kBlock, 0, stream>>>(
        in_ptr<T>(c, 0), in_ptr<int64_t>(c, 1), m, n, static_cast<T*>(c.out.data), static_cast<T*>(c.aux[0].data),
        static_cast<T*>(c.aux[1].data));
    TG_CUDA_LAUNCHED("sparse_xent_rows");
  });
}

template <class T>
void launch_sparse_xent_grad(const KernelCall& c) {
  int64_t m, n;
  rows_and_classes(c, m, n);
  const cudaStream_t stream = stream_for(c);
  with_group_size(n, [&](auto g) {
    constexpr int G = decltype(g)::value;
    sparse_xent_grad_rows<T, G><<<RowGroups<G>::grid(m), RowGroups<G>::kBlock, 0, stream>>>(
        in_ptr<T>(c, 0), in_ptr<int64_t>(c, 1), in_ptr<T>(c, 2), in_ptr<T>(c, 3), in_ptr<T>(c, 4), m, n,
        static_cast<T*>(c.out.data));
    TG_CUDA_LAUNCHED("sparse_xent_grad_rows");
  });
}

template <class T>
void launch_dense_xent(const KernelCall& c) {
  int64_t m, n;
  rows_and_classes(c, m, n);
  const cudaStream_t stream = stream_for(c);
  with_group_size(n, [&](auto g) {
    constexpr int G = decltype(g)::value;
    dense_xent_rows<T, G><<<RowGroups<G>::grid(m), RowGroups<G>::kBlock, 0, stream>>>(
        in_ptr<T>(c, 0), in_ptr<T>(c, 1), m, n, static_cast<T*>(c.out.data), static_cast<T*>(c.aux[0].data),
        static_cast<T*>(c.aux[1].data));
    TG_CUDA_LAUNCHED("dense_xent_rows");
  });
}

template <class T>
void launch_dense_xent_grad(const KernelCall& c) {
  int64_t m, n;
  rows_and_classes(c, m, n);
  const cudaStream_t stream = stream_for(c);
  with_group_size(n, [&](auto g) {
    constexpr int G = decltype(g)::value;
    dense_xent_grad_rows<T, G><<<RowGroups<G>::grid(m), RowGroups<G>::kBlock, 0, stream>>>(
        in_ptr<T>(c, 0), in_ptr<T>(c, 1), in_ptr<T>(c, 2), in_ptr<T>(c, 3), in_ptr<T>(c, 4), m, n,
        static_cast<T*>(c.out.data));
    TG_CUDA_LAUNCHED("dense_xent_grad_rows");
  });
}

template <class T>
void launch_sigmoid_xent(const KernelCall& c) {
  sigmoid_xent_flat<T><<<grid_for(c.numel), kBlock, 0, stream_for(c)>>>(in_ptr<T>(c, 0), in_ptr<T>(c, 1),
                                                                        static_cast<T*>(c.out.data), c.numel);
  TG_CUDA_LAUNCHED("sigmoid_xent_flat");
}

template <class T>
void launch_sigmoid_xent_grad(const KernelCall& c) {
  sigmoid_xent_grad_flat<T><<<grid_for(c.numel), kBlock, 0, stream_for(c)>>>(
      in_ptr<T>(c, 0), in_ptr<T>(c, 1), in_ptr<T>(c, 2), static_cast<T*>(c.out.data), c.numel);
  TG_CUDA_LAUNCHED("sigmoid_xent_grad_flat");
}

#define TG_FLOAT_KERNEL(name, launcher)                                              \
  void name(const KernelCall& c) {                                                  \
    TG_DISPATCH_FLOAT(c.in[0].dtype, #name, { launcher<T>(c); });                   \
  }
TG_FLOAT_KERNEL(sparse_xent_kernel, launch_sparse_xent)
TG_FLOAT_KERNEL(sparse_xent_grad_kernel, launch_sparse_xent_grad)
TG_FLOAT_KERNEL(dense_xent_kernel, launch_dense_xent)
TG_FLOAT_KERNEL(dense_xent_grad_kernel, launch_dense_xent_grad)
TG_FLOAT_KERNEL(sigmoid_xent_kernel, launch_sigmoid_xent)
TG_FLOAT_KERNEL(sigmoid_xent_grad_kernel, launch_sigmoid_xent_grad)
#undef TG_FLOAT_KERNEL

}  // namespace

void register_softmax() {
  // float32 and float64, as the CPU (backend/cpu/softmax.cpp).
  for (DType dt : {DType::Float32, DType::Float64}) {
    auto reg = [&](OpId id, KernelFn fn) { op::register_kernel(id, DeviceType::CUDA, dt, fn); };
    reg(OpId::Softmax, &softmax_kernel<false>);
    reg(OpId::LogSoftmax, &softmax_kernel<true>);
    reg(OpId::MaskedSoftmax, &masked_softmax_kernel);
    reg(OpId::SparseSoftmaxXent, &sparse_xent_kernel);
    reg(OpId::SparseSoftmaxXentGrad, &sparse_xent_grad_kernel);
    reg(OpId::SoftmaxXent, &dense_xent_kernel);
    reg(OpId::SoftmaxXentGrad, &dense_xent_grad_kernel);
    reg(OpId::SigmoidXent, &sigmoid_xent_kernel);
    reg(OpId::SigmoidXentGrad, &sigmoid_xent_grad_kernel);
  }
}

}  // namespace tg::cuda

// CUDA kernels of the reductions (mirrors csrc/backend/cpu/reduce.cpp): sum,
// mean, prod, max, min, any, all and sum_to through one strided reduction
// engine, argmax/argmin along one axis through the same engine, and
// log-sum-exp over trailing dense rows.
//
// A reduction call iterates over the input's shape; attrs->axes are the
// reduced axes; the output is dense over the kept axes in their order. The
// host builds a ReducePlan (backend/reduce_plan.h: kept and reduced dimension groups
// with the input's strides, merged, and the launch geometry) and runs one of
// two kernels over it:
//   rows: a warp or a block per output, when the reduced run is contiguous,
//         and for the whole-tensor reduction (one output, its run cut into
//         up to kReduceMaxSplits parts, one block each);
//   cols: a block column per output, neighbouring threads on neighbouring
//         outputs (coalesced when the kept dimension runs along memory), the
//         threads of a column splitting the reduced run; also the generic
//         layout and the empty reduction.
// When a plan cuts the reduced run into parts, each part writes a partial
// accumulator to scratch memory and a second launch combines them, one warp
// per output. Every combination is a fixed tree: results are deterministic.
//
// Accumulators are the CPU's (simd/reduce.h, reduce_acc_dtype): float sums and
// products in float64, integer ones in 64-bit two's complement (int32 sums
// wrap to int32 at the end), max/min in the input dtype, any/all in bool.
// Reductions are memory-bound, so the float64 adds cost nothing measurable
// and the GPU's float32 sums carry the CPU's accuracy.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>

#define TG_ARCH cuda
#include "simd/math_impl.h"
#undef TG_ARCH

#include "allocator.h"
#include "group_reduce.cuh"
#include "op/registry.h"
#include "backend/reduce_plan.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

using op::OpId;

// ---- storing a result in the output's dtype ---------------------------------------
// As the CPU's conversions: C++ conversion to the output type, bool as 0/1.
template <class V>
__device__ __forceinline__ void store_as(void* out, int64_t j, DType odt, V v) {
  switch (odt) {
    case DType::Bool: static_cast<uint8_t*>(out)[j] = uint8_t(v != V(0)); break;
    case DType::UInt8: static_cast<uint8_t*>(out)[j] = uint8_t(v); break;
    case DType::Int32: static_cast<int32_t*>(out)[j] = int32_t(v); break;
    case DType::Int64: static_cast<int64_t*>(out)[j] = int64_t(v); break;
    case DType::Float32: static_cast<float*>(out)[j] = float(v); break;
    case DType::Float64: static_cast<double*>(out)[j] = double(v); break;
  }
}

// A float64 accumulator: value times scale (1 for a sum: exact).
__device__ __forceinline__ void store_wide(void* out, int64_t j, DType odt, double a, double scale) {
  store_as(out, j, odt, a * scale);
}
// An integer accumulator (two's complement bits): converted directly, or
// through float64 when scaled (a mean), as the CPU's convert_scaled.
__device__ __forceinline__ void store_wide(void* out, int64_t j, DType odt, uint64_t a, double scale) {
  if (scale == 1.0) store_as(out, j, odt, int64_t(a));
  else store_as(out, j, odt, double(int64_t(a)) * scale);
}

// ---- the reducers ----------------------------------------------------------------
// Each gives: In (the element type read; bool tensors are read as their
// 0/1 bytes), Acc, identity(), lift(x, r) (r: the element's index in the
// reduced run), combine(a, b) (commutative and associative, up to float
// rounding), and store(out, j, odt, acc, scale).
template <class T>
using WideOf = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;

template <class T>
struct SumR {
  using In = T;
  using Acc = WideOf<T>;
  __device__ static Acc identity() { return Acc(0); }
  __device__ static Acc lift(T x, int64_t) { return Acc(x); }
  __device__ static Acc combine(Acc a, Acc b) { return a + b; }
  __device__ static void store(void* o, int64_t j, DType odt, Acc a, double scale) { store_wide(o, j, odt, a, scale); }
};

template <class T>
struct ProdR {
  using In = T;
  using Acc = WideOf<T>;
  __device__ static Acc identity() { return Acc(1); }
  __device__ static Acc lift(T x, int64_t) { return Acc(x); }
  __device__ static Acc combine(Acc a, Acc b) { return a * b; }
  __device__ static void store(void* o, int64_t j, DType odt, Acc a, double scale) { store_wide(o, j, odt, a, scale); }
};

// max/min: a NaN anywhere makes the result NaN (the CPU's Pick). The
// identity only pads threads without elements: inference rejects empty groups.
template <class T, bool IsMax>
struct ExtremeR {
  using In = T;
  using Acc = T;
  __device__ static T identity() {
    if constexpr (std::is_floating_point_v<T>) return IsMax ? -T(INFINITY) : T(INFINITY);
    else if constexpr (std::is_same_v<T, uint8_t>) return IsMax ? T(0) : T(UINT8_MAX);
    else if constexpr (std::is_same_v<T, int32_t>) return IsMax ? T(INT32_MIN) : T(INT32_MAX);
    else return IsMax ? T(INT64_MIN) : T(INT64_MAX);
  }
  __device__ static T lift(T x, int64_t) { return x; }
  __device__ static T combine(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) return ((IsMax ? b > a : b < a) || b != b) ? b : a;
    else return (IsMax ? b > a : b < a) ? b : a;
  }
  __device__ static void store(void* o, int64_t j, DType odt, T a, double) { store_as(o, j, odt, a); }
};
template <class T> using MaxR = ExtremeR<T, true>;
template <class T> using MinR = ExtremeR<T, false>;

// any/all: truth of x != 0 (NaN counts as true).
template <class T, bool IsAny>
struct TruthR {
  using In = T;
  using Acc = bool;
  __device__ static bool identity() { return !IsAny; }
  __device__ static bool lift(T x, int64_t) { return x != T(0); }
  __device__ static bool combine(bool a, bool b) { return IsAny ? (a | b) : (a & b); }  // no branches
  __device__ static void store(void* o, int64_t j, DType odt, bool a, double) { store_as(o, j, odt, a); }
};
template <class T> using AnyR = TruthR<T, true>;
template <class T> using AllR = TruthR<T, false>;

// argmax/argmin: the value and its index along the axis. The more extreme
// value wins, a NaN beats every number, and between equals (or two NaNs) the
// lower index wins: the CPU's first extreme, first NaN, whatever the order of
// combination. i == -1 marks the identity (no element).
template <class T>
struct ArgAcc {
  T v;
  int64_t i;
};
template <class T, bool IsMax>
struct ArgR {
  using In = T;
  using Acc = ArgAcc<T>;
  __device__ static Acc identity() { return Acc{T(0), -1}; }
  __device__ static Acc lift(T x, int64_t r) { return Acc{x, r}; }
  __device__ static Acc combine(Acc a, Acc b) {
    if (b.i < 0) return a;
    if (a.i < 0) return b;
    if constexpr (std::is_floating_point_v<T>) {
      const bool an = a.v != a.v, bn = b.v != b.v;
      if (an || bn) return an && bn ? (b.i < a.i ? b : a) : (an ? a : b);
    }
    if (IsMax ? b.v > a.v : b.v < a.v) return b;
    return b.v == a.v && b.i < a.i ? b : a;
  }
  __device__ static void store(void* o, int64_t j, DType odt, Acc a, double) { store_as(o, j, odt, a.i); }
};
template <class T> using ArgMaxR = ArgR<T, true>;
template <class T> using ArgMinR = ArgR<T, false>;

template <class R>
struct CombineOf {
  __device__ typename R::Acc operator()(typename R::Acc a, typename R::Acc b) const { return R::combine(a, b); }
};

// ---- the kernels -------------------------------------------------------------------
// Folds base[red.offset(r)] for r = r0, r0 + step, ... below r1 into acc. A
// reduced group of one dimension (the usual case) is a plain strided walk,
// unrolled so that several loads are in flight.
template <class R>
__device__ __forceinline__ typename R::Acc fold_run(const typename R::In* __restrict__ base, const DimGroup& red,
                                                    int64_t r0, int64_t r1, int64_t step, typename R::Acc acc) {
  if (red.ndim <= 1) {
    const int64_t s = red.ndim == 1 ? red.stride[0] : 0;
#pragma unroll 4
    for (int64_t r = r0; r < r1; r += step) acc = R::combine(acc, R::lift(base[r * s], r));
  } else {
    for (int64_t r = r0; r < r1; r += step) acc = R::combine(acc, R::lift(base[red.offset(r)], r));
  }
  return acc;
}

// Where a part's result goes: the output (one part) or the partials.
template <class R>
__device__ __forceinline__ void finish(const ReducePlan& p, int64_t j, int64_t part, typename R::Acc acc, void* out,
                                       DType odt, double scale, typename R::Acc* partial) {
  if (partial) partial[j * p.splits + part] = acc;
  else R::store(out, j, odt, acc, scale);
}

// Rows: G threads (a warp, or the whole block) per output; blockIdx.y is the
// part of the reduced run.
template <class R, int G>
__global__ void __launch_bounds__(kReduceBlock)
    reduce_rows(const typename R::In* __restrict__ in, const __grid_constant__ ReducePlan p, void* out, DType odt,
                double scale, typename R::Acc* partial) {
  using Acc = typename R::Acc;
  __shared__ Acc smem[G / 32];
  const int64_t part = blockIdx.y;
  const int64_t r0 = part * p.chunk, r1 = min(p.count, r0 + p.chunk);
  RowGroups<G>::for_each(p.kept, [&](int64_t j, int t) {
    Acc acc = fold_run<R>(in + p.out.offset(j), p.red, r0 + t, r1, G, R::identity());
    acc = group_allreduce<G>(acc, CombineOf<R>{}, smem);
    if (t == 0) finish<R>(p, j, part, acc, out, odt, scale, partial);
  });
}

// Cols: block (block_x, block_y); threadIdx.x picks the output, threadIdx.y
// the stride through its reduced run; blockIdx.y is the part of the run.
template <class R>
__global__ void __launch_bounds__(kReduceBlock)
    reduce_cols(const typename R::In* __restrict__ in, const __grid_constant__ ReducePlan p, void* out, DType odt,
                double scale, typename R::Acc* partial) {
  using Acc = typename R::Acc;
  __shared__ Acc smem[kReduceBlock];
  const int64_t part = blockIdx.y;
  const int64_t r0 = part * p.chunk, r1 = min(p.count, r0 + p.chunk);
  const int64_t bx = blockDim.x, by = blockDim.y;
  // Uniform over the block: column_allreduce synchronises it.
  for (int64_t b = blockIdx.x; b * bx < p.kept; b += gridDim.x) {
    const int64_t j = b * bx + threadIdx.x;
    Acc acc = R::identity();
    if (j < p.kept) acc = fold_run<R>(in + p.out.offset(j), p.red, r0 + threadIdx.y, r1, by, acc);
    if (by > 1) acc = column_allreduce(acc, CombineOf<R>{}, smem);
    if (threadIdx.y == 0 && j < p.kept) finish<R>(p, j, part, acc, out, odt, scale, partial);
  }
}

// The partials of each output (splits of them, contiguous), one warp each.
template <class R>
__global__ void __launch_bounds__(kReduceBlock)
    combine_partials(const typename R::Acc* __restrict__ partial, int64_t kept, int64_t splits, void* out, DType odt,
                     double scale) {
  using Acc = typename R::Acc;
  RowGroups<32>::for_each(kept, [&](int64_t j, int lane) {
    Acc acc = R::identity();
    for (int64_t s = lane; s < splits; s += 32) acc = R::combine(acc, partial[j * splits + s]);
    acc = warp_allreduce(acc, CombineOf<R>{});
    if (lane == 0) R::store(out, j, odt, acc, scale);
  });
}

// ---- launching -----------------------------------------------------------------------
unsigned capped_grid(int64_t blocks) {
  constexpr int64_t kMaxGrid = int64_t(1) << 20;
  return unsigned(blocks < 1 ? 1 : blocks > kMaxGrid ? kMaxGrid : blocks);
}

ReducePlan plan_of(const KernelCall& c, const int64_t* axes, int naxes) {
  TG_CHECK(c.ndim <= 64, NotImplementedError, "CUDA reductions take at most 64 dimensions, got ", c.ndim);
  int64_t st[64];
  call_strides(c, c.in[0], st);
  ReducePlan p;
  TG_CHECK(make_reduce_plan(c.shape, st, c.ndim, axes, naxes, p), NotImplementedError,
           "CUDA reductions index at most ", kMaxIndexDims, " kept and ", kMaxIndexDims,
           " reduced dimensions after merging; this call has ", c.ndim);
  return p;
}

// Reduces the input over `axes` into c.out with reducer R (scale: 1, or
// 1/count for a mean).
template <class R>
void run_reduce(const KernelCall& c, const int64_t* axes, int naxes, bool mean) {
  using Acc = typename R::Acc;
  const ReducePlan p = plan_of(c, axes, naxes);
  if (p.kept == 0) return;
  // 0/0 gives NaN for the mean of an empty group, as NumPy (and the CPU).
  const double scale = !mean ? 1.0 : p.count ? 1.0 / double(p.count) : std::numeric_limits<double>::quiet_NaN();
  const cudaStream_t stream = stream_for(c);
  const auto* in = static_cast<const typename R::In*>(c.in[0].data);
  const DType odt = c.out.dtype;
  std::optional<DeviceScratch> scratch;
  Acc* partial = nullptr;
  if (p.splits > 1) {
    scratch.emplace(c.device, size_t(p.kept * p.splits) * sizeof(Acc));
    partial = static_cast<Acc*>(scratch->get());
  }
  const dim3 grid(capped_grid(p.blocks), unsigned(p.splits));
  if (p.kind == ReduceKind::Rows) {
    if (p.block_x == 32) {
      reduce_rows<R, 32><<<grid, kReduceBlock, 0, stream>>>(in, p, c.out.data, odt, scale, partial);
      TG_CUDA_LAUNCHED("reduce_rows");
    } else {
      reduce_rows<R, kReduceBlock><<<grid, kReduceBlock, 0, stream>>>(in, p, c.out.data, odt, scale, partial);
      TG_CUDA_LAUNCHED("reduce_rows");
    }
  } else {
    const dim3 block(unsigned(p.block_x), unsigned(p.block_y));
    reduce_cols<R><<<grid, block, 0, stream>>>(in, p, c.out.data, odt, scale, partial);
    TG_CUDA_LAUNCHED("reduce_cols");
  }
  if (partial) {
    combine_partials<R><<<RowGroups<32>::grid(p.kept), kReduceBlock, 0, stream>>>(partial, p.kept, p.splits,
                                                                                   c.out.data, odt, scale);
    TG_CUDA_LAUNCHED("combine_partials");
  }
}

// Calls f with a value of the element type the kernels read for dt.
template <class F>
void with_elem_type(DType dt, F&& f) {
  switch (dt) {
    case DType::Bool:
    case DType::UInt8: f(uint8_t{}); break;
    case DType::Int32: f(int32_t{}); break;
    case DType::Int64: f(int64_t{}); break;
    case DType::Float32: f(float{}); break;
    case DType::Float64: f(double{}); break;
  }
}

// op over attrs->axes into the output, times 1/count for a mean (sum_to too:
// its public function puts the summed axes in attrs->axes).
template <template <class> class R, bool Mean>
void reduce_kernel(const KernelCall& c) {
  const auto& axes = c.attrs->axes;
  with_elem_type(c.in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    run_reduce<R<T>>(c, axes.data(), int(axes.size()), Mean);
  });
}

// The index of the largest (smallest) entry along attrs->axis, as attrs->dtype
// (int32 or int64: the output's dtype); ties give the first, a NaN wins.
template <template <class> class R>
void arg_kernel(const KernelCall& c) {
  const int64_t axis = c.attrs->axis;
  with_elem_type(c.in[0].dtype, [&](auto tag) {
    using T = decltype(tag);
    run_reduce<R<T>>(c, &axis, 1, false);
  });
}

// ---- log-sum-exp ----------------------------------------------------------------------
// log(sum(exp(x))) over rows of n of a dense input (the op's public function
// moves the reduced axes last), as the CPU's lse_rows: the row's max mx (a
// NaN wins), s = sum of exp(x - mx) in float64, mx + log(s) for a finite mx,
// else mx itself (NaN stays NaN, all -inf gives -inf, any +inf gives +inf).
// An empty row (n == 0) gives max -inf, s = 0: -inf, log(0) as the CPU.
template <class T, int G>
__global__ void __launch_bounds__(RowGroups<G>::kBlock)
    logsumexp_rows(const T* __restrict__ x, int64_t m, int64_t n, T* __restrict__ out) {
  __shared__ T smax[G / 32];
  __shared__ double ssum[G / 32];
  RowGroups<G>::for_each(m, [&](int64_t row, int t) {
    const T* xr = x + row * n;
    T mx = -T(INFINITY);
    for (int64_t i = t; i < n; i += G) mx = NanMax{}(mx, xr[i]);
    mx = group_allreduce<G>(mx, NanMax{}, smax);
    double s = 0;
    for (int64_t i = t; i < n; i += G) s += double(simd::cuda::exp_approx(T(xr[i] - mx)));
    s = group_allreduce<G>(s, Plus{}, ssum);
    if (t == 0) out[row] = isfinite(mx) ? T(mx + T(log(s))) : mx;
  });
}

template <class T>
void launch_logsumexp(const KernelCall& c) {
  int64_t n = 1, m = 1;
  const int lead = c.ndim - int(c.attrs->axes.size());
  for (int d = 0; d < c.ndim; ++d) (d < lead ? m : n) *= c.shape[d];
  if (m == 0) return;
  const cudaStream_t stream = stream_for(c);
  const T* x = static_cast<const T*>(c.in[0].data);
  T* o = static_cast<T*>(c.out.data);
  if (n <= kReduceWarpRowMax) {
    logsumexp_rows<T, 32><<<RowGroups<32>::grid(m), RowGroups<32>::kBlock, 0, stream>>>(x, m, n, o);
  } else {
    logsumexp_rows<T, 256><<<RowGroups<256>::grid(m), RowGroups<256>::kBlock, 0, stream>>>(x, m, n, o);
  }
  TG_CUDA_LAUNCHED("logsumexp_rows");
}

void logsumexp_kernel(const KernelCall& c) {
  TG_DISPATCH_FLOAT(c.in[0].dtype, "reduce_logsumexp", { launch_logsumexp<T>(c); });
}

}  // namespace

void register_reduce() {
  // Every dtype for the folds and the arg reductions, floats for
  // log-sum-exp: the CPU's registrations (backend/cpu/reduce.cpp).
  for (int d = 0; d < kNumDTypes; ++d) {
    const DType dt = DType(d);
    auto reg = [&](OpId id, KernelFn fn) { op::register_kernel(id, DeviceType::CUDA, dt, fn); };
    reg(OpId::ReduceSum, &reduce_kernel<SumR, false>);
    reg(OpId::SumTo, &reduce_kernel<SumR, false>);
    reg(OpId::ReduceMean, &reduce_kernel<SumR, true>);
    reg(OpId::ReduceProd, &reduce_kernel<ProdR, false>);
    reg(OpId::ReduceMax, &reduce_kernel<MaxR, false>);
    reg(OpId::ReduceMin, &reduce_kernel<MinR, false>);
    reg(OpId::ReduceAny, &reduce_kernel<AnyR, false>);
    reg(OpId::ReduceAll, &reduce_kernel<AllR, false>);
    reg(OpId::ArgMax, &arg_kernel<ArgMaxR>);
    reg(OpId::ArgMin, &arg_kernel<ArgMinR>);
    if (is_floating(dt)) reg(OpId::ReduceLogSumExp, &logsumexp_kernel);
  }
}

}  // namespace tg::cuda

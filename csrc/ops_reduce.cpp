// Reductions: the strided reduction engine and the ops built on it.
//
// Dtype rules (NumPy-like, with TensorFlow's int32 exception):
//   sum, prod:  bool and uint8 -> int64; int32 -> int32 (TF keeps it; the
//               int64 accumulator wraps to int32 at the end); int64, float32,
//               float64 keep their dtype. Floats accumulate in float64.
//   mean, variance, std, logsumexp: integers and bool -> float32 (TF would
//               truncate to an integer, NumPy would give float64).
//   max, min:   keep the dtype; a NaN in a reduced group gives NaN.
//   any, all:   bool, of any input (x != 0; NaN counts as true).
//   argmax/argmin: int64 (or int32); ties -> first occurrence; a NaN wins.
// Empty groups: sum 0, prod 1, mean NaN, any false, all true; max, min,
// argmax and argmin raise ValueError naming the shape.
//
// Gradient rules: sum and mean broadcast back; max and min split the gradient
// evenly among the tied extremes (TensorFlow's rule); prod: the product of
// the other entries, exact for any number of zeros (second derivatives at
// zeros are not); logsumexp: softmax weights; variance and std follow from
// their composition; argmax, argmin, any and all have none.
#include <algorithm>
#include <cmath>
#include <limits>

#include "autograd.h"
#include "op/exec.h"
#include "simd/dispatch.h"
#include "ops.h"
#include "parallel.h"

namespace tg::ops {

using autograd::Grads;
using simd::ReduceOp;

namespace {

// Work (input elements) below which a reduction runs on one thread.
constexpr int64_t kReduceParallelElems = 2 * kParallelElems;

// One axis of the iteration: size, input stride, accumulator stride (0 on
// reduced axes), in elements.
struct Dim {
  int64_t n, si, sa;
};

struct Kernel {
  simd::ReduceRowsFn rows;
  simd::ReduceColsFn cols;
  size_t isz, asz;
};

// The kept and reduced shapes of a reduction.
struct ReduceShape {
  std::vector<bool> reduced;  // per input axis
  Shape keep;                 // reduced axes as 1
  Shape out;                  // keep, or without the reduced axes
  int64_t count = 1;          // elements per group
};

ReduceShape reduce_shape(const Shape& in, const std::vector<int64_t>& axes, bool keepdims) {
  ReduceShape r;
  r.reduced.assign(in.size(), false);
  for (int64_t a : axes) r.reduced[size_t(a)] = true;
  for (size_t i = 0; i < in.size(); ++i) {
    if (r.reduced[i]) {
      r.count *= in[i];
      r.keep.push_back(1);
      if (keepdims) r.out.push_back(1);
    } else {
      r.keep.push_back(in[i]);
      r.out.push_back(in[i]);
    }
  }
  return r;
}

template <class A>
A identity_of(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return A(0);
    case ReduceOp::Prod: return A(1);
    case ReduceOp::Max:
      if constexpr (std::numeric_limits<A>::has_infinity) return -std::numeric_limits<A>::infinity();
      else return std::numeric_limits<A>::lowest();
    case ReduceOp::Min:
      if constexpr (std::numeric_limits<A>::has_infinity) return std::numeric_limits<A>::infinity();
      else return std::numeric_limits<A>::max();
    case ReduceOp::Any: return A(0);
    default: return A(1);
  }
}

void fill_identity(void* p, int64_t n, DType acc, ReduceOp op) {
  TG_DISPATCH_ALL(acc, {
    T* q = static_cast<T*>(p);
    std::fill(q, q + n, identity_of<T>(op));
  });
}

// Runs the kernel over dims (outermost first). The innermost axis decides the
// shape of the work: reduced -> rows (a dot-product-like fold per output),
// kept -> cols (input rows fold into an accumulator vector).
void run_seq(const Kernel& k, const std::vector<Dim>& dims, const char* in, char* acc) {
  if (dims.empty()) {
    k.rows(in, 0, 1, 1, 1, acc, 0);
    return;
  }
  const Dim& last = dims.back();
  const bool rows = last.sa == 0;
  // The second innermost axis goes into the same kernel call when it is of
  // the other kind (kept for rows, reduced for cols).
  size_t outer = dims.size() - 1;
  Dim mid{1, 0, 0};
  if (outer > 0 && (dims[outer - 1].sa == 0) != rows) mid = dims[--outer];
  auto call = [&](const char* pi, char* pa) {
    if (rows) k.rows(pi, mid.si, last.si, mid.n, last.n, pa, mid.sa);
    else k.cols(pi, mid.si, last.si, mid.n, last.n, pa, last.sa);
  };
  if (outer == 0) {
    call(in, acc);
    return;
  }
  thread_local std::vector<int64_t> idx;
  idx.assign(outer, 0);
  const char* pi = in;
  char* pa = acc;
  for (;;) {
    call(pi, pa);
    size_t d = outer;
    for (;;) {
      if (d == 0) return;
      --d;
      pi += dims[d].si * int64_t(k.isz);
      pa += dims[d].sa * int64_t(k.asz);
      if (++idx[d] < dims[d].n) break;
      pi -= dims[d].si * dims[d].n * int64_t(k.isz);
      pa -= dims[d].sa * dims[d].n * int64_t(k.asz);
      idx[d] = 0;
    }
  }
}

// Folds x over the reduced axes into acc (contiguous in the keep shape, of
// the op's accumulator dtype, filled with the identity by the caller). Work
// above a threshold is split between threads: over an outer kept axis when
// one is long enough (threads own disjoint accumulators); else over the
// longest reduced axis into per-thread accumulators combined at the end
// (each thread streams a contiguous part of the input); else over the
// innermost kept axis (column blocks).
void run_reduce(ReduceOp op, const Tensor& x, const std::vector<bool>& reduced, const Shape& keep, void* acc_ptr,
                DType adt) {
  const auto& tab = simd::kernels().red;
  Kernel k{tab.rows[int(op)][int(x.dtype())], tab.cols[int(op)][int(x.dtype())], itemsize(x.dtype()), itemsize(adt)};
  TG_CHECK(k.rows && k.cols, TypeError, "reduction: unsupported dtype ", x.dtype());
  const int64_t total = x.numel();
  if (total == 0) return;

  // Axes in the input's memory order (broadcast axes outermost), negative
  // strides flipped, then merged where input and accumulator both allow.
  const char* in = static_cast<const char*>(x.raw());
  char* out = static_cast<char*>(acc_ptr);
  const Shape& sh = x.shape();
  const Strides& st = x.strides();
  thread_local std::vector<Dim> raw, dims;
  raw.clear();
  dims.clear();
  int64_t astride = 1;  // contiguous strides of keep, innermost first
  for (size_t d = sh.size(); d-- > 0;) {
    const int64_t sa = astride;
    astride *= keep[d];
    if (sh[d] == 1) continue;
    Dim dm{sh[d], st[d], reduced[d] ? 0 : sa};
    if (dm.si < 0) {  // walk it backwards: the same pairs of elements
      in += (dm.n - 1) * dm.si * int64_t(k.isz);
      out += (dm.n - 1) * dm.sa * int64_t(k.asz);
      dm.si = -dm.si;
      dm.sa = -dm.sa;
    }
    raw.push_back(dm);
  }
  std::reverse(raw.begin(), raw.end());
  auto key = [](const Dim& d) { return d.si == 0 ? std::numeric_limits<int64_t>::max() : d.si; };
  std::stable_sort(raw.begin(), raw.end(), [&](const Dim& a, const Dim& b) { return key(a) > key(b); });
  for (const Dim& d : raw) {
    if (!dims.empty() && dims.back().si == d.si * d.n && dims.back().sa == d.sa * d.n) {
      dims.back() = Dim{dims.back().n * d.n, d.si, d.sa};
      continue;
    }
    dims.push_back(d);
  }

  const int nt = num_threads();
  if (nt <= 1 || total < kReduceParallelElems || in_parallel_region() || dims.empty()) {
    run_seq(k, dims, in, out);
    return;
  }
  const size_t last = dims.size() - 1;
  int64_t m = 1;
  for (int64_t v : keep) m *= v;
  int split = -1;
  bool priv = false;
  for (int64_t need : {4, 1}) {
    for (size_t d = 0; d < last && split < 0; ++d)
      if (dims[d].sa != 0 && dims[d].n >= need * nt) split = int(d);
  }
  if (split < 0 && m * nt * 8 <= total) {
    for (size_t d = 0; d < dims.size(); ++d)
      if (dims[d].sa == 0 && dims[d].n >= nt && (split < 0 || dims[d].n > dims[size_t(split)].n)) split = int(d);
    priv = split >= 0;
  }
  if (split < 0 && dims[last].sa != 0 && dims[last].n >= 16 * nt) split = int(last);
  if (split < 0) {
    run_seq(k, dims, in, out);
    return;
  }
  const Dim sd = dims[size_t(split)];
  // Column blocks stay whole vectors.
  const int64_t align = size_t(split) == last && !priv ? 16 : 1;
  const int64_t chunks = std::min<int64_t>(kChunksPerThread * nt, (sd.n + align - 1) / align);
  // Private accumulators belong to chunks, not threads, so the sum is the
  // same whoever runs which chunk.
  Tensor partial;
  if (priv) {
    partial = Tensor::empty({chunks - 1, m}, adt);
    fill_identity(partial.raw(), partial.numel(), adt, op);
  }
  char* pbase = priv ? static_cast<char*>(partial.raw()) : nullptr;
  const std::vector<Dim> shared = dims;
  auto bound = [&](int64_t i) { return std::min(sd.n, (sd.n * i / chunks + align - 1) / align * align); };
  parallel_chunks(chunks, [&](int64_t c) {
    const int64_t b = bound(c), e = c + 1 == chunks ? sd.n : bound(c + 1);
    if (b >= e) return;
    std::vector<Dim> mine = shared;
    mine[size_t(split)].n = e - b;
    // A private buffer has the accumulator's layout, flips included.
    const int64_t flip = out - static_cast<char*>(acc_ptr);
    char* dst = priv ? (c == 0 ? out : pbase + (c - 1) * m * int64_t(k.asz) + flip) : out + b * sd.sa * int64_t(k.asz);
    run_seq(k, mine, in + b * sd.si * int64_t(k.isz), dst);
  });
  if (priv && chunks > 1) {
    tab.cols[int(op)][int(adt)](pbase, m, 1, chunks - 1, m, acc_ptr, 1);
  }
}

template <class A, class O>
void convert_scaled(const A* a, O* o, int64_t m, double scale) {
  if (scale == 1.0) {
    for (int64_t i = 0; i < m; ++i) o[i] = O(a[i]);
  } else {
    for (int64_t i = 0; i < m; ++i) o[i] = O(double(a[i]) * scale);
  }
}

// op over the reduced axes as a new tensor of shape rs.out and dtype
// out_dt, times scale (mean). The accumulator is the result itself when the
// dtypes agree, else a scratch buffer (on the stack when small).
Tensor reduce_to(ReduceOp op, const Tensor& x, const ReduceShape& rs, DType out_dt, double scale = 1.0) {
  const DType adt = simd::reduce_acc_dtype(op, x.dtype());
  Tensor out = Tensor::empty(rs.out, out_dt, x.device());
  const int64_t m = out.numel();
  if (adt == out_dt && scale == 1.0) {
    fill_identity(out.raw(), m, adt, op);
    run_reduce(op, x, rs.reduced, rs.keep, out.raw(), adt);
    return out;
  }
  alignas(64) char stack[4096];
  Tensor heap;
  void* acc = stack;
  if (m * int64_t(itemsize(adt)) > int64_t(sizeof(stack))) {
    heap = Tensor::empty({m}, adt, x.device());
    acc = heap.raw();
  }
  fill_identity(acc, m, adt, op);
  run_reduce(op, x, rs.reduced, rs.keep, acc, adt);
  TG_DISPATCH_ALL(out_dt, {
    using O = T;
    if (adt == DType::Float64) convert_scaled(static_cast<const double*>(acc), out.data<O>(), m, scale);
    else if (adt == DType::Int64) convert_scaled(static_cast<const int64_t*>(acc), out.data<O>(), m, scale);
    else TG_DISPATCH_ALL(adt, { convert_scaled(static_cast<const T*>(acc), out.data<O>(), m, scale); });
  });
  return out;
}

void check_nonempty(const char* op, const Tensor& t, const ReduceShape& rs, const std::vector<int64_t>& axes) {
  TG_CHECK(rs.count > 0, ValueError, op, ": cannot reduce a tensor of shape ", t.shape(),
           " over the empty axes ", axes, " (the result has no identity)");
}

DType sum_dtype(DType d) {
  if (d == DType::Bool || d == DType::UInt8) return DType::Int64;
  return d;
}
DType float_dtype(DType d) { return is_floating(d) ? d : DType::Float32; }

// g (shaped like the result) broadcast back over the input.
Tensor broadcast_back(const Tensor& g, const Shape& keep, const Shape& in) { return broadcast_to(reshape(g, keep), in); }

}  // namespace

Tensor sum(const Tensor& t, const Axes& axes, bool keepdims) {
  const auto ax = normalize_axes(axes, t.ndim(), "reduce_sum");
  const ReduceShape rs = reduce_shape(t.shape(), ax, keepdims);
  Tensor out = reduce_to(ReduceOp::Sum, t, rs, sum_dtype(t.dtype()));
  if (autograd::should_record({&t})) {
    autograd::record("reduce_sum", {t}, {out}, [in = t.shape(), keep = rs.keep](const Grads& g, const std::vector<bool>&) {
      return Grads{broadcast_back(g[0], keep, in)};
    });
  }
  return out;
}

Tensor mean(const Tensor& t, const Axes& axes, bool keepdims) {
  const auto ax = normalize_axes(axes, t.ndim(), "reduce_mean");
  const ReduceShape rs = reduce_shape(t.shape(), ax, keepdims);
  // 0/0 gives NaN for empty groups, as NumPy.
  const double inv = rs.count ? 1.0 / double(rs.count) : std::numeric_limits<double>::quiet_NaN();
  Tensor out = reduce_to(ReduceOp::Sum, t, rs, float_dtype(t.dtype()), inv);
  if (autograd::should_record({&t})) {
    autograd::record("reduce_mean", {t}, {out}, [in = t.shape(), keep = rs.keep, inv](const Grads& g, const std::vector<bool>&) {
      return Grads{broadcast_back(multiply(g[0], scalar(inv, g[0].dtype())), keep, in)};
    });
  }
  return out;
}

namespace {

Tensor extreme(ReduceOp op, const char* name, const Tensor& t, const Axes& axes, bool keepdims) {
  const auto ax = normalize_axes(axes, t.ndim(), name);
  const ReduceShape rs = reduce_shape(t.shape(), ax, keepdims);
  check_nonempty(name, t, rs, ax);
  Tensor out = reduce_to(op, t, rs, t.dtype());
  if (autograd::should_record({&t})) {
    // TF's rule: the gradient is shared evenly by the entries equal to the result.
    autograd::record(name, {t}, {out}, [t, out, keep = rs.keep, ax](const Grads& g, const std::vector<bool>&) {
      Tensor hit = cast(equal(t, reshape(out, keep)), g[0].dtype());
      Tensor share = divide(hit, sum(hit, ax, true));
      return Grads{multiply(share, reshape(g[0], keep))};
    });
  }
  return out;
}

}  // namespace

Tensor max(const Tensor& t, const Axes& axes, bool keepdims) {
  return extreme(ReduceOp::Max, "reduce_max", t, axes, keepdims);
}
Tensor min(const Tensor& t, const Axes& axes, bool keepdims) {
  return extreme(ReduceOp::Min, "reduce_min", t, axes, keepdims);
}

Tensor prod(const Tensor& t, const Axes& axes, bool keepdims) {
  const auto ax = normalize_axes(axes, t.ndim(), "reduce_prod");
  const ReduceShape rs = reduce_shape(t.shape(), ax, keepdims);
  Tensor out = reduce_to(ReduceOp::Prod, t, rs, sum_dtype(t.dtype()));
  if (autograd::should_record({&t})) {
    autograd::record("reduce_prod", {t}, {out}, [t, keep = rs.keep, ax](const Grads& g, const std::vector<bool>&) {
      // d prod / d x_i = product of the others. With z zeros in the group:
      // z = 0: prod / x_i; z = 1: the product of the non-zeros at the zero,
      // 0 elsewhere; z >= 2: 0. The zeros enter through constant masks, so
      // this is exact to first order (x * nz + zero keeps the zero entries
      // out of the product's own gradient).
      const DType dt = g[0].dtype();
      Tensor zero = cast(equal(t, scalar(0.0, t.dtype())), dt);
      Tensor nz = cast(not_equal(t, scalar(0.0, t.dtype())), dt);
      Tensor safe = add(multiply(t, nz), zero);
      Tensor p = prod(safe, ax, true);
      Tensor zc = sum(zero, ax, true);
      Tensor none = cast(equal(zc, scalar(0.0, dt)), dt);
      Tensor one = cast(equal(zc, scalar(1.0, dt)), dt);
      Tensor w = add(divide(none, safe), multiply(one, zero));
      return Grads{multiply(multiply(w, p), reshape(g[0], keep))};
    });
  }
  return out;
}

Tensor any(const Tensor& t, const Axes& axes, bool keepdims) {
  const auto ax = normalize_axes(axes, t.ndim(), "reduce_any");
  const ReduceShape rs = reduce_shape(t.shape(), ax, keepdims);
  return reduce_to(ReduceOp::Any, t, rs, DType::Bool);
}

Tensor all(const Tensor& t, const Axes& axes, bool keepdims) {
  const auto ax = normalize_axes(axes, t.ndim(), "reduce_all");
  const ReduceShape rs = reduce_shape(t.shape(), ax, keepdims);
  return reduce_to(ReduceOp::All, t, rs, DType::Bool);
}

Tensor logsumexp(const Tensor& t_in, const Axes& axes, bool keepdims) {
  const auto ax = normalize_axes(axes, t_in.ndim(), "reduce_logsumexp");
  const Tensor t = is_floating(t_in.dtype()) ? t_in : cast(t_in, DType::Float32);
  const ReduceShape rs = reduce_shape(t.shape(), ax, keepdims);
  const DType dt = t.dtype();
  Tensor out = Tensor::empty(rs.out, dt, t.device());
  const int64_t m = out.numel();
  // The reduced axes trailing and contiguous: one fused pass per row.
  bool trailing = t.is_contiguous();
  for (size_t i = 0; i < ax.size() && trailing; ++i) trailing = ax[i] == t.ndim() - int64_t(ax.size()) + int64_t(i);
  if (m > 0 && trailing) {
    auto fn = simd::kernels().red.lse_rows[int(dt)];
    const int64_t n = rs.count;
    const char* in = static_cast<const char*>(t.raw());
    char* o = static_cast<char*>(out.raw());
    const size_t isz = itemsize(dt);
    parallel_for(m, std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
      fn(in + b * n * int64_t(isz), n, e - b, n, o + b * int64_t(isz));
    });
  } else if (m > 0) {
    // max, shift, exp, sum, log: max is taken as 0 where it is not finite so
    // that all -inf groups give -inf and +inf groups +inf.
    autograd::NoRecordScope quiet;
    ReduceShape kept = rs;
    kept.out = rs.keep;
    Tensor mx = reduce_to(ReduceOp::Max, t, kept, dt);
    TG_DISPATCH_FLOAT(dt, "reduce_logsumexp", {
      T* p = mx.data<T>();
      for (int64_t i = 0; i < mx.numel(); ++i) p[i] = std::isfinite(p[i]) ? p[i] : T(0);
    });
    Tensor s = reduce_to(ReduceOp::Sum, exp(subtract(t, mx)), kept, DType::Float64);
    TG_DISPATCH_FLOAT(dt, "reduce_logsumexp", {
      const T* p = mx.data<T>();
      const double* a = s.data<double>();
      T* o = out.data<T>();
      for (int64_t i = 0; i < m; ++i) o[i] = T(std::log(a[i]) + double(p[i]));
    });
  }
  if (is_floating(t_in.dtype()) && autograd::should_record({&t_in})) {
    autograd::record("reduce_logsumexp", {t_in}, {out}, [t, out, keep = rs.keep](const Grads& g, const std::vector<bool>&) {
      return Grads{multiply(exp(subtract(t, reshape(out, keep))), reshape(g[0], keep))};
    });
  }
  return out;
}

Tensor variance(const Tensor& t_in, const Axes& axes, bool keepdims) {
  normalize_axes(axes, t_in.ndim(), "reduce_variance");
  // Two passes (mean first) for accuracy; the gradient follows from the ops.
  const Tensor t = is_floating(t_in.dtype()) ? t_in : cast(t_in, DType::Float32);
  Tensor d = subtract(t, mean(t, axes, true));
  return mean(multiply(d, d), axes, keepdims);
}

Tensor reduce_std(const Tensor& t, const Axes& axes, bool keepdims) {
  normalize_axes(axes, t.ndim(), "reduce_std");
  return sqrt(variance(t, axes, keepdims));
}

namespace {

Tensor arg_extreme(bool is_max, const char* name, const Tensor& t_in, int64_t axis, DType out_dtype) {
  TG_CHECK(out_dtype == DType::Int32 || out_dtype == DType::Int64, TypeError, name,
           ": output_type must be int32 or int64, got ", out_dtype);
  const int64_t a = normalize_axis(axis, t_in.ndim(), name);  // a scalar has no axis to search (TF raises)
  const auto& tab = simd::kernels().red;
  auto row = (is_max ? tab.argmax_row : tab.argmin_row)[int(t_in.dtype())];
  auto cols = (is_max ? tab.argmax_cols : tab.argmin_cols)[int(t_in.dtype())];
  TG_CHECK(row && cols, TypeError, name, ": unsupported dtype ", t_in.dtype());
  const Shape& sh = t_in.shape();
  const int64_t L = sh[size_t(a)];
  Shape out_shape;
  for (int64_t i = 0; i < t_in.ndim(); ++i)
    if (i != a) out_shape.push_back(sh[size_t(i)]);
  Tensor idx = Tensor::empty(out_shape, DType::Int64, t_in.device());
  const int64_t m = idx.numel();
  TG_CHECK(L > 0, ValueError, name, ": cannot take the ", is_max ? "argmax" : "argmin",
           " of a tensor of shape ", sh, " along the empty axis ", axis);
  if (m == 0) return convert(idx, out_dtype);
  const size_t isz = itemsize(t_in.dtype());
  const char* in = static_cast<const char*>(t_in.raw());
  int64_t* o = idx.data<int64_t>();
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, L));
  if (t_in.is_contiguous()) {
    int64_t inner = 1;
    for (size_t i = size_t(a) + 1; i < sh.size(); ++i) inner *= sh[i];
    const int64_t outer = m / inner;
    if (inner == 1) {
      parallel_for(outer, grain, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) o[i] = row(in + i * L * int64_t(isz), 1, L);
      });
    } else {
      // Down the columns of each (L, inner) block.
      parallel_for(outer, std::max<int64_t>(1, grain / inner), [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) cols(in + i * L * inner * int64_t(isz), inner, L, inner, o + i * inner);
      });
    }
  } else {
    // Any strides: one strided run per output element.
    Strides ks;
    for (int64_t i = 0; i < t_in.ndim(); ++i)
      if (i != a) ks.push_back(t_in.strides()[size_t(i)]);
    const int64_t sa = t_in.strides()[size_t(a)];
    parallel_for(m, grain, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        int64_t off = 0, r = i;
        for (int64_t d = int64_t(out_shape.size()) - 1; d >= 0; --d) {
          off += (r % out_shape[size_t(d)]) * ks[size_t(d)];
          r /= out_shape[size_t(d)];
        }
        o[i] = row(in + off * int64_t(isz), sa, L);
      }
    });
  }
  return convert(idx, out_dtype);
}

}  // namespace

Tensor argmax(const Tensor& t, int64_t axis, DType out_dtype) { return arg_extreme(true, "argmax", t, axis, out_dtype); }
Tensor argmin(const Tensor& t, int64_t axis, DType out_dtype) { return arg_extreme(false, "argmin", t, axis, out_dtype); }

Tensor sum_to(const Tensor& g, const Shape& shape) {
  if (g.shape() == shape) return g;
  const int64_t lead = g.ndim() - int64_t(shape.size());
  TG_CHECK(lead >= 0, ValueError, "sum_to: cannot reduce shape ", g.shape(), " to ", shape);
  std::vector<int64_t> axes;
  for (int64_t i = 0; i < g.ndim(); ++i) {
    if (i < lead) { axes.push_back(i); continue; }
    const int64_t want = shape[size_t(i - lead)], have = g.shape()[size_t(i)];
    if (want == 1 && have != 1) axes.push_back(i);
    else TG_CHECK(want == have, ValueError, "sum_to: cannot reduce shape ", g.shape(), " to ", shape);
  }
  // The keep shape minus the leading axes is `shape` itself: no reshape copy.
  ReduceShape rs = reduce_shape(g.shape(), axes, true);
  rs.out = shape;
  Tensor out = reduce_to(ReduceOp::Sum, g, rs, g.dtype());
  if (autograd::should_record({&g})) {
    autograd::record("sum_to", {g}, {out}, [in = g.shape()](const Grads& gr, const std::vector<bool>&) {
      return Grads{broadcast_to(gr[0], in)};
    });
  }
  return out;
}

}  // namespace tg::ops

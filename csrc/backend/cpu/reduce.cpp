// CPU kernels of the reductions: the strided reduction engine (sum, prod,
// max, min, any, all, and mean as a scaled sum), log-sum-exp over trailing
// rows, and argmax/argmin along one axis.
//
// A reduction call iterates over the input's shape; attrs->axes are the
// reduced axes; the output is dense in the input's shape with the reduced
// axes set to 1 (the same memory order as the output with or without them).
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/operands.h"
#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"
#include "simd/dispatch.h"

namespace tg::cpu {

namespace {

using op::OpId;
using simd::ReduceOp;

// Work (input elements) below which a reduction runs on one thread.
constexpr int64_t kReduceParallelElems = 2 * kParallelElems;

// One axis of the iteration: size, input stride, accumulator stride (0 on
// reduced axes), in elements.
struct Dim {
  int64_t n, si, sa;
};

struct Loops {
  simd::ReduceRowsFn rows;
  simd::ReduceColsFn cols;
  size_t isz, asz;
};

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

// Runs the loops over dims (outermost first). The innermost axis decides the
// shape of the work: reduced -> rows (a dot-product-like fold per output),
// kept -> cols (input rows fold into an accumulator vector).
void run_seq(const Loops& k, const std::vector<Dim>& dims, const char* in, char* acc) {
  if (dims.empty()) {
    k.rows(in, 0, 1, 1, 1, acc, 0);
    return;
  }
  const Dim& last = dims.back();
  const bool rows = last.sa == 0;
  // The second innermost axis goes into the same loop call when it is of
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

// Folds the input over the reduced axes into acc (dense in the keep shape, of
// the op's accumulator dtype, filled with the identity by the caller). Work
// above a threshold is split between threads: over an outer kept axis when
// one is long enough (threads own disjoint accumulators); else over the
// longest reduced axis into per-chunk accumulators combined at the end
// (each chunk streams a contiguous part of the input); else over the
// innermost kept axis (column blocks).
void run_reduce(ReduceOp op, const KernelCall& c, const std::vector<bool>& reduced, void* acc_ptr, DType adt) {
  const DType idt = c.in[0].dtype;
  const auto& tab = simd::kernels().red;
  const Loops k{tab.rows[int(op)][int(idt)], tab.cols[int(op)][int(idt)], itemsize(idt), itemsize(adt)};
  const int64_t total = c.numel;
  if (total == 0) return;

  // Axes in the input's memory order (broadcast axes outermost), negative
  // strides flipped, then merged where input and accumulator both allow.
  const char* in = static_cast<const char*>(c.in[0].data);
  char* out = static_cast<char*>(acc_ptr);
  const Strides st = strides_of(c, c.in[0]);
  thread_local std::vector<Dim> raw, dims;
  raw.clear();
  dims.clear();
  int64_t astride = 1;  // dense strides of the keep shape, innermost first
  int64_t m = 1;        // accumulator elements
  for (int d = c.ndim; d-- > 0;) {
    const int64_t n = c.shape[d], kept = reduced[size_t(d)] ? 1 : n;
    const int64_t sa = astride;
    astride *= kept;
    m *= kept;
    if (n == 1) continue;
    Dim dm{n, st[size_t(d)], reduced[size_t(d)] ? 0 : sa};
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
  std::vector<int64_t> partial;
  if (priv) {
    partial.resize(size_t(((chunks - 1) * m * int64_t(k.asz) + 7) / 8));
    fill_identity(partial.data(), (chunks - 1) * m, adt, op);
  }
  char* pbase = priv ? reinterpret_cast<char*>(partial.data()) : nullptr;
  const std::vector<Dim> shared = dims;
  auto bound = [&](int64_t i) { return std::min(sd.n, (sd.n * i / chunks + align - 1) / align * align); };
  parallel_chunks(chunks, [&](int64_t ch) {
    const int64_t b = bound(ch), e = ch + 1 == chunks ? sd.n : bound(ch + 1);
    if (b >= e) return;
    std::vector<Dim> mine = shared;
    mine[size_t(split)].n = e - b;
    // A private buffer has the accumulator's layout, flips included.
    const int64_t flip = out - static_cast<char*>(acc_ptr);
    char* dst = priv ? (ch == 0 ? out : pbase + (ch - 1) * m * int64_t(k.asz) + flip) : out + b * sd.sa * int64_t(k.asz);
    run_seq(k, mine, in + b * sd.si * int64_t(k.isz), dst);
  });
  if (priv && chunks > 1) tab.cols[int(op)][int(adt)](pbase, m, 1, chunks - 1, m, acc_ptr, 1);
}

template <class A, class O>
void convert_scaled(const A* a, O* o, int64_t m, double scale) {
  if (scale == 1.0) {
    for (int64_t i = 0; i < m; ++i) o[i] = O(a[i]);
  } else {
    for (int64_t i = 0; i < m; ++i) o[i] = O(double(a[i]) * scale);
  }
}

std::vector<bool> reduced_axes(const KernelCall& c) {
  std::vector<bool> r(size_t(c.ndim), false);
  for (int64_t a : c.attrs->axes) r[size_t(a)] = true;
  return r;
}

// op over the reduced axes into the output, times 1/count for a mean. The
// accumulator is the output itself when the dtypes agree, else a scratch
// buffer (on the stack when small).
template <ReduceOp Op, bool Mean>
void reduce_kernel(const KernelCall& c) {
  const DType adt = simd::reduce_acc_dtype(Op, c.in[0].dtype), odt = c.out.dtype;
  const std::vector<bool> reduced = reduced_axes(c);
  int64_t m = 1, count = 1;
  for (int d = 0; d < c.ndim; ++d) (reduced[size_t(d)] ? count : m) *= c.shape[d];
  // 0/0 gives NaN for the mean of an empty group, as NumPy.
  const double scale = !Mean ? 1.0 : count ? 1.0 / double(count) : std::numeric_limits<double>::quiet_NaN();
  if (adt == odt && scale == 1.0) {
    fill_identity(c.out.data, m, adt, Op);
    run_reduce(Op, c, reduced, c.out.data, adt);
    return;
  }
  alignas(64) char stack[4096];
  std::vector<int64_t> heap;
  void* acc = stack;
  if (m * int64_t(itemsize(adt)) > int64_t(sizeof(stack))) {
    heap.resize(size_t((m * int64_t(itemsize(adt)) + 7) / 8));
    acc = heap.data();
  }
  fill_identity(acc, m, adt, Op);
  run_reduce(Op, c, reduced, acc, adt);
  TG_DISPATCH_ALL(odt, {
    using O = T;
    O* o = static_cast<O*>(c.out.data);
    if (adt == DType::Float64) convert_scaled(static_cast<const double*>(acc), o, m, scale);
    else if (adt == DType::Int64) convert_scaled(static_cast<const int64_t*>(acc), o, m, scale);
    else TG_DISPATCH_ALL(adt, { convert_scaled(static_cast<const T*>(acc), o, m, scale); });
  });
}

// log(sum(exp(x))) over the trailing axes of a dense input (the op's public
// function arranges that), one fused pass per row.
void logsumexp_kernel(const KernelCall& c) {
  const DType dt = c.in[0].dtype;
  // n: the trailing reduced axes (one row each); m: the rows.
  int64_t n = 1, m = 1;
  const int lead = c.ndim - int(c.attrs->axes.size());
  for (int d = 0; d < c.ndim; ++d) (d < lead ? m : n) *= c.shape[d];
  if (m == 0) return;
  const auto fn = simd::kernels().red.lse_rows[int(dt)];
  const size_t isz = itemsize(dt);
  const char* in = static_cast<const char*>(c.in[0].data);
  char* o = static_cast<char*>(c.out.data);
  if (n == 0) {  // log(0) for every empty group
    TG_DISPATCH_FLOAT(dt, "reduce_logsumexp", {
      std::fill(reinterpret_cast<T*>(o), reinterpret_cast<T*>(o) + m, -std::numeric_limits<T>::infinity());
    });
    return;
  }
  parallel_for(m, std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, n)), [&](int64_t b, int64_t e) {
    fn(in + b * n * int64_t(isz), n, e - b, n, o + b * int64_t(isz));
  });
}

// The index of the largest (smallest) entry along attrs->axis; ties give the
// first, a NaN wins.
template <bool IsMax>
void arg_kernel(const KernelCall& c) {
  const DType dt = c.in[0].dtype;
  const auto& tab = simd::kernels().red;
  const auto row = (IsMax ? tab.argmax_row : tab.argmin_row)[int(dt)];
  const auto cols = (IsMax ? tab.argmax_cols : tab.argmin_cols)[int(dt)];
  const int64_t a = c.attrs->axis;
  const int64_t L = c.shape[a];
  const int64_t m = L ? c.numel / L : 0;
  if (m == 0) return;
  std::vector<int64_t> scratch;
  int64_t* o = static_cast<int64_t*>(c.out.data);
  if (c.out.dtype != DType::Int64) {
    scratch.resize(size_t(m));
    o = scratch.data();
  }
  const size_t isz = itemsize(dt);
  const char* in = static_cast<const char*>(c.in[0].data);
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, L));
  if (c.in[0].contiguous) {
    int64_t inner = 1;
    for (int d = int(a) + 1; d < c.ndim; ++d) inner *= c.shape[d];
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
    const Strides st = strides_of(c, c.in[0]);
    Shape out_shape;
    Strides ks;
    for (int d = 0; d < c.ndim; ++d) {
      if (d == a) continue;
      out_shape.push_back(c.shape[d]);
      ks.push_back(st[size_t(d)]);
    }
    const int64_t sa = st[size_t(a)];
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
  if (c.out.dtype == DType::Int32) {
    int32_t* o32 = static_cast<int32_t*>(c.out.data);
    for (int64_t i = 0; i < m; ++i) o32[i] = int32_t(o[i]);
  }
}

}  // namespace

void register_reduce() {
  const simd::ReduceLoops& t = simd::kernels().red;
  for (int d = 0; d < kNumDTypes; ++d) {
    const DType dt = DType(d);
    auto have = [&](ReduceOp op) { return t.rows[int(op)][d] && t.cols[int(op)][d]; };
    auto reg = [&](OpId id, KernelFn fn) { op::register_kernel(id, DeviceType::CPU, dt, fn); };
    if (have(ReduceOp::Sum)) {
      reg(OpId::ReduceSum, &reduce_kernel<ReduceOp::Sum, false>);
      reg(OpId::SumTo, &reduce_kernel<ReduceOp::Sum, false>);
      reg(OpId::ReduceMean, &reduce_kernel<ReduceOp::Sum, true>);
    }
    if (have(ReduceOp::Prod)) reg(OpId::ReduceProd, &reduce_kernel<ReduceOp::Prod, false>);
    if (have(ReduceOp::Max)) reg(OpId::ReduceMax, &reduce_kernel<ReduceOp::Max, false>);
    if (have(ReduceOp::Min)) reg(OpId::ReduceMin, &reduce_kernel<ReduceOp::Min, false>);
    if (have(ReduceOp::Any)) reg(OpId::ReduceAny, &reduce_kernel<ReduceOp::Any, false>);
    if (have(ReduceOp::All)) reg(OpId::ReduceAll, &reduce_kernel<ReduceOp::All, false>);
    if (t.lse_rows[d]) reg(OpId::ReduceLogSumExp, &logsumexp_kernel);
    if (t.argmax_row[d] && t.argmax_cols[d]) reg(OpId::ArgMax, &arg_kernel<true>);
    if (t.argmin_row[d] && t.argmin_cols[d]) reg(OpId::ArgMin, &arg_kernel<false>);
  }
}

}  // namespace tg::cpu

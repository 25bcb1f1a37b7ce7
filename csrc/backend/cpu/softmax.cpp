// CPU kernels of softmax, log_softmax, masked_softmax and the fused
// cross-entropies.
//
// Every operand is dense in its own shape (the ops ask exec for dense
// inputs), except masked_softmax's mask, read through its broadcast strides. Each forward is one fused pass per row: max, exp-sum, normalise,
// all while the row is in L1. The cross-entropies also write each row's max
// and log-sum-exp (aux outputs) for their fused backward kernels.
#include <algorithm>
#include <vector>

#include "backend/cpu/operands.h"
#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"
#include "simd/dispatch.h"

namespace tg::cpu {

namespace {

using op::OpId;

const char* at(const ArrayArg& a, int64_t elems) {
  return static_cast<const char*>(a.data) + elems * int64_t(itemsize(a.dtype));
}
char* at_out(const ArrayArg& a, int64_t elems) { return static_cast<char*>(a.data) + elems * int64_t(itemsize(a.dtype)); }

// Rows of n in parallel, about kParallelElems elements per task.
template <class F>
void for_row_blocks(int64_t m, int64_t n, F&& f) {
  parallel_for(m, std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, n)), f);
}

// The class axis is the call shape's last: (m rows, n classes).
void rows_and_classes(const KernelCall& c, int64_t& m, int64_t& n) {
  n = c.ndim ? c.shape[c.ndim - 1] : 1;
  m = 1;
  for (int d = 0; d + 1 < c.ndim; ++d) m *= c.shape[d];
}

template <bool Log>
void softmax_kernel(const KernelCall& c) {
  const DType dt = c.in[0].dtype;
  const auto& tab = simd::kernels().red;
  const int64_t a = c.attrs->axis, L = c.shape[a];
  int64_t inner = 1;
  for (int d = int(a) + 1; d < c.ndim; ++d) inner *= c.shape[d];
  const int64_t outer = L * inner != 0 ? c.numel / (L * inner) : 0;
  const char* in = static_cast<const char*>(c.in[0].data);
  char* o = static_cast<char*>(c.out.data);
  const int64_t isz = int64_t(itemsize(dt));
  if (inner == 1) {
    auto fn = (Log ? tab.log_softmax_rows : tab.softmax_rows)[int(dt)];
    for_row_blocks(outer, L, [&](int64_t b, int64_t e) { fn(in + b * L * isz, o + b * L * isz, e - b, L); });
    return;
  }
  // Along a middle axis: down the columns of each (L, inner) block, in column
  // chunks so that few, large blocks still split between threads.
  auto fn = (Log ? tab.log_softmax_cols : tab.softmax_cols)[int(dt)];
  constexpr int64_t kChunk = 256;
  const int64_t chunks = (inner + kChunk - 1) / kChunk;
  parallel_for(outer * chunks, std::max<int64_t>(1, kParallelElems / (L * std::min(inner, kChunk))),
               [&](int64_t b, int64_t e) {
                 for (int64_t i = b; i < e; ++i) {
                   const int64_t blk = i / chunks, j0 = (i % chunks) * kChunk;
                   const int64_t off = (blk * L * inner + j0) * isz;
                   fn(in + off, o + off, L, std::min(kChunk, inner - j0), inner);
                 }
               });
}

// ---- masked_softmax ---------------------------------------------------------------
// (x dense, mask bool through its broadcast strides over x's shape) -> y.
// Each row goes through the same SIMD loop as softmax, from a scratch copy
// in which its masked logits are kMaskedLogit: an all-true mask gives
// softmax's bits. The masked outputs are then zeroed (Keras's Softmax layer),
// unless a row with no true entry keeps its equal weights.
struct MaskLayout {
  const bool* data;
  Shape rows;        // x's shape with the axis set to 1: a row's start
  Strides strides;   // the mask's element strides over x's shape
  int64_t step;      // ... along the axis

  MaskLayout(const KernelCall& c, int64_t axis)
      : data(static_cast<const bool*>(c.in[1].data)), rows(shape_of(c)), strides(strides_of(c, c.in[1])),
        step(strides[size_t(axis)]) {
    rows[size_t(axis)] = 1;
  }
  // The mask's offset at the start of row r (row-major over `rows`).
  const bool* row(int64_t r) const {
    int64_t off = 0;
    for (size_t d = rows.size(); d-- > 0;) {
      const int64_t q = r / rows[d];
      off += (r - q * rows[d]) * strides[d];
      r = q;
    }
    return data + off;
  }
};

template <class T>
void masked_softmax_kernel(const KernelCall& c) {
  const auto& tab = simd::kernels().red;
  const DType dt = c.in[0].dtype;
  const int64_t a = c.attrs->axis, L = c.shape[a];
  const bool zero_masked = !c.attrs->uniform_if_all_masked;
  int64_t inner = 1;
  for (int d = int(a) + 1; d < c.ndim; ++d) inner *= c.shape[d];
  const int64_t outer = L * inner != 0 ? c.numel / (L * inner) : 0;
  const T* x = static_cast<const T*>(c.in[0].data);
  T* y = static_cast<T*>(c.out.data);
  const MaskLayout mask(c, a);
  const int64_t ms = mask.step;
  const T fill = T(kMaskedLogit);
  if (inner == 1) {
    const auto fn = tab.softmax_rows[int(dt)];
    for_row_blocks(outer, L, [&](int64_t b, int64_t e) {
      std::vector<T> scratch(size_t((e - b) * L));
      for (int64_t r = b; r < e; ++r) {
        const T* xr = x + r * L;
        const bool* mr = mask.row(r);
        T* sr = scratch.data() + (r - b) * L;
        for (int64_t k = 0; k < L; ++k) sr[k] = mr[k * ms] ? xr[k] : fill;
      }
      fn(scratch.data(), y + b * L, e - b, L);
      if (!zero_masked) return;
      for (int64_t r = b; r < e; ++r) {
        const bool* mr = mask.row(r);
        T* yr = y + r * L;
        for (int64_t k = 0; k < L; ++k) yr[k] = mr[k * ms] ? yr[k] : T(0);
      }
    });
    return;
  }
  // Along a middle axis: chunks of columns of each (L, inner) block, copied
  // into an (L, chunk) scratch for softmax's column loop.
  const auto fn = tab.softmax_cols[int(dt)];
  const int64_t chunk = std::clamp<int64_t>((int64_t(1) << 14) / L, 1, 256);
  const int64_t chunks = (inner + chunk - 1) / chunk;
  parallel_for(outer * chunks, std::max<int64_t>(1, kParallelElems / (L * std::min(inner, chunk))),
               [&](int64_t b, int64_t e) {
                 std::vector<T> in(size_t(L * chunk)), out(size_t(L * chunk));
                 std::vector<const bool*> mcol(static_cast<size_t>(chunk));
                 for (int64_t i = b; i < e; ++i) {
                   const int64_t o = i / chunks, j0 = (i % chunks) * chunk, w = std::min(chunk, inner - j0);
                   const T* xb = x + o * L * inner + j0;
                   T* yb = y + o * L * inner + j0;
                   for (int64_t j = 0; j < w; ++j) mcol[size_t(j)] = mask.row(o * inner + j0 + j);
                   for (int64_t k = 0; k < L; ++k)
                     for (int64_t j = 0; j < w; ++j) in[size_t(k * w + j)] = mcol[size_t(j)][k * ms] ? xb[k * inner + j] : fill;
                   fn(in.data(), out.data(), L, w, w);
                   for (int64_t k = 0; k < L; ++k)
                     for (int64_t j = 0; j < w; ++j) {
                       const T v = out[size_t(k * w + j)];
                       yb[k * inner + j] = zero_masked && !mcol[size_t(j)][k * ms] ? T(0) : v;
                     }
                 }
               });
}

// (logits, ids) -> loss; aux: mx, ls.
void sparse_xent_kernel(const KernelCall& c) {
  int64_t m, n;
  rows_and_classes(c, m, n);
  const auto fn = simd::kernels().red.sparse_xent[int(c.in[0].dtype)];
  const int64_t* ids = static_cast<const int64_t*>(c.in[1].data);
  for_row_blocks(m, n, [&](int64_t b, int64_t e) {
    fn(at(c.in[0], b * n), ids + b, e - b, n, at_out(c.out, b), at_out(c.aux[0], b), at_out(c.aux[1], b));
  });
}

// (logits, ids, mx, ls, g) -> (softmax(x) - onehot(ids)) * g.
void sparse_xent_grad_kernel(const KernelCall& c) {
  int64_t m, n;
  rows_and_classes(c, m, n);
  const auto fn = simd::kernels().red.sparse_xent_bwd[int(c.in[0].dtype)];
  const int64_t* ids = static_cast<const int64_t*>(c.in[1].data);
  for_row_blocks(m, n, [&](int64_t b, int64_t e) {
    fn(at(c.in[0], b * n), ids + b, at(c.in[2], b), at(c.in[3], b), at(c.in[4], b), e - b, n, at_out(c.out, b * n));
  });
}

// (logits, labels) -> loss; aux: mx, ls. No classes: every loss is 0.
void dense_xent_kernel(const KernelCall& c) {
  int64_t m, n;
  rows_and_classes(c, m, n);
  const DType dt = c.in[0].dtype;
  if (n == 0) {
    TG_DISPATCH_FLOAT(dt, "softmax_cross_entropy_with_logits", {
      std::fill(static_cast<T*>(c.out.data), static_cast<T*>(c.out.data) + m, T(0));
    });
    return;
  }
  const auto fn = simd::kernels().red.dense_xent[int(dt)];
  for_row_blocks(m, n, [&](int64_t b, int64_t e) {
    fn(at(c.in[0], b * n), at(c.in[1], b * n), e - b, n, at_out(c.out, b), at_out(c.aux[0], b), at_out(c.aux[1], b));
  });
}

// (logits, labels, mx, ls, g) -> (softmax(x) * sum(z) - z) * g.
void dense_xent_grad_kernel(const KernelCall& c) {
  int64_t m, n;
  rows_and_classes(c, m, n);
  const auto fn = simd::kernels().red.dense_xent_bwd[int(c.in[0].dtype)];
  for_row_blocks(m, n, [&](int64_t b, int64_t e) {
    fn(at(c.in[0], b * n), at(c.in[1], b * n), at(c.in[2], b), at(c.in[3], b), at(c.in[4], b), e - b, n,
       at_out(c.out, b * n));
  });
}

// (logits, labels) -> max(x, 0) - x z + log1p(exp(-|x|)), element-wise.
void sigmoid_xent_kernel(const KernelCall& c) {
  const auto fn = simd::kernels().red.sigmoid_xent[int(c.in[0].dtype)];
  parallel_for(c.numel, kParallelElems, [&](int64_t b, int64_t e) {
    fn(at(c.in[0], b), at(c.in[1], b), e - b, at_out(c.out, b));
  });
}

// (logits, labels, g) -> (sigmoid(x) - z) * g.
void sigmoid_xent_grad_kernel(const KernelCall& c) {
  const auto fn = simd::kernels().red.sigmoid_xent_bwd[int(c.in[0].dtype)];
  parallel_for(c.numel, kParallelElems, [&](int64_t b, int64_t e) {
    fn(at(c.in[0], b), at(c.in[1], b), at(c.in[2], b), e - b, at_out(c.out, b));
  });
}

}  // namespace

void register_softmax() {
  const simd::ReduceLoops& t = simd::kernels().red;
  for (int d = 0; d < kNumDTypes; ++d) {
    const DType dt = DType(d);
    auto reg = [&](bool have, OpId id, KernelFn fn) {
      if (have) op::register_kernel(id, DeviceType::CPU, dt, fn);
    };
    reg(t.softmax_rows[d] && t.softmax_cols[d], OpId::Softmax, &softmax_kernel<false>);
    reg(t.log_softmax_rows[d] && t.log_softmax_cols[d], OpId::LogSoftmax, &softmax_kernel<true>);
    if (t.softmax_rows[d] && t.softmax_cols[d])
      reg(true, OpId::MaskedSoftmax, dt == DType::Float32 ? &masked_softmax_kernel<float> : &masked_softmax_kernel<double>);
    reg(t.sparse_xent[d], OpId::SparseSoftmaxXent, &sparse_xent_kernel);
    reg(t.sparse_xent_bwd[d], OpId::SparseSoftmaxXentGrad, &sparse_xent_grad_kernel);
    reg(t.dense_xent[d], OpId::SoftmaxXent, &dense_xent_kernel);
    reg(t.dense_xent_bwd[d], OpId::SoftmaxXentGrad, &dense_xent_grad_kernel);
    reg(t.sigmoid_xent[d], OpId::SigmoidXent, &sigmoid_xent_kernel);
    reg(t.sigmoid_xent_bwd[d], OpId::SigmoidXentGrad, &sigmoid_xent_grad_kernel);
  }
}

}  // namespace tg::cpu

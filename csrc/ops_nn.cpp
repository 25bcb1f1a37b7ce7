// Neural-network kernels: softmax, log_softmax and the fused cross-entropies.
//
// Each forward is one fused pass per row (max, exp-sum, normalise, all while
// the row is in L1). The first-order gradients of the cross-entropies are
// fused kernels too, (softmax - labels) * g in one pass from the saved
// log-sum-exp; each such backward is itself an op whose gradient rule is
// written with public ops, so second-order gradients work through it.
#include <algorithm>
#include <cmath>

#include "autograd.h"
#include "op/exec.h"
#include "simd/dispatch.h"
#include "ops.h"
#include "parallel.h"

namespace tg::ops {

using autograd::Grads;

namespace {

void check_float_logits(const char* op, const Tensor& logits) {
  TG_CHECK(is_floating(logits.dtype()), TypeError, op, ": logits must be float32 or float64, got ", logits.dtype());
}

// g with a trailing axis of 1, to broadcast a per-row value over the classes.
Tensor per_row(const Tensor& g) {
  Shape s = g.shape();
  s.push_back(1);
  return reshape(g, s);
}

// Rows of n in parallel, about kParallelElems elements per task.
template <class F>
void for_row_blocks(int64_t m, int64_t n, F&& f) {
  parallel_for(m, std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, n)), f);
}

Tensor softmax_impl(const Tensor& t, int64_t axis, bool log, const char* name) {
  check_float_logits(name, t);
  TG_CHECK(t.ndim() >= 1, ValueError, name, ": axis ", axis,
           " is out of range for logits of rank 0 (logits must have rank >= 1)");
  const int64_t a = normalize_axis(axis, t.ndim(), name);
  const Tensor x = t.contiguous();
  const DType dt = x.dtype();
  const Shape& sh = x.shape();
  const int64_t L = sh[size_t(a)];
  int64_t inner = 1;
  for (size_t i = size_t(a) + 1; i < sh.size(); ++i) inner *= sh[i];
  const int64_t outer = L * inner != 0 ? x.numel() / (L * inner) : 0;
  Tensor out = Tensor::empty(sh, dt, x.device());
  const auto& tab = simd::kernels().red;
  const char* in = static_cast<const char*>(x.raw());
  char* o = static_cast<char*>(out.raw());
  const int64_t isz = int64_t(itemsize(dt));
  if (out.numel() > 0) {
    if (inner == 1) {
      auto fn = (log ? tab.log_softmax_rows : tab.softmax_rows)[int(dt)];
      for_row_blocks(outer, L, [&](int64_t b, int64_t e) { fn(in + b * L * isz, o + b * L * isz, e - b, L); });
    } else {
      // Along a middle axis: down the columns of each (L, inner) block, in
      // column chunks so that few, large blocks still split between threads.
      auto fn = (log ? tab.log_softmax_cols : tab.softmax_cols)[int(dt)];
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
  }
  if (autograd::should_record({&t})) {
    const std::vector<int64_t> ax{a};
    if (log) {
      autograd::record(name, {t}, {out}, [out, ax](const Grads& g, const std::vector<bool>&) {
        return Grads{subtract(g[0], multiply(exp(out), sum(g[0], ax, true)))};
      });
    } else {
      autograd::record(name, {t}, {out}, [out, ax](const Grads& g, const std::vector<bool>&) {
        return Grads{multiply(out, subtract(g[0], sum(multiply(g[0], out), ax, true)))};
      });
    }
  }
  return out;
}

// The labels made comparable with the logits (same dtype, same shape).
Tensor match_labels(const char* op, const Tensor& labels, const Tensor& logits) {
  TG_CHECK(labels.shape() == logits.shape(), ValueError, op, ": labels and logits must have the same shape, got labels ",
           labels.shape(), " and logits ", logits.shape());
  return labels.dtype() == logits.dtype() ? labels : cast(labels, logits.dtype());
}

// one_hot of int64 class ids (a constant: labels are not differentiable).
Tensor onehot_of(const Tensor& ids, const Shape& shape, DType dt) {
  Tensor out = zeros(shape, dt);
  const int64_t n = shape.back(), m = ids.numel();
  const int64_t* id = ids.data<int64_t>();
  TG_DISPATCH_FLOAT(dt, "one_hot", {
    T* o = out.data<T>();
    for (int64_t i = 0; i < m; ++i) o[i * n + id[i]] = T(1);
  });
  return out;
}

// --- sparse: (softmax(x) - onehot(labels)) * g, fused -----------------------------------
// mx, ls: the forward's per-row max and log-sum-exp of the shifted row.
Tensor sparse_xent_backward(const Tensor& logits, const Tensor& ids, const Tensor& mx, const Tensor& ls,
                            const Tensor& g_in) {
  const Tensor x = logits.contiguous();
  const Tensor g = convert(g_in, x.dtype()).contiguous();
  const DType dt = x.dtype();
  const int64_t n = x.shape().back(), m = ids.numel();
  Tensor out = Tensor::empty(x.shape(), dt, x.device());
  auto fn = simd::kernels().red.sparse_xent_bwd[int(dt)];
  const int64_t isz = int64_t(itemsize(dt));
  const char *px = static_cast<const char*>(x.raw()), *pm = static_cast<const char*>(mx.raw()),
             *pl = static_cast<const char*>(ls.raw()), *pg = static_cast<const char*>(g.raw());
  char* po = static_cast<char*>(out.raw());
  const int64_t* pid = ids.data<int64_t>();
  if (out.numel() > 0)
    for_row_blocks(m, n, [&](int64_t b, int64_t e) {
      fn(px + b * n * isz, pid + b, pm + b * isz, pl + b * isz, pg + b * isz, e - b, n, po + b * n * isz);
    });
  if (autograd::should_record({&logits, &g_in})) {
    autograd::record("sparse_softmax_cross_entropy_grad", {logits, g_in}, {out},
                     [logits, ids, g_in](const Grads& gr, const std::vector<bool>& need) {
      const Tensor& u = gr[0];
      Tensor p = softmax(logits, -1);
      Tensor gx, gg;
      if (need[0]) {
        Tensor v = multiply(u, per_row(g_in));
        gx = multiply(p, subtract(v, sum(multiply(v, p), std::vector<int64_t>{-1}, true)));
      }
      if (need[1]) gg = sum(multiply(u, subtract(p, onehot_of(ids, logits.shape(), logits.dtype()))), std::vector<int64_t>{-1});
      return Grads{gx, gg};
    });
  }
  return out;
}

// --- dense: (softmax(x) * sum(z) - z) * g, fused ---------------------------------------
Tensor dense_xent_backward(const Tensor& logits, const Tensor& labels, const Tensor& mx, const Tensor& ls,
                           const Tensor& g_in) {
  const Tensor x = logits.contiguous(), z = labels.contiguous();
  const Tensor g = convert(g_in, x.dtype()).contiguous();
  const DType dt = x.dtype();
  const int64_t n = x.shape().back(), m = mx.numel();
  Tensor out = Tensor::empty(x.shape(), dt, x.device());
  auto fn = simd::kernels().red.dense_xent_bwd[int(dt)];
  const int64_t isz = int64_t(itemsize(dt));
  const char *px = static_cast<const char*>(x.raw()), *pz = static_cast<const char*>(z.raw()),
             *pm = static_cast<const char*>(mx.raw()), *pl = static_cast<const char*>(ls.raw()),
             *pg = static_cast<const char*>(g.raw());
  char* po = static_cast<char*>(out.raw());
  if (out.numel() > 0)
    for_row_blocks(m, n, [&](int64_t b, int64_t e) {
      fn(px + b * n * isz, pz + b * n * isz, pm + b * isz, pl + b * isz, pg + b * isz, e - b, n, po + b * n * isz);
    });
  if (autograd::should_record({&logits, &labels, &g_in})) {
    autograd::record("softmax_cross_entropy_grad", {logits, labels, g_in}, {out},
                     [logits, labels, g_in](const Grads& gr, const std::vector<bool>& need) {
      const std::vector<int64_t> last{-1};
      const Tensor& u = gr[0];
      Tensor p = softmax(logits, -1);
      Tensor s = sum(labels, last, true);
      Tensor gr_ = per_row(g_in);
      Tensor gx, gz, gg;
      if (need[0]) {
        Tensor v = multiply(u, multiply(s, gr_));
        gx = multiply(p, subtract(v, sum(multiply(v, p), last, true)));
      }
      if (need[1]) gz = multiply(gr_, subtract(sum(multiply(u, p), last, true), u));
      if (need[2]) gg = sum(multiply(u, subtract(multiply(p, s), labels)), last);
      return Grads{gx, gz, gg};
    });
  }
  return out;
}

// Dense cross-entropy over the last axis.
Tensor dense_xent_last(const Tensor& labels, const Tensor& logits) {
  const Tensor x = logits.contiguous(), z = labels.contiguous();
  const DType dt = x.dtype();
  const Shape rows(x.shape().begin(), x.shape().end() - 1);
  const int64_t n = x.shape().back();
  Tensor loss = Tensor::empty(rows, dt, x.device());
  Tensor mx = Tensor::empty(rows, dt, x.device()), ls = Tensor::empty(rows, dt, x.device());
  const int64_t m = loss.numel();
  auto fn = simd::kernels().red.dense_xent[int(dt)];
  const int64_t isz = int64_t(itemsize(dt));
  const char *px = static_cast<const char*>(x.raw()), *pz = static_cast<const char*>(z.raw());
  char *pl = static_cast<char*>(loss.raw()), *pm = static_cast<char*>(mx.raw()), *ps = static_cast<char*>(ls.raw());
  if (n == 0) {
    // No classes: every loss is 0 (an empty sum).
    TG_DISPATCH_FLOAT(dt, "softmax_cross_entropy_with_logits", { std::fill(loss.data<T>(), loss.data<T>() + m, T(0)); });
  } else {
    for_row_blocks(m, n, [&](int64_t b, int64_t e) {
      fn(px + b * n * isz, pz + b * n * isz, e - b, n, pl + b * isz, pm + b * isz, ps + b * isz);
    });
  }
  if (autograd::should_record({&labels, &logits})) {
    autograd::record("softmax_cross_entropy_with_logits", {labels, logits}, {loss},
                     [labels, logits, mx, ls](const Grads& g, const std::vector<bool>& need) {
      Tensor gz = need[0] ? multiply(negative(log_softmax(logits, -1)), per_row(g[0])) : Tensor();
      Tensor gx = need[1] ? dense_xent_backward(logits, labels, mx, ls, g[0]) : Tensor();
      return Grads{gz, gx};
    });
  }
  return loss;
}

// --- sigmoid: (sigmoid(x) - z) * g, fused ----------------------------------------------
Tensor sigmoid_xent_backward(const Tensor& logits, const Tensor& labels, const Tensor& g_in) {
  const Tensor x = logits.contiguous(), z = labels.contiguous();
  const Tensor g = convert(g_in, x.dtype()).contiguous();
  const DType dt = x.dtype();
  Tensor out = Tensor::empty(x.shape(), dt, x.device());
  auto fn = simd::kernels().red.sigmoid_xent_bwd[int(dt)];
  const int64_t isz = int64_t(itemsize(dt));
  const char *px = static_cast<const char*>(x.raw()), *pz = static_cast<const char*>(z.raw()),
             *pg = static_cast<const char*>(g.raw());
  char* po = static_cast<char*>(out.raw());
  parallel_for(out.numel(), kParallelElems, [&](int64_t b, int64_t e) {
    fn(px + b * isz, pz + b * isz, pg + b * isz, e - b, po + b * isz);
  });
  if (autograd::should_record({&logits, &labels, &g_in})) {
    autograd::record("sigmoid_cross_entropy_grad", {logits, labels, g_in}, {out},
                     [logits, labels, g_in](const Grads& gr, const std::vector<bool>& need) {
      const Tensor& u = gr[0];
      Tensor s = sigmoid(logits);
      Tensor gx, gz, gg;
      if (need[0]) {
        Tensor ds = multiply(s, subtract(scalar(1.0, s.dtype()), s));
        gx = multiply(multiply(u, g_in), ds);
      }
      if (need[1]) gz = negative(multiply(u, g_in));
      if (need[2]) gg = multiply(u, subtract(s, labels));
      return Grads{gx, gz, gg};
    });
  }
  return out;
}

}  // namespace

Tensor softmax(const Tensor& t, int64_t axis) { return softmax_impl(t, axis, false, "softmax"); }
Tensor log_softmax(const Tensor& t, int64_t axis) { return softmax_impl(t, axis, true, "log_softmax"); }

Tensor sparse_softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits) {
  const char* name = "sparse_softmax_cross_entropy_with_logits";
  check_float_logits(name, logits);
  TG_CHECK(is_integer(labels.dtype()), TypeError, name, ": labels must be integer class ids (int32 or int64), got ",
           labels.dtype());
  TG_CHECK(logits.ndim() >= 1, ValueError, name, ": logits must have rank >= 1, got a scalar");
  const Shape rows(logits.shape().begin(), logits.shape().end() - 1);
  TG_CHECK(labels.shape() == rows, ValueError, name, ": labels of shape ", labels.shape(),
           " do not match logits of shape ", logits.shape(), " (labels must have shape ", rows,
           ": the logits' shape without the class axis)");
  const int64_t n = logits.shape().back();
  const Tensor ids = convert(labels, DType::Int64).contiguous();
  const int64_t m = ids.numel();
  {
    const int64_t* id = ids.data<int64_t>();
    for (int64_t i = 0; i < m; ++i)
      TG_CHECK(id[i] >= 0 && id[i] < n, IndexError, name, ": received a label value of ", id[i], " (at position ", i,
               ") which is outside the valid range of [0, ", n, ") for ", n, " classes");
  }
  const Tensor x = logits.contiguous();
  const DType dt = x.dtype();
  Tensor loss = Tensor::empty(rows, dt, x.device());
  Tensor mx = Tensor::empty(rows, dt, x.device()), ls = Tensor::empty(rows, dt, x.device());
  auto fn = simd::kernels().red.sparse_xent[int(dt)];
  const int64_t isz = int64_t(itemsize(dt));
  const char* px = static_cast<const char*>(x.raw());
  char *pl = static_cast<char*>(loss.raw()), *pm = static_cast<char*>(mx.raw()), *ps = static_cast<char*>(ls.raw());
  const int64_t* pid = ids.data<int64_t>();
  for_row_blocks(m, n, [&](int64_t b, int64_t e) {
    fn(px + b * n * isz, pid + b, e - b, n, pl + b * isz, pm + b * isz, ps + b * isz);
  });
  if (autograd::should_record({&logits})) {
    autograd::record(name, {labels, logits}, {loss}, [logits, ids, mx, ls](const Grads& g, const std::vector<bool>& need) {
      return Grads{Tensor(), need[1] ? sparse_xent_backward(logits, ids, mx, ls, g[0]) : Tensor()};
    });
  }
  return loss;
}

Tensor softmax_cross_entropy_with_logits(const Tensor& labels_in, const Tensor& logits, int64_t axis) {
  const char* name = "softmax_cross_entropy_with_logits";
  check_float_logits(name, logits);
  TG_CHECK(logits.ndim() >= 1, ValueError, name, ": axis ", axis,
           " is out of range for logits of rank 0 (logits must have rank >= 1)");
  const Tensor labels = match_labels(name, labels_in, logits);
  const int64_t a = normalize_axis(axis, logits.ndim(), name);
  if (a == logits.ndim() - 1) return dense_xent_last(labels, logits);
  // Another class axis: move it last (views; the kernel then copies once).
  std::vector<int64_t> perm;
  for (int64_t i = 0; i < logits.ndim(); ++i)
    if (i != a) perm.push_back(i);
  perm.push_back(a);
  return dense_xent_last(transpose(labels, perm), transpose(logits, perm));
}

Tensor sigmoid_cross_entropy_with_logits(const Tensor& labels_in, const Tensor& logits) {
  const char* name = "sigmoid_cross_entropy_with_logits";
  check_float_logits(name, logits);
  const Tensor labels = match_labels(name, labels_in, logits);
  const Tensor x = logits.contiguous(), z = labels.contiguous();
  const DType dt = x.dtype();
  Tensor out = Tensor::empty(x.shape(), dt, x.device());
  auto fn = simd::kernels().red.sigmoid_xent[int(dt)];
  const int64_t isz = int64_t(itemsize(dt));
  const char *px = static_cast<const char*>(x.raw()), *pz = static_cast<const char*>(z.raw());
  char* po = static_cast<char*>(out.raw());
  parallel_for(out.numel(), kParallelElems, [&](int64_t b, int64_t e) {
    fn(px + b * isz, pz + b * isz, e - b, po + b * isz);
  });
  if (autograd::should_record({&labels, &logits})) {
    autograd::record(name, {labels, logits}, {out}, [labels, logits](const Grads& g, const std::vector<bool>& need) {
      Tensor gz = need[0] ? multiply(negative(logits), g[0]) : Tensor();
      Tensor gx = need[1] ? sigmoid_xent_backward(logits, labels, g[0]) : Tensor();
      return Grads{gz, gx};
    });
  }
  return out;
}

}  // namespace tg::ops

// Index-driven copies: gather and its scatter-add gradient, one_hot, boolean_mask.
// Indices are checked in one pass (IndexError naming the index and the axis)
// before any kernel runs, so a kernel never reads out of bounds.
#include <cstring>

#include "autograd.h"
#include "ops.h"
#include "parallel.h"

namespace tg::ops {

using autograd::Grads;

namespace {

// indices as int64 with negatives wrapped; IndexError for anything outside [-len, len).
std::vector<int64_t> checked_indices(const Tensor& indices, int64_t len, const char* op, int64_t axis,
                                     const Shape& shape) {
  TG_CHECK(is_integer(indices.dtype()), TypeError, op, ": indices must be an integer tensor, got dtype ",
           indices.dtype());
  TG_CHECK(indices.device().type == DeviceType::CPU, ValueError, op, ": indices on ", indices.device().name(),
           " are not supported");
  const int64_t n = indices.numel();
  std::vector<int64_t> out(static_cast<size_t>(n));
  Tensor c = indices.contiguous();
  TG_DISPATCH_ALL(c.dtype(), {
    const T* p = c.data<T>();
    for (int64_t i = 0; i < n; ++i) out[size_t(i)] = int64_t(p[i]);
  });
  for (int64_t i = 0; i < n; ++i) {
    int64_t v = out[size_t(i)];
    if (v < -len || v >= len)
      throw IndexError(str(op, ": index ", v, " (at flat position ", i, " of indices) is out of range for axis ", axis,
                           " of size ", len, " (params shape ", shape, ")"));
    if (v < 0) out[size_t(i)] = v + len;
  }
  return out;
}

int64_t prod(const Shape& s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e; ++i) p *= s[i];
  return p;
}

// Contiguous params viewed as (outer, len, inner): copy block (o, idx[j]) to out block (o, j).
void gather_contiguous(const Tensor& params, const std::vector<int64_t>& idx, int64_t outer, int64_t len,
                       int64_t inner, const Tensor& out) {
  const int64_t n = int64_t(idx.size());
  const size_t isz = itemsize(params.dtype());
  const char* src = static_cast<const char*>(params.raw());
  char* dst = static_cast<char*>(out.raw());
  const int64_t blocks = outer * n;
  const size_t bytes = size_t(inner) * isz;
  const int64_t grain = std::max<int64_t>(1, kParallelBytes / int64_t(std::max<size_t>(bytes, 16)));
  auto run = [&](auto elem) {
    using E = decltype(elem);
    parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t o = b / n, j = b - o * n;
        const int64_t from = o * len + idx[size_t(j)];
        if (inner == 1)
          reinterpret_cast<E*>(dst)[b] = reinterpret_cast<const E*>(src)[from];
        else
          std::memcpy(dst + size_t(b) * bytes, src + size_t(from) * bytes, bytes);
      }
    });
  };
  switch (isz) {
    case 1: run(uint8_t{}); break;
    case 4: run(uint32_t{}); break;
    default: run(uint64_t{}); break;
  }
}

}  // namespace

Tensor gather(const Tensor& params, const Tensor& indices, int64_t axis_in) {
  const int64_t axis = normalize_axis(axis_in, params.ndim(), "gather");
  const Shape& ps = params.shape();
  const int64_t len = ps[size_t(axis)];
  std::vector<int64_t> idx = checked_indices(indices, len, "gather", axis, ps);
  Shape out_shape(ps.begin(), ps.begin() + axis);
  out_shape.insert(out_shape.end(), indices.shape().begin(), indices.shape().end());
  out_shape.insert(out_shape.end(), ps.begin() + axis + 1, ps.end());
  Tensor out = Tensor::empty(out_shape, params.dtype(), params.device());
  const int64_t outer = prod(ps, 0, size_t(axis)), inner = prod(ps, size_t(axis) + 1, ps.size());
  if (out.numel() > 0) {
    // A strided params is copied to contiguous only when the gather reads most
    // of it anyway; a few rows of a big strided table go one view at a time.
    if (params.is_contiguous() || params.numel() <= 4 * out.numel()) {
      gather_contiguous(params.contiguous(), idx, outer, len, inner, out);
    } else {
      Shape slab(ps);
      slab.erase(slab.begin() + axis);
      Strides pst(params.strides());
      pst.erase(pst.begin() + axis);
      // out viewed as (outer dims..., n, inner dims...) with n flattened.
      Shape oshape(ps.begin(), ps.begin() + axis);
      oshape.push_back(int64_t(idx.size()));
      oshape.insert(oshape.end(), ps.begin() + axis + 1, ps.end());
      Strides ost = contiguous_strides(oshape);
      const int64_t ostep = ost[size_t(axis)];
      ost.erase(ost.begin() + axis);
      for (size_t j = 0; j < idx.size(); ++j)
        copy_into(Tensor::view_of(params, slab, pst, params.offset() + idx[j] * params.strides()[size_t(axis)]),
                  Tensor::view_of(out, slab, ost, int64_t(j) * ostep));
    }
  }
  if (autograd::should_record({&params})) {
    autograd::record("gather", {params, indices}, {out},
                     [indices, axis, ps](const Grads& g, const std::vector<bool>& need) {
                       return Grads{need[0] ? gather_backward(g[0], indices, axis, ps) : Tensor(), Tensor()};
                     });
  }
  return out;
}

Tensor gather_backward(const Tensor& g, const Tensor& indices, int64_t axis_in, const Shape& shape) {
  TG_CHECK(!shape.empty(), ValueError, "gather_backward: params shape must have rank >= 1");
  const int64_t axis = normalize_axis(axis_in, int64_t(shape.size()), "gather_backward");
  const int64_t len = shape[size_t(axis)];
  std::vector<int64_t> idx = checked_indices(indices, len, "gather_backward", axis, shape);
  Shape expect(shape.begin(), shape.begin() + axis);
  expect.insert(expect.end(), indices.shape().begin(), indices.shape().end());
  expect.insert(expect.end(), shape.begin() + axis + 1, shape.end());
  TG_CHECK(g.shape() == expect, ValueError, "gather_backward: gradient of shape ", g.shape(), " does not match ",
           expect, " (params shape ", shape, ", indices shape ", indices.shape(), ", axis ", axis, ")");
  Tensor out = zeros(shape, g.dtype());
  const int64_t outer = prod(shape, 0, size_t(axis)), inner = prod(shape, size_t(axis) + 1, shape.size());
  const int64_t n = int64_t(idx.size());
  if (out.numel() > 0 && g.numel() > 0) {
    Tensor gc = g.contiguous();
    TG_DISPATCH_NUMERIC(g.dtype(), "gather_backward", {
      const T* src = gc.data<T>();
      T* dst = out.data<T>();
      // Repeated indices add into the same row, so threads split the work by
      // outer slab or by inner column range, never by index.
      auto rows = [&](int64_t o0, int64_t o1, int64_t k0, int64_t k1) {
        for (int64_t o = o0; o < o1; ++o)
          for (int64_t j = 0; j < n; ++j) {
            const T* s = src + (o * n + j) * inner;
            T* d = dst + (o * len + idx[size_t(j)]) * inner;
            for (int64_t k = k0; k < k1; ++k) d[k] += s[k];
          }
      };
      const int64_t work = outer * n * inner;
      if (work < kParallelElems || (outer < num_threads() && inner < 64)) {
        rows(0, outer, 0, inner);
      } else if (outer >= num_threads()) {
        parallel_for(outer, 1, [&](int64_t o0, int64_t o1) { rows(o0, o1, 0, inner); });
      } else {
        parallel_for(inner, 64, [&](int64_t k0, int64_t k1) { rows(0, outer, k0, k1); });
      }
    });
  }
  if (autograd::should_record({&g})) {
    autograd::record("gather_backward", {g, indices}, {out},
                     [indices, axis](const Grads& gg, const std::vector<bool>& need) {
                       return Grads{need[0] ? gather(gg[0], indices, axis) : Tensor(), Tensor()};
                     });
  }
  return out;
}

Tensor one_hot(const Tensor& indices, int64_t depth, double on, double off, int64_t axis_in, DType dtype) {
  TG_CHECK(is_integer(indices.dtype()), TypeError, "one_hot: indices must be an integer tensor, got dtype ",
           indices.dtype());
  TG_CHECK(depth >= 0, ValueError, "one_hot: depth must be non-negative, got ", depth);
  const int64_t nd = indices.ndim();
  TG_CHECK(axis_in >= -1 && axis_in <= nd, IndexError, "one_hot: axis ", axis_in, " is out of range for indices of rank ",
           nd, " (valid: -1 to ", nd, ")");
  const int64_t axis = axis_in == -1 ? nd : axis_in;
  Shape out_shape = indices.shape();
  out_shape.insert(out_shape.begin() + axis, depth);
  Tensor out = full(out_shape, off, dtype);
  const Shape& is = indices.shape();
  const int64_t outer = prod(is, 0, size_t(axis)), inner = prod(is, size_t(axis), is.size());
  if (out.numel() > 0) {
    Tensor ic = indices.contiguous();
    TG_DISPATCH_ALL(dtype, using O = T; const O onv = static_cast<O>(on); O* dst = out.data<O>();
      TG_DISPATCH_ALL(ic.dtype(), {
        const T* p = ic.data<T>();
        // Indices outside [0, depth) leave their row at off_value, as TF does.
        parallel_for(outer * inner, kParallelElems, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) {
            const int64_t v = int64_t(p[i]);
            if (v < 0 || v >= depth) continue;
            const int64_t o = i / inner, k = i - o * inner;
            dst[(o * depth + v) * inner + k] = onv;
          }
        });
      }));
  }
  return out;
}

Tensor boolean_mask(const Tensor& t, const Tensor& mask, int64_t axis_in) {
  TG_CHECK(mask.dtype() == DType::Bool, TypeError, "boolean_mask: mask must be a bool tensor, got dtype ", mask.dtype());
  const int64_t k = mask.ndim();
  TG_CHECK(k > 0, ValueError, "boolean_mask: mask must have rank >= 1, got a 0-d mask");
  const int64_t nd = t.ndim();
  TG_CHECK(axis_in >= -nd && axis_in < nd, IndexError, "boolean_mask: axis ", axis_in,
           " is out of range for a tensor of rank ", nd);
  const int64_t axis = axis_in < 0 ? axis_in + nd : axis_in;
  bool ok = axis + k <= nd;
  for (int64_t i = 0; ok && i < k; ++i) ok = t.shape()[size_t(axis + i)] == mask.shape()[size_t(i)];
  TG_CHECK(ok, ValueError, "boolean_mask: mask of shape ", mask.shape(), " does not match the dimensions ", axis,
           "..", axis + k - 1, " of the tensor of shape ", t.shape());
  Tensor mc = mask.contiguous();
  const bool* m = mc.data<bool>();
  const int64_t n = mc.numel();
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) count += m[i] ? 1 : 0;
  Tensor where = Tensor::empty({count}, DType::Int64);
  int64_t* w = where.data<int64_t>();
  for (int64_t i = 0, j = 0; i < n; ++i)
    if (m[i]) w[j++] = i;
  Shape flat(t.shape().begin(), t.shape().begin() + axis);
  flat.push_back(n);
  flat.insert(flat.end(), t.shape().begin() + axis + k, t.shape().end());
  return gather(reshape(t, flat), where, axis);
}

}  // namespace tg::ops

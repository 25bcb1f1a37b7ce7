// Shape ops. Views (reshape where the strides allow, transpose, expand_dims,
// squeeze, broadcast_to, split, unstack) only rewrite shape/strides/offset;
// the joins (concat, stack, tile, pad) write each input once through
// copy_into, which has the contiguous fast path and the strided walk.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <optional>

#include "autograd.h"
#include "indexing.h"
#include "ops.h"
#include "parallel.h"

namespace tg::ops {

using autograd::Grads;

namespace {

// Strides that view (old_shape, old_strides) as new_shape without moving data,
// if any exist (NumPy's attempt_nocopy_reshape): each group of old dims that
// multiplies out to a group of new dims must be laid out as one run.
std::optional<Strides> nocopy_strides(const Shape& old_shape, const Strides& old_strides, const Shape& new_shape) {
  Shape os;
  Strides ost;
  for (size_t i = 0; i < old_shape.size(); ++i) {
    if (old_shape[i] == 0) return contiguous_strides(new_shape);  // no data: any strides do
    if (old_shape[i] != 1) { os.push_back(old_shape[i]); ost.push_back(old_strides[i]); }
  }
  const size_t on = os.size(), nn = new_shape.size();
  Strides ns(nn, 1);
  size_t oi = 0, oj = 1, ni = 0, nj = 1;
  while (ni < nn && oi < on) {
    int64_t np = new_shape[ni], op = os[oi];
    while (np != op) {
      if (np < op) {
        if (nj >= nn) return std::nullopt;
        np *= new_shape[nj++];
      } else {
        if (oj >= on) return std::nullopt;
        op *= os[oj++];
      }
    }
    for (size_t k = oi; k + 1 < oj; ++k)
      if (ost[k] != os[k + 1] * ost[k + 1]) return std::nullopt;
    ns[nj - 1] = ost[oj - 1];
    for (size_t k = nj - 1; k > ni; --k) ns[k - 1] = ns[k] * new_shape[k];
    ni = nj++;
    oi = oj++;
  }
  const int64_t last = ni > 0 ? ns[ni - 1] : 1;
  for (size_t k = ni; k < nn; ++k) ns[k] = last;  // trailing size-1 dims
  return ns;
}

// Result dtype of joining tensors: the pairwise rule of binary ops folded over
// all inputs, so weak Python scalars take the tensors' dtype (stack([x, 1.])).
DType join_dtype(const std::vector<Tensor>& ts) {
  Tensor acc = ts[0];
  for (size_t i = 1; i < ts.size(); ++i) {
    const bool weak = acc.get()->weak && ts[i].get()->weak;
    const DType d = result_dtype(acc, ts[i]);
    if (d == acc.dtype() && weak == acc.get()->weak) continue;
    acc = Tensor::empty({}, d);  // a 0-d stand-in carrying (dtype, weak) so far
    acc.get()->weak = weak;
  }
  return acc.dtype();
}

// The view of `out` that input k of a join along `axis` occupies.
Tensor region_along(const Tensor& out, int64_t axis, int64_t start, const Shape& shape) {
  return Tensor::view_of(out, shape, out.strides(), out.offset() + start * out.strides()[size_t(axis)]);
}

// Joins contiguous inputs of the output's dtype: per outer index, input k
// contributes one contiguous run of run_elems[k] elements, back to back.
// Returns false (nothing done) when an input does not qualify.
bool join_runs(const std::vector<Tensor>& ts, const std::vector<int64_t>& run_elems, int64_t outer, const Tensor& out) {
  if (outer <= 1) return false;  // one run per input: copy_into's parallel memcpy does better
  for (const Tensor& t : ts)
    if (!t.is_contiguous() || t.dtype() != out.dtype()) return false;
  const size_t isz = itemsize(out.dtype());
  std::vector<const char*> src(ts.size());
  std::vector<size_t> bytes(ts.size());
  size_t row = 0;
  for (size_t k = 0; k < ts.size(); ++k) {
    src[k] = static_cast<const char*>(ts[k].raw());
    bytes[k] = size_t(run_elems[k]) * isz;
    row += bytes[k];
  }
  char* dst = static_cast<char*>(out.raw());
  const int64_t grain = std::max<int64_t>(1, kParallelBytes / int64_t(std::max<size_t>(row, 1)));
  parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      char* d = dst + size_t(o) * row;
      for (size_t k = 0; k < ts.size(); ++k) {
        if (bytes[k]) std::memcpy(d, src[k] + size_t(o) * bytes[k], bytes[k]);
        d += bytes[k];
      }
    }
  });
  return true;
}

int64_t prod_dims(const Shape& s, size_t b, size_t e) {
  int64_t p = 1;
  for (size_t i = b; i < e; ++i) p *= s[i];
  return p;
}

Grads zeros_for_missing(const Grads& g, const std::vector<Shape>& shapes) {
  DType dt = DType::Float32;
  for (auto& x : g) if (x.defined()) { dt = x.dtype(); break; }
  Grads out(g.size());
  for (size_t i = 0; i < g.size(); ++i) out[i] = g[i].defined() ? g[i] : zeros(shapes[i], dt);
  return out;
}

}  // namespace

Tensor reshape(const Tensor& t, const Shape& shape_in) {
  Shape shape = shape_in;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      TG_CHECK(infer < 0, ValueError, "reshape: only one dimension may be -1, got ", shape_in);
      infer = int64_t(i);
    } else {
      TG_CHECK(shape[i] >= 0, ValueError, "reshape: invalid dimension ", shape[i], " in ", shape_in);
      known = shape[i] == 0 || known <= INT64_MAX / shape[i] ? known * shape[i] : INT64_MAX;
    }
  }
  const int64_t n = t.numel();
  if (infer >= 0) {
    TG_CHECK(known != 0 && n % known == 0, ValueError, "reshape: cannot reshape a tensor of shape ", t.shape(), " (",
             n, " elements) into ", shape_in);
    shape[size_t(infer)] = n / known;
  }
  TG_CHECK(known == INT64_MAX ? false : shape_numel(shape) == n, ValueError, "reshape: cannot reshape a tensor of shape ",
           t.shape(), " (", n, " elements) into ", shape_in);
  Tensor out;
  if (auto st = nocopy_strides(t.shape(), t.strides(), shape)) {
    out = Tensor::view_of(t, shape, std::move(*st), t.offset());
  } else {
    Tensor src = t.contiguous();
    out = Tensor::view_of(src, shape, contiguous_strides(shape), src.offset());
  }
  if (autograd::should_record({&t})) {
    autograd::record("reshape", {t}, {out}, [in = t.shape()](const Grads& g, const std::vector<bool>&) {
      return Grads{reshape(g[0], in)};
    });
  }
  return out;
}

Tensor broadcast_to(const Tensor& t, const Shape& shape) {
  for (int64_t d : shape) TG_CHECK(d >= 0, ValueError, "broadcast_to: negative dimension in shape ", shape);
  Shape b = broadcast_shapes(t.shape(), shape);
  TG_CHECK(b == shape, ValueError, "broadcast_to: cannot broadcast shape ", t.shape(), " to ", shape);
  Tensor out = Tensor::view_of(t, shape, broadcast_strides(t, shape), t.offset());
  if (autograd::should_record({&t})) {
    autograd::record("broadcast_to", {t}, {out}, [in = t.shape()](const Grads& g, const std::vector<bool>&) {
      return Grads{sum_to(g[0], in)};
    });
  }
  return out;
}

Tensor transpose(const Tensor& t, const std::vector<int64_t>& perm_in) {
  const int64_t nd = t.ndim();
  std::vector<int64_t> perm(size_t(nd), 0);
  if (perm_in.empty()) {
    for (int64_t i = 0; i < nd; ++i) perm[size_t(i)] = nd - 1 - i;
  } else {
    TG_CHECK(int64_t(perm_in.size()) == nd, ValueError, "transpose: perm ", perm_in, " has ", perm_in.size(),
             " entries but the input of shape ", t.shape(), " has rank ", nd);
    std::vector<bool> seen(size_t(nd), false);
    for (int64_t i = 0; i < nd; ++i) {
      int64_t p = perm_in[size_t(i)];
      TG_CHECK(p >= -nd && p < nd, ValueError, "transpose: perm ", perm_in, " is not a permutation of 0..", nd - 1,
               " (entry ", p, " out of range)");
      if (p < 0) p += nd;
      TG_CHECK(!seen[size_t(p)], ValueError, "transpose: perm ", perm_in, " is not a permutation of 0..", nd - 1,
               " (", p, " repeated)");
      seen[size_t(p)] = true;
      perm[size_t(i)] = p;
    }
  }
  Shape shape(static_cast<size_t>(nd));
  Strides strides(static_cast<size_t>(nd));
  for (int64_t i = 0; i < nd; ++i) {
    shape[size_t(i)] = t.shape()[size_t(perm[size_t(i)])];
    strides[size_t(i)] = t.strides()[size_t(perm[size_t(i)])];
  }
  Tensor out = Tensor::view_of(t, std::move(shape), std::move(strides), t.offset());
  if (autograd::should_record({&t})) {
    std::vector<int64_t> inverse(static_cast<size_t>(nd));
    for (int64_t i = 0; i < nd; ++i) inverse[size_t(perm[size_t(i)])] = i;
    autograd::record("transpose", {t}, {out}, [inverse](const Grads& g, const std::vector<bool>&) {
      return Grads{transpose(g[0], inverse)};
    });
  }
  return out;
}

Tensor expand_dims(const Tensor& t, int64_t axis) {
  const int64_t nd = t.ndim();
  TG_CHECK(axis >= -nd - 1 && axis <= nd, IndexError, "expand_dims: axis ", axis, " is out of range for a tensor of rank ",
           nd, " (valid: ", -nd - 1, " to ", nd, ")");
  if (axis < 0) axis += nd + 1;
  Shape shape = t.shape();
  Strides strides = t.strides();
  const int64_t st = axis < nd ? strides[size_t(axis)] * std::max<int64_t>(1, shape[size_t(axis)]) : 1;
  shape.insert(shape.begin() + axis, 1);
  strides.insert(strides.begin() + axis, st);
  Tensor out = Tensor::view_of(t, std::move(shape), std::move(strides), t.offset());
  if (autograd::should_record({&t})) {
    autograd::record("expand_dims", {t}, {out}, [in = t.shape()](const Grads& g, const std::vector<bool>&) {
      return Grads{reshape(g[0], in)};
    });
  }
  return out;
}

Tensor squeeze(const Tensor& t, const Axes& axes) {
  const int64_t nd = t.ndim();
  std::vector<bool> drop(size_t(nd), false);
  if (!axes) {
    for (int64_t i = 0; i < nd; ++i) drop[size_t(i)] = t.shape()[size_t(i)] == 1;
  } else {
    for (int64_t a : *axes) {
      const int64_t ax = normalize_axis(a, nd, "squeeze");
      TG_CHECK(t.shape()[size_t(ax)] == 1, ValueError, "squeeze: cannot squeeze axis ", a, " of size ",
               t.shape()[size_t(ax)], " (input shape ", t.shape(), "); only size-1 dimensions can be removed");
      drop[size_t(ax)] = true;
    }
  }
  Shape shape;
  Strides strides;
  for (int64_t i = 0; i < nd; ++i) {
    if (drop[size_t(i)]) continue;
    shape.push_back(t.shape()[size_t(i)]);
    strides.push_back(t.strides()[size_t(i)]);
  }
  Tensor out = Tensor::view_of(t, std::move(shape), std::move(strides), t.offset());
  if (autograd::should_record({&t})) {
    autograd::record("squeeze", {t}, {out}, [in = t.shape()](const Grads& g, const std::vector<bool>&) {
      return Grads{reshape(g[0], in)};
    });
  }
  return out;
}

Tensor concat(const std::vector<Tensor>& ts, int64_t axis_in) {
  TG_CHECK(!ts.empty(), ValueError, "concat: expected a non-empty list of tensors");
  const int64_t nd = ts[0].ndim();
  TG_CHECK(nd > 0, ValueError, "concat: axis ", axis_in,
           " is out of range for tensors of rank 0 (0-d tensors cannot be concatenated; use stack)");
  const int64_t axis = normalize_axis(axis_in, nd, "concat");
  Shape out_shape = ts[0].shape();
  out_shape[size_t(axis)] = 0;
  for (size_t k = 0; k < ts.size(); ++k) {
    const Tensor& t = ts[k];
    TG_CHECK(t.device() == ts[0].device(), ValueError, "concat: tensors on different devices (", ts[0].device().name(),
             " and ", t.device().name(), ")");
    bool ok = t.ndim() == nd;
    for (int64_t d = 0; ok && d < nd; ++d)
      ok = d == axis || t.shape()[size_t(d)] == ts[0].shape()[size_t(d)];
    TG_CHECK(ok, ValueError, "concat: shape ", t.shape(), " of input ", k, " does not match shape ", ts[0].shape(),
             " of input 0 except along axis ", axis);
    out_shape[size_t(axis)] += t.shape()[size_t(axis)];
  }
  const DType dt = join_dtype(ts);
  Tensor out = Tensor::empty(out_shape, dt, ts[0].device());
  const int64_t outer = prod_dims(out_shape, 0, size_t(axis)), inner = prod_dims(out_shape, size_t(axis) + 1, out_shape.size());
  std::vector<int64_t> runs;
  for (const Tensor& t : ts) runs.push_back(t.shape()[size_t(axis)] * inner);
  if (out.numel() > 0 && !join_runs(ts, runs, outer, out)) {
    int64_t start = 0;
    for (const Tensor& t : ts) {
      if (t.numel() > 0) copy_into(t, region_along(out, axis, start, t.shape()));
      start += t.shape()[size_t(axis)];
    }
  }
  if (autograd::should_record(ts)) {
    std::vector<int64_t> sizes;
    for (const Tensor& t : ts) sizes.push_back(t.shape()[size_t(axis)]);
    autograd::record("concat", ts, {out}, [sizes, axis](const Grads& g, const std::vector<bool>&) {
      return Grads(split(g[0], sizes, axis));
    });
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& ts, int64_t axis_in) {
  TG_CHECK(!ts.empty(), ValueError, "stack: expected a non-empty list of tensors");
  const Shape& shape = ts[0].shape();
  const int64_t nd = int64_t(shape.size());
  TG_CHECK(axis_in >= -nd - 1 && axis_in <= nd, IndexError, "stack: axis ", axis_in,
           " is out of range for stacking tensors of rank ", nd, " (valid: ", -nd - 1, " to ", nd, ")");
  const int64_t axis = axis_in < 0 ? axis_in + nd + 1 : axis_in;
  for (size_t k = 0; k < ts.size(); ++k) {
    TG_CHECK(ts[k].shape() == shape, ValueError, "stack: shape ", ts[k].shape(), " of input ", k,
             " differs from shape ", shape, " of input 0; all inputs must have the same shape");
    TG_CHECK(ts[k].device() == ts[0].device(), ValueError, "stack: tensors on different devices (",
             ts[0].device().name(), " and ", ts[k].device().name(), ")");
  }
  Shape out_shape = shape;
  out_shape.insert(out_shape.begin() + axis, int64_t(ts.size()));
  Tensor out = Tensor::empty(out_shape, join_dtype(ts), ts[0].device());
  const int64_t outer = prod_dims(shape, 0, size_t(axis));
  if (out.numel() > 0 && !join_runs(ts, std::vector<int64_t>(ts.size(), prod_dims(shape, size_t(axis), shape.size())), outer, out)) {
    Strides st = out.strides();
    const int64_t step = st[size_t(axis)];
    st.erase(st.begin() + axis);
    for (size_t k = 0; k < ts.size(); ++k)
      copy_into(ts[k], Tensor::view_of(out, shape, st, out.offset() + int64_t(k) * step));
  }
  if (autograd::should_record(ts)) {
    autograd::record("stack", ts, {out}, [axis](const Grads& g, const std::vector<bool>&) {
      return Grads(unstack(g[0], axis));
    });
  }
  return out;
}

std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& sizes_in, int64_t axis_in) {
  const int64_t axis = normalize_axis(axis_in, t.ndim(), "split");
  const int64_t len = t.shape()[size_t(axis)];
  TG_CHECK(!sizes_in.empty(), ValueError, "split: the list of sizes is empty");
  std::vector<int64_t> sizes = sizes_in;
  int64_t total = 0, infer = -1;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == -1) {
      TG_CHECK(infer < 0, ValueError, "split: only one size may be -1, got ", sizes_in);
      infer = int64_t(i);
      continue;
    }
    TG_CHECK(sizes[i] >= 0, ValueError, "split: invalid size ", sizes[i], " in ", sizes_in);
    total += sizes[i];
  }
  if (infer >= 0) {
    TG_CHECK(total <= len, ValueError, "split: sizes ", sizes_in, " add up to more than the size ", len, " of axis ",
             axis, " (input shape ", t.shape(), ")");
    sizes[size_t(infer)] = len - total;
    total = len;
  }
  TG_CHECK(total == len, ValueError, "split: sizes ", sizes_in, " add up to ", total, ", not to the size ", len,
           " of axis ", axis, " (input shape ", t.shape(), ")");
  std::vector<Tensor> outs;
  outs.reserve(sizes.size());
  int64_t start = 0;
  const int64_t stride = t.strides()[size_t(axis)];
  for (int64_t s : sizes) {
    Shape shape = t.shape();
    shape[size_t(axis)] = s;
    outs.push_back(Tensor::view_of(t, std::move(shape), t.strides(), t.offset() + (s > 0 ? start * stride : 0)));
    start += s;
  }
  if (autograd::should_record({&t})) {
    std::vector<Shape> shapes;
    for (auto& o : outs) shapes.push_back(o.shape());
    autograd::record("split", {t}, outs, [shapes, axis](const Grads& g, const std::vector<bool>&) {
      return Grads{concat(zeros_for_missing(g, shapes), axis)};
    });
  }
  return outs;
}

std::vector<Tensor> unstack(const Tensor& t, int64_t axis_in) {
  const int64_t axis = normalize_axis(axis_in, t.ndim(), "unstack");
  Shape shape = t.shape();
  Strides strides = t.strides();
  const int64_t n = shape[size_t(axis)], stride = strides[size_t(axis)];
  shape.erase(shape.begin() + axis);
  strides.erase(strides.begin() + axis);
  std::vector<Tensor> outs;
  outs.reserve(size_t(n));
  for (int64_t i = 0; i < n; ++i) outs.push_back(Tensor::view_of(t, shape, strides, t.offset() + i * stride));
  if (n > 0 && autograd::should_record({&t})) {
    autograd::record("unstack", {t}, outs, [shape, n, axis](const Grads& g, const std::vector<bool>&) {
      return Grads{stack(zeros_for_missing(g, std::vector<Shape>(size_t(n), shape)), axis)};
    });
  }
  return outs;
}

Tensor tile(const Tensor& t, const std::vector<int64_t>& multiples) {
  const int64_t nd = t.ndim();
  TG_CHECK(int64_t(multiples.size()) == nd, ValueError, "tile: multiples ", multiples, " must have one entry per dimension of the input of shape ",
           t.shape());
  // Out viewed as (m0, d0, m1, d1, ...) is the input broadcast along the m's.
  Shape inter, out_shape;
  Strides src_strides;
  for (int64_t i = 0; i < nd; ++i) {
    const int64_t m = multiples[size_t(i)], d = t.shape()[size_t(i)];
    TG_CHECK(m >= 0, ValueError, "tile: multiples ", multiples, " contain a negative entry");
    inter.push_back(m);
    inter.push_back(d);
    src_strides.push_back(0);
    src_strides.push_back(t.strides()[size_t(i)]);
    out_shape.push_back(m * d);
  }
  shape_numel(out_shape);  // OutOfMemory on overflow, before allocating
  Tensor out = Tensor::empty(out_shape, t.dtype(), t.device());
  if (out.numel() > 0)
    copy_into(Tensor::view_of(t, inter, src_strides, t.offset()), Tensor::view_of(out, inter, contiguous_strides(inter), 0));
  if (autograd::should_record({&t})) {
    autograd::record("tile", {t}, {out}, [inter, in = t.shape()](const Grads& g, const std::vector<bool>&) {
      std::vector<int64_t> axes;
      for (size_t i = 0; i < inter.size(); i += 2) axes.push_back(int64_t(i));
      return Grads{reshape(sum(reshape(g[0], inter), axes, false), in)};
    });
  }
  return out;
}

Tensor pad(const Tensor& t, const std::vector<std::pair<int64_t, int64_t>>& paddings, double constant) {
  const int64_t nd = t.ndim();
  TG_CHECK(int64_t(paddings.size()) == nd, ValueError, "pad: paddings have ", paddings.size(),
           " rows but the input of shape ", t.shape(), " has rank ", nd, " (one [before, after] pair per dimension)");
  Shape out_shape;
  std::vector<int64_t> begin;
  for (int64_t i = 0; i < nd; ++i) {
    auto [b, a] = paddings[size_t(i)];
    TG_CHECK(b >= 0 && a >= 0, ValueError, "pad: paddings must be non-negative, got [", b, ", ", a, "] for dimension ",
             i);
    out_shape.push_back(t.shape()[size_t(i)] + b + a);
    begin.push_back(b);
  }
  Tensor out = full(out_shape, constant, t.dtype());
  if (t.numel() > 0) {
    int64_t off = 0;
    for (int64_t i = 0; i < nd; ++i) off += begin[size_t(i)] * out.strides()[size_t(i)];
    copy_into(t, Tensor::view_of(out, t.shape(), out.strides(), off));
  }
  if (autograd::should_record({&t})) {
    autograd::record("pad", {t}, {out}, [begin, in = t.shape()](const Grads& g, const std::vector<bool>&) {
      return Grads{slice(g[0], begin, in)};
    });
  }
  return out;
}

Tensor pad_mirror(const Tensor& t, const std::vector<std::pair<int64_t, int64_t>>& paddings, bool symmetric) {
  const int64_t nd = t.ndim();
  const char* mode = symmetric ? "SYMMETRIC" : "REFLECT";
  TG_CHECK(int64_t(paddings.size()) == nd, ValueError, "pad: paddings have ", paddings.size(),
           " rows but the input of shape ", t.shape(), " has rank ", nd, " (one [before, after] pair per dimension)");
  // Each side is a reversed slice of the input next to that edge (REFLECT
  // leaves the edge element out, SYMMETRIC repeats it); ops made of views and
  // concat, so the gradient needs no rule of its own.
  Tensor x = t;
  const int64_t skip = symmetric ? 0 : 1;
  for (int64_t i = 0; i < nd; ++i) {
    auto [b, a] = paddings[size_t(i)];
    const int64_t len = x.shape()[size_t(i)];
    TG_CHECK(b >= 0 && a >= 0, ValueError, "pad: paddings must be non-negative, got [", b, ", ", a, "] for dimension ", i);
    TG_CHECK(b + skip <= len && a + skip <= len, ValueError, "pad: paddings [", b, ", ", a, "] are too large for ", mode,
             " mode on dimension ", i, " of size ", len, " (at most ", len - skip, ")");
    if (b == 0 && a == 0) continue;
    std::vector<Tensor> parts;
    IndexSpec spec(size_t(i), IndexItem::full());
    spec.push_back(IndexItem::full());
    // A negative stop would count from the end: "down to the first element" is nullopt.
    auto stop_at = [](int64_t e) { return e >= 0 ? std::optional<int64_t>(e) : std::nullopt; };
    if (b > 0) {
      spec.back() = IndexItem::slice(b - 1 + skip, stop_at(skip - 1), -1);
      parts.push_back(getitem(x, spec));
    }
    parts.push_back(x);
    if (a > 0) {
      spec.back() = IndexItem::slice(len - 1 - skip, stop_at(len - 1 - skip - a), -1);
      parts.push_back(getitem(x, spec));
    }
    x = concat(parts, i);
  }
  return x;
}

}  // namespace tg::ops

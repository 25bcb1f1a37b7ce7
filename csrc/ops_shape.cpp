// Shape ops: their definitions in the op table.
//
// Views (reshape where the strides allow, broadcast_to, transpose,
// expand_dims, squeeze, split, unstack) compute a new layout of the input's
// memory and run no kernel on any device. The joins (concat, stack, tile,
// pad) write each input once into its region of a new output
// (backend/cpu/join.cpp). Mirror padding is a composition of slices and concat.
#include <algorithm>
#include <numeric>
#include <optional>

#include "indexing.h"
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

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

// ---- views ------------------------------------------------------------------------

ViewOut same_base(const Tensor& t, Shape shape, Strides strides) {
  return ViewOut{std::move(shape), std::move(strides), t.offset()};
}

// a.shape: the requested shape, one -1 allowed.
bool view_reshape(const char*, const Tensor& t, const OpAttrs& a, std::vector<ViewOut>& outs) {
  const Shape& shape_in = a.shape;
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
  std::optional<Strides> st = nocopy_strides(t.shape(), t.strides(), shape);
  if (!st) return false;
  outs.push_back(same_base(t, std::move(shape), std::move(*st)));
  return true;
}

bool view_broadcast_to(const char*, const Tensor& t, const OpAttrs& a, std::vector<ViewOut>& outs) {
  for (int64_t d : a.shape) TG_CHECK(d >= 0, ValueError, "broadcast_to: negative dimension in shape ", a.shape);
  TG_CHECK(broadcast_shapes(t.shape(), a.shape) == a.shape, ValueError, "broadcast_to: cannot broadcast shape ",
           t.shape(), " to ", a.shape);
  outs.push_back(same_base(t, a.shape, broadcast_strides(t, a.shape)));
  return true;
}

// a.perm: a permutation of the input's dims (checked by transpose()).
bool view_transpose(const char*, const Tensor& t, const OpAttrs& a, std::vector<ViewOut>& outs) {
  const size_t nd = a.perm.size();
  Shape shape(nd);
  Strides strides(nd);
  for (size_t i = 0; i < nd; ++i) {
    shape[i] = t.shape()[size_t(a.perm[i])];
    strides[i] = t.strides()[size_t(a.perm[i])];
  }
  outs.push_back(same_base(t, std::move(shape), std::move(strides)));
  return true;
}

// a.axis: where the new dimension goes, in [0, rank].
bool view_expand_dims(const char*, const Tensor& t, const OpAttrs& a, std::vector<ViewOut>& outs) {
  Shape shape = t.shape();
  Strides strides = t.strides();
  const int64_t axis = a.axis, nd = t.ndim();
  const int64_t st = axis < nd ? strides[size_t(axis)] * std::max<int64_t>(1, shape[size_t(axis)]) : 1;
  shape.insert(shape.begin() + axis, 1);
  strides.insert(strides.begin() + axis, st);
  outs.push_back(same_base(t, std::move(shape), std::move(strides)));
  return true;
}

// a.axes: the size-1 dimensions to drop, sorted.
bool view_squeeze(const char*, const Tensor& t, const OpAttrs& a, std::vector<ViewOut>& outs) {
  Shape shape;
  Strides strides;
  for (int64_t i = 0; i < t.ndim(); ++i) {
    if (std::binary_search(a.axes.begin(), a.axes.end(), i)) continue;
    shape.push_back(t.shape()[size_t(i)]);
    strides.push_back(t.strides()[size_t(i)]);
  }
  outs.push_back(same_base(t, std::move(shape), std::move(strides)));
  return true;
}

// a.sizes along a.axis, adding up to that dimension (checked by split()).
bool view_split(const char*, const Tensor& t, const OpAttrs& a, std::vector<ViewOut>& outs) {
  const int64_t stride = t.strides()[size_t(a.axis)];
  int64_t start = 0;
  for (int64_t s : a.sizes) {
    Shape shape = t.shape();
    shape[size_t(a.axis)] = s;
    outs.push_back(ViewOut{std::move(shape), t.strides(), t.offset() + (s > 0 ? start * stride : 0)});
    start += s;
  }
  return true;
}

bool view_unstack(const char*, const Tensor& t, const OpAttrs& a, std::vector<ViewOut>& outs) {
  Shape shape = t.shape();
  Strides strides = t.strides();
  const int64_t n = shape[size_t(a.axis)], stride = strides[size_t(a.axis)];
  shape.erase(shape.begin() + a.axis);
  strides.erase(strides.begin() + a.axis);
  for (int64_t i = 0; i < n; ++i) outs.push_back(ViewOut{shape, strides, t.offset() + i * stride});
  return true;
}

// ---- joins: inference -------------------------------------------------------------

// Every join: operands in their own shapes, all converted to the output's dtype.
void infer_join_common(DType dt, Inferred& r) {
  r.own_shapes = true;
  r.uniform_inputs = true;
  r.all_inputs = r.out = r.kernel = dt;
}

// Result dtype of joining tensors: the pairwise rule of binary ops folded over
// all inputs, so weak Python scalars take the tensors' dtype (stack([x, 1.])).
DType join_dtype(const Tensor* const* ts, int n) {
  Tensor acc = *ts[0];
  for (int i = 1; i < n; ++i) {
    const bool weak = acc.get()->weak && ts[i]->get()->weak;
    const DType d = result_dtype(acc, *ts[i]);
    if (d == acc.dtype() && weak == acc.get()->weak) continue;
    acc = Tensor::empty({}, d);  // a 0-d stand-in carrying (dtype, weak) so far
    acc.get()->weak = weak;
  }
  return acc.dtype();
}

// a.axis: normalised by concat().
void infer_concat(const char*, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  const Tensor& t0 = *in[0];
  const int64_t nd = t0.ndim(), axis = a.axis;
  r.shape = t0.shape();
  r.shape[size_t(axis)] = 0;
  for (int k = 0; k < n; ++k) {
    const Tensor& t = *in[k];
    bool ok = t.ndim() == nd;
    for (int64_t d = 0; ok && d < nd; ++d) ok = d == axis || t.shape()[size_t(d)] == t0.shape()[size_t(d)];
    TG_CHECK(ok, ValueError, "concat: shape ", t.shape(), " of input ", k, " does not match shape ", t0.shape(),
             " of input 0 except along axis ", axis);
    r.shape[size_t(axis)] += t.shape()[size_t(axis)];
  }
  infer_join_common(join_dtype(in, n), r);
}

// a.axis: in [0, rank] (checked by stack()).
void infer_stack(const char*, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  const Shape& shape = in[0]->shape();
  for (int k = 0; k < n; ++k)
    TG_CHECK(in[k]->shape() == shape, ValueError, "stack: shape ", in[k]->shape(), " of input ", k,
             " differs from shape ", shape, " of input 0; all inputs must have the same shape");
  r.shape = shape;
  r.shape.insert(r.shape.begin() + a.axis, int64_t(n));
  infer_join_common(join_dtype(in, n), r);
}

// a.sizes: the multiples, one per dimension (checked by tile()).
void infer_tile(const char*, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  r.shape.clear();
  for (size_t i = 0; i < a.sizes.size(); ++i) r.shape.push_back(a.sizes[i] * in[0]->shape()[i]);
  shape_numel(r.shape);  // OutOfMemory on overflow, before allocating
  infer_join_common(in[0]->dtype(), r);
}

// a.paddings: [before, after] per dimension, non-negative (checked by pad()).
void infer_pad(const char*, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  r.shape = in[0]->shape();
  for (size_t i = 0; i < r.shape.size(); ++i) r.shape[i] += a.paddings[2 * i] + a.paddings[2 * i + 1];
  infer_join_common(in[0]->dtype(), r);
}

// ---- gradient rules -----------------------------------------------------------------

Grads grad_reshape(const GradCtx& c, const Grads& g, const Needs&) { return {reshape(g[0], c.shapes[0])}; }
Grads grad_broadcast_to(const GradCtx& c, const Grads& g, const Needs&) { return {sum_to(g[0], c.shapes[0])}; }

Grads grad_transpose(const GradCtx& c, const Grads& g, const Needs&) {
  std::vector<int64_t> inverse(c.attrs.perm.size());
  for (size_t i = 0; i < inverse.size(); ++i) inverse[size_t(c.attrs.perm[i])] = int64_t(i);
  return {transpose(g[0], inverse)};
}

Grads zeros_for_missing(const Grads& g, const std::vector<Shape>& shapes) {
  DType dt = DType::Float32;
  for (auto& x : g)
    if (x.defined()) {
      dt = x.dtype();
      break;
    }
  Grads out(g.size());
  for (size_t i = 0; i < g.size(); ++i) out[i] = g[i].defined() ? g[i] : zeros(shapes[i], dt);
  return out;
}

Grads grad_split(const GradCtx& c, const Grads& g, const Needs&) {
  std::vector<Shape> shapes;
  for (int64_t s : c.attrs.sizes) {
    Shape shape = c.shapes[0];
    shape[size_t(c.attrs.axis)] = s;
    shapes.push_back(std::move(shape));
  }
  return {concat(zeros_for_missing(g, shapes), c.attrs.axis)};
}

Grads grad_unstack(const GradCtx& c, const Grads& g, const Needs&) {
  Shape shape = c.shapes[0];
  shape.erase(shape.begin() + c.attrs.axis);
  return {stack(zeros_for_missing(g, std::vector<Shape>(g.size(), shape)), c.attrs.axis)};
}

Grads grad_concat(const GradCtx& c, const Grads& g, const Needs&) {
  std::vector<int64_t> sizes;
  for (const Shape& s : c.shapes) sizes.push_back(s[size_t(c.attrs.axis)]);
  return Grads(split(g[0], sizes, c.attrs.axis));
}

Grads grad_stack(const GradCtx& c, const Grads& g, const Needs&) { return Grads(unstack(g[0], c.attrs.axis)); }

Grads grad_tile(const GradCtx& c, const Grads& g, const Needs&) {
  // The output viewed as (m0, d0, m1, d1, ...) is the input repeated along the m's.
  Shape inter;
  std::vector<int64_t> axes;
  for (size_t i = 0; i < c.attrs.sizes.size(); ++i) {
    axes.push_back(int64_t(inter.size()));
    inter.push_back(c.attrs.sizes[i]);
    inter.push_back(c.shapes[0][i]);
  }
  return {reshape(sum(reshape(g[0], inter), axes, false), c.shapes[0])};
}

Grads grad_pad(const GradCtx& c, const Grads& g, const Needs&) {
  std::vector<int64_t> begin;
  for (size_t i = 0; i < c.shapes[0].size(); ++i) begin.push_back(c.attrs.paddings[2 * i]);
  return {slice(g[0], begin, c.shapes[0])};
}

}  // namespace

// ---- the public functions: attributes parsed and checked against the input --------------

Tensor reshape(const Tensor& t, const Shape& shape) {
  OpAttrs a;
  a.shape = shape;
  return op::view(OpId::Reshape, t, a);
}

Tensor broadcast_to(const Tensor& t, const Shape& shape) {
  OpAttrs a;
  a.shape = shape;
  return op::view(OpId::BroadcastTo, t, a);
}

Tensor transpose(const Tensor& t, const std::vector<int64_t>& perm_in) {
  const int64_t nd = t.ndim();
  OpAttrs a;
  a.perm.assign(size_t(nd), 0);
  if (perm_in.empty()) {
    for (int64_t i = 0; i < nd; ++i) a.perm[size_t(i)] = nd - 1 - i;
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
      a.perm[size_t(i)] = p;
    }
  }
  return op::view(OpId::Transpose, t, a);
}

Tensor expand_dims(const Tensor& t, int64_t axis) {
  const int64_t nd = t.ndim();
  TG_CHECK(axis >= -nd - 1 && axis <= nd, IndexError, "expand_dims: axis ", axis, " is out of range for a tensor of rank ",
           nd, " (valid: ", -nd - 1, " to ", nd, ")");
  OpAttrs a;
  a.axis = axis < 0 ? axis + nd + 1 : axis;
  return op::view(OpId::ExpandDims, t, a);
}

Tensor squeeze(const Tensor& t, const Axes& axes) {
  const int64_t nd = t.ndim();
  OpAttrs a;
  if (!axes) {
    for (int64_t i = 0; i < nd; ++i)
      if (t.shape()[size_t(i)] == 1) a.axes.push_back(i);
  } else {
    for (int64_t ax : *axes) {
      const int64_t i = normalize_axis(ax, nd, "squeeze");
      TG_CHECK(t.shape()[size_t(i)] == 1, ValueError, "squeeze: cannot squeeze axis ", ax, " of size ",
               t.shape()[size_t(i)], " (input shape ", t.shape(), "); only size-1 dimensions can be removed");
      a.axes.push_back(i);
    }
    std::sort(a.axes.begin(), a.axes.end());
    a.axes.erase(std::unique(a.axes.begin(), a.axes.end()), a.axes.end());
  }
  return op::view(OpId::Squeeze, t, a);
}

std::vector<Tensor> split(const Tensor& t, const std::vector<int64_t>& sizes_in, int64_t axis_in) {
  OpAttrs a;
  a.axis = normalize_axis(axis_in, t.ndim(), "split");
  const int64_t len = t.shape()[size_t(a.axis)];
  TG_CHECK(!sizes_in.empty(), ValueError, "split: the list of sizes is empty");
  a.sizes = sizes_in;
  int64_t total = 0, infer = -1;
  for (size_t i = 0; i < a.sizes.size(); ++i) {
    if (a.sizes[i] == -1) {
      TG_CHECK(infer < 0, ValueError, "split: only one size may be -1, got ", sizes_in);
      infer = int64_t(i);
      continue;
    }
    TG_CHECK(a.sizes[i] >= 0, ValueError, "split: invalid size ", a.sizes[i], " in ", sizes_in);
    total += a.sizes[i];
  }
  if (infer >= 0) {
    TG_CHECK(total <= len, ValueError, "split: sizes ", sizes_in, " add up to more than the size ", len, " of axis ",
             a.axis, " (input shape ", t.shape(), ")");
    a.sizes[size_t(infer)] = len - total;
    total = len;
  }
  TG_CHECK(total == len, ValueError, "split: sizes ", sizes_in, " add up to ", total, ", not to the size ", len,
           " of axis ", a.axis, " (input shape ", t.shape(), ")");
  return views(OpId::Split, t, a);
}

std::vector<Tensor> unstack(const Tensor& t, int64_t axis_in) {
  OpAttrs a;
  a.axis = normalize_axis(axis_in, t.ndim(), "unstack");
  return views(OpId::Unstack, t, a);
}

Tensor concat(const std::vector<Tensor>& ts, int64_t axis_in) {
  TG_CHECK(!ts.empty(), ValueError, "concat: expected a non-empty list of tensors");
  const int64_t nd = ts[0].ndim();
  TG_CHECK(nd > 0, ValueError, "concat: axis ", axis_in,
           " is out of range for tensors of rank 0 (0-d tensors cannot be concatenated; use stack)");
  OpAttrs a;
  a.axis = normalize_axis(axis_in, nd, "concat");
  return exec_n(OpId::Concat, ts, a);
}

Tensor stack(const std::vector<Tensor>& ts, int64_t axis_in) {
  TG_CHECK(!ts.empty(), ValueError, "stack: expected a non-empty list of tensors");
  const int64_t nd = ts[0].ndim();
  TG_CHECK(axis_in >= -nd - 1 && axis_in <= nd, IndexError, "stack: axis ", axis_in,
           " is out of range for stacking tensors of rank ", nd, " (valid: ", -nd - 1, " to ", nd, ")");
  OpAttrs a;
  a.axis = axis_in < 0 ? axis_in + nd + 1 : axis_in;
  return exec_n(OpId::Stack, ts, a);
}

Tensor tile(const Tensor& t, const std::vector<int64_t>& multiples) {
  TG_CHECK(int64_t(multiples.size()) == t.ndim(), ValueError, "tile: multiples ", multiples,
           " must have one entry per dimension of the input of shape ", t.shape());
  for (int64_t m : multiples) TG_CHECK(m >= 0, ValueError, "tile: multiples ", multiples, " contain a negative entry");
  OpAttrs a;
  a.sizes = multiples;
  return exec(OpId::Tile, t, a);
}

Tensor pad(const Tensor& t, const std::vector<std::pair<int64_t, int64_t>>& paddings, double constant) {
  const int64_t nd = t.ndim();
  TG_CHECK(int64_t(paddings.size()) == nd, ValueError, "pad: paddings have ", paddings.size(),
           " rows but the input of shape ", t.shape(), " has rank ", nd, " (one [before, after] pair per dimension)");
  OpAttrs a;
  for (int64_t i = 0; i < nd; ++i) {
    auto [b, e] = paddings[size_t(i)];
    TG_CHECK(b >= 0 && e >= 0, ValueError, "pad: paddings must be non-negative, got [", b, ", ", e, "] for dimension ",
             i);
    a.paddings.push_back(b);
    a.paddings.push_back(e);
  }
  a.real[0] = constant;
  return exec(OpId::Pad, t, a);
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

// ---- the table entries --------------------------------------------------------------

namespace tg::op {

void define_shape() {
  using namespace tg::ops;
  define_view(OpId::Reshape, view_reshape, grad_reshape);
  define_view(OpId::BroadcastTo, view_broadcast_to, grad_broadcast_to);
  define_view(OpId::Transpose, view_transpose, grad_transpose);
  define_view(OpId::ExpandDims, view_expand_dims, grad_reshape);
  define_view(OpId::Squeeze, view_squeeze, grad_reshape);
  define_view(OpId::Split, view_split, grad_split);
  define_view(OpId::Unstack, view_unstack, grad_unstack);
  const uint32_t all = kNumericDTypes | kBoolDType;
  define(OpId::Concat, -1, infer_concat, grad_concat, kSaveNothing, all);
  define(OpId::Stack, -1, infer_stack, grad_stack, kSaveNothing, all);
  define(OpId::Tile, 1, infer_tile, grad_tile, kSaveNothing, all);
  define(OpId::Pad, 1, infer_pad, grad_pad, kSaveNothing, all);
}

}  // namespace tg::op

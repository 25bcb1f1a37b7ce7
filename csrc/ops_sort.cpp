// Sorting along an axis. argsort is the table op: the positions of a stable
// sort of each line along the last axis (the public function moves `axis`
// there as a view, and inference asks for dense rows). sort, top_k and
// take_along_axis are compositions of argsort and gather over flattened
// rows, so their gradients are gather's (a scatter-add) with no rule of
// their own.
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

// (t); a.descending, a.dtype: the index dtype.
void infer_argsort(const char* name, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  const Tensor& t = *in[0];
  TG_CHECK(t.ndim() >= 1, ValueError, name, ": the input must have rank >= 1, got a scalar");
  r.shape = t.shape();
  r.dense_inputs = true;  // rows of the call's (the output's) shape
  r.out = a.dtype;
  r.kernel = r.inputs[0] = t.dtype();
}

// The permutation that swaps `axis` with the last one (its own inverse).
std::vector<int64_t> swap_last(int64_t axis, int64_t ndim) {
  std::vector<int64_t> perm(static_cast<size_t>(ndim));
  for (int64_t i = 0; i < ndim; ++i) perm[size_t(i)] = i;
  std::swap(perm[size_t(axis)], perm[size_t(ndim - 1)]);
  return perm;
}

// out[r, j] = values[r, indices[r, j]] for values (rows, n) and in-range
// indices (rows, k) of any integer dtype: one gather over the flattened rows.
Tensor take_rows(const Tensor& values, const Tensor& indices) {
  const int64_t rows = values.shape()[0], n = values.shape()[1], k = indices.shape()[1];
  if (rows == 0 || k == 0) return full({rows, k}, 0.0, values.dtype(), values.device());
  const Tensor starts = reshape(arange_int(0, rows * n, n == 0 ? 1 : n, DType::Int64, values.device()), {rows, 1});
  const Tensor flat = add(cast(indices, DType::Int64), starts);
  return gather(reshape(values, {rows * n}), flat, 0);
}

}  // namespace

Tensor argsort(const Tensor& t, int64_t axis, bool descending, DType index_dtype) {
  TG_CHECK(t.ndim() >= 1, ValueError, "argsort: the input must have rank >= 1, got a scalar");
  TG_CHECK(index_dtype == DType::Int32 || index_dtype == DType::Int64, TypeError,
           "argsort: the index dtype must be int32 or int64, got ", index_dtype);
  const int64_t nd = t.ndim();
  const int64_t ax = normalize_axis(axis, nd, "argsort");
  OpAttrs a;
  a.descending = descending;
  a.dtype = index_dtype;
  if (ax == nd - 1) return exec(OpId::ArgSort, t, a);
  const std::vector<int64_t> perm = swap_last(ax, nd);
  return transpose(exec(OpId::ArgSort, transpose(t, perm), a), perm);
}

Tensor take_along_axis(const Tensor& t, const Tensor& indices, int64_t axis) {
  TG_CHECK(is_integer(indices.dtype()), TypeError, "take_along_axis: indices must be an integer tensor, got dtype ",
           indices.dtype());
  const int64_t nd = t.ndim();
  TG_CHECK(nd >= 1, ValueError, "take_along_axis: the input must have rank >= 1, got a scalar");
  TG_CHECK(indices.ndim() == nd, ValueError, "take_along_axis: indices must have the input's rank ", nd,
           ", got indices of shape ", indices.shape(), " for an input of shape ", t.shape());
  TG_CHECK(indices.device() == t.device(), ValueError, "take_along_axis: indices on ", indices.device().name(),
           " and the input on ", t.device().name());
  const int64_t ax = normalize_axis(axis, nd, "take_along_axis");
  const std::vector<int64_t> perm = swap_last(ax, nd);
  const Tensor tt = ax == nd - 1 ? t : transpose(t, perm);
  Tensor it = ax == nd - 1 ? indices : transpose(indices, perm);
  const int64_t n = tt.shape().back(), k = it.shape().back();
  // The other dims broadcast against each other, as in NumPy.
  Shape batch;
  try {
    batch = broadcast_shapes(Shape(tt.shape().begin(), tt.shape().end() - 1),
                             Shape(it.shape().begin(), it.shape().end() - 1));
  } catch (const ValueError&) {
    throw ValueError(str("take_along_axis: indices of shape ", indices.shape(),
                         " do not broadcast against the input of shape ", t.shape(), " outside axis ", ax));
  }
  int64_t rows = 1;
  for (int64_t d : batch) rows *= d;
  Shape tb = batch, ib = batch;
  tb.push_back(n);
  ib.push_back(k);
  it = cast(broadcast_to(it, ib), DType::Int64);
  if (it.numel() > 0) {
    // One host sync: an index outside [-n, n) would read another row.
    const int64_t bad = sum(logical_or(less(it, full({}, double(-n), DType::Int64, it.device())),
                                       greater_equal(it, full({}, double(n), DType::Int64, it.device()))),
                            std::nullopt, false).item_int();
    if (bad > 0) {
      const Tensor lo = min(it, std::nullopt, false), hi = max(it, std::nullopt, false);
      const int64_t lo_v = lo.item_int(), hi_v = hi.item_int();
      throw IndexError(str("take_along_axis: index ", lo_v < -n ? lo_v : hi_v, " is out of range for axis ", ax,
                           " of size ", n, " (input shape ", t.shape(), ")"));
    }
    it = where(less(it, full({}, 0.0, DType::Int64, it.device())), add(it, full({}, double(n), DType::Int64,
                                                                                 it.device())), it);
  }
  Tensor out = reshape(take_rows(reshape(broadcast_to(tt, tb), {rows, n}), reshape(it, {rows, k})), ib);
  return ax == nd - 1 ? out : transpose(out, perm);
}

Tensor sort(const Tensor& t, int64_t axis, bool descending) {
  TG_CHECK(t.ndim() >= 1, ValueError, "sort: the input must have rank >= 1, got a scalar");
  const int64_t nd = t.ndim();
  const int64_t ax = normalize_axis(axis, nd, "sort");
  const std::vector<int64_t> perm = swap_last(ax, nd);
  const Tensor tt = ax == nd - 1 ? t : transpose(t, perm);
  const int64_t n = tt.shape().back();
  const int64_t rows = n == 0 ? 0 : tt.numel() / n;
  const Tensor order = argsort(tt, -1, descending, DType::Int64);
  const Tensor out = reshape(take_rows(reshape(tt, {rows, n}), reshape(order, {rows, n})), tt.shape());
  return ax == nd - 1 ? out : transpose(out, perm);
}

std::pair<Tensor, Tensor> top_k(const Tensor& t, int64_t k) {
  TG_CHECK(t.ndim() >= 1, ValueError, "top_k: the input must have rank >= 1, got a scalar");
  const int64_t n = t.shape().back();
  TG_CHECK(k >= 0, ValueError, "top_k: k must be non-negative, got ", k);
  TG_CHECK(k <= n, ValueError, "top_k: input must have at least k=", k, " columns, got ", n, " (shape ", t.shape(),
           ")");
  const Tensor order = argsort(t, -1, true, DType::Int32);
  std::vector<int64_t> begin(size_t(t.ndim()), 0), size(t.shape().begin(), t.shape().end());
  size.back() = k;
  const Tensor idx = slice(order, begin, size);
  const int64_t rows = n == 0 ? 0 : t.numel() / n;
  Shape out_shape = t.shape();
  out_shape.back() = k;
  const Tensor values = reshape(take_rows(reshape(t, {rows, n}), reshape(idx, {rows, k})), out_shape);
  return {values, idx};
}

}  // namespace tg::ops

// ---- the table entry ---------------------------------------------------------------------

namespace tg::op {

void define_sort() {
  using namespace tg::ops;
  define(OpId::ArgSort, 1, infer_argsort, nullptr, kSaveNothing, kNumericDTypes | kBoolDType);
}

}  // namespace tg::op

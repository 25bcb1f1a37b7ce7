// matmul and tensordot: NumPy matmul semantics on top of the GEMM kernel.
//
// matmul is an entry of the op table: this file has its inference (shapes,
// the dtype, the typed errors, and which operands need a dense copy before
// BLAS can read them) and its gradient rule; the GEMM, its thread policy and
// the integer loops are the CPU kernel in backend/cpu/gemm.cpp. Operands reach
// the kernel in their own shapes and strides, so transposed and sliced views
// are read in place (a transpose becomes a BLAS flag); only a layout that is
// neither row- nor column-contiguous is copied (linalg::blas_layout).
//
// tensordot is a composition of table ops (transpose, reshape, matmul), not an
// entry of its own.
#include <algorithm>

#include "linalg.h"
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

// ---- inference ----------------------------------------------------------------------

Shape matmul_batch(const Tensor& a, const Tensor& b, int64_t a_mat_dims, int64_t b_mat_dims) {
  Shape ab(a.shape().begin(), a.shape().end() - a_mat_dims);
  Shape bb(b.shape().begin(), b.shape().end() - b_mat_dims);
  const size_t n = std::max(ab.size(), bb.size());
  Shape out(n, 1);
  out.reserve(n + 2);  // the matrix dims follow
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - ab.size() ? 1 : ab[i - (n - ab.size())];
    const int64_t db = i < n - bb.size() ? 1 : bb[i - (n - bb.size())];
    TG_CHECK(da == db || da == 1 || db == 1, ValueError, "matmul: batch dimensions ", ab, " of a (shape ", a.shape(),
             ") and ", bb, " of b (shape ", b.shape(), ") cannot be broadcast together");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

}  // namespace

namespace {

// (a, b) -> op(a) @ op(b); attrs.transpose_a / transpose_b (never set for a
// 1-D operand). The error messages name both shapes and the dims that clash.
void infer_matmul(const char*, const Tensor* const* in, int, const OpAttrs& attrs, Inferred& r) {
  const Tensor &a = *in[0], &b = *in[1];
  TG_CHECK(a.ndim() >= 1 && b.ndim() >= 1, ValueError, "matmul: both operands need at least 1 dimension, got shapes ",
           a.shape(), " and ", b.shape(), " (use multiply for scalars)");
  const DType dt = result_dtype(a, b);
  TG_CHECK(dt != DType::Bool, TypeError, "matmul: unsupported dtype bool (shapes ", a.shape(), " and ", b.shape(),
           "); cast to a numeric dtype first");
  // A 1-D operand is a row (left) or a column (right) whose dimension is
  // dropped from the result, as in NumPy.
  const bool a_vec = a.ndim() == 1, b_vec = b.ndim() == 1;
  const bool ta = attrs.transpose_a, tb = attrs.transpose_b;
  const int64_t ar = a_vec ? 1 : a.dim(-2), ac = a.dim(-1);
  const int64_t br = b_vec ? b.dim(0) : b.dim(-2), bc = b_vec ? 1 : b.dim(-1);
  const int64_t M = ta ? ac : ar, K = ta ? ar : ac;
  const int64_t Kb = tb ? bc : br, N = tb ? br : bc;
  TG_CHECK(K == Kb, ValueError, "matmul: shapes ", a.shape(), " and ", b.shape(),
           " are incompatible: contracted dimensions ", K, " (a, axis ", ta ? -2 : -1, ta ? ", transposed" : "",
           ") and ", Kb, " (b, axis ", b_vec ? -1 : (tb ? -1 : -2), tb ? ", transposed" : "", ") differ");
  r.shape = matmul_batch(a, b, a_vec ? 1 : 2, b_vec ? 1 : 2);
  if (!a_vec) r.shape.push_back(M);
  if (!b_vec) r.shape.push_back(N);
  r.out = r.kernel = r.inputs[0] = r.inputs[1] = dt;
  r.own_shapes = true;
  r.differentiable = is_floating(dt);  // integer products have no gradient
  // Floats go to BLAS; integer loops read any strides, and an empty result or
  // an empty contraction reads nothing.
  if (is_floating(dt) && K > 0 && numel_of(r.shape) > 0) linalg::request_blas_layouts(in, r);
}

// ---- gradient rule --------------------------------------------------------------------

// C = op(A) op(B): dA = g op(B)^T, transposed back when A was; dB alike.
// Every step is a public op, so the rule is itself differentiable.
Grads grad_matmul(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &a = c.inputs[0], &b = c.inputs[1];
  const bool ta = c.attrs.transpose_a, tb = c.attrs.transpose_b;
  // Work on 2-D+ views of the 1-D operands, and on g in the shape batch +
  // (M, N) that those views give.
  const Tensor A = a.ndim() == 1 ? reshape(a, {1, a.dim(0)}) : a;
  const Tensor B = b.ndim() == 1 ? reshape(b, {b.dim(0), 1}) : b;
  Shape full = g[0].shape();
  if (a.ndim() == 1) full.insert(full.end() - (b.ndim() == 1 ? 0 : 1), 1);
  if (b.ndim() == 1) full.push_back(1);
  const Tensor G = g[0].shape() == full ? g[0] : reshape(g[0], full);
  Tensor ga, gb;
  if (need[0]) {
    if (!ta) ga = tb ? matmul(G, B) : matmul(G, B, false, true);
    else ga = tb ? matmul(B, G, true, true) : matmul(B, G, false, true);
    ga = sum_to(ga, A.shape());
    if (a.ndim() == 1) ga = reshape(ga, a.shape());
  }
  if (need[1]) {
    if (B.ndim() == 2 && A.ndim() > 2 && !ta) {
      // B was shared by every batch: one GEMM over the stacked rows
      // instead of a GEMM per batch and a reduction.
      const Tensor A2 = reshape(A, {-1, A.dim(-1)});
      const Tensor G2 = reshape(G, {-1, G.dim(-1)});
      gb = tb ? matmul(G2, A2, true, false) : matmul(A2, G2, true, false);
    } else if (!ta) {
      gb = tb ? matmul(G, A, true, false) : matmul(A, G, true, false);
    } else {
      gb = tb ? matmul(G, A, true, true) : matmul(A, G);
    }
    gb = sum_to(gb, B.shape());
    if (b.ndim() == 1) gb = reshape(gb, b.shape());
  }
  return Grads{ga, gb};
}

}  // namespace

// ---- the public functions -----------------------------------------------------------

Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  OpAttrs attrs;
  // Transposing a vector changes nothing (NumPy has no flag; TF needs rank 2).
  attrs.transpose_a = transpose_a && a.ndim() != 1;
  attrs.transpose_b = transpose_b && b.ndim() != 1;
  return exec_n(OpId::MatMul, {&a, &b}, attrs);
}

Tensor tensordot(const Tensor& a, const Tensor& b, const std::vector<int64_t>& axes_a,
                 const std::vector<int64_t>& axes_b) {
  TG_CHECK(axes_a.size() == axes_b.size(), ValueError, "tensordot: axes ", axes_a, " and ", axes_b,
           " must have the same length (shapes ", a.shape(), " and ", b.shape(), ")");
  auto prepare = [](const Tensor& t, const std::vector<int64_t>& axes, const char* which) {
    std::vector<int64_t> ax;
    std::vector<bool> used(size_t(t.ndim()), false);
    for (int64_t x : axes) {
      TG_CHECK(x >= -t.ndim() && x < t.ndim(), IndexError, "tensordot: axis ", x, " of ", which,
               " is out of range for shape ", t.shape());
      const int64_t n = x < 0 ? x + t.ndim() : x;
      TG_CHECK(!used[size_t(n)], ValueError, "tensordot: repeated axis ", x, " of ", which, " in ", axes);
      used[size_t(n)] = true;
      ax.push_back(n);
    }
    std::vector<int64_t> free;
    for (int64_t i = 0; i < t.ndim(); ++i)
      if (!used[size_t(i)]) free.push_back(i);
    return std::make_pair(ax, free);
  };
  auto [ca, fa] = prepare(a, axes_a, "a");
  auto [cb, fb] = prepare(b, axes_b, "b");
  int64_t K = 1, M = 1, N = 1;
  for (size_t i = 0; i < ca.size(); ++i) {
    const int64_t da = a.shape()[size_t(ca[i])], db = b.shape()[size_t(cb[i])];
    TG_CHECK(da == db, ValueError, "tensordot: shapes ", a.shape(), " and ", b.shape(),
             " are incompatible: contracted axis ", axes_a[i], " of a has size ", da, " but axis ", axes_b[i],
             " of b has size ", db);
    K *= da;
  }
  Shape out_shape;
  for (int64_t i : fa) { M *= a.shape()[size_t(i)]; out_shape.push_back(a.shape()[size_t(i)]); }
  for (int64_t i : fb) { N *= b.shape()[size_t(i)]; out_shape.push_back(b.shape()[size_t(i)]); }

  auto concat_axes = [](const std::vector<int64_t>& x, const std::vector<int64_t>& y) {
    std::vector<int64_t> r = x;
    r.insert(r.end(), y.begin(), y.end());
    return r;
  };
  auto is_identity = [](const std::vector<int64_t>& p) {
    for (size_t i = 0; i < p.size(); ++i)
      if (p[i] != int64_t(i)) return false;
    return true;
  };
  // Each side as a matrix; when the contracted axes already lead (or trail)
  // in memory order the reshape is a view and the transpose a BLAS flag.
  Tensor A, B;
  bool ta = false, tb = false;
  if (is_identity(concat_axes(fa, ca))) A = reshape(a, {M, K});
  else if (is_identity(concat_axes(ca, fa))) { A = reshape(a, {K, M}); ta = true; }
  else A = reshape(transpose(a, concat_axes(fa, ca)), {M, K});
  if (is_identity(concat_axes(cb, fb))) B = reshape(b, {K, N});
  else if (is_identity(concat_axes(fb, cb))) { B = reshape(b, {N, K}); tb = true; }
  else B = reshape(transpose(b, concat_axes(cb, fb)), {K, N});
  return reshape(matmul(A, B, ta, tb), out_shape);
}

}  // namespace tg::ops

namespace tg::linalg {

// An input converted to another dtype first is dense already.
void request_blas_layouts(const Tensor* const* in, op::Inferred& r) {
  for (int i = 0; i < 2; ++i) {
    const Tensor& t = *in[i];
    if (t.dtype() != r.inputs[i]) continue;
    if (operand_layout(t.shape().data(), t.strides().data(), int(t.ndim()), i == 0).ok) continue;
    r.dense_input[i] = true;
    count_operand_copy();
  }
}

}  // namespace tg::linalg

// ---- the table entry ----------------------------------------------------------------

namespace tg::op {

void define_linalg() {
  using namespace tg::ops;
  define(OpId::MatMul, 2, infer_matmul, grad_matmul, kSaveInputs, kNumericDTypes);
}

}  // namespace tg::op

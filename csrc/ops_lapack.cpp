// Dense linear algebra: the LAPACK-backed table ops and the matrix helpers
// their gradient rules are written with.
//
// Table ops (float32/float64, batched over leading dims, dense inputs;
// kernels in backend/cpu/linalg.cpp):
//   cholesky(a) -> L (reads a's lower triangle); triangular_solve(a, b) with
//   attrs.lower / attrs.transpose_a; matrix_inverse(a); matrix_solve(a, b);
//   log_abs_det(a) -> log|det a| with the sign as an auxiliary output;
//   qr(a), eigh(a), svd(a) -> their factors packed in one tensor (one output
//   per op keeps one gradient per op; the public functions slice views):
//     qr:   (m + k, n): Q in rows [0, m) x cols [0, k), R in rows [m, m + k);
//     eigh: (n + 1, n): ascending eigenvalues in row 0, eigenvectors as the
//           columns of rows [1, n + 1) (reads a's lower triangle);
//     svd:  (1 + m + n, k): descending singular values in row 0, U in rows
//           [1, 1 + m), V in rows [1 + m, 1 + m + n); k = min(m, n).
// Gradient rules are TensorFlow's (cholesky's and eigh's are for the
// triangle they read, symmetrised as TF does; qr's needs m >= n, as TF's
// did), svd's is Townsend's (2016) for the reduced factorization; all in
// table ops, so second derivatives work.
//
// band_part, diag_part, matrix_diag and set_diag are compositions (iota
// masks, gather, where), not entries.
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

void check_float_matrix(const char* name, const Tensor& t, const char* what) {
  TG_CHECK(t.ndim() >= 2, ValueError, name, ": ", what, " must have rank >= 2 (a batch of matrices), got shape ",
           t.shape());
  TG_CHECK(is_floating(t.dtype()), TypeError, name, ": ", what, " must be float32 or float64, got ", t.dtype());
}

void check_square(const char* name, const Tensor& t) {
  check_float_matrix(name, t, "the input");
  const int64_t n = t.ndim();
  TG_CHECK(t.shape()[size_t(n - 1)] == t.shape()[size_t(n - 2)], ValueError, name,
           ": the input must be a batch of square matrices, got shape ", t.shape());
}

// ---- inference ----------------------------------------------------------------------

// Every LAPACK op describes its dense operands in their own shapes, so the
// CUDA column's host fallback (cutensor_cuda/host_fallback.cu) knows each size.
void infer_same(const char*, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  r.shape = in[0]->shape();
  r.dense_inputs = r.own_shapes = true;
  r.out = r.kernel = r.inputs[0] = in[0]->dtype();
}

// (a (..., n, n), b (..., n, k)) with equal batch dims (the public functions broadcast them).
void infer_solve(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  const Tensor &a = *in[0], &b = *in[1];
  TG_CHECK(b.ndim() == a.ndim() && std::equal(a.shape().begin(), a.shape().end() - 1, b.shape().begin()), ValueError,
           name, ": the right-hand side of shape ", b.shape(), " does not match the matrices of shape ", a.shape());
  r.shape = b.shape();
  r.dense_inputs = r.own_shapes = true;
  r.out = r.kernel = r.inputs[0] = r.inputs[1] = result_dtype(a, b);
}

void infer_log_abs_det(const char*, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  const Tensor& a = *in[0];
  r.shape.assign(a.shape().begin(), a.shape().end() - 2);
  r.dense_inputs = r.own_shapes = true;
  r.out = r.kernel = r.inputs[0] = a.dtype();
  r.n_aux = 1;
  r.aux_shape[0] = r.shape;
  r.aux_dtype[0] = a.dtype();
}

// qr, eigh, svd: the packed shape (see the file comment).
void infer_packed(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  const Tensor& a = *in[0];
  const int64_t m = a.shape()[size_t(a.ndim() - 2)], n = a.shape()[size_t(a.ndim() - 1)], k = std::min(m, n);
  r.shape.assign(a.shape().begin(), a.shape().end() - 2);
  const std::string op = name;
  if (op == "qr") r.shape.insert(r.shape.end(), {m + k, n});
  else if (op == "eigh") r.shape.insert(r.shape.end(), {n + 1, n});
  else r.shape.insert(r.shape.end(), {1 + m + n, k});
  r.dense_inputs = r.own_shapes = true;
  r.out = r.kernel = r.inputs[0] = a.dtype();
}

// ---- helpers for the rules ------------------------------------------------------------

int64_t dim(const Tensor& t, int64_t from_end) { return t.shape()[size_t(t.ndim() - from_end)]; }

// rows [r0, r0 + nr) and columns [c0, c0 + nc) of the last two dims (a view).
Tensor block(const Tensor& t, int64_t r0, int64_t nr, int64_t c0, int64_t nc) {
  std::vector<int64_t> begin(size_t(t.ndim()), 0), size(t.shape().begin(), t.shape().end());
  begin[size_t(t.ndim() - 2)] = r0;
  begin[size_t(t.ndim() - 1)] = c0;
  size[size_t(t.ndim() - 2)] = nr;
  size[size_t(t.ndim() - 1)] = nc;
  return slice(t, begin, size);
}

Tensor row(const Tensor& t, int64_t r) {  // row r of the last two dims, as (..., n)
  const Tensor b = block(t, r, 1, 0, dim(t, 1));
  return squeeze(b, std::vector<int64_t>{t.ndim() - 2});
}

Tensor eye_like(const Tensor& t, int64_t n) { return eye(n, n, t.dtype(), t.device()); }

Tensor scaled(const Tensor& t, double s) { return multiply(t, full({}, s, t.dtype(), t.device())); }

Tensor mT(const Tensor& t) { return matrix_transpose(t); }

// x R^{-T} for an upper-triangular R (TF's _TriangularSolve in its QR gradient).
Tensor solve_right_upper(const Tensor& x, const Tensor& r) { return mT(triangular_solve(r, mT(x), false, false)); }

// ---- gradient rules ---------------------------------------------------------------------

Grads grad_cholesky(const GradCtx& c, const Grads& g, const Needs& need) {
  if (!need[0]) return {Tensor()};
  const Tensor& l = c.output;
  const Tensor l_inv = triangular_solve(l, broadcast_to(eye_like(l, dim(l, 1)), l.shape()), true, false);
  Tensor middle = matmul(l, g[0], true, false);
  middle = set_diag(band_part(middle, -1, 0), scaled(diag_part(middle), 0.5));
  const Tensor ga = matmul(matmul(l_inv, middle, true, false), l_inv);
  return {scaled(add(ga, mT(ga)), 0.5)};
}

Grads grad_triangular_solve(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &a = c.inputs[0], &x = c.output;
  const bool lower = c.attrs.lower, adjoint = c.attrs.transpose_a;
  const Tensor gb = triangular_solve(a, g[0], lower, !adjoint);
  Tensor ga;
  if (need[0]) {
    ga = negative(adjoint ? matmul(x, gb, false, true) : matmul(gb, x, false, true));
    ga = lower ? band_part(ga, -1, 0) : band_part(ga, 0, -1);
  }
  return {ga, need[1] ? gb : Tensor()};
}

Grads grad_matrix_inverse(const GradCtx& c, const Grads& g, const Needs& need) {
  if (!need[0]) return {Tensor()};
  const Tensor& inv = c.output;
  return {negative(matmul(inv, matmul(g[0], inv, false, true), true, false))};
}

Grads grad_matrix_solve(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor &a = c.inputs[0], &x = c.output;
  const Tensor gb = matrix_solve(mT(a), g[0]);
  return {need[0] ? negative(matmul(gb, x, false, true)) : Tensor(), need[1] ? gb : Tensor()};
}

Grads grad_log_abs_det(const GradCtx& c, const Grads& g, const Needs& need) {
  if (!need[0]) return {Tensor()};
  const Tensor gg = expand_dims(expand_dims(g[0], -1), -1);
  return {multiply(gg, mT(matrix_inverse(c.inputs[0])))};
}

Grads grad_qr(const GradCtx& c, const Grads& g, const Needs& need) {
  if (!need[0]) return {Tensor()};
  const Tensor& packed = c.output;
  const int64_t n = dim(packed, 1), m = c.shapes[0][c.shapes[0].size() - 2], k = std::min(m, n);
  TG_CHECK(m >= n, NotImplementedError, "qr: the gradient needs at least as many rows as columns, got a ", m, "x", n,
           " matrix");
  const Tensor q = block(packed, 0, m, 0, k), r = block(packed, m, k, 0, n);
  const Tensor dq = block(g[0], 0, m, 0, k), dr = block(g[0], m, k, 0, n);
  const Tensor qdq = matmul(q, dq, true, false);
  const Tensor rdr = matmul(r, dr, false, true);
  const Tensor tril = band_part(add(subtract(qdq, mT(qdq)), subtract(rdr, mT(rdr))), -1, 0);
  const Tensor ga = matmul(q, add(dr, solve_right_upper(tril, r)));
  const Tensor gb = solve_right_upper(subtract(dq, matmul(q, qdq)), r);
  return {add(ga, gb)};
}

// F with F[i][j] = 1 / (x[j] - x[i]) off the diagonal and 0 on it, for x (..., n).
Tensor inverse_gaps(const Tensor& x) {
  const Tensor gaps = subtract(expand_dims(x, -2), expand_dims(x, -1));
  const int64_t n = dim(x, 1);
  const Tensor off = logical_not(cast(eye(n, n, DType::Float32, x.device()), DType::Bool));
  return where(off, reciprocal(where(off, gaps, full({}, 1.0, x.dtype(), x.device()))),
               full({}, 0.0, x.dtype(), x.device()));
}

Grads grad_eigh(const GradCtx& c, const Grads& g, const Needs& need) {
  if (!need[0]) return {Tensor()};
  const Tensor& packed = c.output;
  const int64_t n = dim(packed, 1);
  const Tensor e = row(packed, 0), v = block(packed, 1, n, 0, n);
  const Tensor ge = row(g[0], 0), gv = block(g[0], 1, n, 0, n);
  const Tensor f = inverse_gaps(e);
  Tensor ga = matmul(v, matmul(add(matrix_diag(ge), multiply(f, matmul(v, gv, true, false))), v, false, true));
  ga = band_part(add(ga, mT(ga)), -1, 0);
  return {set_diag(ga, scaled(diag_part(ga), 0.5))};
}

Grads grad_svd(const GradCtx& c, const Grads& g, const Needs& need) {
  if (!need[0]) return {Tensor()};
  const Tensor& packed = c.output;
  const Shape& in = c.shapes[0];
  const int64_t m = in[in.size() - 2], n = in[in.size() - 1], k = std::min(m, n);
  const Tensor s = row(packed, 0), u = block(packed, 1, m, 0, k), v = block(packed, 1 + m, n, 0, k);
  const Tensor gs = row(g[0], 0), gu = block(g[0], 1, m, 0, k), gv = block(g[0], 1 + m, n, 0, k);
  const Tensor f = inverse_gaps(square(s));
  const Tensor s_mat = matrix_diag(s), s_inv = matrix_diag(reciprocal(s));
  const Tensor utgu = matmul(u, gu, true, false), vtgv = matmul(v, gv, true, false);
  const Tensor j = multiply(f, subtract(utgu, mT(utgu))), kk = multiply(f, subtract(vtgv, mT(vtgv)));
  const Tensor inner = add(add(matmul(j, s_mat), matrix_diag(gs)), matmul(s_mat, kk));
  Tensor ga = matmul(matmul(u, inner), v, false, true);
  // The parts outside the spans of U and V (zero for square matrices).
  if (m > k) {
    const Tensor proj_u = subtract(eye_like(u, m), matmul(u, u, false, true));
    ga = add(ga, matmul(matmul(proj_u, matmul(gu, s_inv)), v, false, true));
  }
  if (n > k) {
    const Tensor proj_v = subtract(eye_like(v, n), matmul(v, v, false, true));
    ga = add(ga, matmul(matmul(u, s_inv), matmul(gv, proj_v, true, false)));
  }
  return {ga};
}

// Broadcasts the batch dims of a (..., n, n) and b (..., n, k) against each other.
std::pair<Tensor, Tensor> broadcast_batches(const char* name, const Tensor& a, const Tensor& b) {
  TG_CHECK(b.ndim() >= 2, ValueError, name, ": the right-hand side must have rank >= 2, got shape ", b.shape());
  TG_CHECK(dim(b, 2) == dim(a, 1), ValueError, name, ": the right-hand side of shape ", b.shape(),
           " has ", dim(b, 2), " rows; the matrices of shape ", a.shape(), " need ", dim(a, 1));
  const Shape ab(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape batch;
  try {
    batch = broadcast_shapes(ab, bb);
  } catch (const ValueError&) {
    throw ValueError(str(name, ": batch dimensions ", ab, " and ", bb, " cannot be broadcast together"));
  }
  Shape sa = batch, sb = batch;
  sa.insert(sa.end(), {dim(a, 2), dim(a, 1)});
  sb.insert(sb.end(), {dim(b, 2), dim(b, 1)});
  return {a.shape() == sa ? a : broadcast_to(a, sa), b.shape() == sb ? b : broadcast_to(b, sb)};
}

// The bool mask of a band: keep (i, j) when i - j <= lower (lower < 0: all) and j - i <= upper.
Tensor band_mask(int64_t m, int64_t n, int64_t lower, int64_t upper, Device device) {
  const Tensor rows = reshape(arange_int(0, m, 1, DType::Int64, device), {m, 1});
  const Tensor cols = reshape(arange_int(0, n, 1, DType::Int64, device), {1, n});
  const Tensor d = subtract(rows, cols);
  Tensor keep = full({m, n}, 1.0, DType::Bool, device);
  if (lower >= 0) keep = logical_and(keep, less_equal(d, full({}, double(lower), DType::Int64, device)));
  if (upper >= 0) keep = logical_and(keep, less_equal(negative(d), full({}, double(upper), DType::Int64, device)));
  return keep;
}

}  // namespace

// ---- matrix helpers (compositions) ---------------------------------------------------------

Tensor matrix_transpose(const Tensor& t) {
  TG_CHECK(t.ndim() >= 2, ValueError, "matrix_transpose: the input must have rank >= 2, got shape ", t.shape());
  std::vector<int64_t> perm(static_cast<size_t>(t.ndim()));
  for (int64_t i = 0; i < t.ndim(); ++i) perm[size_t(i)] = i;
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  return transpose(t, perm);
}

Tensor band_part(const Tensor& t, int64_t num_lower, int64_t num_upper) {
  TG_CHECK(t.ndim() >= 2, ValueError, "band_part: the input must have rank >= 2, got shape ", t.shape());
  const Tensor keep = band_mask(dim(t, 2), dim(t, 1), num_lower, num_upper, t.device());
  return where(keep, t, zeros_like(t));
}

Tensor diag_part(const Tensor& t) {
  TG_CHECK(t.ndim() >= 2, ValueError, "diag_part: the input must have rank >= 2, got shape ", t.shape());
  const int64_t m = dim(t, 2), n = dim(t, 1), k = std::min(m, n);
  Shape flat(t.shape().begin(), t.shape().end() - 2);
  flat.push_back(m * n);
  const Tensor positions = arange_int(0, k * (n + 1), n + 1, DType::Int64, t.device());
  return gather(reshape(t, flat), positions, t.ndim() - 2);
}

Tensor matrix_diag(const Tensor& d) {
  TG_CHECK(d.ndim() >= 1, ValueError, "matrix_diag: the diagonal must have rank >= 1, got a scalar");
  const int64_t k = dim(d, 1);
  return multiply(expand_dims(d, -1), eye(k, k, d.dtype(), d.device()));
}

Tensor set_diag(const Tensor& t, const Tensor& d) {
  TG_CHECK(t.ndim() >= 2, ValueError, "set_diag: the input must have rank >= 2, got shape ", t.shape());
  const int64_t m = dim(t, 2), n = dim(t, 1), k = std::min(m, n);
  TG_CHECK(d.ndim() >= 1 && dim(d, 1) == k, ValueError, "set_diag: a diagonal of shape ", d.shape(),
           " does not fit matrices of shape ", t.shape(), " (its last dim must be ", k, ")");
  const Tensor e = eye(m, n, t.dtype(), t.device());
  const Tensor on_diag = multiply(expand_dims(cast(d, t.dtype()), m <= n ? -1 : -2), e);
  return where(cast(e, DType::Bool), on_diag, t);
}

// ---- the LAPACK ops ---------------------------------------------------------------------------

Tensor cholesky(const Tensor& a) {
  check_square("cholesky", a);
  return exec(OpId::Cholesky, a);
}

Tensor triangular_solve(const Tensor& a, const Tensor& b, bool lower, bool adjoint) {
  check_square("triangular_solve", a);
  check_float_matrix("triangular_solve", b, "the right-hand side");
  auto [aa, bb] = broadcast_batches("triangular_solve", a, b);
  OpAttrs attrs;
  attrs.lower = lower;
  attrs.transpose_a = adjoint;
  return exec_n(OpId::TriangularSolve, {&aa, &bb}, attrs);
}

Tensor matrix_inverse(const Tensor& a) {
  check_square("matrix_inverse", a);
  return exec(OpId::MatrixInverse, a);
}

Tensor matrix_solve(const Tensor& a, const Tensor& b) {
  check_square("matrix_solve", a);
  check_float_matrix("matrix_solve", b, "the right-hand side");
  auto [aa, bb] = broadcast_batches("matrix_solve", a, b);
  return exec(OpId::MatrixSolve, aa, bb);
}

std::pair<Tensor, Tensor> slogdet(const Tensor& a) {
  check_square("slogdet", a);
  Tensor sign;
  Tensor logdet = exec_with_aux(OpId::LogAbsDet, {&a}, OpAttrs{}, &sign);
  return {sign, logdet};
}

std::pair<Tensor, Tensor> qr(const Tensor& a) {
  check_float_matrix("qr", a, "the input");
  const int64_t m = dim(a, 2), n = dim(a, 1), k = std::min(m, n);
  const Tensor packed = exec(OpId::Qr, a);
  return {block(packed, 0, m, 0, k), block(packed, m, k, 0, n)};
}

std::pair<Tensor, Tensor> eigh(const Tensor& a) {
  check_square("eigh", a);
  const int64_t n = dim(a, 1);
  const Tensor packed = exec(OpId::Eigh, a);
  return {row(packed, 0), block(packed, 1, n, 0, n)};
}

std::tuple<Tensor, Tensor, Tensor> svd(const Tensor& a) {
  check_float_matrix("svd", a, "the input");
  const int64_t m = dim(a, 2), n = dim(a, 1), k = std::min(m, n);
  const Tensor packed = exec(OpId::Svd, a);
  return {row(packed, 0), block(packed, 1, m, 0, k), block(packed, 1 + m, n, 0, k)};
}

}  // namespace tg::ops

// ---- the table entries ------------------------------------------------------------------------

namespace tg::op {

void define_lapack() {
  using namespace tg::ops;
  define(OpId::Cholesky, 1, infer_same, grad_cholesky, kSaveOutput, kFloatDTypes);
  define(OpId::TriangularSolve, 2, infer_solve, grad_triangular_solve, kSaveInputs | kSaveOutput, kFloatDTypes);
  define(OpId::MatrixInverse, 1, infer_same, grad_matrix_inverse, kSaveOutput, kFloatDTypes);
  define(OpId::MatrixSolve, 2, infer_solve, grad_matrix_solve, kSaveInputs | kSaveOutput, kFloatDTypes);
  define(OpId::LogAbsDet, 1, infer_log_abs_det, grad_log_abs_det, kSaveInputs, kFloatDTypes);
  define(OpId::Qr, 1, infer_packed, grad_qr, kSaveOutput, kFloatDTypes);
  define(OpId::Eigh, 1, infer_packed, grad_eigh, kSaveOutput, kFloatDTypes);
  define(OpId::Svd, 1, infer_packed, grad_svd, kSaveOutput, kFloatDTypes);
}

}  // namespace tg::op

// Dense linear algebra on the CPU through LAPACK (backend/cpu/lapack.h):
// cholesky, triangular_solve, matrix_inverse, matrix_solve, log_abs_det,
// and the packed factorizations qr, eigh and svd (ops_lapack.cpp says what
// each output holds). Every operand is dense row-major; LAPACK is
// column-major, so a stored matrix is its transpose there: the kernels
// either use that (a symmetric matrix is its own transpose, det(A^T) =
// det(A), inv(A^T) = inv(A)^T, A X = B is a transposed solve with A^T) or
// copy into a column-major buffer. Matrices of the batch are split over the
// pool. A failed factorization is a ValueError naming the matrix.
#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <vector>

#include "backend/cpu/lapack.h"
#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"

namespace tg::cpu {

namespace {

using op::OpId;

struct Batch {
  int64_t count = 1, rows = 0, cols = 0;
};

// The matrix dims and the number of matrices of a dense operand of `shape` (rank >= 2).
Batch batch_of(const int64_t* shape, int ndim) {
  Batch b;
  for (int d = 0; d < ndim - 2; ++d) b.count *= shape[d];
  b.rows = shape[ndim - 2];
  b.cols = shape[ndim - 1];
  return b;
}

int lapack_int(int64_t v, const char* op) {
  TG_CHECK(v <= int64_t(INT_MAX), NotImplementedError, op, ": a dimension of ", v,
           " is larger than LAPACK's 32-bit sizes allow");
  return int(v);
}

// dst (cols x rows, column-major) = src (rows x cols, row-major): the same
// matrix in LAPACK's layout. Also the reverse direction with the roles swapped.
template <class T>
void to_col_major(const T* src, T* dst, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) dst[i + j * rows] = src[i * cols + j];
}
template <class T>
void from_col_major(const T* src, T* dst, int64_t rows, int64_t cols) {
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) dst[i * cols + j] = src[i + j * rows];
}

void check_info(int info, const char* op, int64_t matrix, const char* what) {
  if (info < 0) throw RuntimeError(str(op, ": LAPACK rejected argument ", -info, " (an internal error)"));
  if (info > 0) throw ValueError(str(op, ": matrix ", matrix, " of the batch ", what, " (LAPACK info ", info, ")"));
}

template <class F>
void over_batch(int64_t count, int64_t per_matrix_work, F&& f) {
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(per_matrix_work, 1));
  parallel_for(count, grain, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) f(b);
  });
}

// ---- cholesky: the lower factor L (A = L L^T); reads A's lower triangle ----------------

template <class T>
void cholesky_kernel(const KernelCall& c) {
  const Batch B = batch_of(c.shape, c.ndim);
  const int64_t n = B.rows;
  const int ni = lapack_int(n, "cholesky");
  const T* a = static_cast<const T*>(c.in[0].data);
  T* out = static_cast<T*>(c.out.data);
  over_batch(B.count, n * n * n, [&](int64_t b) {
    T* m = out + b * n * n;
    std::copy(a + b * n * n, a + (b + 1) * n * n, m);
    int info = 0;
    if (n > 0) lapack::potrf('U', ni, m, std::max(ni, 1), &info);  // column-major upper = row-major lower
    check_info(info, "cholesky", b, "is not positive definite");
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j) m[i * n + j] = T(0);
  });
}

// ---- triangular_solve: X with op(A) X = B; attrs.lower, attrs.transpose_a (adjoint) -------

template <class T>
void triangular_solve_kernel(const KernelCall& c) {
  const Batch B = batch_of(c.shape, c.ndim);  // the output's: (n, k)
  const int64_t n = B.rows, k = B.cols;
  const int ni = lapack_int(n, "triangular_solve"), ki = lapack_int(k, "triangular_solve");
  const T* a = static_cast<const T*>(c.in[0].data);
  const T* rhs = static_cast<const T*>(c.in[1].data);
  T* out = static_cast<T*>(c.out.data);
  // The stored A is A^T to LAPACK: a lower A is an upper matrix there, and
  // solving with A itself is its transposed solve.
  const char uplo = c.attrs->lower ? 'U' : 'L';
  const char trans = c.attrs->transpose_a ? 'N' : 'T';
  over_batch(B.count, n * n * std::max<int64_t>(k, 1), [&](int64_t b) {
    if (n == 0 || k == 0) return;
    std::vector<T> x(size_t(n * k));
    to_col_major(rhs + b * n * k, x.data(), n, k);
    int info = 0;
    lapack::trtrs(uplo, trans, ni, ki, a + b * n * n, ni, x.data(), ni, &info);
    check_info(info, "triangular_solve", b, "is singular (a zero on its diagonal)");
    from_col_major(x.data(), out + b * n * k, n, k);
  });
}

// ---- matrix_inverse ----------------------------------------------------------------------

template <class T>
void matrix_inverse_kernel(const KernelCall& c) {
  const Batch B = batch_of(c.shape, c.ndim);
  const int64_t n = B.rows;
  const int ni = lapack_int(n, "matrix_inverse");
  const T* a = static_cast<const T*>(c.in[0].data);
  T* out = static_cast<T*>(c.out.data);
  over_batch(B.count, n * n * n, [&](int64_t b) {
    if (n == 0) return;
    T* m = out + b * n * n;
    std::copy(a + b * n * n, a + (b + 1) * n * n, m);  // A^T to LAPACK; inv(A^T) = inv(A)^T
    std::vector<int> ipiv(static_cast<size_t>(n));
    int info = 0;
    lapack::getrf(ni, ni, m, ni, ipiv.data(), &info);
    check_info(info, "matrix_inverse", b, "is not invertible");
    T query{};
    lapack::getri(ni, m, ni, ipiv.data(), &query, -1, &info);
    std::vector<T> work(size_t(std::max<int64_t>(int64_t(query), n)));
    lapack::getri(ni, m, ni, ipiv.data(), work.data(), int(work.size()), &info);
    check_info(info, "matrix_inverse", b, "is not invertible");
  });
}

// ---- matrix_solve: X with A X = B ----------------------------------------------------------

template <class T>
void matrix_solve_kernel(const KernelCall& c) {
  const Batch B = batch_of(c.shape, c.ndim);  // the output's: (n, k)
  const int64_t n = B.rows, k = B.cols;
  const int ni = lapack_int(n, "matrix_solve"), ki = lapack_int(k, "matrix_solve");
  const T* a = static_cast<const T*>(c.in[0].data);
  const T* rhs = static_cast<const T*>(c.in[1].data);
  T* out = static_cast<T*>(c.out.data);
  over_batch(B.count, n * n * (n + k), [&](int64_t b) {
    if (n == 0 || k == 0) return;
    std::vector<T> lu(a + b * n * n, a + (b + 1) * n * n);  // A^T to LAPACK
    std::vector<int> ipiv(static_cast<size_t>(n));
    int info = 0;
    lapack::getrf(ni, ni, lu.data(), ni, ipiv.data(), &info);
    check_info(info, "matrix_solve", b, "is not invertible");
    std::vector<T> x(size_t(n * k));
    to_col_major(rhs + b * n * k, x.data(), n, k);
    lapack::getrs('T', ni, ki, lu.data(), ni, ipiv.data(), x.data(), ni, &info);  // (A^T)^T X = B
    check_info(info, "matrix_solve", b, "is not invertible");
    from_col_major(x.data(), out + b * n * k, n, k);
  });
}

// ---- log_abs_det: log|det A| and, as the auxiliary output, the sign (0 when singular) --------

template <class T>
void log_abs_det_kernel(const KernelCall& c) {
  const int64_t n = c.in[0].shape[c.in[0].ndim - 1];
  const int64_t count = c.numel;
  const int ni = lapack_int(n, "log_abs_det");
  const T* a = static_cast<const T*>(c.in[0].data);
  T* logdet = static_cast<T*>(c.out.data);
  T* sign = static_cast<T*>(c.aux[0].data);
  over_batch(count, n * n * n, [&](int64_t b) {
    T s = T(1), l = T(0);
    if (n > 0) {
      std::vector<T> lu(a + b * n * n, a + (b + 1) * n * n);  // det(A^T) = det(A)
      std::vector<int> ipiv(static_cast<size_t>(n));
      int info = 0;
      lapack::getrf(ni, ni, lu.data(), ni, ipiv.data(), &info);
      check_info(info < 0 ? info : 0, "log_abs_det", b, "");
      for (int64_t i = 0; i < n; ++i) {
        const T d = lu[size_t(i * n + i)];
        if (ipiv[size_t(i)] != int(i + 1)) s = -s;
        if (d < T(0)) s = -s;
        l += std::log(std::abs(d));
      }
      if (info > 0) {
        s = T(0);
        l = -std::numeric_limits<T>::infinity();
      }
    }
    logdet[b] = l;
    sign[b] = s;
  });
}

// ---- qr (reduced): packed (m + k, n), Q in rows [0, m) cols [0, k), R in rows [m, m + k) ----

template <class T>
void qr_kernel(const KernelCall& c) {
  const ArrayArg& in = c.in[0];
  const int64_t m = in.shape[in.ndim - 2], n = in.shape[in.ndim - 1], k = std::min(m, n);
  const int64_t count = m * n == 0 ? 0 : shape_numel(Shape(in.shape, in.shape + in.ndim)) / (m * n);
  const int mi = lapack_int(m, "qr"), ni = lapack_int(n, "qr"), ki = int(k);
  const T* a = static_cast<const T*>(in.data);
  T* out = static_cast<T*>(c.out.data);
  std::fill(out, out + c.numel, T(0));
  over_batch(count, m * n * k, [&](int64_t b) {
    std::vector<T> ac(size_t(m * n)), tau(size_t(std::max<int64_t>(k, 1)));
    to_col_major(a + b * m * n, ac.data(), m, n);
    int info = 0;
    T query{};
    lapack::geqrf(mi, ni, ac.data(), mi, tau.data(), &query, -1, &info);
    std::vector<T> work(size_t(std::max<int64_t>(int64_t(query), std::max<int64_t>(n, 1))));
    lapack::geqrf(mi, ni, ac.data(), mi, tau.data(), work.data(), int(work.size()), &info);
    check_info(info, "qr", b, "failed");
    T* packed = out + b * (m + k) * n;
    for (int64_t i = 0; i < k; ++i)
      for (int64_t j = i; j < n; ++j) packed[(m + i) * n + j] = ac[size_t(i + j * m)];
    lapack::orgqr(mi, ki, ki, ac.data(), mi, tau.data(), &query, -1, &info);
    work.resize(size_t(std::max<int64_t>(int64_t(query), std::max<int64_t>(k, 1))));
    lapack::orgqr(mi, ki, ki, ac.data(), mi, tau.data(), work.data(), int(work.size()), &info);
    check_info(info, "qr", b, "failed");
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < k; ++j) packed[i * n + j] = ac[size_t(i + j * m)];
  });
}

// ---- eigh: packed (n + 1, n), the ascending eigenvalues in row 0 and the
// eigenvectors as the columns of rows [1, n + 1); reads A's lower triangle -------------------

template <class T>
void eigh_kernel(const KernelCall& c) {
  const ArrayArg& in = c.in[0];
  const int64_t n = in.shape[in.ndim - 1];
  const int64_t count = n == 0 ? 0 : shape_numel(Shape(in.shape, in.shape + in.ndim)) / (n * n);
  const int ni = lapack_int(n, "eigh");
  const T* a = static_cast<const T*>(in.data);
  T* out = static_cast<T*>(c.out.data);
  over_batch(count, n * n * n, [&](int64_t b) {
    std::vector<T> z(a + b * n * n, a + (b + 1) * n * n);  // symmetric: A^T's upper = A's lower
    T* packed = out + b * (n + 1) * n;
    int info = 0, iquery = 0;
    T query{};
    lapack::syevd('V', 'U', ni, z.data(), ni, packed, &query, -1, &iquery, -1, &info);
    std::vector<T> work(size_t(std::max<int64_t>(int64_t(query), 1)));
    std::vector<int> iwork(size_t(std::max(iquery, 1)));
    lapack::syevd('V', 'U', ni, z.data(), ni, packed, work.data(), int(work.size()), iwork.data(),
                  int(iwork.size()), &info);
    check_info(info, "eigh", b, "did not converge");
    from_col_major(z.data(), packed + n, n, n);
  });
}

// ---- svd (reduced): packed (1 + m + n, k), the descending singular values in row 0, U
// in rows [1, 1 + m), V in rows [1 + m, 1 + m + n) --------------------------------------------

template <class T>
void svd_kernel(const KernelCall& c) {
  const ArrayArg& in = c.in[0];
  const int64_t m = in.shape[in.ndim - 2], n = in.shape[in.ndim - 1], k = std::min(m, n);
  const int64_t count = m * n == 0 ? 0 : shape_numel(Shape(in.shape, in.shape + in.ndim)) / (m * n);
  const int mi = lapack_int(m, "svd"), ni = lapack_int(n, "svd"), ki = int(k);
  const T* a = static_cast<const T*>(in.data);
  T* out = static_cast<T*>(c.out.data);
  if (count == 0) std::fill(out, out + c.numel, T(0));
  over_batch(count, m * n * k, [&](int64_t b) {
    std::vector<T> ac(size_t(m * n)), u(size_t(m * k)), vt(size_t(k * n));
    to_col_major(a + b * m * n, ac.data(), m, n);
    T* packed = out + b * (1 + m + n) * k;
    std::vector<int> iwork(size_t(8 * std::max<int64_t>(k, 1)));
    int info = 0;
    T query{};
    lapack::gesdd('S', mi, ni, ac.data(), mi, packed, u.data(), mi, vt.data(), ki, &query, -1, iwork.data(), &info);
    std::vector<T> work(size_t(std::max<int64_t>(int64_t(query), 1)));
    lapack::gesdd('S', mi, ni, ac.data(), mi, packed, u.data(), mi, vt.data(), ki, work.data(), int(work.size()),
                  iwork.data(), &info);
    check_info(info, "svd", b, "did not converge");
    from_col_major(u.data(), packed + k, m, k);  // U[i][j] = u[i + j m]
    for (int64_t i = 0; i < n; ++i)                // V[i][j] = VT[j][i] = vt[j + i k]
      for (int64_t j = 0; j < k; ++j) packed[(1 + m + i) * k + j] = vt[size_t(j + i * k)];
  });
}

template <template <class> class K>
void register_float(OpId id) {
  op::register_kernel(id, DeviceType::CPU, DType::Float32, &K<float>::run);
  op::register_kernel(id, DeviceType::CPU, DType::Float64, &K<double>::run);
}

#define TG_LINALG_KERNEL(Name, fn) \
  template <class T>               \
  struct Name {                    \
    static void run(const KernelCall& c) { fn<T>(c); } \
  };
TG_LINALG_KERNEL(Cholesky, cholesky_kernel)
TG_LINALG_KERNEL(TriangularSolve, triangular_solve_kernel)
TG_LINALG_KERNEL(MatrixInverse, matrix_inverse_kernel)
TG_LINALG_KERNEL(MatrixSolve, matrix_solve_kernel)
TG_LINALG_KERNEL(LogAbsDet, log_abs_det_kernel)
TG_LINALG_KERNEL(Qr, qr_kernel)
TG_LINALG_KERNEL(Eigh, eigh_kernel)
TG_LINALG_KERNEL(Svd, svd_kernel)
#undef TG_LINALG_KERNEL

}  // namespace

void register_linalg() {
  register_float<Cholesky>(OpId::Cholesky);
  register_float<TriangularSolve>(OpId::TriangularSolve);
  register_float<MatrixInverse>(OpId::MatrixInverse);
  register_float<MatrixSolve>(OpId::MatrixSolve);
  register_float<LogAbsDet>(OpId::LogAbsDet);
  register_float<Qr>(OpId::Qr);
  register_float<Eigh>(OpId::Eigh);
  register_float<Svd>(OpId::Svd);
}

}  // namespace tg::cpu

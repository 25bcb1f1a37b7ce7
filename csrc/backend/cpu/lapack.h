// The few LAPACK routines the linear-algebra kernels call (backend/cpu/
// linalg.cpp), declared here under the linked library's names (blas_names.h):
// the OpenBLAS we link carries LAPACK's Fortran interface but not always
// LAPACKE's C one. Fortran passes everything by
// pointer, integers are 32-bit (LP64), and each character argument has a
// hidden length after the others (gfortran's convention; passed as 1).
#pragma once
#include <cstddef>

#include "backend/cpu/blas_names.h"

extern "C" {
using lapack_len = size_t;

void TG_BLAS(spotrf_)(const char* uplo, const int* n, float* a, const int* lda, int* info, lapack_len);
void TG_BLAS(dpotrf_)(const char* uplo, const int* n, double* a, const int* lda, int* info, lapack_len);
void TG_BLAS(sgetrf_)(const int* m, const int* n, float* a, const int* lda, int* ipiv, int* info);
void TG_BLAS(dgetrf_)(const int* m, const int* n, double* a, const int* lda, int* ipiv, int* info);
void TG_BLAS(sgetri_)(const int* n, float* a, const int* lda, const int* ipiv, float* work, const int* lwork, int* info);
void TG_BLAS(dgetri_)(const int* n, double* a, const int* lda, const int* ipiv, double* work, const int* lwork, int* info);
void TG_BLAS(sgetrs_)(const char* trans, const int* n, const int* nrhs, const float* a, const int* lda, const int* ipiv,
             float* b, const int* ldb, int* info, lapack_len);
void TG_BLAS(dgetrs_)(const char* trans, const int* n, const int* nrhs, const double* a, const int* lda, const int* ipiv,
             double* b, const int* ldb, int* info, lapack_len);
void TG_BLAS(strtrs_)(const char* uplo, const char* trans, const char* diag, const int* n, const int* nrhs, const float* a,
             const int* lda, float* b, const int* ldb, int* info, lapack_len, lapack_len, lapack_len);
void TG_BLAS(dtrtrs_)(const char* uplo, const char* trans, const char* diag, const int* n, const int* nrhs, const double* a,
             const int* lda, double* b, const int* ldb, int* info, lapack_len, lapack_len, lapack_len);
void TG_BLAS(sgeqrf_)(const int* m, const int* n, float* a, const int* lda, float* tau, float* work, const int* lwork,
             int* info);
void TG_BLAS(dgeqrf_)(const int* m, const int* n, double* a, const int* lda, double* tau, double* work, const int* lwork,
             int* info);
void TG_BLAS(sorgqr_)(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau, float* work,
             const int* lwork, int* info);
void TG_BLAS(dorgqr_)(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau, double* work,
             const int* lwork, int* info);
void TG_BLAS(ssyevd_)(const char* jobz, const char* uplo, const int* n, float* a, const int* lda, float* w, float* work,
             const int* lwork, int* iwork, const int* liwork, int* info, lapack_len, lapack_len);
void TG_BLAS(dsyevd_)(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w, double* work,
             const int* lwork, int* iwork, const int* liwork, int* info, lapack_len, lapack_len);
void TG_BLAS(sgesdd_)(const char* jobz, const int* m, const int* n, float* a, const int* lda, float* s, float* u,
             const int* ldu, float* vt, const int* ldvt, float* work, const int* lwork, int* iwork, int* info,
             lapack_len);
void TG_BLAS(dgesdd_)(const char* jobz, const int* m, const int* n, double* a, const int* lda, double* s, double* u,
             const int* ldu, double* vt, const int* ldvt, double* work, const int* lwork, int* iwork, int* info,
             lapack_len);
}

namespace tg::cpu::lapack {

// One overload per precision, so the kernels are templates over T.
inline void potrf(char uplo, int n, float* a, int lda, int* info) { TG_BLAS(spotrf_)(&uplo, &n, a, &lda, info, 1); }
inline void potrf(char uplo, int n, double* a, int lda, int* info) { TG_BLAS(dpotrf_)(&uplo, &n, a, &lda, info, 1); }
inline void getrf(int m, int n, float* a, int lda, int* ipiv, int* info) { TG_BLAS(sgetrf_)(&m, &n, a, &lda, ipiv, info); }
inline void getrf(int m, int n, double* a, int lda, int* ipiv, int* info) { TG_BLAS(dgetrf_)(&m, &n, a, &lda, ipiv, info); }
inline void getri(int n, float* a, int lda, const int* ipiv, float* work, int lwork, int* info) {
  TG_BLAS(sgetri_)(&n, a, &lda, ipiv, work, &lwork, info);
}
inline void getri(int n, double* a, int lda, const int* ipiv, double* work, int lwork, int* info) {
  TG_BLAS(dgetri_)(&n, a, &lda, ipiv, work, &lwork, info);
}
inline void getrs(char trans, int n, int nrhs, const float* a, int lda, const int* ipiv, float* b, int ldb,
                  int* info) {
  TG_BLAS(sgetrs_)(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, info, 1);
}
inline void getrs(char trans, int n, int nrhs, const double* a, int lda, const int* ipiv, double* b, int ldb,
                  int* info) {
  TG_BLAS(dgetrs_)(&trans, &n, &nrhs, a, &lda, ipiv, b, &ldb, info, 1);
}
inline void trtrs(char uplo, char trans, int n, int nrhs, const float* a, int lda, float* b, int ldb, int* info) {
  const char diag = 'N';
  TG_BLAS(strtrs_)(&uplo, &trans, &diag, &n, &nrhs, a, &lda, b, &ldb, info, 1, 1, 1);
}
inline void trtrs(char uplo, char trans, int n, int nrhs, const double* a, int lda, double* b, int ldb, int* info) {
  const char diag = 'N';
  TG_BLAS(dtrtrs_)(&uplo, &trans, &diag, &n, &nrhs, a, &lda, b, &ldb, info, 1, 1, 1);
}
inline void geqrf(int m, int n, float* a, int lda, float* tau, float* work, int lwork, int* info) {
  TG_BLAS(sgeqrf_)(&m, &n, a, &lda, tau, work, &lwork, info);
}
inline void geqrf(int m, int n, double* a, int lda, double* tau, double* work, int lwork, int* info) {
  TG_BLAS(dgeqrf_)(&m, &n, a, &lda, tau, work, &lwork, info);
}
inline void orgqr(int m, int n, int k, float* a, int lda, const float* tau, float* work, int lwork, int* info) {
  TG_BLAS(sorgqr_)(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
inline void orgqr(int m, int n, int k, double* a, int lda, const double* tau, double* work, int lwork, int* info) {
  TG_BLAS(dorgqr_)(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
inline void syevd(char jobz, char uplo, int n, float* a, int lda, float* w, float* work, int lwork, int* iwork,
                  int liwork, int* info) {
  TG_BLAS(ssyevd_)(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, info, 1, 1);
}
inline void syevd(char jobz, char uplo, int n, double* a, int lda, double* w, double* work, int lwork, int* iwork,
                  int liwork, int* info) {
  TG_BLAS(dsyevd_)(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, info, 1, 1);
}
inline void gesdd(char jobz, int m, int n, float* a, int lda, float* s, float* u, int ldu, float* vt, int ldvt,
                  float* work, int lwork, int* iwork, int* info) {
  TG_BLAS(sgesdd_)(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);
}
inline void gesdd(char jobz, int m, int n, double* a, int lda, double* s, double* u, int ldu, double* vt, int ldvt,
                  double* work, int lwork, int* iwork, int* info) {
  TG_BLAS(dgesdd_)(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, info, 1);
}

}  // namespace tg::cpu::lapack

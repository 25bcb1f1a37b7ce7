// The names of the BLAS / LAPACK entry points in the library the build links: the system
// OpenBLAS exports cblas_sgemm, sgetrf_, openblas_get_config, ...; scipy-openblas32 (CMake
// option TG_SCIPY_OPENBLAS) exports the same functions with a scipy_ prefix, and its cblas.h
// declares them so. Every call site writes TG_BLAS(name).
#pragma once

#ifdef TG_SCIPY_OPENBLAS
#define TG_BLAS_CONCAT(a, b) a##b
#define TG_BLAS(name) TG_BLAS_CONCAT(scipy_, name)
#else
#define TG_BLAS(name) name
#endif

// cuBLAS, loaded at run time. The extension links no cuBLAS and needs none of
// its headers to build: it must import on machines without cuBLAS, so the few
// entry points the GEMM kernels call are declared here (their documented v2
// signatures and enum values) and looked up with dlopen/dlsym the first time
// a GPU matmul needs them.
//
// Where the library comes from, in order: the directories registered with
// add_cublas_search_path (the Python package registers those of the pip wheels
// nvidia-cublas and nvidia-cublas-cu12), then the sonames libcublas.so.13 and
// libcublas.so.12 through the dynamic loader's search path, which also finds
// one that PyTorch or another library has loaded already.
//
// Math mode: the handles use CUBLAS_DEFAULT_MATH, so float32 GEMMs are computed
// in float32 and match the CPU to float32 precision. TensorFlow enables TF32
// tensor cores for float32 matmuls by default; PyTorch does not
// (torch.backends.cuda.matmul.allow_tf32 = False), and we follow PyTorch.
#pragma once
#include <cuda_runtime.h>

#include <string>

namespace tg::cuda {

// ---- the declarations (cublas_api.h's names, values and signatures) ---------------

struct cublasContext;  // opaque
using cublasHandle_t = cublasContext*;

enum cublasStatus_t : int {
  CUBLAS_STATUS_SUCCESS = 0,
  CUBLAS_STATUS_NOT_INITIALIZED = 1,
  CUBLAS_STATUS_ALLOC_FAILED = 3,
  CUBLAS_STATUS_INVALID_VALUE = 7,
  CUBLAS_STATUS_ARCH_MISMATCH = 8,
  CUBLAS_STATUS_MAPPING_ERROR = 11,
  CUBLAS_STATUS_EXECUTION_FAILED = 13,
  CUBLAS_STATUS_INTERNAL_ERROR = 14,
  CUBLAS_STATUS_NOT_SUPPORTED = 15,
  CUBLAS_STATUS_LICENSE_ERROR = 16,
};

enum cublasOperation_t : int { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1, CUBLAS_OP_C = 2 };

enum cublasMath_t : int {
  CUBLAS_DEFAULT_MATH = 0,
  CUBLAS_TENSOR_OP_MATH = 1,  // deprecated
  CUBLAS_PEDANTIC_MATH = 2,
  CUBLAS_TF32_TENSOR_OP_MATH = 3,
};

using cublasCreate_fn = cublasStatus_t (*)(cublasHandle_t* handle);
using cublasDestroy_fn = cublasStatus_t (*)(cublasHandle_t handle);
using cublasSetStream_fn = cublasStatus_t (*)(cublasHandle_t handle, cudaStream_t stream);
using cublasSetMathMode_fn = cublasStatus_t (*)(cublasHandle_t handle, cublasMath_t mode);
using cublasGetStatusString_fn = const char* (*)(cublasStatus_t status);
template <class T>
using cublasGemm_fn = cublasStatus_t (*)(cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                                         int m, int n, int k, const T* alpha, const T* A, int lda, const T* B,
                                         int ldb, const T* beta, T* C, int ldc);
template <class T>
using cublasGemmStridedBatched_fn = cublasStatus_t (*)(cublasHandle_t handle, cublasOperation_t transa,
                                                       cublasOperation_t transb, int m, int n, int k,
                                                       const T* alpha, const T* A, int lda, long long strideA,
                                                       const T* B, int ldb, long long strideB, const T* beta, T* C,
                                                       int ldc, long long strideC, int batchCount);

// The entry points of the loaded library.
struct Cublas {
  cublasCreate_fn create = nullptr;                   // cublasCreate_v2
  cublasDestroy_fn destroy = nullptr;                 // cublasDestroy_v2
  cublasSetStream_fn set_stream = nullptr;            // cublasSetStream_v2
  cublasSetMathMode_fn set_math_mode = nullptr;       // cublasSetMathMode
  cublasGetStatusString_fn status_string = nullptr;   // cublasGetStatusString (cuBLAS >= 11.4; may be null)
  cublasGemm_fn<float> sgemm = nullptr;               // cublasSgemm_v2
  cublasGemm_fn<double> dgemm = nullptr;              // cublasDgemm_v2
  cublasGemmStridedBatched_fn<float> sgemm_strided_batched = nullptr;
  cublasGemmStridedBatched_fn<double> dgemm_strided_batched = nullptr;
  std::string path;  // the file loaded
};

// ---- the loader ---------------------------------------------------------------------

// A directory to look for libcublas.so.13 / libcublas.so.12 in, before the
// loader's search path. Only registrations made before the first GPU matmul
// count (the library is loaded once).
void add_cublas_search_path(const std::string& dir);

// The library, loaded on first use; RuntimeError naming what was tried and
// what to install when no cuBLAS can be loaded.
const Cublas& cublas();

// The cuBLAS handle of a device, created on first use, bound to the device's
// stream (runtime.h stream_for) with the default math mode. The device must
// be current (stream_for makes it so).
cublasHandle_t cublas_handle(int device);

// Raises RuntimeError naming the call and the status when status is not
// CUBLAS_STATUS_SUCCESS.
void check_cublas(cublasStatus_t status, const char* what, const char* file, int line);
#define TG_CUBLAS_CHECK(expr) ::tg::cuda::check_cublas((expr), #expr, __FILE__, __LINE__)

}  // namespace tg::cuda

// Loads cuBLAS at run time and keeps one handle per device (cublas_loader.h).
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "cublas_loader.h"
#include "runtime.h"
#include "tg_cuda.h"

namespace tg::cuda {

namespace {

// Newest first: a CUDA 13 cuBLAS where both are installed.
constexpr const char* kSonames[] = {"libcublas.so.13", "libcublas.so.12"};

std::mutex& loader_mutex() {
  static std::mutex* mu = new std::mutex;
  return *mu;
}
std::vector<std::string>& search_dirs() {
  static auto* dirs = new std::vector<std::string>;
  return *dirs;
}
std::atomic<const Cublas*> g_cublas{nullptr};  // set once, never freed

void* symbol(void* lib, const char* name, const std::string& path, bool required) {
  void* p = dlsym(lib, name);
  TG_CHECK(p != nullptr || !required, RuntimeError, "cuBLAS at ", path, " has no symbol ", name,
           " (a cuBLAS from CUDA 12 or 13 is needed: pip install tensorgear[cuda])");
  return p;
}

// Fills the entry points from an opened library; RuntimeError (and the
// library closed) when one is missing.
const Cublas* resolve(void* lib, const std::string& path) {
  auto c = std::make_unique<Cublas>();
  try {
    c->create = reinterpret_cast<cublasCreate_fn>(symbol(lib, "cublasCreate_v2", path, true));
    c->destroy = reinterpret_cast<cublasDestroy_fn>(symbol(lib, "cublasDestroy_v2", path, true));
    c->set_stream = reinterpret_cast<cublasSetStream_fn>(symbol(lib, "cublasSetStream_v2", path, true));
    c->set_math_mode = reinterpret_cast<cublasSetMathMode_fn>(symbol(lib, "cublasSetMathMode", path, true));
    c->status_string =
        reinterpret_cast<cublasGetStatusString_fn>(symbol(lib, "cublasGetStatusString", path, false));
    c->sgemm = reinterpret_cast<cublasGemm_fn<float>>(symbol(lib, "cublasSgemm_v2", path, true));
    c->dgemm = reinterpret_cast<cublasGemm_fn<double>>(symbol(lib, "cublasDgemm_v2", path, true));
    c->sgemm_strided_batched = reinterpret_cast<cublasGemmStridedBatched_fn<float>>(
        symbol(lib, "cublasSgemmStridedBatched", path, true));
    c->dgemm_strided_batched = reinterpret_cast<cublasGemmStridedBatched_fn<double>>(
        symbol(lib, "cublasDgemmStridedBatched", path, true));
  } catch (...) {
    dlclose(lib);
    throw;
  }
  c->path = path;
  return c.release();
}

const char* status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "an unknown cuBLAS status";
}

}  // namespace

void add_cublas_search_path(const std::string& dir) {
  std::lock_guard<std::mutex> lock(loader_mutex());
  search_dirs().push_back(dir);
}

const Cublas& cublas() {
  if (const Cublas* c = g_cublas.load(std::memory_order_acquire)) return *c;
  std::lock_guard<std::mutex> lock(loader_mutex());
  if (const Cublas* c = g_cublas.load(std::memory_order_acquire)) return *c;
  // A failed load is not remembered: the next GPU matmul tries again (after
  // the user installed cuBLAS or registered its directory).
  std::vector<std::string> candidates;
  for (const std::string& dir : search_dirs())
    for (const char* so : kSonames) candidates.push_back(dir + "/" + so);
  for (const char* so : kSonames) candidates.push_back(so);
  std::string tried;
  for (const std::string& path : candidates) {
    const bool is_file = path.find('/') != std::string::npos;
    if (is_file && access(path.c_str(), F_OK) != 0) {
      tried += str("\n  ", path, ": no such file");
      continue;
    }
    dlerror();
    if (void* lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
      const Cublas* c = resolve(lib, path);
      g_cublas.store(c, std::memory_order_release);
      return *c;
    }
    const char* err = dlerror();
    tried += str("\n  ", path, ": ", err ? err : "dlopen failed");
  }
  throw RuntimeError(str("matmul on a GPU needs cuBLAS, which could not be loaded. Install it with "
                         "`pip install tensorgear[cuda]` (the nvidia-cublas wheel), or install the system's "
                         "libcublas (CUDA 12 or 13) where the dynamic loader finds it. Tried:",
                         tried));
}

cublasHandle_t cublas_handle(int device) {
  // One slot per device, filled once under the loader's lock; read without it.
  static std::unique_ptr<std::atomic<cublasHandle_t>[]> handles(
      new std::atomic<cublasHandle_t>[size_t(device_count() > 0 ? device_count() : 1)]());
  TG_CHECK(device >= 0 && device < device_count(), ValueError, "GPU:", device, " does not exist (", device_count(),
           " CUDA device(s) visible)");
  std::atomic<cublasHandle_t>& slot = handles[size_t(device)];
  if (cublasHandle_t h = slot.load(std::memory_order_acquire)) return h;
  const Cublas& lib = cublas();
  std::lock_guard<std::mutex> lock(loader_mutex());
  if (cublasHandle_t h = slot.load(std::memory_order_acquire)) return h;
  // The handle belongs to the device current now; stream_for makes it `device`.
  const cudaStream_t stream = stream_for(device);
  cublasHandle_t h = nullptr;
  TG_CUBLAS_CHECK(lib.create(&h));
  try {
    TG_CUBLAS_CHECK(lib.set_stream(h, stream));
    // Float32 GEMMs in float32, never TF32 (see cublas_loader.h).
    TG_CUBLAS_CHECK(lib.set_math_mode(h, CUBLAS_DEFAULT_MATH));
  } catch (...) {
    lib.destroy(h);
    throw;
  }
  // Handles live until the process exits: destroying them from a static
  // destructor would run after the CUDA runtime has shut down.
  slot.store(h, std::memory_order_release);
  return h;
}

void check_cublas(cublasStatus_t status, const char* what, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  const Cublas* c = g_cublas.load(std::memory_order_acquire);
  const char* text = c && c->status_string ? c->status_string(status) : nullptr;
  const std::string msg = str("cuBLAS error ", status_name(status), text ? str(" (", text, ")") : std::string(),
                              " in ", what, " at ", file, ":", line);
  if (status == CUBLAS_STATUS_ALLOC_FAILED) throw OutOfMemory(msg);
  throw RuntimeError(msg);
}

}  // namespace tg::cuda

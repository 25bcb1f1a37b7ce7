// Devices, streams and errors of the CUDA backend. Discovery fails soft: no
// driver or no GPU means zero devices, never an abort.
#include <mutex>
#include <vector>

#include "runtime.h"
#include "tg_cuda.h"

namespace tg::cuda {

void raise_error(cudaError_t err, const char* what, const char* file, int line) {
  cudaGetLastError();  // clear a non-sticky error so the next call starts clean
  const std::string msg = str("CUDA error ", cudaGetErrorName(err), " (", cudaGetErrorString(err), ") in ", what,
                              " at ", file, ":", line);
  if (err == cudaErrorMemoryAllocation) throw OutOfMemory(msg);
  throw RuntimeError(msg);
}

int device_count() {
  static const int n = [] {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess) {
      cudaGetLastError();
      return 0;
    }
    return count;
  }();
  return n;
}

std::string device_name(int index) {
  cudaDeviceProp prop;
  if (index < 0 || index >= device_count() || cudaGetDeviceProperties(&prop, index) != cudaSuccess) {
    cudaGetLastError();
    return "";
  }
  return prop.name;
}

void memory_info(int index, size_t* free_bytes, size_t* total_bytes) {
  stream_for(index);
  TG_CUDA_CHECK(cudaMemGetInfo(free_bytes, total_bytes));
}

namespace {

thread_local int t_current = -1;  // the device this thread last made current

std::vector<cudaStream_t>& streams() {
  static std::vector<cudaStream_t>* s = new std::vector<cudaStream_t>(size_t(device_count()), nullptr);
  return *s;
}

}  // namespace

cudaStream_t stream_for(int device) {
  TG_CHECK(device >= 0 && device < device_count(), ValueError, "GPU:", device, " does not exist (", device_count(),
           " CUDA device(s) visible)");
  if (t_current != device) {
    TG_CUDA_CHECK(cudaSetDevice(device));
    t_current = device;
  }
  cudaStream_t& s = streams()[size_t(device)];
  if (s == nullptr) {
    static std::mutex mu;
    std::lock_guard<std::mutex> lock(mu);
    if (s == nullptr) TG_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  }
  return s;
}

void synchronize(int index) { TG_CUDA_CHECK(cudaStreamSynchronize(stream_for(index))); }
void* stream_handle(int index) { return stream_for(index); }

void call_strides(const KernelCall& c, const ArrayArg& a, int64_t* strides) {
  if (a.strides) {
    for (int d = 0; d < c.ndim; ++d) strides[d] = a.strides[d];
  } else if (a.scalar) {
    for (int d = 0; d < c.ndim; ++d) strides[d] = 0;
  } else {
    int64_t s = 1;
    for (int d = c.ndim - 1; d >= 0; --d) {
      strides[d] = s;
      s *= c.shape[d];
    }
  }
}

void own_strides(const ArrayArg& a, int64_t* strides) {
  if (a.strides) {
    for (int d = 0; d < a.ndim; ++d) strides[d] = a.strides[d];
    return;
  }
  int64_t s = 1;
  for (int d = a.ndim - 1; d >= 0; --d) {
    strides[d] = s;
    s *= a.shape[d];
  }
}

}  // namespace tg::cuda

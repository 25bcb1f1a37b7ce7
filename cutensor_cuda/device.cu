// CUDA device discovery. Everything here must fail soft: no driver or no GPU
// means zero devices, never an abort.
#include <cuda_runtime.h>

#include "tg_cuda.h"

namespace tg::cuda {

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky error
    return 0;
  }
  return n;
}

std::string device_name(int index) {
  cudaDeviceProp prop;
  if (cudaGetDeviceProperties(&prop, index) != cudaSuccess) {
    cudaGetLastError();
    return "";
  }
  return prop.name;
}

}  // namespace tg::cuda

// What every CUDA kernel file shares: error checks that raise the engine's
// typed exceptions, the one stream per device, launch sizes, and the offset
// calculator of a call's strided operands.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "allocator.h"
#include "backend/kernel.h"
#include "backend/strided_index.h"
#include "errors.h"

namespace tg::cuda {

// Raises OutOfMemory for cudaErrorMemoryAllocation, RuntimeError otherwise,
// naming the failed call and where it was made.
[[noreturn]] void raise_error(cudaError_t err, const char* what, const char* file, int line);

#define TG_CUDA_CHECK(expr)                                                              \
  do {                                                                                   \
    const cudaError_t tg_cuda_err_ = (expr);                                             \
    if (tg_cuda_err_ != cudaSuccess) ::tg::cuda::raise_error(tg_cuda_err_, #expr, __FILE__, __LINE__); \
  } while (0)

// After a kernel launch: raises the launch's error, naming the kernel.
#define TG_CUDA_LAUNCHED(name) TG_CUDA_CHECK(cudaGetLastError())

// Makes `device` current on the calling thread (cheap when it already is)
// and returns its stream. Every kernel, copy and cuBLAS call of the backend
// goes to this one non-blocking stream per device, so work on a device runs
// in issue order and the allocator may reuse a freed block at once.
cudaStream_t stream_for(int device);
inline cudaStream_t stream_for(const KernelCall& c) { return stream_for(c.device); }

// Launch sizes for grid-stride loops over n items.
constexpr int kBlock = 256;
inline unsigned grid_for(int64_t n, int block = kBlock) {
  constexpr int64_t kMaxGrid = int64_t(1) << 20;
  const int64_t g = (n + block - 1) / block;
  return unsigned(g < 1 ? 1 : g > kMaxGrid ? kMaxGrid : g);
}

// The call's element strides of an operand over the call shape (explicit,
// dense or broadcast scalar), as kernel.h describes them.
void call_strides(const KernelCall& c, const ArrayArg& a, int64_t* strides);

// The offset calculator of N operands over the call's shape; NotImplementedError
// when the layout has more than kMaxIndexDims dimensions after merging.
template <int N>
OffsetCalc<N> offset_calc(const KernelCall& c, const ArrayArg* const (&args)[N]) {
  int64_t st[N][64];
  const int64_t* rows[N];
  TG_CHECK(c.ndim <= 64, NotImplementedError, "CUDA kernels take at most 64 dimensions, got ", c.ndim);
  for (int k = 0; k < N; ++k) {
    call_strides(c, *args[k], st[k]);
    rows[k] = st[k];
  }
  OffsetCalc<N> calc;
  TG_CHECK(make_offset_calc<N>(c.shape, c.ndim, rows, calc), NotImplementedError,
           "CUDA kernels index at most ", kMaxIndexDims, " dimensions after merging; this call has ", c.ndim);
  return calc;
}

// Host memory to the device, queued on its stream; returns once the bytes are
// staged in pinned memory (copy.cu), so `src` may be reused at once.
void copy_from_host(void* dst, const void* src, size_t bytes, int device);

// Device memory a launcher needs for itself (partial sums, a permutation),
// from the device's caching allocator. Given back when the launcher returns,
// while the kernels using it may still be queued: the allocator's reuse is
// ordered on the device's one stream, so the next owner's work runs after them.
class DeviceScratch {
 public:
  DeviceScratch(int device, size_t bytes)
      : alloc_(allocator_for(Device{DeviceType::CUDA, int16_t(device)})), device_(device) {
    ptr_ = alloc_.allocate(bytes, device, &capacity_);
  }
  ~DeviceScratch() { alloc_.release(ptr_, capacity_, device_); }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;
  void* get() const { return ptr_; }

 private:
  Allocator& alloc_;
  int device_;
  size_t capacity_ = 0;
  void* ptr_ = nullptr;
};

// An operand described in its own shape (Inferred::own_shapes): its strides.
void own_strides(const ArrayArg& a, int64_t* strides);

}  // namespace tg::cuda

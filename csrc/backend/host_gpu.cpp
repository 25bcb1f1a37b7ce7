// A stand-in GPU for testing the device machinery on machines without one.
//
// Its "device memory" is host memory from an allocator of its own, installed
// as the CUDA device type's allocator; its kernel column holds the
// transfers (to_device, a memcpy both ways) and float32 add and multiply
// (the CPU loops, which can read that memory). Everything else has no
// kernel there, so a test sees exactly what a real backend with few kernels
// gives: NotImplementedError naming the op, the same-device check, gradients
// that copy back across devices. Installed only by
// _C._install_host_gpu_for_tests(), never when a CUDA backend is built.
#include "backend/host_gpu.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "backend/update.h"
#include "op/registry.h"

namespace tg::host_gpu {

namespace {

class HostGpuAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes, int, size_t* capacity) override {
    const size_t n = (nbytes + 63) / 64 * 64;
    void* p = std::aligned_alloc(64, n == 0 ? 64 : n);
    if (!p) throw OutOfMemory(str("stand-in GPU: failed to allocate ", nbytes, " bytes"));
    *capacity = n;
    std::lock_guard<std::mutex> lock(mu_);
    stats_.bytes_in_use += n;
    if (stats_.bytes_in_use > stats_.peak_bytes_in_use) stats_.peak_bytes_in_use = stats_.bytes_in_use;
    stats_.misses++;
    return p;
  }
  void release(void* p, size_t capacity, int) override {
    std::free(p);
    std::lock_guard<std::mutex> lock(mu_);
    stats_.bytes_in_use -= capacity;
  }
  void empty_cache() override {}
  AllocatorStats stats(int) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return stats_;
  }
  void reset_peak(int) override {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.peak_bytes_in_use = stats_.bytes_in_use;
  }

 private:
  mutable std::mutex mu_;
  AllocatorStats stats_;
};

// Dense to dense, either direction (the path makes the input dense).
void transfer(const KernelCall& c) { std::memcpy(c.out.data, c.in[0].data, size_t(c.numel) * itemsize(c.out.dtype)); }

}  // namespace

void install() {
  op::init();
  static std::once_flag once;
  std::call_once(once, [] {
    static HostGpuAllocator allocator;
    set_allocator(DeviceType::CUDA, &allocator);
    op::clear_kernels(DeviceType::CUDA);
    clear_update_kernels(DeviceType::CUDA);
    for (int d = 0; d < kNumDTypes; ++d) op::register_kernel(op::OpId::ToDevice, DeviceType::CUDA, DType(d), &transfer);
    for (op::OpId id : {op::OpId::Add, op::OpId::Multiply})
      op::register_kernel(id, DeviceType::CUDA, DType::Float32, op::def(id).kernels[int(DeviceType::CPU)][int(DType::Float32)]);
  });
}

}  // namespace tg::host_gpu

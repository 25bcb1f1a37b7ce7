// The GPU's caching allocator. cudaMalloc and cudaFree synchronise the
// device, so a training loop, which allocates the same sizes every step,
// must reuse blocks instead: freed blocks go to a free list per size class
// and device, and come back for the next request of that class.
//
// Reuse is stream-ordered: every kernel and copy of a device runs on its one
// stream (runtime.h), so a block released while kernels that use it are still
// queued can be handed out at once; whatever the next owner queues runs after
// them. When cudaMalloc fails, the cache is emptied (cudaFree waits for the
// device) and the request retried once; a second failure is OutOfMemory
// (MemoryError in Python) with the sizes.
#include <mutex>
#include <vector>

#include "allocator.h"
#include "allocator_cuda.h"
#include "runtime.h"
#include "tg_cuda.h"

namespace tg::cuda {

namespace {

constexpr size_t kAlign = 256;  // cudaMalloc's own alignment is at least this

struct DeviceCache {
  std::vector<void*> free_blocks[kMaxSizeClasses];
  AllocatorStats stats;
};

class CudaCachingAllocator final : public Allocator {
 public:
  CudaCachingAllocator() : caches_(size_t(device_count())) {}

  void* allocate(size_t nbytes, int index, size_t* capacity) override {
    TG_CHECK(nbytes <= (size_t(1) << 50), OutOfMemory, "cannot allocate ", nbytes, " bytes on GPU:", index);
    size_t cls = 0;
    const int idx = size_class(nbytes < kAlign ? kAlign : nbytes, &cls);
    DeviceCache& c = cache(index);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto& list = c.free_blocks[idx];
      if (!list.empty()) {
        void* p = list.back();
        list.pop_back();
        c.stats.bytes_cached -= cls;
        take(c.stats, cls);
        c.stats.hits++;
        *capacity = cls;
        return p;
      }
    }
    stream_for(index);  // makes the device current
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, cls);
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_cached(index);
      err = cudaMalloc(&p, cls);
    }
    if (err == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      size_t free_b = 0, total_b = 0;
      cudaMemGetInfo(&free_b, &total_b);
      cudaGetLastError();
      const AllocatorStats s = stats(index);
      throw OutOfMemory(str("GPU:", index, " out of memory: tried to allocate ", cls, " bytes (", double(cls) / (1 << 20),
                            " MiB); ", s.bytes_in_use, " bytes in use by tensors, ", free_b, " free of ", total_b,
                            " on the device"));
    }
    TG_CUDA_CHECK(err);
    std::lock_guard<std::mutex> lock(mu_);
    take(c.stats, cls);
    c.stats.misses++;
    *capacity = cls;
    return p;
  }

  void release(void* p, size_t capacity, int index) override {
    size_t cls = 0;
    const int idx = size_class(capacity, &cls);
    DeviceCache& c = cache(index);
    std::lock_guard<std::mutex> lock(mu_);
    c.stats.bytes_in_use -= capacity;
    c.free_blocks[idx].push_back(p);
    c.stats.bytes_cached += capacity;
  }

  void empty_cache() override {
    for (int i = 0; i < int(caches_.size()); ++i) release_cached(i);
  }

  AllocatorStats stats(int index) const override {
    std::lock_guard<std::mutex> lock(mu_);
    return const_cast<CudaCachingAllocator*>(this)->cache(index).stats;
  }

  void reset_peak(int index) override {
    std::lock_guard<std::mutex> lock(mu_);
    AllocatorStats& s = cache(index).stats;
    s.peak_bytes_in_use = s.bytes_in_use;
  }

 private:
  DeviceCache& cache(int index) {
    TG_CHECK(index >= 0 && index < int(caches_.size()), ValueError, "GPU:", index, " does not exist (",
             caches_.size(), " CUDA device(s) visible)");
    return caches_[size_t(index)];
  }

  static void take(AllocatorStats& s, size_t n) {
    s.bytes_in_use += n;
    if (s.bytes_in_use > s.peak_bytes_in_use) s.peak_bytes_in_use = s.bytes_in_use;
  }

  // Gives a device's cached blocks back to the driver (cudaFree waits for
  // the kernels that may still read them).
  void release_cached(int index) {
    std::vector<void*> blocks;
    {
      std::lock_guard<std::mutex> lock(mu_);
      DeviceCache& c = cache(index);
      for (auto& list : c.free_blocks) {
        blocks.insert(blocks.end(), list.begin(), list.end());
        list.clear();
      }
      c.stats.bytes_cached = 0;
    }
    if (blocks.empty()) return;
    stream_for(index);
    for (void* p : blocks) TG_CUDA_CHECK(cudaFree(p));
  }

  mutable std::mutex mu_;
  std::vector<DeviceCache> caches_;
};

}  // namespace

void install_allocator() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (device_count() == 0) return;
    static CudaCachingAllocator* a = new CudaCachingAllocator();  // never freed: tensors outlive statics
    set_allocator(DeviceType::CUDA, a);
  });
}

}  // namespace tg::cuda

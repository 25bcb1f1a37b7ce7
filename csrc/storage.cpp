#include "storage.h"

#include <cstdlib>
#include <atomic>
#include <mutex>  // std::lock_guard
#include <vector>

#include "errors.h"

// Under AddressSanitizer the cache keeps its blocks poisoned and hands out
// exactly the requested bytes, so a read past a tensor's end (inside its size
// class) or a use after the last view died is still reported.
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define TG_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define TG_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define TG_POISON(p, n) ((void)(p), (void)(n))
#define TG_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace tg {

namespace {

constexpr size_t kAlign = 64;

}  // namespace

int size_class(size_t n, size_t* cls) {
  if (n <= 64) { *cls = 64; return 0; }
  if (n <= 4096) {
    int i = 0;
    size_t c = 64;
    while (c < n) { c <<= 1; ++i; }
    *cls = c;
    return i;  // 0..6
  }
  int lg = 63 - __builtin_clzll(static_cast<unsigned long long>(n - 1));  // p = 2^lg < n <= 2^(lg+1)
  size_t p = size_t(1) << lg;
  size_t step = p / 4;
  size_t k = (n - p + step - 1) / step;  // 1..4
  *cls = p + k * step;
  return 7 + (lg - 12) * 4 + int(k - 1);
}

namespace {

// A tiny spin lock: the critical sections are a few loads and stores, far
// shorter than a futex round trip.
class SpinLock {
 public:
  void lock() { while (flag_.test_and_set(std::memory_order_acquire)) {} }
  void unlock() { flag_.clear(std::memory_order_release); }
 private:
  std::atomic_flag flag_ = ATOMIC_FLAG_INIT;
};

struct Cache {
  SpinLock mu;
  std::vector<void*> free_blocks[kMaxSizeClasses];
  AllocatorStats stats;
};

Cache& cache() {
  // Leaked on purpose: tensors may die during interpreter shutdown after
  // static destructors would have run.
  static Cache* c = new Cache();
  return *c;
}

}  // namespace

CachingAllocator& CachingAllocator::instance() {
  static CachingAllocator a;
  return a;
}

void* CachingAllocator::allocate(size_t nbytes, int, size_t* capacity) {
  if (nbytes > (size_t(1) << 60)) throw OutOfMemory(str("cannot allocate ", nbytes, " bytes"));
  size_t cls = 0;
  const int idx = size_class(nbytes == 0 ? 1 : nbytes, &cls);
  Cache& c = cache();
  {
    std::lock_guard<SpinLock> lock(c.mu);
    auto& list = c.free_blocks[idx];
    if (!list.empty()) {
      void* p = list.back();
      list.pop_back();
      c.stats.bytes_cached -= cls;
      c.stats.bytes_in_use += cls;
      if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use) c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
      c.stats.hits++;
      *capacity = cls;
      TG_UNPOISON(p, nbytes);
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, cls);
  if (!p) {
    empty_cache();
    p = std::aligned_alloc(kAlign, cls);
  }
  if (!p) throw OutOfMemory(str("failed to allocate ", nbytes, " bytes (", double(nbytes) / (1 << 30), " GiB)"));
  std::lock_guard<SpinLock> lock(c.mu);
  c.stats.bytes_in_use += cls;
  if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use) c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
  c.stats.misses++;
  *capacity = cls;
  TG_POISON(static_cast<char*>(p) + nbytes, cls - nbytes);
  return p;
}

void CachingAllocator::release(void* p, size_t capacity, int) {
  Cache& c = cache();
  size_t cls = 0;
  const int idx = size_class(capacity, &cls);
  std::lock_guard<SpinLock> lock(c.mu);
  c.stats.bytes_in_use -= capacity;
  if (capacity <= kMaxCachedBlock && c.stats.bytes_cached + capacity <= kMaxCachedTotal) {
    c.free_blocks[idx].push_back(p);
    c.stats.bytes_cached += capacity;
    TG_POISON(p, capacity);
  } else {
    std::free(p);
  }
}

void CachingAllocator::empty_cache() {
  Cache& c = cache();
  std::lock_guard<SpinLock> lock(c.mu);
  for (auto& list : c.free_blocks) {
    for (void* p : list) std::free(p);
    list.clear();
  }
  c.stats.bytes_cached = 0;
}

AllocatorStats CachingAllocator::stats(int) const {
  Cache& c = cache();
  std::lock_guard<SpinLock> lock(c.mu);
  return c.stats;
}

void CachingAllocator::reset_peak(int) {
  Cache& c = cache();
  std::lock_guard<SpinLock> lock(c.mu);
  c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
}

namespace {
Allocator* g_allocators[2] = {&CachingAllocator::instance(), nullptr};  // by DeviceType
}  // namespace

void set_allocator(DeviceType type, Allocator* allocator) { g_allocators[int(type)] = allocator; }
bool has_allocator(DeviceType type) { return g_allocators[int(type)] != nullptr; }

Allocator& allocator_for(Device device) {
  Allocator* a = g_allocators[int(device.type)];
  TG_CHECK(a != nullptr, ValueError, "no memory allocator for device ", device.name(),
           " in this build (no backend for that device is loaded)");
  return *a;
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  Allocator& allocator = allocator_for(device);
  auto s = std::make_shared<Storage>(Passkey{});
  s->data_ = allocator.allocate(nbytes, device.index, &s->capacity_);
  s->allocator_ = &allocator;
  s->nbytes_ = nbytes;
  s->device_ = device;
  return s;
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, std::shared_ptr<void> keepalive, Device device) {
  auto s = std::make_shared<Storage>(Passkey{});
  s->data_ = data;
  s->nbytes_ = nbytes;
  s->device_ = device;
  s->external_ = std::move(keepalive);
  return s;
}

Storage::~Storage() {
  if (allocator_ && data_) allocator_->release(data_, capacity_, device_.index);
}

}  // namespace tg

// Device memory: one allocator per device type. The CPU's is the caching
// allocator (storage.cpp); a backend for another device installs its own
// from its registration call. Storage asks the allocator of its device and
// gives memory back to the same one.
#pragma once
#include <cstddef>

#include "device.h"

namespace tg {

struct AllocatorStats {
  size_t bytes_in_use = 0;     // handed out and not yet returned
  size_t bytes_cached = 0;     // returned and kept for reuse
  size_t peak_bytes_in_use = 0;
  size_t hits = 0, misses = 0;
};

class Allocator {
 public:
  virtual ~Allocator() = default;
  // At least nbytes (64-byte aligned on the CPU) on device `index` of the
  // allocator's type; *capacity receives what was actually reserved, to be
  // passed back to release() with the same index. Throws OutOfMemory with the
  // size in the message.
  virtual void* allocate(size_t nbytes, int index, size_t* capacity) = 0;
  virtual void release(void* p, size_t capacity, int index) = 0;
  virtual void empty_cache() = 0;  // every device of the type
  virtual AllocatorStats stats(int index) const = 0;
  virtual void reset_peak(int index) = 0;  // peak_bytes_in_use := bytes_in_use
};

// Size classes shared by the caching allocators: powers of two up to 4 KiB,
// then four steps per power of two (at most 25% slack). Returns the class's
// index (below kMaxSizeClasses, so free lists can be a flat array) and puts
// its size in *cls.
constexpr int kMaxSizeClasses = 4 * 64 + 16;
int size_class(size_t n, size_t* cls);

// Installed once per device type, at module init, by the backend that owns
// the memory (the pointer is never freed).
void set_allocator(DeviceType type, Allocator* allocator);
// The allocator of a device; ValueError naming the device when this build
// has none for it.
Allocator& allocator_for(Device device);
bool has_allocator(DeviceType type);

}  // namespace tg

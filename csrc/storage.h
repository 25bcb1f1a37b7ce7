// Buffers behind tensors. Memory comes from a caching allocator: a training
// loop allocates the same sizes every step, and reusing a freed block of the
// same size class avoids both malloc and the page faults of fresh memory.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include "allocator.h"
#include "device.h"

namespace tg {

// The CPU's allocator.
class CachingAllocator final : public Allocator {
 public:
  static CachingAllocator& instance();
  // 64-byte aligned; throws OutOfMemory with the size in the message.
  void* allocate(size_t nbytes, int index, size_t* capacity) override;
  void release(void* p, size_t capacity, int index) override;
  void empty_cache() override;
  AllocatorStats stats(int index) const override;
  void reset_peak(int index) override;
  // Largest size that is cached at all; bigger blocks go straight back to the OS.
  static constexpr size_t kMaxCachedBlock = size_t(1) << 30;
  static constexpr size_t kMaxCachedTotal = size_t(2) << 30;
};

class Storage {
  struct Passkey {};  // only Storage's factories construct one (through make_shared)

 public:
  explicit Storage(Passkey) {}
  // Fresh, uninitialised memory for nbytes.
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device = Device{});
  // Memory owned by someone else (NumPy array, DLPack producer); `keepalive`
  // is destroyed when the storage dies.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, std::shared_ptr<void> keepalive,
                                       Device device = Device{});
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  size_t capacity_ = 0;  // size class actually held (for the allocator)
  Allocator* allocator_ = nullptr;  // null for wrapped memory
  Device device_{};
  std::shared_ptr<void> external_;  // set for wrapped memory
};

}  // namespace tg

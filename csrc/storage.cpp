#include "storage.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

#include "errors.h"

namespace tg {

namespace {

constexpr size_t kAlign = 64;

// Size classes: powers of two up to 4 KiB, then steps of 1/4 of the power of
// two below (so at most 25% slack), rounded to the alignment.
size_t size_class(size_t n) {
  if (n <= 64) return 64;
  if (n <= 4096) {
    size_t c = 64;
    while (c < n) c <<= 1;
    return c;
  }
  size_t p = 4096;
  while (p * 2 < n) p <<= 1;  // p < n <= 2p
  size_t step = p / 4;
  return ((n + step - 1) / step) * step;
}

struct Cache {
  std::mutex mu;
  std::map<size_t, std::vector<void*>> free_blocks;
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

void* CachingAllocator::allocate(size_t nbytes, size_t* capacity) {
  size_t cls = size_class(nbytes == 0 ? 1 : nbytes);
  if (cls < nbytes) throw OutOfMemory(str("cannot allocate ", nbytes, " bytes: size overflows"));
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lock(c.mu);
    auto it = c.free_blocks.find(cls);
    if (it != c.free_blocks.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.stats.bytes_cached -= cls;
      c.stats.bytes_in_use += cls;
      if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use) c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
      c.stats.hits++;
      *capacity = cls;
      return p;
    }
  }
  void* p = std::aligned_alloc(kAlign, cls);
  if (!p) {
    empty_cache();
    p = std::aligned_alloc(kAlign, cls);
  }
  if (!p) throw OutOfMemory(str("failed to allocate ", nbytes, " bytes (", double(nbytes) / (1 << 30), " GiB)"));
  std::lock_guard<std::mutex> lock(c.mu);
  c.stats.bytes_in_use += cls;
  if (c.stats.bytes_in_use > c.stats.peak_bytes_in_use) c.stats.peak_bytes_in_use = c.stats.bytes_in_use;
  c.stats.misses++;
  *capacity = cls;
  return p;
}

void CachingAllocator::release(void* p, size_t capacity) {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.stats.bytes_in_use -= capacity;
  if (capacity <= kMaxCachedBlock && c.stats.bytes_cached + capacity <= kMaxCachedTotal) {
    c.free_blocks[capacity].push_back(p);
    c.stats.bytes_cached += capacity;
  } else {
    std::free(p);
  }
}

void CachingAllocator::empty_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  for (auto& kv : c.free_blocks)
    for (void* p : kv.second) std::free(p);
  c.free_blocks.clear();
  c.stats.bytes_cached = 0;
}

AllocatorStats CachingAllocator::stats() const {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return c.stats;
}

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device) {
  TG_CHECK(device.type == DeviceType::CPU, ValueError, "no kernels for device ", device.name(),
           " in this build");
  auto s = std::shared_ptr<Storage>(new Storage());
  s->data_ = CachingAllocator::instance().allocate(nbytes, &s->capacity_);
  s->nbytes_ = nbytes;
  s->device_ = device;
  return s;
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, std::shared_ptr<void> keepalive, Device device) {
  auto s = std::shared_ptr<Storage>(new Storage());
  s->data_ = data;
  s->nbytes_ = nbytes;
  s->device_ = device;
  s->external_ = std::move(keepalive);
  return s;
}

Storage::~Storage() {
  if (!external_ && data_) CachingAllocator::instance().release(data_, capacity_);
}

std::string Device::name() const {
  return str(type == DeviceType::CPU ? "CPU" : "GPU", ":", index);
}

Device parse_device(const std::string& spec) {
  std::string s;
  for (char ch : spec) s += char(std::toupper(static_cast<unsigned char>(ch)));
  auto pos = s.rfind("DEVICE:");
  if (pos != std::string::npos) s = s.substr(pos + 7);
  if (!s.empty() && s[0] == '/') s = s.substr(1);
  Device d;
  std::string kind = s, idx;
  auto colon = s.find(':');
  if (colon != std::string::npos) { kind = s.substr(0, colon); idx = s.substr(colon + 1); }
  if (kind == "CPU") d.type = DeviceType::CPU;
  else if (kind == "GPU" || kind == "CUDA") d.type = DeviceType::CUDA;
  else throw ValueError(str("unknown device '", spec, "': expected 'CPU', 'CPU:0', 'GPU:0' or '/device:GPU:0'"));
  if (!idx.empty()) {
    for (char ch : idx) TG_CHECK(std::isdigit(static_cast<unsigned char>(ch)), ValueError, "bad device index in '", spec, "'");
    TG_CHECK(idx.size() < 4, ValueError, "bad device index in '", spec, "'");
    d.index = int16_t(std::stoi(idx));
  }
  return d;
}

}  // namespace tg

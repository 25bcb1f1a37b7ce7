// The thread pool behind parallel_for / parallel_chunks (see parallel.h).
//
// One job runs at a time. Its state is one 64-bit claim word (next chunk,
// chunk count) that every participant advances with a compare-and-swap, and a
// count of finished chunks. A participant reads the job's function only after
// its claim succeeded: the job cannot finish (and the caller cannot publish
// the next one) while a claimed chunk is unfinished, so the function it reads
// is the one its chunk belongs to, however late the participant arrived.
//
// Idle workers spin briefly (yielding the core to anything runnable) and then
// sleep on a futex; the caller wakes them only when some are asleep.
#include "parallel.h"

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TG_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define TG_CPU_RELAX() asm volatile("yield" ::: "memory")
#else
#define TG_CPU_RELAX() ((void)0)
#endif

namespace tg {

namespace {

void futex_wait(std::atomic<uint32_t>* word, uint32_t expected) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
}
void futex_wake(std::atomic<uint32_t>* word, int count) {
  syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}

using Clock = std::chrono::steady_clock;

// Waits until done() is true: a short pause-spin, then yielding the core
// (whatever else is runnable here runs first), then sleep() once `budget`
// has passed. Returns true if done() became true while spinning.
template <class Done>
bool spin_then(Done&& done, std::chrono::nanoseconds budget) {
  for (int i = 0; i < 64; ++i) {
    if (done()) return true;
    TG_CPU_RELAX();
  }
  const auto until = Clock::now() + budget;
  for (int i = 0;; ++i) {
    if (done()) return true;
    if ((i & 7) == 7 && Clock::now() >= until) return false;
    if (i < 32) {
      for (int k = 0; k < 16; ++k) TG_CPU_RELAX();
    } else {
      sched_yield();
    }
  }
}

constexpr int kIndexBits = 24;
constexpr uint64_t kIndexMask = (uint64_t(1) << kIndexBits) - 1;
constexpr int64_t kMaxChunks = int64_t(kIndexMask);
uint64_t pack(uint64_t next, uint64_t total) { return (total << kIndexBits) | next; }
uint64_t next_of(uint64_t w) { return w & kIndexMask; }
uint64_t total_of(uint64_t w) { return w >> kIndexBits; }

thread_local bool tls_in_region = false;

struct RegionGuard {
  bool was;
  RegionGuard() : was(tls_in_region) { tls_in_region = true; }
  ~RegionGuard() { tls_in_region = was; }
};

class Pool {
 public:
  // Idle workers keep looking for the next job this long before they sleep
  // (a training step's parallel kernels come every few tens of microseconds).
  std::atomic<int64_t> spin_ns{50'000};
  std::atomic<bool> hold{false};  // test hook (pool_hold_workers)

  void run(int64_t chunks, detail::ChunkFn fn, const void* ctx, int nt) {
    std::unique_lock<std::mutex> lock(submit_, std::try_to_lock);
    if (!lock.owns_lock() || chunks > kMaxChunks) {  // another thread's job is running: ours runs inline
      RegionGuard g;
      for (int64_t c = 0; c < chunks; ++c) fn(ctx, c);
      return;
    }
    ensure_workers(nt - 1);
    active_.store(nt - 1, std::memory_order_relaxed);
    fn_ = fn;
    ctx_ = ctx;
    error_ = nullptr;
    done_.store(0, std::memory_order_relaxed);
    jobs_.fetch_add(1, std::memory_order_relaxed);
    total_chunks_.fetch_add(chunks, std::memory_order_relaxed);
    claim_.store(pack(0, uint64_t(chunks)), std::memory_order_release);
    gen_.fetch_add(1, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) futex_wake(&gen_, INT_MAX);

    {
      RegionGuard g;
      caller_chunks_.fetch_add(run_available(), std::memory_order_relaxed);
    }
    // Only chunks already claimed by a running worker are left: wait for them.
    const uint32_t total = uint32_t(chunks);
    auto finished = [&] { return done_.load(std::memory_order_acquire) >= total; };
    if (!spin_then(finished, std::chrono::microseconds(200))) {
      caller_sleeping_.store(true, std::memory_order_seq_cst);
      for (uint32_t d; (d = done_.load(std::memory_order_seq_cst)) < total;) futex_wait(&done_, d);
      caller_sleeping_.store(false, std::memory_order_relaxed);
    }
    if (error_) std::rethrow_exception(error_);
  }

  PoolStats stats() const {
    PoolStats s;
    s.jobs = jobs_.load();
    s.chunks = total_chunks_.load();
    s.caller_chunks = caller_chunks_.load();
    s.workers = int(started_.load());
    return s;
  }

 private:
  // Claims and runs chunks of the current job until none is left; returns how
  // many this thread ran.
  int64_t run_available() {
    int64_t ran = 0;
    uint64_t w = claim_.load(std::memory_order_acquire);
    while (next_of(w) < total_of(w)) {
      if (!claim_.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
      detail::ChunkFn fn = fn_;
      const void* ctx = ctx_;
      try {
        fn(ctx, int64_t(next_of(w)));
      } catch (...) {
        std::lock_guard<std::mutex> l(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
      ++ran;
      const uint32_t total = uint32_t(total_of(w));
      if (done_.fetch_add(1, std::memory_order_seq_cst) + 1 == total &&
          caller_sleeping_.load(std::memory_order_seq_cst))
        futex_wake(&done_, 1);
      w = claim_.load(std::memory_order_acquire);
    }
    return ran;
  }

  void worker_main(int index) {
    tls_in_region = true;  // kernels on workers never fork again
    // Named so that top, perf and debuggers tell the pool from the caller.
    pthread_setname_np(pthread_self(), ("tg-pool-" + std::to_string(index)).c_str());
    uint32_t seen = gen_.load(std::memory_order_acquire);
    for (;;) {
      auto new_job = [&] { return gen_.load(std::memory_order_acquire) != seen; };
      if (!spin_then(new_job, std::chrono::nanoseconds(spin_ns.load(std::memory_order_relaxed)))) {
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        while (gen_.load(std::memory_order_seq_cst) == seen) futex_wait(&gen_, seen);
        sleepers_.fetch_sub(1, std::memory_order_relaxed);
      }
      seen = gen_.load(std::memory_order_acquire);
      if (index < active_.load(std::memory_order_relaxed) && !hold.load(std::memory_order_relaxed)) run_available();
    }
  }

  void ensure_workers(int n) {
    while (workers_started_ < n && !spawn_failed_) {
      try {
        const int index = workers_started_;
        std::thread([this, index] { worker_main(index); }).detach();
        ++workers_started_;
        started_.fetch_add(1, std::memory_order_relaxed);
      } catch (const std::system_error&) {
        spawn_failed_ = true;  // out of threads (ulimit -u): run with the workers we have
      }
    }
  }

  std::mutex submit_;
  int workers_started_ = 0;  // under submit_
  bool spawn_failed_ = false;  // under submit_
  std::atomic<int> started_{0};
  std::atomic<int> active_{0};
  std::atomic<uint64_t> claim_{0};
  std::atomic<uint32_t> gen_{0};
  std::atomic<uint32_t> done_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> caller_sleeping_{false};
  detail::ChunkFn fn_ = nullptr;
  const void* ctx_ = nullptr;
  std::mutex error_mutex_;
  std::exception_ptr error_;
  std::atomic<int64_t> jobs_{0}, total_chunks_{0}, caller_chunks_{0};
};

// Never destroyed: workers sleep in the kernel at exit and die with the
// process. A forked child gets a fresh pool (its parent's threads are gone).
std::atomic<Pool*> g_pool{nullptr};

void reset_pool_in_child() { g_pool.store(new Pool()); }

Pool& pool() {
  Pool* p = g_pool.load(std::memory_order_acquire);
  if (p) return *p;
  static std::once_flag once;
  std::call_once(once, [] {
    g_pool.store(new Pool(), std::memory_order_release);
    pthread_atfork(nullptr, nullptr, &reset_pool_in_child);
  });
  return *g_pool.load(std::memory_order_acquire);
}

int positive_env(const char* name) {
  if (const char* s = std::getenv(name)) {
    const int n = std::atoi(s);
    if (n > 0) return n;
  }
  return 0;
}

// "/a/b" -> "/a/b", "/a", "/" (a quota set on any ancestor applies too).
std::vector<std::string> self_and_parents(std::string p) {
  std::vector<std::string> out;
  if (p.empty() || p[0] != '/') return out;
  for (;;) {
    out.push_back(p);
    if (p == "/") return out;
    const size_t slash = p.find_last_of('/');
    p = slash == 0 ? "/" : p.substr(0, slash);
  }
}

// The tightest cgroup CPU quota of this process in CPUs, 0 if none: v2's
// cpu.max ("max 100000" or "quota period"), v1's cfs_quota_us/cfs_period_us,
// in its own cgroup or any ancestor, from /proc/self/cgroup's paths.
double read_cgroup_quota() {
  std::ifstream self("/proc/self/cgroup");
  std::string line, v1_path, v2_path;
  while (std::getline(self, line)) {
    const size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    if (controllers.empty()) {
      v2_path = path;
      continue;
    }
    std::stringstream names(controllers);
    for (std::string name; std::getline(names, name, ',');)
      if (name == "cpu") v1_path = path;
  }
  double best = 0;
  auto consider = [&](double quota, double period) {
    if (quota > 0 && period > 0 && (best == 0 || quota / period < best)) best = quota / period;
  };
  for (const char* root : {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"}) {
    for (const std::string& p : self_and_parents(v2_path)) {
      std::ifstream f(std::string(root) + (p == "/" ? "" : p) + "/cpu.max");
      std::string quota;
      double period = 0;
      if (f >> quota >> period && quota != "max") consider(std::atof(quota.c_str()), period);
    }
  }
  for (const char* root : {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/cpuacct,cpu"}) {
    for (const std::string& p : self_and_parents(v1_path)) {
      const std::string dir = std::string(root) + (p == "/" ? "" : p);
      std::ifstream q(dir + "/cpu.cfs_quota_us"), per(dir + "/cpu.cfs_period_us");
      double quota = 0, period = 0;
      if (q >> quota && per >> period) consider(quota, period);
    }
  }
  return best;
}

std::atomic<int>& thread_count() {
  static std::atomic<int> n{default_num_threads()};
  return n;
}

}  // namespace

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? int(hw) : 1;
}

double cgroup_cpu_quota() {
  static const double q = read_cgroup_quota();
  return q;
}

int default_num_threads() {
  if (int n = positive_env("TENSORGEAR_NUM_THREADS")) return n;
  if (int n = positive_env("OMP_NUM_THREADS")) return n;
  int n = affinity_cpus();
  const double quota = cgroup_cpu_quota();
  if (quota > 0) n = std::min(n, std::max(1, int(std::ceil(quota - 1e-9))));
  return std::max(1, n);
}

int num_threads() { return thread_count().load(std::memory_order_relaxed); }
void set_num_threads(int n) { thread_count().store(n > 0 ? n : default_num_threads()); }

bool in_parallel_region() { return tls_in_region; }

PoolStats pool_stats() { return pool().stats(); }

void set_pool_spin_us(double us) { pool().spin_ns.store(int64_t(std::max(0.0, us) * 1000)); }
void pool_hold_workers(bool h) { pool().hold.store(h); }
double pool_spin_us() { return double(pool().spin_ns.load()) / 1000; }

namespace detail {
void run_chunks(int64_t chunks, ChunkFn fn, const void* ctx) { pool().run(chunks, fn, ctx, num_threads()); }
}  // namespace detail

}  // namespace tg

// The one thread pool of our kernels and GEMM splits.
//
// Work is cut into more chunks than threads and every participant, the
// calling thread included, claims chunks from a shared counter. The caller
// never waits for a worker that has not started: if the scheduler has parked
// the workers (a busy machine), the caller runs every chunk itself, and a
// worker parked in the middle of a chunk costs at most that chunk. Chunk
// boundaries depend only on the work size and the thread count, never on who
// runs them, so results are the same from run to run.
#pragma once
#include <algorithm>
#include <cstdint>
#include <type_traits>

namespace tg {

// Work per thread worth forking for. Deliberately high: a training step's
// tensors (~1e5 elements) stay in cache and gain little from a second thread.
constexpr int64_t kParallelElems = int64_t(1) << 17;
constexpr int64_t kParallelBytes = int64_t(1) << 20;  // for memcpy-like work
// Chunks per thread a job is cut into: enough that a late or parked worker
// holds back little, few enough that claiming stays cheap.
constexpr int64_t kChunksPerThread = 4;

int num_threads();
void set_num_threads(int n);  // n <= 0 restores the default
// The default: TENSORGEAR_NUM_THREADS, else OMP_NUM_THREADS, else the CPUs
// this process may run on (affinity mask) capped by its cgroup CPU quota.
int default_num_threads();
// CPUs in the affinity mask, and the cgroup quota in CPUs (0: no quota).
int affinity_cpus();
double cgroup_cpu_quota();
// True inside a chunk: nested parallel calls run inline.
bool in_parallel_region();

namespace detail {
using ChunkFn = void (*)(const void* ctx, int64_t chunk);
// Runs fn(ctx, c) for every c in [0, chunks) on the pool, caller included.
void run_chunks(int64_t chunks, ChunkFn fn, const void* ctx);
}  // namespace detail

// f(c) for each chunk index c in [0, chunks), spread over the pool. Use it
// when each chunk owns something (a private accumulator); chunks may run in
// any order and on any thread.
template <class F>
void parallel_chunks(int64_t chunks, F&& f) {
  if (chunks <= 0) return;
  if (chunks == 1 || num_threads() <= 1 || in_parallel_region()) {
    for (int64_t c = 0; c < chunks; ++c) f(c);
    return;
  }
  using Fn = std::remove_reference_t<F>;
  detail::run_chunks(chunks, [](const void* ctx, int64_t c) { (*static_cast<Fn*>(const_cast<void*>(ctx)))(c); },
                     static_cast<const void*>(&f));
}

// Number of chunks parallel_for cuts [0, n) into for this grain.
inline int64_t chunk_count(int64_t n, int64_t grain, int nt) {
  if (nt <= 1 || n <= grain) return 1;
  return std::min<int64_t>(kChunksPerThread * nt, (n + grain - 1) / std::max<int64_t>(1, grain));
}

// f(begin, end) over [0, n) in contiguous chunks of at least `grain` (the
// last may be shorter), more chunks than threads when the work allows.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  const int nt = num_threads();
  const int64_t chunks = in_parallel_region() ? 1 : chunk_count(n, grain, nt);
  if (chunks <= 1) {
    f(int64_t(0), n);
    return;
  }
  parallel_chunks(chunks, [&](int64_t c) {
    const int64_t b = n * c / chunks, e = n * (c + 1) / chunks;
    if (b < e) f(b, e);
  });
}

// Pool statistics, for tests and the benchmark: jobs run, and chunks run by
// the calling thread (the rest ran on workers).
struct PoolStats {
  int64_t jobs = 0;
  int64_t chunks = 0;
  int64_t caller_chunks = 0;
  int workers = 0;  // worker threads started (the caller is not one)
};
PoolStats pool_stats();
// How long idle workers look for the next job before they sleep (tuning and
// the benchmark's experiments).
void set_pool_spin_us(double us);
double pool_spin_us();
// Test hook: while held, workers claim no chunks (as if parked by the
// scheduler); every job must still complete, on the calling thread.
void pool_hold_workers(bool hold);

}  // namespace tg

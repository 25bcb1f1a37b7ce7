// The one thread pool of our kernels (OpenMP). Work is split only above a size
// threshold: below it the fork/join costs more than it saves.
#pragma once
#include <algorithm>
#include <cstdint>
#include <omp.h>

namespace tg {

// Work per thread worth forking for. Deliberately high: a training step's
// tensors (~1e5 elements) stay in cache and gain little from a second thread,
// while on a busy machine each fork/join can wait a scheduler slice for a
// descheduled worker (measured here: 2-thread relu on 65k floats took ms
// under load, 20 us on one thread).
constexpr int64_t kParallelElems = int64_t(1) << 17;
constexpr int64_t kParallelBytes = int64_t(1) << 20;  // for memcpy-like work

int num_threads();
void set_num_threads(int n);

// f(begin, end) over [0, n) in contiguous chunks of at least `grain`.
template <class F>
void parallel_for(int64_t n, int64_t grain, F&& f) {
  if (n <= 0) return;
  int nt = num_threads();
  if (nt <= 1 || n <= grain || omp_in_parallel()) {
    f(int64_t(0), n);
    return;
  }
  int64_t chunks = std::min<int64_t>(nt, (n + grain - 1) / grain);
#pragma omp parallel num_threads(int(chunks))
  {
    int64_t t = omp_get_thread_num();
    int64_t nthr = omp_get_num_threads();
    int64_t b = n * t / nthr, e = n * (t + 1) / nthr;
    if (b < e) f(b, e);
  }
}

}  // namespace tg

#include "parallel.h"

#include <cstdlib>

namespace tg {

namespace {
int initial_threads() {
  if (const char* s = std::getenv("TENSORGEAR_NUM_THREADS")) {
    int n = std::atoi(s);
    if (n > 0) return n;
  }
  return omp_get_max_threads();
}
int& thread_count() {
  static int n = initial_threads();
  return n;
}
}  // namespace

int num_threads() { return thread_count(); }
void set_num_threads(int n) { thread_count() = n > 0 ? n : omp_get_max_threads(); }

}  // namespace tg

#include "simd/dispatch.h"

namespace tg::simd {

namespace {
KernelTable make_table() {
  KernelTable t;
  __builtin_cpu_init();
#if defined(TG_HAVE_ARCH_avx512)
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma")) {
    avx512::fill(t);
    t.level = "avx512";
    return t;
  }
#endif
#if defined(TG_HAVE_ARCH_avx2)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    avx2::fill(t);
    t.level = "avx2";
    return t;
  }
#endif
  base::fill(t);
  t.level = "base";
  return t;
}
}  // namespace

const KernelTable& kernels() {
  static const KernelTable table = make_table();
  return table;
}

const char* simd_level() { return kernels().level; }

}  // namespace tg::simd

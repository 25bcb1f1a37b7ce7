#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "simd/dispatch.h"

namespace tg::simd {

namespace {

// TENSORGEAR_SIMD=avx512|avx2|base caps the level (tests run every level's
// loops on one machine this way; a user can rule out a miscompiled level).
// A cap above what the CPU supports falls back to the best supported level.
int requested_cap() {
  const char* s = std::getenv("TENSORGEAR_SIMD");
  if (!s || !*s || std::strcmp(s, "auto") == 0) return 2;
  if (std::strcmp(s, "avx512") == 0) return 2;
  if (std::strcmp(s, "avx2") == 0) return 1;
  if (std::strcmp(s, "base") == 0) return 0;
  // No exception here: this runs on first use of any kernel.
  std::fprintf(stderr, "tensorgear: ignoring TENSORGEAR_SIMD=%s (expected avx512, avx2, base or auto)\n", s);
  return 2;
}

KernelTable make_table() {
  KernelTable t;
  [[maybe_unused]] const int cap = requested_cap();
  __builtin_cpu_init();
#if defined(TG_HAVE_ARCH_avx512)
  if (cap >= 2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("fma") &&
      __builtin_cpu_supports("bmi2")) {
    avx512::fill(t);
    t.level = "avx512";
    return t;
  }
#endif
#if defined(TG_HAVE_ARCH_avx2)
  if (cap >= 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
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

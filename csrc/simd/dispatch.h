// All SIMD kernel tables, filled once per process from the loops compiled for
// the best instruction-set level the CPU supports (see loops_arch.cpp).
#pragma once
#include "simd/elementwise.h"
#include "simd/gemm_small.h"
#include "simd/optim.h"
#include "simd/reduce.h"
#include "simd/window.h"

namespace tg::simd {

struct KernelTable {
  ElementwiseLoops ew;
  ReduceLoops red;
  UpdateLoops updates;  // the optimizer updates
  WindowLoops window;   // the poolings' per-window loops
  GemmLoops gemm;       // the short-contraction GEMM
  const char* level = "base";
};

const KernelTable& kernels();
const char* simd_level();  // "avx512", "avx2" or "base"

// One per compiled level; defined in loops_arch.cpp.
#define TG_DECLARE_LEVEL(L) namespace L { void fill(KernelTable& t); }
TG_DECLARE_LEVEL(avx512)
TG_DECLARE_LEVEL(avx2)
TG_DECLARE_LEVEL(base)
#undef TG_DECLARE_LEVEL

}  // namespace tg::simd

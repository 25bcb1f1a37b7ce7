// Compiled once per instruction-set level (CMakeLists.txt: TG_ARCH = avx512,
// avx2, base, each with its own -m flags). Everything here lives in the
// namespace of that level; dispatch.cpp picks one table at run time.
#ifndef TG_ARCH
#error "TG_ARCH must name the instruction-set level (avx512, avx2, base)"
#endif

#include "simd/dispatch.h"
#include "simd/elementwise_impl.h"
#include "simd/gemm_small_impl.h"
#include "simd/optim_impl.h"
#include "simd/reduce_impl.h"
#include "simd/window_impl.h"

namespace tg::simd::TG_ARCH {

void fill(KernelTable& t) {
  fill_elementwise(t.ew);
  fill_reduce(t.red);
  fill_updates(t.updates);
  fill_window(t.window);
  fill_gemm(t.gemm);
}

}  // namespace tg::simd::TG_ARCH

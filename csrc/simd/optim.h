// The inner loops of the fused optimizer updates (backend/update.h): one per
// (update, float dtype), compiled once per instruction-set level with the
// element-wise loops (loops_arch.cpp) and picked with them at load time.
#pragma once
#include <cstdint>

#include "backend/update.h"

namespace tg::simd {

// w: the variable, g: the gradient, s[k]: slot k (null when unused); all
// dense, n elements.
using UpdateLoop = void (*)(void* w, const void* g, void* const* s, int64_t n, const UpdateParams& p);

struct UpdateLoops {
  UpdateLoop loop[kNumUpdateKinds][kNumDTypes] = {};  // null for non-float dtypes
};

}  // namespace tg::simd

// CPU kernels of the fused optimizer updates: the loop of the best instruction
// set the CPU supports (simd/optim_impl.h, picked with the element-wise loops)
// over chunks of `grain` elements on the thread pool. Each element is updated
// on its own, so the split never changes a bit.
#include "backend/cpu/register.h"
#include "backend/update.h"
#include "parallel.h"
#include "simd/dispatch.h"

namespace tg::cpu {

namespace {

void update_kernel(const UpdateCall& c) {
  const simd::UpdateLoop loop = simd::kernels().updates.loop[int(c.kind)][int(c.dtype)];
  const int64_t isz = int64_t(itemsize(c.dtype));
  char* w = static_cast<char*>(c.w);
  const char* g = static_cast<const char*>(c.g);
  parallel_for(c.n, c.grain, [&](int64_t b, int64_t e) {
    void* s[kMaxUpdateSlots];
    for (int k = 0; k < kMaxUpdateSlots; ++k) s[k] = c.slots[k] ? static_cast<char*>(c.slots[k]) + b * isz : nullptr;
    loop(w + b * isz, g + b * isz, s, e - b, c.params);
  });
}

}  // namespace

void register_optim() {
  const simd::UpdateLoops& loops = simd::kernels().updates;
  for (int k = 0; k < kNumUpdateKinds; ++k)
    for (int d = 0; d < kNumDTypes; ++d)
      if (loops.loop[k][d]) register_update_kernel(UpdateKind(k), DeviceType::CPU, DType(d), &update_kernel);
}

}  // namespace tg::cpu

#include "op/update.h"

namespace tg::op {

void run_update(UpdateKind kind, const Tensor& w, const Tensor& g,
                const std::array<const Tensor*, kMaxUpdateSlots>& slots, const UpdateParams& params, int64_t grain) {
  const UpdateKernelFn kernel = update_kernel_for(kind, w.device(), w.dtype());
  UpdateCall call;
  call.kind = kind;
  call.device = w.device().index;
  call.dtype = w.dtype();
  call.w = w.raw();
  call.g = g.raw();
  for (int k = 0; k < kMaxUpdateSlots; ++k) call.slots[k] = slots[size_t(k)] ? slots[size_t(k)]->raw() : nullptr;
  call.n = w.numel();
  call.grain = grain;
  call.params = params;
  if (call.n > 0) kernel(call);
}

}  // namespace tg::op

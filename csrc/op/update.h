// Running a fused optimizer update (backend/update.h) on tensors: the update's
// counterpart of exec(). The caller (ops_optim.cpp) has checked the operands:
// every one dense, of the variable's shape, dtype and device, and the
// variable and slots writable in place.
#pragma once
#include <array>

#include "backend/update.h"
#include "tensor.h"

namespace tg::op {

// The kernel for (kind, w's device, w's dtype), or NotImplementedError naming
// them; then one call over w, g and the slots (null: unused).
void run_update(UpdateKind kind, const Tensor& w, const Tensor& g,
                const std::array<const Tensor*, kMaxUpdateSlots>& slots, const UpdateParams& params, int64_t grain);

}  // namespace tg::op

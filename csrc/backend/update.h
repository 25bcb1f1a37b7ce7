// Kernels of the fused optimizer updates (ops_optim.h). An update writes a
// variable and its slot variables in place; it is not a tape op, so it is not
// in the op table. It has a registry of its own with the same shape: one slot
// per (update, device type, dtype), filled by each backend at module init
// (backend/cpu/optim.cpp) and read by op/update.cpp. Like a table kernel, an
// update kernel sees pointers and numbers only.
#pragma once
#include <cstdint>

#include "device.h"
#include "dtype.h"

namespace tg {

enum class UpdateKind : uint8_t { Sgd, RmsProp, Adam, Adagrad, Adadelta, Nadam, Adamax, Lion, Ftrl, Ema, kCount };
constexpr int kNumUpdateKinds = int(UpdateKind::kCount);
constexpr int kMaxUpdateSlots = 3;

// Hyper-parameters of one call, already reduced to per-step scalars (each
// update's loop says which fields it reads).
struct UpdateParams {
  double lr = 0, decay = 0;    // decay = weight_decay * lr (0: none)
  double a = 0, b = 0, c = 0, d = 0, e = 0, f = 0;  // optimizer-specific
  bool flag1 = false, flag2 = false;
};

struct UpdateCall {
  UpdateKind kind = UpdateKind::Sgd;
  int16_t device = 0;            // index of the variable's device
  DType dtype = DType::Float32;  // of the variable, the gradient and every slot
  // All dense, n elements each; the slots an update does not use are null.
  void* w = nullptr;
  const void* g = nullptr;
  void* slots[kMaxUpdateSlots] = {};
  int64_t n = 0;
  // Elements per chunk when a backend splits the update over threads; the
  // split never changes a bit (every element is updated on its own).
  int64_t grain = 0;
  UpdateParams params;
};

using UpdateKernelFn = void (*)(const UpdateCall& call);

// name: "sgd", "rmsprop", "adam", "adagrad", "adadelta", "nadam", "adamax", "lion", "ftrl",
// "ema".
const char* update_name(UpdateKind kind);
void register_update_kernel(UpdateKind kind, DeviceType device, DType dtype, UpdateKernelFn fn);
void clear_update_kernels(DeviceType device);  // see op::clear_kernels
// The kernel for (update, device, dtype); NotImplementedError naming all three
// when the slot is empty.
UpdateKernelFn update_kernel_for(UpdateKind kind, Device device, DType dtype);

}  // namespace tg

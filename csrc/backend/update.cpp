#include "backend/update.h"

#include "errors.h"

namespace tg {

namespace {
constexpr int kDeviceTypes = 2;  // DeviceType::CPU, DeviceType::CUDA
UpdateKernelFn g_kernels[kNumUpdateKinds][kDeviceTypes][kNumDTypes] = {};
const char* const kNames[kNumUpdateKinds] = {"sgd",      "rmsprop", "adam", "adagrad", "adadelta",
                                                "nadam",    "adamax",  "lion", "ftrl", "ema"};
}  // namespace

const char* update_name(UpdateKind kind) { return kNames[int(kind)]; }

void register_update_kernel(UpdateKind kind, DeviceType device, DType dtype, UpdateKernelFn fn) {
  g_kernels[int(kind)][int(device)][int(dtype)] = fn;
}

void clear_update_kernels(DeviceType device) {
  for (auto& kind : g_kernels)
    for (auto& fn : kind[int(device)]) fn = nullptr;
}

UpdateKernelFn update_kernel_for(UpdateKind kind, Device device, DType dtype) {
  const UpdateKernelFn k = g_kernels[int(kind)][int(device.type)][int(dtype)];
  TG_CHECK(k != nullptr, NotImplementedError, "optimizer update '", kNames[int(kind)], "' has no ",
           device.type == DeviceType::CUDA ? "CUDA" : "CPU", " kernel for ", dtype);
  return k;
}

}  // namespace tg

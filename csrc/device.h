// Where a tensor's memory lives, and the device new tensors go to. Each
// device type has its own allocator (allocator.h) and its own column of
// kernels in the op table (op/registry.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace tg {

enum class DeviceType : uint8_t { CPU = 0, CUDA = 1 };

struct Device {
  DeviceType type = DeviceType::CPU;
  int16_t index = 0;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string name() const;  // "/job:localhost/replica:0/task:0/device:CPU:0"-style short form: "CPU:0"
};

// Parses "CPU", "cpu:0", "/device:GPU:0", "GPU:1", "cuda:0"; ValueError otherwise.
Device parse_device(const std::string& spec);

// The device of this thread's innermost tf.device scope, if any. Creation
// ops and conversions from Python put new tensors there (default_device());
// ops on existing tensors run where their inputs are.
std::optional<Device> scope_device();
Device default_device();  // the scope's device, else the process default
// The process default outside any scope: CPU:0 until the Python package
// makes it GPU:0 when a visible GPU is present (TensorFlow's placement).
void set_process_default_device(Device device);
Device process_default_device();
// Enters (a device) or leaves (std::nullopt) a scope; returns the previous
// value so that a scope can restore it.
std::optional<Device> set_scope_device(std::optional<Device> device);

}  // namespace tg

// Where a tensor's memory lives. Only the CPU has kernels today; the type is
// part of every tensor so CUDA kernels can register without changing APIs.
#pragma once
#include <cstdint>
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

}  // namespace tg

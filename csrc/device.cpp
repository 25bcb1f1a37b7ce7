#include "device.h"

#include <atomic>
#include <cctype>

#include "errors.h"

namespace tg {

std::string Device::name() const {
  return str(type == DeviceType::CPU ? "CPU" : "GPU", ":", index);
}

Device parse_device(const std::string& spec) {
  std::string s;
  for (char ch : spec) s += char(std::toupper(static_cast<unsigned char>(ch)));
  auto pos = s.rfind("DEVICE:");
  if (pos != std::string::npos) s = s.substr(pos + 7);
  if (!s.empty() && s[0] == '/') s = s.substr(1);
  Device d;
  std::string kind = s, idx;
  auto colon = s.find(':');
  if (colon != std::string::npos) { kind = s.substr(0, colon); idx = s.substr(colon + 1); }
  if (kind == "CPU") d.type = DeviceType::CPU;
  else if (kind == "GPU" || kind == "CUDA") d.type = DeviceType::CUDA;
  else throw ValueError(str("unknown device '", spec, "': expected 'CPU', 'CPU:0', 'GPU:0' or '/device:GPU:0'"));
  if (!idx.empty()) {
    for (char ch : idx) TG_CHECK(std::isdigit(static_cast<unsigned char>(ch)), ValueError, "bad device index in '", spec, "'");
    TG_CHECK(idx.size() < 4, ValueError, "bad device index in '", spec, "'");
    d.index = int16_t(std::stoi(idx));
  }
  return d;
}

namespace {
// The innermost tf.device scope of this thread (std::nullopt: none).
thread_local std::optional<Device> t_scope;
std::atomic<uint32_t> g_default{0};  // DeviceType << 16 | index
}  // namespace

void set_process_default_device(Device device) {
  g_default.store(uint32_t(device.type) << 16 | uint16_t(device.index), std::memory_order_relaxed);
}
Device process_default_device() {
  const uint32_t v = g_default.load(std::memory_order_relaxed);
  return Device{DeviceType(v >> 16), int16_t(v & 0xFFFF)};
}

std::optional<Device> scope_device() { return t_scope; }
Device default_device() { return t_scope ? *t_scope : process_default_device(); }
std::optional<Device> set_scope_device(std::optional<Device> device) {
  std::optional<Device> previous = t_scope;
  t_scope = device;
  return previous;
}

}  // namespace tg

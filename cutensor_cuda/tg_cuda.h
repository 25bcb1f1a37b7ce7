// The C++ face of the optional CUDA part (only compiled with TG_WITH_CUDA).
#pragma once
#include <string>

namespace tg::cuda {

int device_count();              // 0 when there is no driver or no GPU
std::string device_name(int index);

}  // namespace tg::cuda

// The GPU's caching allocator (allocator.cu).
#pragma once

namespace tg::cuda {

// Installs it as the CUDA device type's allocator when a GPU is present.
void install_allocator();

}  // namespace tg::cuda

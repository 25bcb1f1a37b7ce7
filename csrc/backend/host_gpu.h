// A stand-in GPU whose memory is host memory, for testing the device
// machinery without a GPU (host_gpu.cpp says what it can run).
#pragma once

namespace tg::host_gpu {

void install();  // idempotent; the caller refuses it when a CUDA backend is built

}  // namespace tg::host_gpu

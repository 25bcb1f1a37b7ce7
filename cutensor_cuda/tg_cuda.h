// The C++ face of the CUDA backend (only compiled with TG_WITH_CUDA): what
// module init and the bindings call. Kernels themselves are reached through
// the op table, never by name.
#pragma once
#include <cstddef>
#include <string>

namespace tg::cuda {

int device_count();              // 0 when there is no driver or no GPU; never throws
std::string device_name(int index);
// Free and total memory of a device, as the driver sees it.
void memory_info(int index, size_t* free_bytes, size_t* total_bytes);

// Fills the CUDA column of the op table and of the optimizer-update registry
// (every build with CUDA, GPU or not: the coverage tests read the column),
// and installs the device allocator when a GPU is present. Called once from
// op::init().
void register_all();

// Waits for every kernel queued on the device's stream (what a host read
// does before it looks at memory; tf's `context.sync` for tests and timing).
void synchronize(int index);
// A folder to look for cuBLAS in before the loader's search path
// (cublas_loader.h: NVIDIA's pip wheels install it outside that path).
void add_cublas_search_path(const std::string& dir);

// The device's stream as an opaque handle (a cudaStream_t), for DLPack
// producers that order their work before ours.
void* stream_handle(int index);

}  // namespace tg::cuda

// CUDA kernels of the copies (mirrors csrc/backend/cpu/copy.cpp): cast and
// identity (any strides into a dense output, converting the dtype), and
// to_device, the one op that moves bytes between the host and a GPU or
// between GPUs.
//
// Host transfers go through pinned staging memory, so a copy from the host
// returns as soon as its bytes are staged (the GPU reads them while Python
// goes on) and a copy to the host waits for its stream once per chunk.
#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

#include "op/registry.h"
#include "register.h"
#include "runtime.h"
#include "tg_cuda.h"

namespace tg::cuda {

namespace {

using op::OpId;

// ---- cast and identity -----------------------------------------------------------

// static_cast as the CPU's convert_rows: bool reads as 0/1, and x != 0 makes a bool.
template <class S, class D>
__global__ void convert_flat(const S* __restrict__ src, D* __restrict__ dst, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    dst[i] = static_cast<D>(src[i]);
}

template <class S, class D>
__global__ void convert_strided(const S* __restrict__ src, D* __restrict__ dst, int64_t n, OffsetCalc<1> calc) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[1];
    calc.offsets(i, off);
    dst[i] = static_cast<D>(src[off[0]]);
  }
}

void copy_kernel(const KernelCall& c) {
  const cudaStream_t s = stream_for(c);
  const ArrayArg& in = c.in[0];
  const bool dense = in.contiguous || (in.scalar && c.numel == 1);
  if (dense && in.dtype == c.out.dtype) {
    TG_CUDA_CHECK(cudaMemcpyAsync(c.out.data, in.data, size_t(c.numel) * itemsize(in.dtype), cudaMemcpyDeviceToDevice, s));
    return;
  }
  const ArrayArg* const args[1] = {&in};
  const OffsetCalc<1> calc = dense ? OffsetCalc<1>{} : offset_calc<1>(c, args);
  TG_DISPATCH_ALL(in.dtype, using S = T; TG_DISPATCH_ALL(c.out.dtype, using D = T;
    if (dense) {
      convert_flat<S, D><<<grid_for(c.numel), kBlock, 0, s>>>(static_cast<const S*>(in.data), static_cast<D*>(c.out.data), c.numel);
    } else {
      convert_strided<S, D><<<grid_for(c.numel), kBlock, 0, s>>>(static_cast<const S*>(in.data), static_cast<D*>(c.out.data), c.numel, calc);
    }));
  TG_CUDA_LAUNCHED("convert");
}

// copy_into on a GPU: strided source into strided destination (a Variable's
// write, slice assignment), converting the dtype.
template <class S, class D>
__global__ void copy_strided_kernel(const S* __restrict__ src, D* __restrict__ dst, int64_t n, OffsetCalc<2> calc) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[2];
    calc.offsets(i, off);
    dst[off[1]] = static_cast<D>(src[off[0]]);
  }
}

void strided_copy(int device, const ArrayArg& src, const ArrayArg& dst, const int64_t* shape, int ndim) {
  int64_t n = 1;
  for (int d = 0; d < ndim; ++d) n *= shape[d];
  const int64_t* rows[2] = {src.strides, dst.strides};
  OffsetCalc<2> calc;
  TG_CHECK(make_offset_calc<2>(shape, ndim, rows, calc), NotImplementedError, "CUDA copies index at most ",
           kMaxIndexDims, " dimensions after merging; this copy has ", ndim);
  const cudaStream_t s = stream_for(device);
  TG_DISPATCH_ALL(src.dtype, using S = T; TG_DISPATCH_ALL(dst.dtype, using D = T;
    copy_strided_kernel<S, D><<<grid_for(n), kBlock, 0, s>>>(static_cast<const S*>(src.data), static_cast<D*>(dst.data), n, calc)));
  TG_CUDA_LAUNCHED("copy_strided");
}

// ---- host <-> device through pinned staging ---------------------------------------------

// Copies from the host take consecutive bytes of a pinned ring in two
// halves: small copies (a Python scalar meeting a GPU tensor, a batch) are
// staged and queued without waiting for the device; the host waits only when
// it comes back to a half, for the copies queued from it one half ago.
constexpr size_t kHalfBytes = size_t(8) << 20;

struct Staging {
  std::mutex mu;
  char* ring = nullptr;      // 2 * kHalfBytes, pinned
  cudaEvent_t done[2] = {};  // recorded after the last copy queued from each half
  int half = 0;
  size_t used = 0;           // bytes taken from the current half
  void* readback = nullptr;  // kHalfBytes, pinned: copies to the host
};

Staging& staging(int device) {
  static std::vector<Staging>* all = new std::vector<Staging>(size_t(device_count()));
  Staging& st = (*all)[size_t(device)];
  if (st.ring == nullptr) {
    stream_for(device);
    void* ring = nullptr;
    TG_CUDA_CHECK(cudaHostAlloc(&ring, 2 * kHalfBytes, cudaHostAllocDefault));
    TG_CUDA_CHECK(cudaHostAlloc(&st.readback, kHalfBytes, cudaHostAllocDefault));
    for (cudaEvent_t& e : st.done) TG_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
    st.ring = static_cast<char*>(ring);
  }
  return st;
}

// Up to n bytes of staging (at least one, at most a half), moving to the
// other half when this one is full.
char* stage(Staging& st, cudaStream_t s, size_t n, size_t* got) {
  if (st.used == kHalfBytes || (st.used > 0 && st.used + n > kHalfBytes && n <= kHalfBytes)) {
    TG_CUDA_CHECK(cudaEventRecord(st.done[st.half], s));
    st.half ^= 1;
    st.used = 0;
    TG_CUDA_CHECK(cudaEventSynchronize(st.done[st.half]));  // its copies, queued one half ago, are done
  }
  *got = std::min(n, kHalfBytes - st.used);
  char* p = st.ring + size_t(st.half) * kHalfBytes + st.used;
  st.used += *got;
  return p;
}

// The host side is pageable memory the caller may free or reuse as soon as
// this returns: every byte is staged before it is queued.
void host_to_device(void* dst, const void* src, size_t bytes, int device) {
  const cudaStream_t s = stream_for(device);
  Staging& st = staging(device);
  std::lock_guard<std::mutex> lock(st.mu);
  for (size_t off = 0; off < bytes;) {
    size_t n = 0;
    char* p = stage(st, s, bytes - off, &n);
    std::memcpy(p, static_cast<const char*>(src) + off, n);
    TG_CUDA_CHECK(cudaMemcpyAsync(static_cast<char*>(dst) + off, p, n, cudaMemcpyHostToDevice, s));
    off += n;
  }
}

}  // namespace

void copy_from_host(void* dst, const void* src, size_t bytes, int device) { host_to_device(dst, src, bytes, device); }

namespace {

// A host read: waits for the kernels queued before it (the explicit sync
// point of numpy(), item() and printing).
void device_to_host(void* dst, const void* src, size_t bytes, int device) {
  const cudaStream_t s = stream_for(device);
  Staging& st = staging(device);
  std::lock_guard<std::mutex> lock(st.mu);
  for (size_t off = 0; off < bytes; off += kHalfBytes) {
    const size_t n = std::min(kHalfBytes, bytes - off);
    TG_CUDA_CHECK(cudaMemcpyAsync(st.readback, static_cast<const char*>(src) + off, n, cudaMemcpyDeviceToHost, s));
    TG_CUDA_CHECK(cudaStreamSynchronize(s));
    std::memcpy(static_cast<char*>(dst) + off, st.readback, n);
  }
}

// Between two GPUs: the source's queued kernels finish first (the one host
// wait of this path), then the copy runs on the target's stream, before
// anything the target queues later.
void device_to_device(void* dst, int to, const void* src, int from, size_t bytes) {
  TG_CUDA_CHECK(cudaStreamSynchronize(stream_for(from)));
  TG_CUDA_CHECK(cudaMemcpyPeerAsync(dst, to, src, from, bytes, stream_for(to)));
}

// attrs.from is the input's device, attrs.device the target; both operands are dense.
void to_device_kernel(const KernelCall& c) {
  const OpAttrs& a = *c.attrs;
  const size_t bytes = size_t(c.numel) * itemsize(c.out.dtype);
  if (a.from.type == DeviceType::CPU)
    host_to_device(c.out.data, c.in[0].data, bytes, a.device.index);
  else if (a.device.type == DeviceType::CPU)
    device_to_host(c.out.data, c.in[0].data, bytes, a.from.index);
  else
    device_to_device(c.out.data, a.device.index, c.in[0].data, a.from.index, bytes);
}

}  // namespace

void register_copy() {
  op::register_accepted(OpId::Cast, DeviceType::CUDA, &copy_kernel);
  op::register_accepted(OpId::Identity, DeviceType::CUDA, &copy_kernel);
  op::register_accepted(OpId::ToDevice, DeviceType::CUDA, &to_device_kernel);
  op::register_strided_copy(DeviceType::CUDA, &strided_copy);
  op::register_synchronize(DeviceType::CUDA, &synchronize);
}

}  // namespace tg::cuda

// argsort on the GPU, mirroring backend/cpu/sort.cpp: every line along the
// last axis (dense rows) sorted by CUB's segmented radix sort of (key,
// position) pairs. Radix sorting is stable, and the keys are the values
// mapped to unsigned integers in the CPU kernel's order: -0 and +0 equal,
// every NaN one key above +inf, so NaN is the largest value in either
// direction and equal values keep their order, as on the CPU.
#include <cub/device/device_segmented_radix_sort.cuh>

#include <climits>
#include <cstdint>
#include <cstring>

#include "allocator.h"
#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

using op::OpId;

// The unsigned key whose order is the value order.
template <class T> struct SortKey;
template <> struct SortKey<float> {
  using K = uint32_t;
  __device__ static K of(float v) {
    if (v != v) return 0xFFFFFFFFu;
    if (v == 0.0f) v = 0.0f;  // -0 sorts with +0
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
  }
};
template <> struct SortKey<double> {
  using K = uint64_t;
  __device__ static K of(double v) {
    if (v != v) return ~uint64_t(0);
    if (v == 0.0) v = 0.0;
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : (u | (uint64_t(1) << 63));
  }
};
template <> struct SortKey<int32_t> {
  using K = uint32_t;
  __device__ static K of(int32_t v) { return uint32_t(v) ^ 0x80000000u; }
};
template <> struct SortKey<int64_t> {
  using K = uint64_t;
  __device__ static K of(int64_t v) { return uint64_t(v) ^ (uint64_t(1) << 63); }
};
template <> struct SortKey<uint8_t> {
  using K = uint8_t;
  __device__ static K of(uint8_t v) { return v; }
};
template <> struct SortKey<bool> {
  using K = uint8_t;
  __device__ static K of(bool v) { return v ? 1 : 0; }
};

// keys[i] = key(x[i]); positions[i] = i mod n; offsets[r] = r * n for r <= rows.
template <class T, class I>
__global__ void prepare(const T* __restrict__ x, typename SortKey<T>::K* __restrict__ keys, I* __restrict__ positions,
                        int* __restrict__ offsets, int64_t total, int64_t n, int64_t rows) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    keys[i] = SortKey<T>::of(x[i]);
    positions[i] = I(i % n);
    if (i % n == 0) offsets[i / n] = int(i);
  }
  if (blockIdx.x == 0 && threadIdx.x == 0) offsets[rows] = int(total);
}

template <class T, class I>
void argsort_rows(const KernelCall& c) {
  using K = typename SortKey<T>::K;
  const int64_t n = c.shape[c.ndim - 1];
  const int64_t total = c.numel;
  if (n == 0 || total == 0) return;
  const int64_t rows = total / n;
  TG_CHECK(total <= int64_t(INT_MAX), NotImplementedError, "argsort: ", total,
           " elements are more than one CUDA segmented sort takes (2^31 - 1)");
  cudaStream_t s = stream_for(c);
  DeviceScratch keys_in(c.device, size_t(total) * sizeof(K)), keys_out(c.device, size_t(total) * sizeof(K));
  DeviceScratch positions(c.device, size_t(total) * sizeof(I)), offsets(c.device, size_t(rows + 1) * sizeof(int));
  K* kin = static_cast<K*>(keys_in.get());
  K* kout = static_cast<K*>(keys_out.get());
  I* pin = static_cast<I*>(positions.get());
  I* pout = static_cast<I*>(c.out.data);
  int* off = static_cast<int*>(offsets.get());
  prepare<T, I><<<grid_for(total), kBlock, 0, s>>>(static_cast<const T*>(c.in[0].data), kin, pin, off, total, n, rows);
  TG_CUDA_LAUNCHED(argsort prepare);
  const bool descending = c.attrs->descending;
  auto run = [&](void* temp, size_t& bytes) {
    return descending ? cub::DeviceSegmentedRadixSort::SortPairsDescending(
                            temp, bytes, kin, kout, pin, pout, int(total), int(rows), off, off + 1, 0,
                            int(sizeof(K) * 8), s)
                      : cub::DeviceSegmentedRadixSort::SortPairs(temp, bytes, kin, kout, pin, pout, int(total),
                                                                 int(rows), off, off + 1, 0, int(sizeof(K) * 8), s);
  };
  size_t temp_bytes = 0;
  TG_CUDA_CHECK(run(nullptr, temp_bytes));
  DeviceScratch temp(c.device, temp_bytes > 0 ? temp_bytes : 1);
  TG_CUDA_CHECK(run(temp.get(), temp_bytes));
}

template <class T>
void argsort_kernel(const KernelCall& c) {
  if (c.out.dtype == DType::Int32) argsort_rows<T, int32_t>(c);
  else argsort_rows<T, int64_t>(c);
}

}  // namespace

void register_sort() {
  op::register_kernel(OpId::ArgSort, DeviceType::CUDA, DType::Float32, &argsort_kernel<float>);
  op::register_kernel(OpId::ArgSort, DeviceType::CUDA, DType::Float64, &argsort_kernel<double>);
  op::register_kernel(OpId::ArgSort, DeviceType::CUDA, DType::Int32, &argsort_kernel<int32_t>);
  op::register_kernel(OpId::ArgSort, DeviceType::CUDA, DType::Int64, &argsort_kernel<int64_t>);
  op::register_kernel(OpId::ArgSort, DeviceType::CUDA, DType::UInt8, &argsort_kernel<uint8_t>);
  op::register_kernel(OpId::ArgSort, DeviceType::CUDA, DType::Bool, &argsort_kernel<bool>);
}

}  // namespace tg::cuda

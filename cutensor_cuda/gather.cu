// Index-driven copies on the GPU, mirroring backend/cpu/gather.cpp: gather
// and its scatter-add gradient, getitem's gradient (a plain scatter: basic
// indexing never selects an element twice), one_hot and flatnonzero.
//
// Indices stay on the device. The CPU kernels check every index and raise
// IndexError; reading them back here would be a host sync per call, so the
// GPU kernels follow TensorFlow's GPU behaviour instead: an out-of-range
// index gathers zeros (tf.gather's documented GPU behaviour) and its
// gradient contribution is dropped (as unsorted_segment_sum does on the GPU).
// Negative indices in [-len, 0) wrap, as on the CPU.
#include <cub/block/block_reduce.cuh>
#include <cub/block/block_scan.cuh>

#include <vector>

#include "allocator.h"
#include "op/registry.h"
#include "region_copy.cuh"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

using op::OpId;

// An operand read by linear index over its own shape: directly when dense,
// else through its offset calculator. `dense` is the same for every thread,
// so the branch costs nothing.
struct OwnOperand {
  OffsetCalc<1> calc;
  bool dense = true;
  __device__ int64_t at(int64_t i) const {
    if (dense) return i;
    int64_t off;
    calc.offsets(i, &off);
    return off;
  }
};

OwnOperand own_operand(const int64_t* shape, int ndim, const int64_t* strides, bool dense) {
  OwnOperand r;
  r.dense = dense;
  if (dense) return r;
  const int64_t* rows[1] = {strides};
  TG_CHECK(make_offset_calc<1>(shape, ndim, rows, r.calc), NotImplementedError, "CUDA kernels index at most ",
           kMaxIndexDims, " dimensions after merging; this operand has ", ndim);
  return r;
}

std::vector<int64_t> strides_of(const ArrayArg& a) {
  std::vector<int64_t> st(static_cast<size_t>(a.ndim));
  own_strides(a, st.data());
  return st;
}

OwnOperand own_operand(const ArrayArg& a) {
  const std::vector<int64_t> st = strides_of(a);
  return own_operand(a.shape, a.ndim, st.data(), a.contiguous);
}

int64_t numel_of(const ArrayArg& a) {
  int64_t n = 1;
  for (int d = 0; d < a.ndim; ++d) n *= a.shape[d];
  return n;
}

int64_t prod_dims(const int64_t* s, int b, int e) {
  int64_t p = 1;
  for (int i = b; i < e; ++i) p *= s[i];
  return p;
}

// Calls f(I{}) with I the C++ type of an integer index dtype.
template <class F>
void with_index_type(DType d, F&& f) {
  switch (d) {
    case DType::UInt8: f(uint8_t{}); break;
    case DType::Int32: f(int32_t{}); break;
    case DType::Int64: f(int64_t{}); break;
    default: throw TypeError(str("indices must be an integer tensor, got dtype ", d));
  }
}

// The index at j, negatives wrapped; -1 when it is outside [-len, len).
template <class I>
__device__ int64_t wrapped_index(const I* idx, const OwnOperand& at, int64_t j, int64_t len) {
  int64_t v = int64_t(idx[at.at(j)]);
  if (v < 0) v += len;
  return v >= 0 && v < len ? v : -1;
}

// ---- gather -------------------------------------------------------------------------

// out viewed as (outer, n, inner): out[o, j, k] = params[o, idx[j], k]. A
// dense params is addressed directly; a strided one through the offset
// calculator of its slab (its shape without the axis, indexed by o * inner + k).
template <class E, class I>
__global__ void gather_elements(const E* params, OwnOperand slab, int64_t axis_step, int64_t len, const I* idx,
                                OwnOperand idx_at, E* out, int64_t n, int64_t inner, int64_t total) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = i % inner, t = i / inner, j = t % n, o = t / n;
    const int64_t v = wrapped_index(idx, idx_at, j, len);
    if (v < 0) {
      out[i] = E(0);  // out of range: zeros, as TensorFlow's GPU gather
      continue;
    }
    int64_t from;
    if (slab.dense) {
      from = (o * len + v) * inner + k;
    } else {
      from = slab.at(o * inner + k) + v * axis_step;
    }
    out[i] = params[from];
  }
}

void gather_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  const ArrayArg& params = c.in[0];
  const ArrayArg& indices = c.in[1];
  const int axis = int(c.attrs->axis);
  const int64_t len = params.shape[axis];
  const int64_t outer = prod_dims(params.shape, 0, axis), inner = prod_dims(params.shape, axis + 1, params.ndim);
  const int64_t n = numel_of(indices);
  // The slab: params without the axis (only read when params is strided).
  const std::vector<int64_t> pst = strides_of(params);
  std::vector<int64_t> slab_shape(params.shape, params.shape + params.ndim), slab_st = pst;
  slab_shape.erase(slab_shape.begin() + axis);
  slab_st.erase(slab_st.begin() + axis);
  const OwnOperand slab = own_operand(slab_shape.data(), int(slab_shape.size()), slab_st.data(), params.contiguous);
  const OwnOperand idx_at = own_operand(indices);
  const int64_t total = outer * n * inner;  // == c.numel
  with_index_type(indices.dtype, [&](auto index_type) {
    using I = decltype(index_type);
    const I* idx = static_cast<const I*>(indices.data);
    auto launch = [&](auto elem) {
      using E = decltype(elem);
      gather_elements<E, I><<<grid_for(total), kBlock, 0, s>>>(static_cast<const E*>(params.data), slab, pst[size_t(axis)],
                                                              len, idx, idx_at, static_cast<E*>(c.out.data), n,
                                                              inner, total);
      TG_CUDA_LAUNCHED(gather_elements);
    };
    switch (itemsize(params.dtype)) {  // the elements move as raw bits
      case 1: launch(uint8_t{}); break;
      case 4: launch(uint32_t{}); break;
      default: launch(uint64_t{}); break;
    }
  });
}

// ---- gather_backward ----------------------------------------------------------------

// atomicAdd for each dtype gather_backward takes: float64 needs sm_60+, int64
// adds as unsigned 64-bit (the same bits in two's complement), uint8 through
// a compare-and-swap on the aligned word that holds the byte (the output is a
// fresh allocation, 256-byte aligned and sized, so the word is inside it).
__device__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ void atomic_add(int32_t* p, int32_t v) { atomicAdd(reinterpret_cast<int*>(p), int(v)); }
__device__ void atomic_add(int64_t* p, int64_t v) {
  atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
}
__device__ void atomic_add(uint8_t* p, uint8_t v) {
  const uintptr_t addr = reinterpret_cast<uintptr_t>(p);
  unsigned* word = reinterpret_cast<unsigned*>(addr & ~uintptr_t(3));
  const unsigned shift = unsigned(addr & 3) * 8;
  unsigned old = *word, assumed;
  do {
    assumed = old;
    const unsigned sum = ((assumed >> shift) + v) & 0xFFu;  // wraps like the CPU's uint8 +=
    old = atomicCAS(word, assumed, (assumed & ~(0xFFu << shift)) | (sum << shift));
  } while (assumed != old);
}

// g viewed as (outer, n, inner) added into out viewed as (outer, len, inner)
// at row idx[j]. Repeated indices add into the same row, hence the atomics
// (the order of the additions, and so a float sum's last bits, may vary).
template <class T, class I>
__global__ void scatter_add(const T* g, OwnOperand g_at, const I* idx, OwnOperand idx_at, T* out, int64_t len,
                            int64_t n, int64_t inner, int64_t total) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = i % inner, t = i / inner, j = t % n, o = t / n;
    const int64_t v = wrapped_index(idx, idx_at, j, len);
    if (v < 0) continue;  // out of range: dropped, as TensorFlow's GPU scatter
    atomic_add(out + (o * len + v) * inner + k, g[g_at.at(i)]);
  }
}

// Adds g (shaped like gather's output) into zeros of the params' shape (attrs.shape).
void gather_backward_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  const std::vector<int64_t>& shape = c.attrs->shape;
  const int axis = int(c.attrs->axis);
  const int64_t len = shape[size_t(axis)];
  const int64_t outer = prod_dims(shape.data(), 0, axis), inner = prod_dims(shape.data(), axis + 1, int(shape.size()));
  TG_CUDA_CHECK(cudaMemsetAsync(c.out.data, 0, size_t(c.numel) * itemsize(c.out.dtype), s));
  const ArrayArg& g = c.in[0];
  const ArrayArg& indices = c.in[1];
  const int64_t n = numel_of(indices);
  const int64_t total = outer * n * inner;
  if (total == 0) return;
  const OwnOperand g_at = own_operand(g), idx_at = own_operand(indices);
  with_index_type(indices.dtype, [&](auto index_type) {
    using I = decltype(index_type);
    const I* idx = static_cast<const I*>(indices.data);
    TG_DISPATCH_NUMERIC(c.out.dtype, "gather_backward", {
      scatter_add<T, I><<<grid_for(total), kBlock, 0, s>>>(static_cast<const T*>(g.data), g_at, idx, idx_at,
                                                           static_cast<T*>(c.out.data), len, n, inner, total);
      TG_CUDA_LAUNCHED(scatter_add);
    });
  });
}

// ---- getitem_backward ---------------------------------------------------------------

// g into zeros of attrs.shape at the places attrs.index selects: the region
// is a strided view of the dense output, so this is one region copy.
void getitem_backward_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  const size_t isz = itemsize(c.out.dtype);
  TG_CUDA_CHECK(cudaMemsetAsync(c.out.data, 0, size_t(c.numel) * isz, s));
  const Shape& shape = c.attrs->shape;
  const ViewLayout region = resolve_index(shape, contiguous_strides(shape), c.attrs->index);
  const ArrayArg& g = c.in[0];
  copy_region(g.data, strides_of(g).data(), static_cast<char*>(c.out.data) + region.offset * int64_t(isz),
              region.strides.data(), g.shape, g.ndim, isz, s);
}

// ---- one_hot ------------------------------------------------------------------------

// out viewed as (outer, depth, inner), inner the indices' dims from the axis
// on: out[o, d, k] = idx[o, k] == d ? on : off. One pass over the output; an
// index outside [0, depth) matches no d, so its row stays off, as on the CPU
// and in TensorFlow.
template <class T, class I>
__global__ void one_hot_values(const I* idx, OwnOperand idx_at, T* out, int64_t depth, int64_t inner, T on, T off,
                               int64_t total) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t k = i % inner, t = i / inner, d = t % depth, o = t / depth;
    const int64_t v = int64_t(idx[idx_at.at(o * inner + k)]);
    out[i] = v == d ? on : off;
  }
}

// The kernel's dtype is the indices'; the output's is attrs.dtype.
template <class I>
void one_hot_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  const ArrayArg& indices = c.in[0];
  const int axis = int(c.attrs->axis);
  const int64_t depth = c.attrs->count;
  const int64_t inner = prod_dims(indices.shape, axis, indices.ndim);
  const OwnOperand idx_at = own_operand(indices);
  const I* idx = static_cast<const I*>(indices.data);
  TG_DISPATCH_ALL(c.out.dtype, {
    const T on = static_cast<T>(c.attrs->real[0]), off = static_cast<T>(c.attrs->real[1]);
    one_hot_values<T, I><<<grid_for(c.numel), kBlock, 0, s>>>(idx, idx_at, static_cast<T*>(c.out.data), depth, inner,
                                                              on, off, c.numel);
    TG_CUDA_LAUNCHED(one_hot_values);
  });
}

// ---- flatnonzero --------------------------------------------------------------------

// The positions of the mask's true elements, ascending, in three passes over
// tiles of kTile elements: count each tile's trues, scan the counts into each
// tile's first output position, then write each tile's positions (a block
// scan per round of kBlock elements keeps them in order).
constexpr int kRounds = 16;
constexpr int64_t kTile = int64_t(kBlock) * kRounds;

using BlockScan = cub::BlockScan<int64_t, kBlock>;
using BlockReduce = cub::BlockReduce<int64_t, kBlock>;

__device__ bool mask_at(const bool* mask, const OwnOperand& at, int64_t i, int64_t n) {
  return i < n && mask[at.at(i)];
}

__global__ void count_tiles(const bool* mask, OwnOperand at, int64_t n, int64_t* counts) {
  __shared__ typename BlockReduce::TempStorage tmp;
  const int64_t base = int64_t(blockIdx.x) * kTile;
  int64_t count = 0;
  for (int r = 0; r < kRounds; ++r) count += mask_at(mask, at, base + int64_t(r) * kBlock + threadIdx.x, n);
  const int64_t total = BlockReduce(tmp).Sum(count);
  if (threadIdx.x == 0) counts[blockIdx.x] = total;
}

// One block: counts[t] := the sum of counts[0..t), in chunks of kBlock.
__global__ void exclusive_scan_counts(int64_t* counts, int64_t tiles) {
  __shared__ typename BlockScan::TempStorage tmp;
  int64_t carry = 0;
  for (int64_t b = 0; b < tiles; b += kBlock) {
    const int64_t t = b + threadIdx.x;
    const int64_t x = t < tiles ? counts[t] : 0;
    int64_t before, chunk;
    BlockScan(tmp).ExclusiveSum(x, before, chunk);
    if (t < tiles) counts[t] = carry + before;
    carry += chunk;
    __syncthreads();  // tmp is reused by the next chunk
  }
}

__global__ void write_positions(const bool* mask, OwnOperand at, int64_t n, const int64_t* starts, int64_t* out,
                                int64_t count) {
  __shared__ typename BlockScan::TempStorage tmp;
  const int64_t base = int64_t(blockIdx.x) * kTile;
  int64_t next = starts[blockIdx.x];
  for (int r = 0; r < kRounds; ++r) {
    const int64_t i = base + int64_t(r) * kBlock + threadIdx.x;
    const bool flag = mask_at(mask, at, i, n);
    int64_t before, round;
    BlockScan(tmp).ExclusiveSum(int64_t(flag), before, round);
    // count came from a reduction of this same mask; the bound only keeps a
    // mismatch (which the CPU reports as a RuntimeError) from writing past the end.
    if (flag && next + before < count) out[next + before] = i;
    next += round;
    __syncthreads();
  }
}

void flatnonzero_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  const ArrayArg& m = c.in[0];
  const int64_t n = numel_of(m);
  const int64_t tiles = (n + kTile - 1) / kTile;
  TG_CHECK(tiles <= int64_t(0x7FFFFFFF), NotImplementedError, "flatnonzero: a mask of ", n,
           " elements is too large for one CUDA launch");
  const OwnOperand at = own_operand(m);
  const bool* mask = static_cast<const bool*>(m.data);
  DeviceScratch counts(c.device, size_t(tiles) * sizeof(int64_t));
  int64_t* cnt = static_cast<int64_t*>(counts.get());
  count_tiles<<<unsigned(tiles), kBlock, 0, s>>>(mask, at, n, cnt);
  TG_CUDA_LAUNCHED(count_tiles);
  exclusive_scan_counts<<<1, kBlock, 0, s>>>(cnt, tiles);
  TG_CUDA_LAUNCHED(exclusive_scan_counts);
  write_positions<<<unsigned(tiles), kBlock, 0, s>>>(mask, at, n, cnt, static_cast<int64_t*>(c.out.data), c.numel);
  TG_CUDA_LAUNCHED(write_positions);
}

}  // namespace

void register_gather() {
  for (int d = 0; d < kNumDTypes; ++d) {
    op::register_kernel(OpId::Gather, DeviceType::CUDA, DType(d), &gather_kernel);
    op::register_kernel(OpId::GetItemBackward, DeviceType::CUDA, DType(d), &getitem_backward_kernel);
    if (DType(d) != DType::Bool)
      op::register_kernel(OpId::GatherBackward, DeviceType::CUDA, DType(d), &gather_backward_kernel);
  }
  op::register_kernel(OpId::OneHot, DeviceType::CUDA, DType::UInt8, &one_hot_kernel<uint8_t>);
  op::register_kernel(OpId::OneHot, DeviceType::CUDA, DType::Int32, &one_hot_kernel<int32_t>);
  op::register_kernel(OpId::OneHot, DeviceType::CUDA, DType::Int64, &one_hot_kernel<int64_t>);
  op::register_kernel(OpId::FlatNonzero, DeviceType::CUDA, DType::Bool, &flatnonzero_kernel);
}

}  // namespace tg::cuda

// CUDA kernels of the random ops (random.cpp), mirroring backend/cpu/random.cpp
// value for value: normals, truncated normals, uniforms, dropout masks and
// row permutations. Every value is a pure function of (stream, element
// index) through philox::stream_block and random_math.h, with the CPU
// kernel's block layout (kPerBlock values per Philox block, the same
// sub-streams, the same bits for each value), so a seeded tensor is
// bit-identical on either device.
//
// Bit-identity also needs the same roundings: CMake compiles this file with
// --fmad=false (no contraction into fused multiply-adds), every floating
// expression keeps the CPU's order, and what the CPU computes once per call
// (std::nextafter, the dropout threshold and scale) is computed on the host
// here too and passed in.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "allocator.h"
#include "op/registry.h"
#include "philox.h"
#include "random_math.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

using op::OpId;
using namespace random_math;

struct Stream {
  uint32_t k0, k1, call;
  explicit Stream(const OpAttrs& a) : k0(a.philox[0]), k1(a.philox[1]), call(a.philox[2]) {}
  TG_HD philox::Block block(uint64_t i, uint32_t sub = 0) const { return philox::stream_block(k0, k1, call, i, sub); }
};

// Standard normals of one block, as the CPU's normals_of: four from 32-bit
// uniforms for float32 results, two from 53-bit uniforms for float64.
template <class T> constexpr int kPerBlock = std::is_same_v<T, float> ? 4 : 2;

template <class T>
__device__ void normals_of(const philox::Block& b, double* z) {
  if constexpr (std::is_same_v<T, float>) {
    box_muller(u32_open0(b[0]), u32(b[1]), z[0], z[1]);
    box_muller(u32_open0(b[2]), u32(b[3]), z[2], z[3]);
  } else {
    box_muller(u01d_open0(b[0], b[1]), u01d(b[2], b[3]), z[0], z[1]);
  }
}

// out[i] = the i-th value, made kPer at a time from block i / kPer by
// gen(block, values) (the CPU's fill_blocks). A full block is one vector
// store when the output is aligned for it; the last, partial block writes
// only the values that exist.
template <int kPer, class T>
struct alignas(sizeof(T) * kPer) Values {
  T v[kPer];
};

template <int kPer, class T, class Gen>
__global__ void fill_blocks(T* out, int64_t n, bool aligned, Gen gen) {
  const int64_t nblocks = (n + kPer - 1) / kPer;
  for (int64_t blk = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; blk < nblocks;
       blk += int64_t(gridDim.x) * blockDim.x) {
    Values<kPer, T> vals;
    gen(uint64_t(blk), vals.v);
    const int64_t base = blk * kPer;
    if (aligned && base + kPer <= n) {
      *reinterpret_cast<Values<kPer, T>*>(out + base) = vals;
    } else {
      for (int j = 0; j < kPer && base + j < n; ++j) out[base + j] = vals.v[j];
    }
  }
}

template <int kPer, class T, class Gen>
void launch_blocks(const KernelCall& c, const Gen& gen) {
  T* out = static_cast<T*>(c.out.data);
  const int64_t nblocks = (c.numel + kPer - 1) / kPer;
  const bool aligned = reinterpret_cast<uintptr_t>(out) % sizeof(Values<kPer, T>) == 0;
  fill_blocks<kPer, T, Gen><<<grid_for(nblocks), kBlock, 0, stream_for(c)>>>(out, c.numel, aligned, gen);
  TG_CUDA_LAUNCHED(fill_blocks);
}

// ---- normals ------------------------------------------------------------------------

template <class T>
struct NormalGen {
  Stream s;
  double mean, stddev;
  __device__ void operator()(uint64_t blk, T* v) const {
    double z[kPerBlock<T>];
    normals_of<T>(s.block(blk), z);
    for (int j = 0; j < kPerBlock<T>; ++j) v[j] = T(shift_scale(mean, stddev, z[j]));
  }
};

// real = {mean, stddev}.
void normal_kernel(const KernelCall& c) {
  const Stream s(*c.attrs);
  const double mean = c.attrs->real[0], stddev = c.attrs->real[1];
  TG_DISPATCH_FLOAT(c.out.dtype, "random.normal", {
    launch_blocks<kPerBlock<T>, T>(c, NormalGen<T>{s, mean, stddev});
  });
}

// Values beyond two standard deviations are drawn again, from further
// sub-streams of the same element (one element per block index, as the CPU).
template <class T>
struct TruncatedNormalGen {
  Stream s;
  double mean, stddev;
  __device__ void operator()(uint64_t i, T* v) const {
    for (uint32_t sub = 0; sub < 64; ++sub) {  // 64 misses in a row: p < 1e-80
      const philox::Block b = s.block(i, sub);
      // The block's normals in normals_of's order, a pair at a time.
      for (int pair = 0; pair < kPerBlock<T> / 2; ++pair) {
        double z[2];
        if constexpr (std::is_same_v<T, float>)
          box_muller(u32_open0(b[size_t(2 * pair)]), u32(b[size_t(2 * pair + 1)]), z[0], z[1]);
        else
          box_muller(u01d_open0(b[0], b[1]), u01d(b[2], b[3]), z[0], z[1]);
        for (double x : z)
          if (fabs(x) <= 2.0) {
            v[0] = T(shift_scale(mean, stddev, x));
            return;
          }
      }
    }
    v[0] = T(mean);
  }
};

void truncated_normal_kernel(const KernelCall& c) {
  const Stream s(*c.attrs);
  const double mean = c.attrs->real[0], stddev = c.attrs->real[1];
  TG_DISPATCH_FLOAT(c.out.dtype, "random.truncated_normal", {
    launch_blocks<1, T>(c, TruncatedNormalGen<T>{s, mean, stddev});
  });
}

// ---- uniforms -----------------------------------------------------------------------

// Floats in [lo, lo + range): lo + u * range can round up to hi, so values
// above top (the float below hi, std::nextafter on the host) become top.
template <class T>
struct UniformFloatGen {
  Stream s;
  T lo, range, top;
  bool clamp;  // lo < hi
  __device__ T scale(T u) const {
    const T x = shift_scale(lo, range, u);
    return clamp && x > top ? top : x;
  }
  __device__ void operator()(uint64_t blk, T* v) const {
    const philox::Block b = s.block(blk);
    if constexpr (std::is_same_v<T, float>) {
      for (int j = 0; j < 4; ++j) v[j] = scale(u01f(b[size_t(j)]));
    } else {
      v[0] = scale(u01d(b[0], b[1]));
      v[1] = scale(u01d(b[2], b[3]));
    }
  }
};

template <class T>
void uniform_float(const KernelCall& c, const Stream& s) {
  const T lo = T(c.attrs->real[0]), hi = T(c.attrs->real[1]), range = T(c.attrs->real[1] - c.attrs->real[0]);
  const T top = lo < hi ? std::nextafter(hi, lo) : hi;
  launch_blocks<std::is_same_v<T, float> ? 4 : 2, T>(c, UniformFloatGen<T>{s, lo, range, top, lo < hi});
}

// Integers in [minval, minval + range): 64 random bits per value scaled by
// multiply-shift (Lemire). __umul64hi is the high half of the 128-bit product,
// the CPU's (unsigned __int128)(bits * range) >> 64.
template <class T>
struct UniformIntGen {
  Stream s;
  uint64_t minval, range;
  __device__ int64_t draw(uint32_t hi, uint32_t lo) const {
    const uint64_t r = __umul64hi(bits64(hi, lo), range);
    return int64_t(minval + r);
  }
  __device__ void operator()(uint64_t blk, T* v) const {
    const philox::Block b = s.block(blk);
    v[0] = T(draw(b[0], b[1]));
    v[1] = T(draw(b[2], b[3]));
  }
};

template <class T>
void uniform_int(const KernelCall& c, const Stream& s) {
  const int64_t minval = c.attrs->whole[0];
  const uint64_t range = uint64_t(c.attrs->whole[1]) - uint64_t(minval);
  launch_blocks<2, T>(c, UniformIntGen<T>{s, uint64_t(minval), range});
}

void uniform_kernel(const KernelCall& c) {
  const Stream s(*c.attrs);
  switch (c.out.dtype) {
    case DType::Float32: uniform_float<float>(c, s); break;
    case DType::Float64: uniform_float<double>(c, s); break;
    case DType::Int32: uniform_int<int32_t>(c, s); break;
    default: uniform_int<int64_t>(c, s); break;  // registered for int64 only otherwise
  }
}

// ---- dropout ------------------------------------------------------------------------

// 0 or keep = 1/(1 - rate): an element is kept when its 32 random bits are
// >= threshold = rate * 2^32. Four values per block for both float dtypes,
// as the CPU.
template <class T>
struct DropoutGen {
  Stream s;
  uint32_t threshold;
  T keep;
  __device__ void operator()(uint64_t blk, T* v) const {
    const philox::Block b = s.block(blk);
    for (int j = 0; j < 4; ++j) v[j] = b[size_t(j)] >= threshold ? keep : T(0);
  }
};

void dropout_kernel(const KernelCall& c) {
  const Stream s(*c.attrs);
  const double rate = c.attrs->real[0];
  const uint32_t threshold = uint32_t(std::min<uint64_t>(uint64_t(std::ldexp(rate, 32)), 0xFFFFFFFFull));
  TG_DISPATCH_FLOAT(c.out.dtype, "dropout", {
    launch_blocks<4, T>(c, DropoutGen<T>{s, threshold, T(1.0 / (1.0 - rate))});
  });
}

// ---- random_shuffle -----------------------------------------------------------------

// dst row r = src row perm[r], rows of `row` elements moved as raw bits.
template <class E>
__global__ void gather_rows(const E* src, E* dst, const int64_t* perm, int64_t row, int64_t total) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < total; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t r = i / row, k = i - r * row;
    dst[i] = src[perm[r] * row + k];
  }
}

// The dense input's rows (first axis) in the permutation's order.
void shuffle_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  const Stream st(*c.attrs);
  const int64_t n = c.ndim == 0 ? 1 : c.shape[0];
  const size_t isz = itemsize(c.out.dtype);
  if (n == 1) {  // nothing to permute
    TG_CUDA_CHECK(cudaMemcpyAsync(c.out.data, c.in[0].data, size_t(c.numel) * isz, cudaMemcpyDeviceToDevice, s));
    return;
  }
  // The permutation is built on the host (it is sequential) and staged to
  // the device without waiting for it (runtime.h: copy_from_host).
  const std::vector<int64_t> perm = philox::permutation(st.k0, st.k1, st.call, n);
  const size_t bytes = perm.size() * sizeof(int64_t);
  DeviceScratch dev_perm(c.device, bytes);
  copy_from_host(dev_perm.get(), perm.data(), bytes, c.device);
  const int64_t row = c.numel / n;
  const int64_t* p = static_cast<const int64_t*>(dev_perm.get());
  auto launch = [&](auto elem) {
    using E = decltype(elem);
    gather_rows<E><<<grid_for(c.numel), kBlock, 0, s>>>(static_cast<const E*>(c.in[0].data),
                                                        static_cast<E*>(c.out.data), p, row, c.numel);
    TG_CUDA_LAUNCHED(gather_rows);
  };
  switch (isz) {
    case 1: launch(uint8_t{}); break;
    case 4: launch(uint32_t{}); break;
    default: launch(uint64_t{}); break;
  }
}

}  // namespace

void register_random() {
  op::register_accepted(OpId::RandomNormal, DeviceType::CUDA, &normal_kernel);
  op::register_accepted(OpId::TruncatedNormal, DeviceType::CUDA, &truncated_normal_kernel);
  op::register_accepted(OpId::DropoutMask, DeviceType::CUDA, &dropout_kernel);
  op::register_accepted(OpId::RandomUniform, DeviceType::CUDA, &uniform_kernel);
  op::register_accepted(OpId::RandomShuffle, DeviceType::CUDA, &shuffle_kernel);
}

}  // namespace tg::cuda

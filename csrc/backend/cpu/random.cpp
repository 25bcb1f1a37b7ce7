// CPU kernels of the random ops (random.cpp): Philox blocks turned into
// normals, truncated normals, uniforms, dropout masks and row permutations.
// The call's attrs carry the stream (Philox key and call counter, chosen from
// the seeds by random.cpp) and the distribution's numbers. Every value is a
// pure function of (stream, element index) through philox::stream_block, so
// the thread split never changes a bit and another device's kernel can make
// the same numbers.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>
#include <vector>

#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"
#include "philox.h"
#include "random_math.h"

namespace tg::cpu {

namespace {

using op::OpId;
using namespace random_math;

struct Stream {
  uint32_t k0, k1, call;
  explicit Stream(const OpAttrs& a) : k0(a.philox[0]), k1(a.philox[1]), call(a.philox[2]) {}
  philox::Block block(uint64_t i, uint32_t sub = 0) const { return philox::stream_block(k0, k1, call, i, sub); }
};

// Standard normals of one block, computed in double with random_math's
// deterministic functions: four from 32-bit uniforms for float32 results,
// two from 53-bit uniforms for float64.
template <class T> constexpr int kPerBlock = std::is_same_v<T, float> ? 4 : 2;

template <class T>
void normals_of(const philox::Block& b, double* z) {
  if constexpr (std::is_same_v<T, float>) {
    box_muller(u32_open0(b[0]), u32(b[1]), z[0], z[1]);
    box_muller(u32_open0(b[2]), u32(b[3]), z[2], z[3]);
  } else {
    box_muller(u01d_open0(b[0], b[1]), u01d(b[2], b[3]), z[0], z[1]);
  }
}

// out[i] = f(i-th value), values produced kPer at a time from block i / kPer.
// Each thread takes whole blocks, so the split never changes the numbers.
template <int kPer, class T, class F>
void fill_blocks(T* out, int64_t n, int64_t cost_per_block, F&& make_block) {
  const int64_t nblocks = (n + kPer - 1) / kPer;
  const int64_t grain = std::max<int64_t>(1, kParallelElems / (kPer * cost_per_block));
  const int64_t full = n / kPer;  // blocks written in place; a last partial one goes through vals
  parallel_for(nblocks, grain, [&](int64_t b0, int64_t b1) {
    const int64_t e = std::min(b1, full);
    for (int64_t blk = b0; blk < e; ++blk) make_block(uint64_t(blk), out + blk * kPer);
    if (b1 > full) {
      T vals[kPer];
      make_block(uint64_t(full), vals);
      for (int64_t j = 0; j < n - full * kPer; ++j) out[full * kPer + j] = vals[j];
    }
  });
}

// real = {mean, stddev}.
void normal_kernel(const KernelCall& c) {
  const Stream s(*c.attrs);
  const double mean = c.attrs->real[0], stddev = c.attrs->real[1];
  TG_DISPATCH_FLOAT(c.out.dtype, "random.normal", {
    fill_blocks<kPerBlock<T>>(static_cast<T*>(c.out.data), c.numel, 8, [&](uint64_t blk, T* v) {
      double z[kPerBlock<T>];
      normals_of<T>(s.block(blk), z);
      for (int j = 0; j < kPerBlock<T>; ++j) v[j] = T(shift_scale(mean, stddev, z[j]));
    });
  });
}

// Values beyond two standard deviations are drawn again, from further
// sub-streams of the same element, so each element is still a pure function
// of its index. real = {mean, stddev}.
void truncated_normal_kernel(const KernelCall& c) {
  const Stream s(*c.attrs);
  const double mean = c.attrs->real[0], stddev = c.attrs->real[1];
  TG_DISPATCH_FLOAT(c.out.dtype, "random.truncated_normal", {
    fill_blocks<1>(static_cast<T*>(c.out.data), c.numel, 8, [&](uint64_t i, T* v) {
      for (uint32_t sub = 0; sub < 64; ++sub) {  // 64 misses in a row: p < 1e-80
        const philox::Block b = s.block(i, sub);
        // The block's normals in normals_of's order, a pair at a time: the
        // first is kept 95% of the time.
        for (int pair = 0; pair < kPerBlock<T> / 2; ++pair) {
          double z[2];
          if constexpr (std::is_same_v<T, float>)
            box_muller(u32_open0(b[size_t(2 * pair)]), u32(b[size_t(2 * pair + 1)]), z[0], z[1]);
          else
            box_muller(u01d_open0(b[0], b[1]), u01d(b[2], b[3]), z[0], z[1]);
          for (double x : z)
            if (std::abs(x) <= 2.0) { v[0] = T(shift_scale(mean, stddev, x)); return; }
        }
      }
      v[0] = T(mean);
    });
  });
}

// Floats in [real[0], real[1]).
template <class T>
void uniform_float(const KernelCall& c, const Stream& s) {
  const T lo = T(c.attrs->real[0]), hi = T(c.attrs->real[1]), range = T(c.attrs->real[1] - c.attrs->real[0]);
  // lo + u * range can round up to hi; the interval is half-open.
  const T top = lo < hi ? std::nextafter(hi, lo) : hi;
  auto scale = [&](T u) { T x = shift_scale(lo, range, u); return lo < hi && x > top ? top : x; };
  if constexpr (std::is_same_v<T, float>) {
    fill_blocks<4>(static_cast<T*>(c.out.data), c.numel, 1, [&](uint64_t blk, T* v) {
      const philox::Block b = s.block(blk);
      for (int j = 0; j < 4; ++j) v[j] = scale(u01f(b[size_t(j)]));
    });
  } else {
    fill_blocks<2>(static_cast<T*>(c.out.data), c.numel, 1, [&](uint64_t blk, T* v) {
      const philox::Block b = s.block(blk);
      v[0] = scale(u01d(b[0], b[1]));
      v[1] = scale(u01d(b[2], b[3]));
    });
  }
}

// Integers in [whole[0], whole[1]): 64 random bits per value scaled by
// multiply-shift (Lemire), so the bias is below range / 2^64.
template <class T>
void uniform_int(const KernelCall& c, const Stream& s) {
  const int64_t minval = c.attrs->whole[0];
  const uint64_t range = uint64_t(c.attrs->whole[1]) - uint64_t(minval);
  auto draw = [&](uint32_t hi, uint32_t lo) {
    const uint64_t r = uint64_t((unsigned __int128)bits64(hi, lo) * range >> 64);
    return int64_t(uint64_t(minval) + r);
  };
  fill_blocks<2>(static_cast<T*>(c.out.data), c.numel, 1, [&](uint64_t blk, T* v) {
    const philox::Block b = s.block(blk);
    v[0] = T(draw(b[0], b[1]));
    v[1] = T(draw(b[2], b[3]));
  });
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

// 0 or 1/(1 - rate), rate = real[0]: an element is kept when its 32 random
// bits are >= rate * 2^32 (exact in integers).
void dropout_kernel(const KernelCall& c) {
  const Stream s(*c.attrs);
  const double rate = c.attrs->real[0];
  const uint32_t threshold = uint32_t(std::min<uint64_t>(uint64_t(std::ldexp(rate, 32)), 0xFFFFFFFFull));
  TG_DISPATCH_FLOAT(c.out.dtype, "dropout", {
    // Select by bit mask: a data-dependent branch (or a cmov the compiler
    // turns back into one) mispredicts half the time at rate 0.5.
    using Bits = std::conditional_t<std::is_same_v<T, float>, uint32_t, uint64_t>;
    const T keep = T(1.0 / (1.0 - rate));
    Bits keep_bits;
    std::memcpy(&keep_bits, &keep, sizeof(T));
    fill_blocks<4>(static_cast<T*>(c.out.data), c.numel, 1, [&](uint64_t blk, T* v) {
      const philox::Block b = s.block(blk);
      for (int j = 0; j < 4; ++j) {
        const Bits bits = keep_bits & (Bits(0) - Bits(b[size_t(j)] >= threshold));
        std::memcpy(v + j, &bits, sizeof(T));
      }
    });
  });
}

// The dense input's rows (first axis) gathered by philox::permutation (it
// depends on the stream only).
void shuffle_kernel(const KernelCall& c) {
  const Stream s(*c.attrs);
  const int64_t n = c.ndim == 0 ? 1 : c.shape[0];
  const std::vector<int64_t> perm = philox::permutation(s.k0, s.k1, s.call, n);
  const size_t row = size_t(c.numel / n) * itemsize(c.out.dtype);
  const char* src = static_cast<const char*>(c.in[0].data);
  char* dst = static_cast<char*>(c.out.data);
  const int64_t grain = std::max<int64_t>(1, kParallelBytes / int64_t(std::max<size_t>(row, 1)));
  parallel_for(n, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) std::memcpy(dst + size_t(r) * row, src + size_t(perm[size_t(r)]) * row, row);
  });
}

}  // namespace

void register_random() {
  for (DType dt : {DType::Float32, DType::Float64}) {
    op::register_kernel(OpId::RandomNormal, DeviceType::CPU, dt, &normal_kernel);
    op::register_kernel(OpId::TruncatedNormal, DeviceType::CPU, dt, &truncated_normal_kernel);
    op::register_kernel(OpId::DropoutMask, DeviceType::CPU, dt, &dropout_kernel);
  }
  for (DType dt : {DType::Float32, DType::Float64, DType::Int32, DType::Int64})
    op::register_kernel(OpId::RandomUniform, DeviceType::CPU, dt, &uniform_kernel);
  for (int d = 0; d < kNumDTypes; ++d)
    op::register_kernel(OpId::RandomShuffle, DeviceType::CPU, DType(d), &shuffle_kernel);
}

}  // namespace tg::cpu

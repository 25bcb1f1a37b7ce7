// Random tensors from a counter-based generator, Philox-4x32-10 (Salmon,
// Moraes, Dror, Shaw: "Parallel random numbers: as easy as 1, 2, 3", SC'11).
//
// Every output element is a pure function of (key, call, element index): the
// key comes from the seeds, `call` separates successive calls that share a
// key, and the element index is the Philox counter. So a tensor's values do
// not depend on how many threads made it, nor on the machine.
//
// Seeds follow TensorFlow 2 (eager):
//  - no global seed, no op seed: fresh numbers from a process-random key;
//  - global seed, no op seed: each call takes the next implicit op seed, so a
//    program's sequence of calls is reproducible after set_seed;
//  - op seed given: the (global, op) pair is a kernel with its own call
//    counter: repeating the call gives new numbers (TF's "A1, A2"), and
//    set_seed starts every counter again. No global seed means TF's default
//    global seed.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <random>
#include <type_traits>
#include <unordered_map>

#include "ops.h"
#include "parallel.h"
#include "philox.h"
#include "random_math.h"

namespace tg {


namespace {

// Where one call's numbers come from.
struct Stream {
  uint32_t k0 = 0, k1 = 0;
  uint32_t call = 0;
  // Block `i` of sub-stream `sub` (sub > 0: resampling rounds).
  philox::Block block(uint64_t i, uint32_t sub = 0) const {
    return philox::philox4x32_10({uint32_t(i), uint32_t(i >> 32), call, sub}, k0, k1);
  }
};

uint64_t mix64(uint64_t x) {  // splitmix64's finaliser: spreads seeds over the key space
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Distinct domains so that, say, implicit op seed 3 and explicit seed=3 differ.
enum : uint64_t { kDomainUnseeded = 0x1000, kDomainImplicit = 0x2000, kDomainExplicit = 0x3000, kDomainStateless = 0x4000 };

Stream make_stream(uint64_t domain, uint64_t a, uint64_t b, uint32_t call) {
  // Chained, not symmetric: (a, b) and (b, a) must give different keys.
  const uint64_t k = mix64(mix64(mix64(domain) ^ a) ^ b);
  Stream s;
  s.k0 = uint32_t(k);
  s.k1 = uint32_t(k >> 32);
  s.call = call;
  return s;
}

constexpr int64_t kDefaultGlobalSeed = 87654321;  // TensorFlow's DEFAULT_GRAPH_SEED

struct RngState {
  std::mutex mu;
  std::optional<int64_t> global;
  uint64_t implicit_ops = 0;                       // op seeds handed out since set_seed
  std::unordered_map<int64_t, uint32_t> calls;     // op seed -> calls since set_seed
  uint64_t process_key = 0;
  uint64_t unseeded_calls = 0;
  RngState() {
    std::random_device rd;
    process_key = (uint64_t(rd()) << 32) ^ rd();
  }
};

RngState& state() {
  static RngState s;
  return s;
}

Stream next_stream(std::optional<int64_t> op_seed) {
  RngState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  if (!s.global && !op_seed) return make_stream(kDomainUnseeded, s.process_key, s.unseeded_calls++, 0);
  const uint64_t g = uint64_t(s.global.value_or(kDefaultGlobalSeed));
  if (!op_seed) return make_stream(kDomainImplicit, g, s.implicit_ops++, 0);
  return make_stream(kDomainExplicit, g, uint64_t(*op_seed), s.calls[*op_seed]++);
}

Stream stateless_stream(std::pair<int64_t, int64_t> seed) {
  return make_stream(kDomainStateless, uint64_t(seed.first), uint64_t(seed.second), 0);
}

// ---- bits to numbers -----------------------------------------------------------
inline float u01f(uint32_t x) { return float(x >> 8) * 0x1p-24f; }  // [0, 1)
inline uint64_t bits64(uint32_t hi, uint32_t lo) { return (uint64_t(hi) << 32) | lo; }
inline double u01d(uint32_t hi, uint32_t lo) { return double(bits64(hi, lo) >> 11) * 0x1p-53; }
inline double u01d_open0(uint32_t hi, uint32_t lo) { return double((bits64(hi, lo) >> 11) + 1) * 0x1p-53; }
inline double u32_open0(uint32_t x) { return (double(x) + 1.0) * 0x1p-32; }  // (0, 1]
inline double u32(uint32_t x) { return double(x) * 0x1p-32; }               // [0, 1)

// Standard normals of one block, computed in double with random_math's
// deterministic functions: four from 32-bit uniforms for float32 results,
// two from 53-bit uniforms for float64.
template <class T> constexpr int kPerBlock = std::is_same_v<T, float> ? 4 : 2;

template <class T>
void normals_of(const philox::Block& b, double* z) {
  if constexpr (std::is_same_v<T, float>) {
    random_math::box_muller(u32_open0(b[0]), u32(b[1]), z[0], z[1]);
    random_math::box_muller(u32_open0(b[2]), u32(b[3]), z[2], z[3]);
  } else {
    random_math::box_muller(u01d_open0(b[0], b[1]), u01d(b[2], b[3]), z[0], z[1]);
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

// ---- checks ---------------------------------------------------------------------
void check_float(DType dt, const char* op) {
  TG_CHECK(is_floating(dt), TypeError, op, ": dtype must be float32 or float64, got ", dt);
}
void check_finite(double v, const char* what, const char* op) {
  TG_CHECK(std::isfinite(v), ValueError, op, ": ", what, " must be finite, got ", v);
}
void check_normal_args(double mean, double stddev, DType dt, const char* op) {
  check_float(dt, op);
  check_finite(mean, "mean", op);
  check_finite(stddev, "stddev", op);
  TG_CHECK(stddev >= 0, ValueError, op, ": stddev must be non-negative, got ", stddev);
}

// ---- generators on a stream -------------------------------------------------------
Tensor gen_normal(Tensor out, double mean, double stddev, const Stream& s) {
  const DType dt = out.dtype();
  TG_DISPATCH_FLOAT(dt, "random.normal", {
    fill_blocks<kPerBlock<T>>(out.data<T>(), out.numel(), 8, [&](uint64_t blk, T* v) {
      double z[kPerBlock<T>];
      normals_of<T>(s.block(blk), z);
      for (int j = 0; j < kPerBlock<T>; ++j) v[j] = T(random_math::shift_scale(mean, stddev, z[j]));
    });
  });
  return out;
}

// Values beyond two standard deviations are drawn again, from further
// sub-streams of the same element, so each element is still a pure function
// of its index.
Tensor gen_truncated(Tensor out, double mean, double stddev, const Stream& s) {
  const DType dt = out.dtype();
  TG_DISPATCH_FLOAT(dt, "random.truncated_normal", {
    fill_blocks<1>(out.data<T>(), out.numel(), 8, [&](uint64_t i, T* v) {
      for (uint32_t sub = 0; sub < 64; ++sub) {  // 64 misses in a row: p < 1e-80
        const philox::Block b = s.block(i, sub);
        // The block's normals in normals_of's order, a pair at a time: the
        // first is kept 95% of the time.
        for (int pair = 0; pair < kPerBlock<T> / 2; ++pair) {
          double z[2];
          if constexpr (std::is_same_v<T, float>)
            random_math::box_muller(u32_open0(b[size_t(2 * pair)]), u32(b[size_t(2 * pair + 1)]), z[0], z[1]);
          else
            random_math::box_muller(u01d_open0(b[0], b[1]), u01d(b[2], b[3]), z[0], z[1]);
          for (double x : z)
            if (std::abs(x) <= 2.0) { v[0] = T(random_math::shift_scale(mean, stddev, x)); return; }
        }
      }
      v[0] = T(mean);
    });
  });
  return out;
}

Tensor gen_uniform(Tensor out, double minval, double maxval, const Stream& s) {
  const DType dt = out.dtype();
  TG_DISPATCH_FLOAT(dt, "random.uniform", {
    const T lo = T(minval), hi = T(maxval), range = T(maxval - minval);
    // lo + u * range can round up to hi; the interval is half-open.
    const T top = lo < hi ? std::nextafter(hi, lo) : hi;
    auto scale = [&](T u) { T x = random_math::shift_scale(lo, range, u); return lo < hi && x > top ? top : x; };
    if constexpr (std::is_same_v<T, float>) {
      fill_blocks<4>(out.data<T>(), out.numel(), 1, [&](uint64_t blk, T* v) {
        const philox::Block b = s.block(blk);
        for (int j = 0; j < 4; ++j) v[j] = scale(u01f(b[size_t(j)]));
      });
    } else {
      fill_blocks<2>(out.data<T>(), out.numel(), 1, [&](uint64_t blk, T* v) {
        const philox::Block b = s.block(blk);
        v[0] = scale(u01d(b[0], b[1]));
        v[1] = scale(u01d(b[2], b[3]));
      });
    }
  });
  return out;
}

// Integers in [minval, maxval): 64 random bits per value scaled by
// multiply-shift (Lemire), so the bias is below range / 2^64.
Tensor gen_uniform_int(Tensor out, int64_t minval, int64_t maxval, const Stream& s) {
  const DType dt = out.dtype();
  const uint64_t range = uint64_t(maxval) - uint64_t(minval);
  auto draw = [&](uint32_t hi, uint32_t lo) {
    const uint64_t r = uint64_t((unsigned __int128)bits64(hi, lo) * range >> 64);
    return int64_t(uint64_t(minval) + r);
  };
  auto run = [&](auto* p) {
    using T = std::remove_pointer_t<decltype(p)>;
    fill_blocks<2>(p, out.numel(), 1, [&](uint64_t blk, T* v) {
      const philox::Block b = s.block(blk);
      v[0] = T(draw(b[0], b[1]));
      v[1] = T(draw(b[2], b[3]));
    });
  };
  if (dt == DType::Int32) run(out.data<int32_t>());
  else run(out.data<int64_t>());
  return out;
}

void check_uniform_int(int64_t minval, int64_t maxval, DType dt, const char* op) {
  TG_CHECK(dt == DType::Int32 || dt == DType::Int64, TypeError, op,
           ": integer dtype must be int32 or int64, got ", dt);
  TG_CHECK(minval < maxval, ValueError, op, ": need minval < maxval, got minval=", minval, " maxval=", maxval);
  if (dt == DType::Int32) {
    const int64_t lo = std::numeric_limits<int32_t>::min(), hi = int64_t(std::numeric_limits<int32_t>::max()) + 1;
    TG_CHECK(minval >= lo && maxval <= hi, ValueError, op, ": [", minval, ", ", maxval,
             ") does not fit dtype int32");
  }
}

// Float bounds for an integer uniform: they must be whole numbers.
int64_t whole(double v, const char* what, const char* op) {
  TG_CHECK(std::isfinite(v) && v == std::floor(v) && std::abs(v) <= 9.2e18, ValueError, op, ": ", what,
           " must be an integer for an integer dtype, got ", v);
  return int64_t(v);
}

// Checks the arguments of a uniform draw (float, or integer with whole bounds).
void check_uniform(double minval, double maxval, DType dt, const char* op) {
  if (dt == DType::Int32 || dt == DType::Int64) {
    check_uniform_int(whole(minval, "minval", op), whole(maxval, "maxval", op), dt, op);
    return;
  }
  TG_CHECK(is_floating(dt), TypeError, op, ": dtype must be float32, float64, int32 or int64, got ", dt);
  check_finite(minval, "minval", op);
  check_finite(maxval, "maxval", op);
}

Tensor gen_uniform_any(Tensor out, double minval, double maxval, const Stream& s) {
  if (is_floating(out.dtype())) return gen_uniform(out, minval, maxval, s);
  return gen_uniform_int(out, int64_t(minval), int64_t(maxval), s);
}

}  // namespace

namespace ops {

void set_global_seed(std::optional<int64_t> seed) {
  RngState& s = state();
  std::lock_guard<std::mutex> lock(s.mu);
  s.global = seed;
  s.implicit_ops = 0;
  s.calls.clear();
}

// Each public op checks its arguments and allocates its result before it
// takes a stream, so a failed call leaves the seeded sequence untouched.
Tensor random_normal(const Shape& shape, double mean, double stddev, DType dtype, std::optional<int64_t> seed) {
  check_normal_args(mean, stddev, dtype, "random.normal");
  Tensor out = Tensor::empty(shape, dtype);
  return gen_normal(out, mean, stddev, next_stream(seed));
}

Tensor truncated_normal(const Shape& shape, double mean, double stddev, DType dtype, std::optional<int64_t> seed) {
  check_normal_args(mean, stddev, dtype, "random.truncated_normal");
  Tensor out = Tensor::empty(shape, dtype);
  return gen_truncated(out, mean, stddev, next_stream(seed));
}

Tensor random_uniform(const Shape& shape, double minval, double maxval, DType dtype, std::optional<int64_t> seed) {
  check_uniform(minval, maxval, dtype, "random.uniform");
  Tensor out = Tensor::empty(shape, dtype);
  return gen_uniform_any(out, minval, maxval, next_stream(seed));
}

Tensor random_uniform_int(const Shape& shape, int64_t minval, int64_t maxval, DType dtype,
                          std::optional<int64_t> seed) {
  check_uniform_int(minval, maxval, dtype, "random.uniform");
  Tensor out = Tensor::empty(shape, dtype);
  return gen_uniform_int(out, minval, maxval, next_stream(seed));
}

Tensor stateless_random_normal(const Shape& shape, double mean, double stddev, DType dtype,
                               std::pair<int64_t, int64_t> seed) {
  check_normal_args(mean, stddev, dtype, "random.stateless_normal");
  return gen_normal(Tensor::empty(shape, dtype), mean, stddev, stateless_stream(seed));
}

Tensor stateless_truncated_normal(const Shape& shape, double mean, double stddev, DType dtype,
                                  std::pair<int64_t, int64_t> seed) {
  check_normal_args(mean, stddev, dtype, "random.stateless_truncated_normal");
  return gen_truncated(Tensor::empty(shape, dtype), mean, stddev, stateless_stream(seed));
}

Tensor stateless_random_uniform(const Shape& shape, double minval, double maxval, DType dtype,
                                std::pair<int64_t, int64_t> seed) {
  check_uniform(minval, maxval, dtype, "random.stateless_uniform");
  return gen_uniform_any(Tensor::empty(shape, dtype), minval, maxval, stateless_stream(seed));
}

Tensor stateless_random_uniform_int(const Shape& shape, int64_t minval, int64_t maxval, DType dtype,
                                    std::pair<int64_t, int64_t> seed) {
  check_uniform_int(minval, maxval, dtype, "random.stateless_uniform");
  return gen_uniform_int(Tensor::empty(shape, dtype), minval, maxval, stateless_stream(seed));
}

Tensor dropout_mask(const Shape& shape, double rate, DType dtype, std::optional<int64_t> seed) {
  check_float(dtype, "dropout");
  TG_CHECK(rate >= 0 && rate < 1, ValueError, "dropout: rate must be in [0, 1), got ", rate);
  Tensor out = Tensor::empty(shape, dtype);
  const Stream s = next_stream(seed);
  // Keep an element when its 32 random bits are >= rate * 2^32: exact in integers.
  const uint32_t threshold = uint32_t(std::min<uint64_t>(uint64_t(std::ldexp(rate, 32)), 0xFFFFFFFFull));
  TG_DISPATCH_FLOAT(dtype, "dropout", {
    // Select by bit mask: a data-dependent branch (or a cmov the compiler
    // turns back into one) mispredicts half the time at rate 0.5.
    using Bits = std::conditional_t<std::is_same_v<T, float>, uint32_t, uint64_t>;
    const T keep = T(1.0 / (1.0 - rate));
    Bits keep_bits;
    std::memcpy(&keep_bits, &keep, sizeof(T));
    fill_blocks<4>(out.data<T>(), out.numel(), 1, [&](uint64_t blk, T* v) {
      const philox::Block b = s.block(blk);
      for (int j = 0; j < 4; ++j) {
        const Bits bits = keep_bits & (Bits(0) - Bits(b[size_t(j)] >= threshold));
        std::memcpy(v + j, &bits, sizeof(T));
      }
    });
  });
  return out;
}

Tensor random_shuffle(const Tensor& t, std::optional<int64_t> seed) {
  const Stream s = next_stream(seed);  // used up even when there is nothing to permute, as in TF
  if (t.ndim() == 0 || t.dim(0) <= 1) {  // still a new, unrecorded tensor
    Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
    copy_into(t, out);
    return out;
  }
  const int64_t n = t.dim(0);
  // Fisher–Yates; draw i takes block i, so the permutation depends on the seed only.
  std::vector<int64_t> perm(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) perm[size_t(i)] = i;
  for (int64_t i = n - 1; i > 0; --i) {
    const philox::Block b = s.block(uint64_t(i));
    const int64_t j = int64_t((unsigned __int128)bits64(b[0], b[1]) * uint64_t(i + 1) >> 64);
    std::swap(perm[size_t(i)], perm[size_t(j)]);
  }
  const Tensor src = t.contiguous();
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  const size_t row = size_t(t.numel() / n) * itemsize(t.dtype());
  const char* ps = static_cast<const char*>(src.raw());
  char* po = static_cast<char*>(out.raw());
  const int64_t grain = std::max<int64_t>(1, kParallelBytes / int64_t(std::max<size_t>(row, 1)));
  parallel_for(n, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) std::memcpy(po + size_t(r) * row, ps + size_t(perm[size_t(r)]) * row, row);
  });
  return out;
}

}  // namespace ops
}  // namespace tg

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
//
// This file keeps that seed state, the argument checks and the op
// definitions; each call picks its stream here and hands it to its kernel
// (backend/cpu/random.cpp) in the attrs, through the one execution path.
#include <cmath>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>

#include "op/exec.h"
#include "ops.h"

namespace tg {

namespace {

// Where one call's numbers come from: the Philox key and the call counter
// (philox::stream_block lays out the counter).
struct Stream {
  uint32_t k0 = 0, k1 = 0;
  uint32_t call = 0;
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

// The stream as the kernels read it.
void put_stream(OpAttrs& a, const Stream& s) {
  a.philox[0] = s.k0;
  a.philox[1] = s.k1;
  a.philox[2] = s.call;
}

// The output of a random op with no input, on `device`: the stream goes into
// the attrs with the distribution's numbers.
Tensor generate(op::OpId id, const Shape& shape, DType dtype, Device device, const Stream& s, OpAttrs& a) {
  a.shape = shape;
  a.dtype = dtype;
  a.device = device;
  put_stream(a, s);
  return op::exec_nullary(id, a);
}

OpAttrs reals(double x0, double x1) {
  OpAttrs a;
  a.real[0] = x0;
  a.real[1] = x1;
  return a;
}

// A uniform draw's bounds: real for float dtypes, whole for integer ones.
OpAttrs uniform_bounds(double minval, double maxval, DType dt) {
  if (is_floating(dt)) return reals(minval, maxval);
  OpAttrs a;
  a.whole[0] = int64_t(minval);
  a.whole[1] = int64_t(maxval);
  return a;
}
OpAttrs int_bounds(int64_t minval, int64_t maxval) {
  OpAttrs a;
  a.whole[0] = minval;
  a.whole[1] = maxval;
  return a;
}

// random ops with no input: the shape and dtype in the attrs.
void infer_generated(const char*, const Tensor* const*, int, const OpAttrs& a, op::Inferred& r) {
  r.shape = a.shape;
  r.out = r.kernel = a.dtype;
  r.differentiable = false;
}

// random_shuffle: the input's shape and dtype, dense (its rows are copied whole).
void infer_shuffle(const char*, const Tensor* const* in, int, const OpAttrs&, op::Inferred& r) {
  r.shape = in[0]->shape();
  r.out = r.kernel = r.inputs[0] = in[0]->dtype();
  r.dense_inputs = true;
  r.differentiable = false;
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

// Each public op checks its arguments and its shape before it takes a stream,
// so a bad call leaves the seeded sequence untouched. (The allocation comes
// after: a call that runs out of memory has used its stream.)
Tensor random_normal(const Shape& shape, double mean, double stddev, DType dtype, std::optional<int64_t> seed,
                     Device device) {
  check_normal_args(mean, stddev, dtype, "random.normal");
  shape_numel(shape);
  OpAttrs a = reals(mean, stddev);
  return generate(op::OpId::RandomNormal, shape, dtype, device, next_stream(seed), a);
}

Tensor truncated_normal(const Shape& shape, double mean, double stddev, DType dtype, std::optional<int64_t> seed,
                        Device device) {
  check_normal_args(mean, stddev, dtype, "random.truncated_normal");
  shape_numel(shape);
  OpAttrs a = reals(mean, stddev);
  return generate(op::OpId::TruncatedNormal, shape, dtype, device, next_stream(seed), a);
}

Tensor random_uniform(const Shape& shape, double minval, double maxval, DType dtype, std::optional<int64_t> seed,
                      Device device) {
  check_uniform(minval, maxval, dtype, "random.uniform");
  shape_numel(shape);
  OpAttrs a = uniform_bounds(minval, maxval, dtype);
  return generate(op::OpId::RandomUniform, shape, dtype, device, next_stream(seed), a);
}

Tensor random_uniform_int(const Shape& shape, int64_t minval, int64_t maxval, DType dtype,
                          std::optional<int64_t> seed, Device device) {
  check_uniform_int(minval, maxval, dtype, "random.uniform");
  shape_numel(shape);
  OpAttrs a = int_bounds(minval, maxval);
  return generate(op::OpId::RandomUniform, shape, dtype, device, next_stream(seed), a);
}

Tensor stateless_random_normal(const Shape& shape, double mean, double stddev, DType dtype,
                               std::pair<int64_t, int64_t> seed, Device device) {
  check_normal_args(mean, stddev, dtype, "random.stateless_normal");
  OpAttrs a = reals(mean, stddev);
  return generate(op::OpId::RandomNormal, shape, dtype, device, stateless_stream(seed), a);
}

Tensor stateless_truncated_normal(const Shape& shape, double mean, double stddev, DType dtype,
                                  std::pair<int64_t, int64_t> seed, Device device) {
  check_normal_args(mean, stddev, dtype, "random.stateless_truncated_normal");
  OpAttrs a = reals(mean, stddev);
  return generate(op::OpId::TruncatedNormal, shape, dtype, device, stateless_stream(seed), a);
}

Tensor stateless_random_uniform(const Shape& shape, double minval, double maxval, DType dtype,
                                std::pair<int64_t, int64_t> seed, Device device) {
  check_uniform(minval, maxval, dtype, "random.stateless_uniform");
  OpAttrs a = uniform_bounds(minval, maxval, dtype);
  return generate(op::OpId::RandomUniform, shape, dtype, device, stateless_stream(seed), a);
}

Tensor stateless_random_uniform_int(const Shape& shape, int64_t minval, int64_t maxval, DType dtype,
                                    std::pair<int64_t, int64_t> seed, Device device) {
  check_uniform_int(minval, maxval, dtype, "random.stateless_uniform");
  OpAttrs a = int_bounds(minval, maxval);
  return generate(op::OpId::RandomUniform, shape, dtype, device, stateless_stream(seed), a);
}

Tensor dropout_mask(const Shape& shape, double rate, DType dtype, std::optional<int64_t> seed, Device device) {
  check_float(dtype, "dropout");
  TG_CHECK(rate >= 0 && rate < 1, ValueError, "dropout: rate must be in [0, 1), got ", rate);
  shape_numel(shape);
  OpAttrs a = reals(rate, 0.0);
  return generate(op::OpId::DropoutMask, shape, dtype, device, next_stream(seed), a);
}

// The rows (first axis) in a random order: a new tensor on t's device, never
// recorded (TF's RandomShuffle has no gradient).
Tensor random_shuffle(const Tensor& t, std::optional<int64_t> seed) {
  const Stream s = next_stream(seed);  // used up even when there is nothing to permute, as in TF
  OpAttrs a;
  put_stream(a, s);
  // Made dense here, unrecorded, rather than by the execution path's recorded copy.
  return op::exec(op::OpId::RandomShuffle, t.contiguous(), a);
}

}  // namespace ops
}  // namespace tg

namespace tg::op {

void define_random() {
  define(OpId::RandomNormal, 0, infer_generated, nullptr, kSaveNothing, kFloatDTypes);
  define(OpId::TruncatedNormal, 0, infer_generated, nullptr, kSaveNothing, kFloatDTypes);
  define(OpId::RandomUniform, 0, infer_generated, nullptr, kSaveNothing,
         kFloatDTypes | dtype_bit(DType::Int32) | dtype_bit(DType::Int64));
  define(OpId::DropoutMask, 0, infer_generated, nullptr, kSaveNothing, kFloatDTypes);
  define(OpId::RandomShuffle, 1, infer_shuffle, nullptr, kSaveNothing, kNumericDTypes | kBoolDType);
}

}  // namespace tg::op

// CPU kernels of the element-wise ops: the contiguous fast path (every operand
// dense or a broadcast scalar), the strided walk otherwise, and the thread pool
// above a size threshold. The inner loops come from the SIMD table of the best
// instruction set the CPU supports (simd/dispatch.h).
#include <array>
#include <cmath>

#include "backend/cpu/operands.h"
#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"
#include "simd/dispatch.h"
#include "strided.h"

namespace tg::cpu {

namespace {

using op::OpId;

// Runs loop(pointers of every operand at an element, their inner strides,
// count) over the call: N operands, the output last.
template <int N, class Loop>
void for_each_run(const KernelCall& c, Loop&& loop) {
  std::array<const ArrayArg*, N> arg;
  for (int k = 0; k + 1 < N; ++k) arg[k] = &c.in[k];
  arg[N - 1] = &c.out;
  std::array<char*, N> base;
  std::array<size_t, N> isz;
  bool flat = true;
  std::array<int64_t, N> step;
  for (int k = 0; k < N; ++k) {
    base[k] = static_cast<char*>(arg[k]->data);
    isz[k] = itemsize(arg[k]->dtype);
    flat = flat && (arg[k]->contiguous || arg[k]->scalar);
    step[k] = arg[k]->contiguous ? 1 : 0;
  }
  if (flat) {
    parallel_for(c.numel, kParallelElems, [&](int64_t s, int64_t e) {
      std::array<char*, N> p;
      for (int k = 0; k < N; ++k) p[k] = base[k] + s * step[k] * int64_t(isz[k]);
      loop(p, step, e - s);
    });
    return;
  }
  std::array<Strides, N> st;
  for (int k = 0; k < N; ++k) st[k] = strides_of(c, *arg[k]);
  StridedWalk<N> w(shape_of(c), st);
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, w.inner));
  parallel_for(w.rows, grain, [&](int64_t r0, int64_t r1) {
    w.for_rows(r0, r1, [&](const std::array<int64_t, N>& off, int64_t len) {
      std::array<char*, N> p;
      for (int k = 0; k < N; ++k) p[k] = base[k] + off[k] * int64_t(isz[k]);
      loop(p, w.inner_strides, len);
    });
  });
}

void run_unary_loop(simd::UnaryLoop f, const KernelCall& c) {
  for_each_run<2>(c, [f](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
    f(p[0], s[0], p[1], n);
  });
}

void run_binary_loop(simd::BinaryLoop f, const KernelCall& c) {
  for_each_run<3>(c, [f](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
    f(p[0], s[0], p[1], s[1], p[2], n);
  });
}

template <simd::UnaryOp L>
void unary_kernel(const KernelCall& c) {
  run_unary_loop(simd::kernels().ew.unary[int(L)][int(c.in[0].dtype)], c);
}

template <simd::BinaryOp L>
void binary_kernel(const KernelCall& c) {
  run_binary_loop(simd::kernels().ew.binary[int(L)][int(c.in[0].dtype)], c);
}

template <simd::TernaryOp L>
void ternary_kernel(const KernelCall& c) {
  // Indexed by the values' dtype (where's condition is always bool).
  const simd::TernaryLoop f = simd::kernels().ew.ternary[int(L)][int(c.in[1].dtype)];
  for_each_run<4>(c, [f](const std::array<char*, 4>& p, const std::array<int64_t, 4>& s, int64_t n) {
    f(p[0], s[0], p[1], s[1], p[2], s[2], p[3], n);
  });
}

double scalar_value(const ArrayArg& a) {
  switch (a.dtype) {
    case DType::Float32: return *static_cast<const float*>(a.data);
    case DType::Float64: return *static_cast<const double*>(a.data);
    case DType::Int32: return *static_cast<const int32_t*>(a.data);
    case DType::Int64: return double(*static_cast<const int64_t*>(a.data));
    case DType::UInt8: return *static_cast<const uint8_t*>(a.data);
    case DType::Bool: return *static_cast<const bool*>(a.data);
  }
  return NAN;
}

// x ** e for one exponent e that leaves x's shape alone takes a cheaper loop
// where one exists (NumPy's ** takes the same shortcuts).
void pow_kernel(const KernelCall& c) {
  const DType dt = c.in[0].dtype;
  if (c.in[1].scalar && !c.in[0].scalar) {
    const double e = scalar_value(c.in[1]);
    const bool fl = is_floating(dt);
    simd::UnaryOp op = simd::UnaryOp::kCount;
    if (e == 1.0) op = simd::UnaryOp::Copy;
    else if (e == 2.0) op = simd::UnaryOp::Square;
    else if (fl && e == 0.5) op = simd::UnaryOp::Sqrt;
    else if (fl && e == -1.0) op = simd::UnaryOp::Reciprocal;
    else if (fl && e == -0.5) op = simd::UnaryOp::Rsqrt;
    if (op != simd::UnaryOp::kCount) {
      KernelCall u = c;
      u.n_in = 1;
      u.out = c.out;
      run_unary_loop(simd::kernels().ew.unary[int(op)][int(dt)], u);
      return;
    }
  }
  run_binary_loop(simd::kernels().ew.binary[int(simd::BinaryOp::Pow)][int(dt)], c);
}

}  // namespace

void register_elementwise() {
  const simd::ElementwiseLoops& loops = simd::kernels().ew;
  for (int d = 0; d < kNumDTypes; ++d) {
    const DType dt = DType(d);
#define TG_REG_UNARY(Enum, name, Loop, fn) \
  if (loops.unary[int(simd::UnaryOp::Loop)][d]) \
    op::register_kernel(OpId::Enum, DeviceType::CPU, dt, &unary_kernel<simd::UnaryOp::Loop>);
    TG_OPS_UNARY(TG_REG_UNARY)
#undef TG_REG_UNARY
#define TG_REG_BINARY(Enum, name, Loop, fn) \
  if (loops.binary[int(simd::BinaryOp::Loop)][d]) \
    op::register_kernel(OpId::Enum, DeviceType::CPU, dt, &binary_kernel<simd::BinaryOp::Loop>);
    TG_OPS_BINARY(TG_REG_BINARY)
    TG_OPS_BINARY_FUSED(TG_REG_BINARY)
#undef TG_REG_BINARY
#define TG_REG_TERNARY(Enum, name, Loop, fn) \
  if (loops.ternary[int(simd::TernaryOp::Loop)][d]) \
    op::register_kernel(OpId::Enum, DeviceType::CPU, dt, &ternary_kernel<simd::TernaryOp::Loop>);
    TG_OPS_TERNARY(TG_REG_TERNARY)
#undef TG_REG_TERNARY
    // pow's own kernel (scalar-exponent shortcuts) replaces the generic one.
    if (loops.binary[int(simd::BinaryOp::Pow)][d]) op::register_kernel(OpId::Pow, DeviceType::CPU, dt, &pow_kernel);
  }
}

}  // namespace tg::cpu

// CUDA kernels of the element-wise ops (mirrors csrc/backend/cpu/elementwise.cpp).
// The arithmetic is the CPU's: the functors of csrc/simd/functors.h, compiled
// here for the device, and the same catalogue (list_elementwise) says which
// dtypes each op has. Each loop has a flat kernel (every operand dense or one
// broadcast element, the common case) and a strided one that reads broadcast
// or transposed operands through the offset calculator.
#include <cstdint>

#define TG_ARCH cuda
#include "simd/functors.h"
#undef TG_ARCH

#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

using op::OpId;
namespace fn = tg::simd::cuda;
using simd::BinaryOp;
using simd::TernaryOp;
using simd::UnaryOp;

// ---- kernels ------------------------------------------------------------------
// Flat: step 0 (one broadcast element) or 1 (dense) per operand.

template <class T, class Out, class F>
__global__ void unary_flat(const T* __restrict__ a, int64_t sa, Out* __restrict__ o, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    o[i] = F::apply(a[i * sa]);
}

template <class T, class Out, class F>
__global__ void unary_strided(const T* __restrict__ a, Out* __restrict__ o, int64_t n, OffsetCalc<1> calc) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[1];
    calc.offsets(i, off);
    o[i] = F::apply(a[off[0]]);
  }
}

template <class T, class Out, class F>
__global__ void binary_flat(const T* __restrict__ a, int64_t sa, const T* __restrict__ b, int64_t sb,
                            Out* __restrict__ o, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    o[i] = F::apply(a[i * sa], b[i * sb]);
}

template <class T, class Out, class F>
__global__ void binary_strided(const T* __restrict__ a, const T* __restrict__ b, Out* __restrict__ o, int64_t n,
                               OffsetCalc<2> calc) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[2];
    calc.offsets(i, off);
    o[i] = F::apply(a[off[0]], b[off[1]]);
  }
}

template <class A, class V, class F>
__global__ void ternary_flat(const A* __restrict__ a, int64_t sa, const V* __restrict__ b, int64_t sb,
                             const V* __restrict__ c, int64_t sc, V* __restrict__ o, int64_t n) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    o[i] = F::apply(a[i * sa], b[i * sb], c[i * sc]);
}

template <class A, class V, class F>
__global__ void ternary_strided(const A* __restrict__ a, const V* __restrict__ b, const V* __restrict__ c,
                                V* __restrict__ o, int64_t n, OffsetCalc<3> calc) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    int64_t off[3];
    calc.offsets(i, off);
    o[i] = F::apply(a[off[0]], b[off[1]], c[off[2]]);
  }
}

// ---- launchers ------------------------------------------------------------------
bool flat(const ArrayArg& a) { return a.contiguous || a.scalar; }
int64_t step(const ArrayArg& a) { return a.contiguous ? 1 : 0; }

template <class T, class Out, class F>
void launch_unary(const KernelCall& c) {
  const cudaStream_t s = stream_for(c);
  const T* a = static_cast<const T*>(c.in[0].data);
  Out* o = static_cast<Out*>(c.out.data);
  if (flat(c.in[0])) {
    unary_flat<T, Out, F><<<grid_for(c.numel), kBlock, 0, s>>>(a, step(c.in[0]), o, c.numel);
  } else {
    const ArrayArg* const args[1] = {&c.in[0]};
    unary_strided<T, Out, F><<<grid_for(c.numel), kBlock, 0, s>>>(a, o, c.numel, offset_calc<1>(c, args));
  }
  TG_CUDA_LAUNCHED("unary");
}

template <class T, class Out, class F>
void launch_binary(const KernelCall& c) {
  const cudaStream_t s = stream_for(c);
  const T* a = static_cast<const T*>(c.in[0].data);
  const T* b = static_cast<const T*>(c.in[1].data);
  Out* o = static_cast<Out*>(c.out.data);
  if (flat(c.in[0]) && flat(c.in[1])) {
    binary_flat<T, Out, F><<<grid_for(c.numel), kBlock, 0, s>>>(a, step(c.in[0]), b, step(c.in[1]), o, c.numel);
  } else {
    const ArrayArg* const args[2] = {&c.in[0], &c.in[1]};
    binary_strided<T, Out, F><<<grid_for(c.numel), kBlock, 0, s>>>(a, b, o, c.numel, offset_calc<2>(c, args));
  }
  TG_CUDA_LAUNCHED("binary");
}

template <class A, class V, class F>
void launch_ternary(const KernelCall& c) {
  const cudaStream_t s = stream_for(c);
  const A* a = static_cast<const A*>(c.in[0].data);
  const V* b = static_cast<const V*>(c.in[1].data);
  const V* d = static_cast<const V*>(c.in[2].data);
  V* o = static_cast<V*>(c.out.data);
  if (flat(c.in[0]) && flat(c.in[1]) && flat(c.in[2])) {
    ternary_flat<A, V, F><<<grid_for(c.numel), kBlock, 0, s>>>(a, step(c.in[0]), b, step(c.in[1]), d,
                                                                  step(c.in[2]), o, c.numel);
  } else {
    const ArrayArg* const args[3] = {&c.in[0], &c.in[1], &c.in[2]};
    ternary_strided<A, V, F><<<grid_for(c.numel), kBlock, 0, s>>>(a, b, d, o, c.numel, offset_calc<3>(c, args));
  }
  TG_CUDA_LAUNCHED("ternary");
}

// The launchers of every (loop, dtype) of the catalogue.
struct Launchers {
  KernelFn binary[int(BinaryOp::kCount)][kNumDTypes] = {};
  KernelFn unary[int(UnaryOp::kCount)][kNumDTypes] = {};
  KernelFn ternary[int(TernaryOp::kCount)][kNumDTypes] = {};
};

struct LauncherSetter {
  Launchers& t;
  template <class F, class T, class Out>
  void binary(BinaryOp op, DType d) { t.binary[int(op)][int(d)] = &launch_binary<T, Out, F>; }
  template <class F, class T, class Out>
  void unary(UnaryOp op, DType d) { t.unary[int(op)][int(d)] = &launch_unary<T, Out, F>; }
  template <class F, class A, class V>
  void ternary(TernaryOp op, DType d) { t.ternary[int(op)][int(d)] = &launch_ternary<A, V, F>; }
};

const Launchers& launchers() {
  static const Launchers t = [] {
    Launchers l;
    LauncherSetter s{l};
    fn::list_elementwise(s);
    return l;
  }();
  return t;
}

}  // namespace

void register_elementwise() {
  const Launchers& l = launchers();
  for (int d = 0; d < kNumDTypes; ++d) {
    const DType dt = DType(d);
#define TG_REG_UNARY(Enum, name, Loop, f) \
  if (KernelFn k = l.unary[int(UnaryOp::Loop)][d]) op::register_kernel(OpId::Enum, DeviceType::CUDA, dt, k);
    TG_OPS_UNARY(TG_REG_UNARY)
#undef TG_REG_UNARY
#define TG_REG_BINARY(Enum, name, Loop, f) \
  if (KernelFn k = l.binary[int(BinaryOp::Loop)][d]) op::register_kernel(OpId::Enum, DeviceType::CUDA, dt, k);
    TG_OPS_BINARY(TG_REG_BINARY)
    TG_OPS_BINARY_FUSED(TG_REG_BINARY)
#undef TG_REG_BINARY
#define TG_REG_TERNARY(Enum, name, Loop, f) \
  if (KernelFn k = l.ternary[int(TernaryOp::Loop)][d]) op::register_kernel(OpId::Enum, DeviceType::CUDA, dt, k);
    TG_OPS_TERNARY(TG_REG_TERNARY)
#undef TG_REG_TERNARY
  }
}

}  // namespace tg::cuda

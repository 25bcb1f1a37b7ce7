// CUDA kernels of the fused optimizer updates (backend/update.h): one
// grid-stride pass over the variable, its gradient and its slots, each
// element updated by the same step the CPU loops run (simd/optim_element.h,
// included here in namespace tg::simd::cuda). Mirrors backend/cpu/optim.cpp.
//
// The options (flag1/flag2) pick a kernel instantiation, as they pick a loop
// on the CPU; the hyper-parameters travel by value and are rounded to T once
// per thread. A slot the options leave out is null and is never touched.
#include "backend/update.h"
#include "register.h"
#include "runtime.h"

#define TG_ARCH cuda
#include "simd/optim_element.h"
#undef TG_ARCH

namespace tg::cuda {

namespace {

namespace el = tg::simd::cuda;

#define TG_GRID_STRIDE(i, n) \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

template <class T, bool Momentum, bool Nesterov>
__global__ void sgd_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m, int64_t n,
                           UpdateParams p) {
  const el::SgdCoeffs<T> k(p);
  T unused{};
  TG_GRID_STRIDE(i, n) el::sgd_step<T, Momentum, Nesterov>(w[i], g[i], Momentum ? m[i] : unused, k);
}

template <class T, bool Centered, bool Momentum>
__global__ void rmsprop_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ v, T* __restrict__ avg,
                               T* __restrict__ m, int64_t n, UpdateParams p) {
  const el::RmsPropCoeffs<T> k(p);
  T unused{};
  TG_GRID_STRIDE(i, n)
  el::rmsprop_step<T, Centered, Momentum>(w[i], g[i], v[i], Centered ? avg[i] : unused, Momentum ? m[i] : unused, k);
}

template <class T, bool Amsgrad>
__global__ void adam_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                            T* __restrict__ vhat, int64_t n, UpdateParams p) {
  const el::AdamCoeffs<T> k(p);
  T unused{};
  TG_GRID_STRIDE(i, n) el::adam_step<T, Amsgrad>(w[i], g[i], m[i], v[i], Amsgrad ? vhat[i] : unused, k);
}

template <class T>
__global__ void adagrad_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ acc, int64_t n,
                               UpdateParams p) {
  const el::AdagradCoeffs<T> k(p);
  TG_GRID_STRIDE(i, n) el::adagrad_step<T>(w[i], g[i], acc[i], k);
}

template <class T>
__global__ void adadelta_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ acc_g,
                                T* __restrict__ acc_d, int64_t n, UpdateParams p) {
  const el::AdadeltaCoeffs<T> k(p);
  TG_GRID_STRIDE(i, n) el::adadelta_step<T>(w[i], g[i], acc_g[i], acc_d[i], k);
}

template <class T>
__global__ void nadam_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ v,
                             int64_t n, UpdateParams p) {
  const el::NadamCoeffs<T> k(p);
  TG_GRID_STRIDE(i, n) el::nadam_step<T>(w[i], g[i], m[i], v[i], k);
}

template <class T>
__global__ void adamax_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m, T* __restrict__ u,
                              int64_t n, UpdateParams p) {
  const el::AdamaxCoeffs<T> k(p);
  TG_GRID_STRIDE(i, n) el::adamax_step<T>(w[i], g[i], m[i], u[i], k);
}

template <class T>
__global__ void lion_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ m, int64_t n,
                            UpdateParams p) {
  const el::LionCoeffs<T> k(p);
  TG_GRID_STRIDE(i, n) el::lion_step<T>(w[i], g[i], m[i], k);
}

template <class T, bool Sqrt>
__global__ void ftrl_kernel(T* __restrict__ w, const T* __restrict__ g, T* __restrict__ acc, T* __restrict__ lin,
                            int64_t n, UpdateParams p) {
  const el::FtrlCoeffs<T> k(p);
  TG_GRID_STRIDE(i, n) el::ftrl_step<T, Sqrt>(w[i], g[i], acc[i], lin[i], k);
}

template <class T>
__global__ void ema_kernel(T* __restrict__ avg, const T* __restrict__ value, int64_t n, UpdateParams p) {
  const el::EmaCoeffs<T> k(p);
  TG_GRID_STRIDE(i, n) el::ema_step<T>(avg[i], value[i], k);
}

#undef TG_GRID_STRIDE

// ---- entry points: the options pick an instantiation ---------------------------------

template <class T>
void update_typed(const UpdateCall& c) {
  const cudaStream_t stream = stream_for(c.device);
  const unsigned grid = grid_for(c.n);
  T* w = static_cast<T*>(c.w);
  const T* g = static_cast<const T*>(c.g);
  T* s0 = static_cast<T*>(c.slots[0]);
  T* s1 = static_cast<T*>(c.slots[1]);
  T* s2 = static_cast<T*>(c.slots[2]);
  const UpdateParams& p = c.params;
  switch (c.kind) {
    case UpdateKind::Sgd:  // s0: momentum
      if (!p.flag1) sgd_kernel<T, false, false><<<grid, kBlock, 0, stream>>>(w, g, nullptr, c.n, p);
      else if (p.flag2) sgd_kernel<T, true, true><<<grid, kBlock, 0, stream>>>(w, g, s0, c.n, p);
      else sgd_kernel<T, true, false><<<grid, kBlock, 0, stream>>>(w, g, s0, c.n, p);
      break;
    case UpdateKind::RmsProp: {  // s0: velocity, s1: average gradient (centered), s2: momentum
      const bool centered = p.flag1, momentum = p.flag2;
      if (centered && momentum) rmsprop_kernel<T, true, true><<<grid, kBlock, 0, stream>>>(w, g, s0, s1, s2, c.n, p);
      else if (centered) rmsprop_kernel<T, true, false><<<grid, kBlock, 0, stream>>>(w, g, s0, s1, nullptr, c.n, p);
      else if (momentum) rmsprop_kernel<T, false, true><<<grid, kBlock, 0, stream>>>(w, g, s0, nullptr, s2, c.n, p);
      else rmsprop_kernel<T, false, false><<<grid, kBlock, 0, stream>>>(w, g, s0, nullptr, nullptr, c.n, p);
      break;
    }
    case UpdateKind::Adam:  // s0: m, s1: v, s2: v_hat (amsgrad)
      if (p.flag1) adam_kernel<T, true><<<grid, kBlock, 0, stream>>>(w, g, s0, s1, s2, c.n, p);
      else adam_kernel<T, false><<<grid, kBlock, 0, stream>>>(w, g, s0, s1, nullptr, c.n, p);
      break;
    case UpdateKind::Adagrad:  // s0: accumulator
      adagrad_kernel<T><<<grid, kBlock, 0, stream>>>(w, g, s0, c.n, p);
      break;
    case UpdateKind::Adadelta:  // s0: accumulated gradients, s1: accumulated deltas
      adadelta_kernel<T><<<grid, kBlock, 0, stream>>>(w, g, s0, s1, c.n, p);
      break;
    case UpdateKind::Nadam:  // s0: m, s1: v
      nadam_kernel<T><<<grid, kBlock, 0, stream>>>(w, g, s0, s1, c.n, p);
      break;
    case UpdateKind::Adamax:  // s0: m, s1: the infinity norm
      adamax_kernel<T><<<grid, kBlock, 0, stream>>>(w, g, s0, s1, c.n, p);
      break;
    case UpdateKind::Lion:  // s0: momentum
      lion_kernel<T><<<grid, kBlock, 0, stream>>>(w, g, s0, c.n, p);
      break;
    case UpdateKind::Ftrl:  // s0: accumulator, s1: linear
      if (p.flag1) ftrl_kernel<T, true><<<grid, kBlock, 0, stream>>>(w, g, s0, s1, c.n, p);
      else ftrl_kernel<T, false><<<grid, kBlock, 0, stream>>>(w, g, s0, s1, c.n, p);
      break;
    case UpdateKind::Ema:  // w: the average, g: the model variable
      ema_kernel<T><<<grid, kBlock, 0, stream>>>(w, g, c.n, p);
      break;
    default: throw NotImplementedError(str("optimizer update '", update_name(c.kind), "' has no CUDA kernel"));
  }
  TG_CUDA_LAUNCHED("optimizer update");
}

}  // namespace

void register_optim() {
  for (int k = 0; k < kNumUpdateKinds; ++k) {
    register_update_kernel(UpdateKind(k), DeviceType::CUDA, DType::Float32, &update_typed<float>);
    register_update_kernel(UpdateKind(k), DeviceType::CUDA, DType::Float64, &update_typed<double>);
  }
}

}  // namespace tg::cuda

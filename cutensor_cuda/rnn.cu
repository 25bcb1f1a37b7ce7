// rnn_sequence and rnn_sequence_grad on the GPU (ops_rnn.cpp; mirrors
// backend/cpu/rnn.cpp): per step one cuBLAS GEMM over the batch (gemm.h)
// and one kernel over the batch's units, each thread computing every gate of
// one (row, unit); everything is queued on the device's stream, so a whole
// sequence runs without a host sync. The activations are the CPU's own
// functions (simd/math_impl.h, compiled for the device).
#include <cstdint>

#define TG_ARCH cuda
#include "simd/math_impl.h"
#undef TG_ARCH

#include "backend/rnn_cell.h"
#include "gemm.h"
#include "op/registry.h"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

using simd::cuda::sigmoid_approx;
using simd::cuda::tanh_approx;

using rnn::gates_of;
using rnn::saved_of;
using rnn::states_of;

struct Dims {
  int64_t b, t, s, u, g;
  int64_t state_row;  // (T + 1) * S * U
};

template <RnnCell C>
Dims dims_of(int64_t b, int64_t t, int64_t u) {
  return {b, t, states_of(C), u, gates_of(C), (t + 1) * states_of(C) * u};
}

// states[b, 0] = state0[b]
template <class T>
__global__ void copy_initial_state(const T* __restrict__ state0, T* __restrict__ states, int64_t b, int64_t su,
                                   int64_t state_row) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < b * su; i += int64_t(gridDim.x) * blockDim.x)
    states[(i / su) * state_row + i % su] = state0[i];
}

// One step for every (row, unit): z holds h_prev @ R ([B, G U]).
template <class T, RnnCell C>
__global__ void step_kernel(Dims d, int64_t s, int64_t t, const T* __restrict__ z, const T* __restrict__ xp,
                            const T* __restrict__ rb, const uint8_t* __restrict__ mask, T* __restrict__ states,
                            T* __restrict__ saved) {
  const int64_t u = d.u, su = d.s * u, gu = d.g * u, kw = saved_of(C) * u;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < d.b * u; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = i / u, j = i % u;
    const T* cur = states + b * d.state_row + s * su;
    T* next = states + b * d.state_row + (s + 1) * su;
    T* sv = kw > 0 ? saved + (b * d.t + s) * kw : nullptr;
    if (mask != nullptr && !mask[b * d.t + t]) {  // a masked step: the state carries over
      for (int64_t k = 0; k < d.s; ++k) next[k * u + j] = cur[k * u + j];
      if (sv != nullptr)
        for (int64_t k = 0; k < saved_of(C); ++k) sv[k * u + j] = T(0);
      continue;
    }
    const T* zr = z + b * gu;
    const T* x = xp + (b * d.t + t) * gu;
    if constexpr (C == RnnCell::Lstm) {
      const T ig = sigmoid_approx(zr[j] + x[j] + rb[j]);
      const T fg = sigmoid_approx(zr[u + j] + x[u + j] + rb[u + j]);
      const T gg = tanh_approx(zr[2 * u + j] + x[2 * u + j] + rb[2 * u + j]);
      const T og = sigmoid_approx(zr[3 * u + j] + x[3 * u + j] + rb[3 * u + j]);
      const T c = fg * cur[u + j] + ig * gg;
      next[u + j] = c;
      next[j] = og * tanh_approx(c);
      sv[j] = ig;
      sv[u + j] = fg;
      sv[2 * u + j] = gg;
      sv[3 * u + j] = og;
    } else if constexpr (C == RnnCell::Gru) {
      const T zg = sigmoid_approx(x[j] + zr[j] + rb[j]);
      const T r = sigmoid_approx(x[u + j] + zr[u + j] + rb[u + j]);
      const T gh = zr[2 * u + j] + rb[2 * u + j];
      const T hh = tanh_approx(x[2 * u + j] + r * gh);
      next[j] = zg * cur[j] + (T(1) - zg) * hh;
      sv[j] = zg;
      sv[u + j] = r;
      sv[2 * u + j] = hh;
      sv[3 * u + j] = gh;
    } else {
      const T p = zr[j] + x[j] + rb[j];
      next[j] = C == RnnCell::SimpleTanh ? tanh_approx(p) : (p > T(0) ? p : T(0));
    }
  }
}

// One step back for every (row, unit): ds [B, S, U] holds the gradient of
// the state after the step and leaves the part of the previous state's that
// does not go through R; writes drec (step order) and dxp (input order).
template <class T, RnnCell C>
__global__ void step_back_kernel(Dims d, int64_t s, int64_t t, const T* __restrict__ states,
                                 const T* __restrict__ saved, const uint8_t* __restrict__ mask, T* __restrict__ ds,
                                 T* __restrict__ drec, T* __restrict__ dxp) {
  const int64_t u = d.u, su = d.s * u, gu = d.g * u, kw = saved_of(C) * u;
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < d.b * u; i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t b = i / u, j = i % u;
    T* dr = drec + (b * d.t + s) * gu;
    T* dx = dxp + (b * d.t + t) * gu;
    if (mask != nullptr && !mask[b * d.t + t]) {  // nothing flows into a masked step's gates
      for (int64_t k = 0; k < d.g; ++k) dr[k * u + j] = dx[k * u + j] = T(0);
      continue;
    }
    const T* cur = states + b * d.state_row + s * su;
    const T* next = cur + su;
    T* dsb = ds + b * su;
    if constexpr (C == RnnCell::Lstm) {
      const T* sv = saved + (b * d.t + s) * kw;
      const T ig = sv[j], fg = sv[u + j], gg = sv[2 * u + j], og = sv[3 * u + j];
      const T tc = tanh_approx(next[u + j]);
      const T dh = dsb[j];
      const T dc = dsb[u + j] + dh * og * (T(1) - tc * tc);
      dr[j] = dx[j] = dc * gg * ig * (T(1) - ig);
      dr[u + j] = dx[u + j] = dc * cur[u + j] * fg * (T(1) - fg);
      dr[2 * u + j] = dx[2 * u + j] = dc * ig * (T(1) - gg * gg);
      dr[3 * u + j] = dx[3 * u + j] = dh * tc * og * (T(1) - og);
      dsb[u + j] = dc * fg;
      dsb[j] = T(0);
    } else if constexpr (C == RnnCell::Gru) {
      const T* sv = saved + (b * d.t + s) * kw;
      const T zg = sv[j], r = sv[u + j], hh = sv[2 * u + j], gh = sv[3 * u + j];
      const T dh = dsb[j];
      const T az = dh * (cur[j] - hh) * zg * (T(1) - zg);
      const T dpre = dh * (T(1) - zg) * (T(1) - hh * hh);
      const T ar = dpre * gh * r * (T(1) - r);
      dr[j] = dx[j] = az;
      dr[u + j] = dx[u + j] = ar;
      dr[2 * u + j] = dpre * r;
      dx[2 * u + j] = dpre;
      dsb[j] = dh * zg;
    } else {
      const T h = next[j];
      const T dpre = C == RnnCell::SimpleTanh ? dsb[j] * (T(1) - h * h) : (h > T(0) ? dsb[j] : T(0));
      dr[j] = dx[j] = dpre;
      dsb[j] = T(0);
    }
  }
}

// ds[b] += dstates[b, s] (what reaches state s from outside); with s = T the
// copy that starts the backward.
template <class T>
__global__ void add_outside(const T* __restrict__ dstates, int64_t s, int64_t b, int64_t su, int64_t state_row,
                            bool first, T* __restrict__ ds) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < b * su; i += int64_t(gridDim.x) * blockDim.x) {
    const T v = dstates[(i / su) * state_row + s * su + i % su];
    ds[i] = first ? v : ds[i] + v;
  }
}

const uint8_t* mask_of(const KernelCall& k, int index) {
  return k.n_in > index ? static_cast<const uint8_t*>(k.in[index].data) : nullptr;
}

template <class T, RnnCell C>
void forward(const KernelCall& k) {
  const Dims d = dims_of<C>(k.shape[0], k.shape[1] - 1, k.shape[3]);
  const int64_t su = d.s * d.u, gu = d.g * d.u;
  const cudaStream_t stream = stream_for(k);
  T* states = static_cast<T*>(k.out.data);
  copy_initial_state<T><<<grid_for(d.b * su), kBlock, 0, stream>>>(static_cast<const T*>(k.in[1].data), states, d.b,
                                                                  su, d.state_row);
  TG_CUDA_LAUNCHED("copy_initial_state");
  if (d.t == 0) return;
  DeviceScratch scratch(k.device, size_t(d.b * gu) * sizeof(T));
  T* z = static_cast<T*>(scratch.get());
  const T* r = static_cast<const T*>(k.in[2].data);
  for (int64_t s = 0; s < d.t; ++s) {
    const int64_t t = k.attrs->rnn.reverse ? d.t - 1 - s : s;
    gemm_groups<T>(k, false, false, d.b, gu, d.u, states + s * su, d.state_row, 0, r, gu, 0, z, gu, 0, 1, false);
    step_kernel<T, C><<<grid_for(d.b * d.u), kBlock, 0, stream>>>(
        d, s, t, z, static_cast<const T*>(k.in[0].data), static_cast<const T*>(k.in[3].data), mask_of(k, 4), states,
        saved_of(C) > 0 ? static_cast<T*>(k.aux[0].data) : nullptr);
    TG_CUDA_LAUNCHED("step_kernel");
  }
}

template <class T, RnnCell C>
void backward(const KernelCall& k) {
  const Dims d = dims_of<C>(k.shape[0], k.shape[1], k.shape[2] / gates_of(C));
  const int64_t su = d.s * d.u, gu = d.g * d.u;
  const cudaStream_t stream = stream_for(k);
  const T* dstates = static_cast<const T*>(k.in[0].data);
  const T* states = static_cast<const T*>(k.in[1].data);
  const T* saved = static_cast<const T*>(k.in[2].data);
  const T* r = static_cast<const T*>(k.in[3].data);
  T* dxp = static_cast<T*>(k.out.data);
  T* drec = static_cast<T*>(k.aux[0].data);
  T* ds = static_cast<T*>(k.aux[1].data);
  add_outside<T><<<grid_for(d.b * su), kBlock, 0, stream>>>(dstates, d.t, d.b, su, d.state_row, true, ds);
  TG_CUDA_LAUNCHED("add_outside");
  for (int64_t s = d.t - 1; s >= 0; --s) {
    const int64_t t = k.attrs->rnn.reverse ? d.t - 1 - s : s;
    step_back_kernel<T, C><<<grid_for(d.b * d.u), kBlock, 0, stream>>>(d, s, t, states, saved, mask_of(k, 4), ds,
                                                                       drec, dxp);
    TG_CUDA_LAUNCHED("step_back_kernel");
    gemm_groups<T>(k, false, true, d.b, d.u, gu, drec + s * gu, d.t * gu, 0, r, gu, 0, ds, su, 0, 1, true);
    add_outside<T><<<grid_for(d.b * su), kBlock, 0, stream>>>(dstates, s, d.b, su, d.state_row, false, ds);
    TG_CUDA_LAUNCHED("add_outside");
  }
}

template <class T, RnnCell C>
struct Forward {
  static void run(const KernelCall& k) { forward<T, C>(k); }
};

template <class T, RnnCell C>
struct Backward {
  static void run(const KernelCall& k) { backward<T, C>(k); }
};

}  // namespace

void register_rnn() {
  using op::OpId;
  op::register_kernel(OpId::RnnSequence, DeviceType::CUDA, DType::Float32, &rnn::by_cell<Forward, float>);
  op::register_kernel(OpId::RnnSequence, DeviceType::CUDA, DType::Float64, &rnn::by_cell<Forward, double>);
  op::register_kernel(OpId::RnnSequenceGrad, DeviceType::CUDA, DType::Float32, &rnn::by_cell<Backward, float>);
  op::register_kernel(OpId::RnnSequenceGrad, DeviceType::CUDA, DType::Float64, &rnn::by_cell<Backward, double>);
}

}  // namespace tg::cuda

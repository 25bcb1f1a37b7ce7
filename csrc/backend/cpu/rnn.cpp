// The CPU kernels of rnn_sequence and rnn_sequence_grad (ops_rnn.cpp): per
// step one GEMM over the batch (h_prev @ R forward, drec @ R^T backward,
// backend/cpu/gemm.h) and one pass over the batch's gates, whose sigmoid and
// tanh run through the SIMD element-wise loops (simd/elementwise.h) on each
// row's contiguous gates.
#include <algorithm>
#include <cstring>
#include <vector>

#include "backend/cpu/gemm.h"
#include "backend/cpu/register.h"
#include "backend/rnn_cell.h"
#include "op/registry.h"
#include "parallel.h"
#include "simd/dispatch.h"

namespace tg::cpu {

namespace {

template <class T>
struct Activations {
  simd::UnaryLoop sigmoid_loop, tanh_loop;
  Activations()
      : sigmoid_loop(simd::kernels().ew.unary[int(simd::UnaryOp::Sigmoid)][int(dtype_of<T>::value)]),
        tanh_loop(simd::kernels().ew.unary[int(simd::UnaryOp::Tanh)][int(dtype_of<T>::value)]) {}
  void sigmoid(const T* in, T* out, int64_t n) const { sigmoid_loop(in, 1, out, n); }
  void tanh(const T* in, T* out, int64_t n) const { tanh_loop(in, 1, out, n); }
};

using rnn::gates_of;
using rnn::saved_of;
using rnn::states_of;

// The sizes of a call and the strides of its [B, T(+1), ...] operands.
struct Dims {
  int64_t b, t, s, u, g;
  int64_t state_row;  // elements per batch row of states: (T + 1) * S * U
  int64_t gu() const { return g * u; }
  int64_t row_grain() const { return std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, 4 * gu())); }
};

Dims dims_of(RnnCell cell, int64_t b, int64_t t, int64_t u) {
  Dims d{b, t, states_of(cell), u, gates_of(cell), 0};
  d.state_row = (t + 1) * d.s * u;
  return d;
}

const uint8_t* mask_of(const KernelCall& k, int index) {
  return k.n_in > index ? static_cast<const uint8_t*>(k.in[index].data) : nullptr;
}

// ---- forward -------------------------------------------------------------------------------

// One row's step: z (G*U) holds h_prev @ R on entry; x the row's input
// projections at this timestep; writes the next state and the saved gates.
template <class T, RnnCell C>
void step_row(const Activations<T>& act, const Dims& d, T* __restrict__ z, const T* __restrict__ x,
              const T* __restrict__ rb, const T* __restrict__ cur, T* __restrict__ next, T* __restrict__ sv, T* tmp) {
  const int64_t u = d.u;
  if constexpr (C == RnnCell::Lstm) {
    for (int64_t j = 0; j < 4 * u; ++j) z[j] += x[j] + rb[j];
    act.sigmoid(z, sv, 2 * u);  // i, f
    act.tanh(z + 2 * u, sv + 2 * u, u);  // c candidate
    act.sigmoid(z + 3 * u, sv + 3 * u, u);  // o
    const T *i = sv, *f = sv + u, *g = sv + 2 * u, *o = sv + 3 * u, *c_prev = cur + u;
    T *h = next, *c = next + u;
    for (int64_t j = 0; j < u; ++j) c[j] = f[j] * c_prev[j] + i[j] * g[j];
    act.tanh(c, tmp, u);
    for (int64_t j = 0; j < u; ++j) h[j] = o[j] * tmp[j];
  } else if constexpr (C == RnnCell::Gru) {
    // sv: z, r, hh, and gh = (h_prev @ R)_h + b_h, which r scales
    for (int64_t j = 0; j < 2 * u; ++j) tmp[j] = x[j] + z[j] + rb[j];
    act.sigmoid(tmp, sv, 2 * u);
    const T* r = sv + u;
    T* gh = sv + 3 * u;
    for (int64_t j = 0; j < u; ++j) {
      gh[j] = z[2 * u + j] + rb[2 * u + j];
      tmp[j] = x[2 * u + j] + r[j] * gh[j];
    }
    act.tanh(tmp, sv + 2 * u, u);
    const T *zg = sv, *hh = sv + 2 * u;
    for (int64_t j = 0; j < u; ++j) next[j] = zg[j] * cur[j] + (T(1) - zg[j]) * hh[j];
  } else {
    for (int64_t j = 0; j < u; ++j) z[j] += x[j] + rb[j];
    if constexpr (C == RnnCell::SimpleTanh) {
      act.tanh(z, next, u);
    } else {
      for (int64_t j = 0; j < u; ++j) next[j] = z[j] > T(0) ? z[j] : T(0);
    }
  }
}

// Inputs xp [B, T, GU], state0 [B, S, U], R [U, GU], rb [GU], mask [B, T]?;
// out states [B, T + 1, S, U]; aux saved [B, T, K U].
template <class T, RnnCell C>
void rnn_forward(const KernelCall& k) {
  const Dims d = dims_of(C, k.shape[0], k.shape[1] - 1, k.shape[3]);  // out: [B, T + 1, S, U]
  const int64_t gu = d.gu(), su = d.s * d.u, kw = saved_of(C) * d.u;
  const T* xp = static_cast<const T*>(k.in[0].data);
  const T* state0 = static_cast<const T*>(k.in[1].data);
  const T* r = static_cast<const T*>(k.in[2].data);
  const T* rb = static_cast<const T*>(k.in[3].data);
  const uint8_t* mask = mask_of(k, 4);
  T* states = static_cast<T*>(k.out.data);
  T* saved = kw > 0 ? static_cast<T*>(k.aux[0].data) : nullptr;
  for (int64_t b = 0; b < d.b; ++b) std::memcpy(states + b * d.state_row, state0 + b * su, size_t(su) * sizeof(T));
  if (d.t == 0) return;
  const Activations<T> act;
  std::vector<T> z(static_cast<size_t>(d.b * gu));
  for (int64_t s = 0; s < d.t; ++s) {
    const int64_t t = k.attrs->rnn.reverse ? d.t - 1 - s : s;
    // z = h_prev @ R for the whole batch (h is the first state of each row)
    gemm<T>(false, false, d.b, gu, d.u, states + s * su, d.state_row, r, gu, z.data(), gu);
    parallel_for(d.b, d.row_grain(), [&](int64_t b0, int64_t b1) {
      std::vector<T> tmp(static_cast<size_t>(2 * d.u));
      for (int64_t b = b0; b < b1; ++b) {
        const T* cur = states + b * d.state_row + s * su;
        T* next = const_cast<T*>(cur) + su;
        T* sv = saved != nullptr ? saved + (b * d.t + s) * kw : nullptr;
        if (mask != nullptr && !mask[b * d.t + t]) {  // a masked step: the state carries over
          std::memcpy(next, cur, size_t(su) * sizeof(T));
          if (sv != nullptr) std::fill(sv, sv + kw, T(0));
          continue;
        }
        step_row<T, C>(act, d, z.data() + b * gu, xp + (b * d.t + t) * gu, rb, cur, next, sv, tmp.data());
      }
    });
  }
}

// ---- backward through time -----------------------------------------------------------------

// One row's step back: ds (S*U) holds the gradient of the state after the
// step on entry and leaves the part of the previous state's gradient that
// does not go through R (LSTM's c, GRU's z * dh); writes the row's
// recurrent (dr, step order) and input (dx, input order) pre-activation
// gradients.
template <class T, RnnCell C>
void step_back_row(const Activations<T>& act, const Dims& d, T* __restrict__ ds, const T* __restrict__ cur,
                   const T* __restrict__ next, const T* __restrict__ sv, T* __restrict__ dr, T* __restrict__ dx,
                   T* tmp) {
  const int64_t u = d.u;
  if constexpr (C == RnnCell::Lstm) {
    const T *i = sv, *f = sv + u, *g = sv + 2 * u, *o = sv + 3 * u, *c_prev = cur + u;
    T *dh = ds, *dc = ds + u;
    act.tanh(next + u, tmp, u);  // tanh(c)
    for (int64_t j = 0; j < u; ++j) {
      const T tc = tmp[j];
      const T dcj = dc[j] + dh[j] * o[j] * (T(1) - tc * tc);
      dr[j] = dcj * g[j] * i[j] * (T(1) - i[j]);
      dr[u + j] = dcj * c_prev[j] * f[j] * (T(1) - f[j]);
      dr[2 * u + j] = dcj * i[j] * (T(1) - g[j] * g[j]);
      dr[3 * u + j] = dh[j] * tc * o[j] * (T(1) - o[j]);
      dc[j] = dcj * f[j];
      dh[j] = T(0);
    }
    std::memcpy(dx, dr, size_t(4 * u) * sizeof(T));
  } else if constexpr (C == RnnCell::Gru) {
    const T *zg = sv, *r = sv + u, *hh = sv + 2 * u, *gh = sv + 3 * u;
    for (int64_t j = 0; j < u; ++j) {
      const T dh = ds[j];
      const T az = dh * (cur[j] - hh[j]) * zg[j] * (T(1) - zg[j]);
      const T dpre = dh * (T(1) - zg[j]) * (T(1) - hh[j] * hh[j]);
      const T ar = dpre * gh[j] * r[j] * (T(1) - r[j]);
      dr[j] = dx[j] = az;
      dr[u + j] = dx[u + j] = ar;
      dr[2 * u + j] = dpre * r[j];
      dx[2 * u + j] = dpre;
      ds[j] = dh * zg[j];
    }
  } else {
    for (int64_t j = 0; j < u; ++j) {
      const T h = next[j];
      const T dpre = C == RnnCell::SimpleTanh ? ds[j] * (T(1) - h * h) : (h > T(0) ? ds[j] : T(0));
      dr[j] = dx[j] = dpre;
      ds[j] = T(0);
    }
  }
}

// Inputs dstates [B, T + 1, S, U], states, saved [B, T, K U], R [U, GU],
// mask [B, T]?; out dxp [B, T, GU] (input order); aux drec [B, T, GU] (step
// order), dstate0 [B, S, U].
template <class T, RnnCell C>
void rnn_backward(const KernelCall& k) {
  const Dims d = dims_of(C, k.shape[0], k.shape[1], k.shape[2] / gates_of(C));  // out: [B, T, G U]
  const int64_t gu = d.gu(), su = d.s * d.u, kw = saved_of(C) * d.u;
  const T* dstates = static_cast<const T*>(k.in[0].data);
  const T* states = static_cast<const T*>(k.in[1].data);
  const T* saved = static_cast<const T*>(k.in[2].data);
  const T* r = static_cast<const T*>(k.in[3].data);
  const uint8_t* mask = mask_of(k, 4);
  T* dxp = static_cast<T*>(k.out.data);
  T* drec = static_cast<T*>(k.aux[0].data);
  T* ds = static_cast<T*>(k.aux[1].data);  // the running gradient of the state, [B, S, U]
  for (int64_t b = 0; b < d.b; ++b)
    std::memcpy(ds + b * su, dstates + b * d.state_row + d.t * su, size_t(su) * sizeof(T));
  const Activations<T> act;
  for (int64_t s = d.t - 1; s >= 0; --s) {
    const int64_t t = k.attrs->rnn.reverse ? d.t - 1 - s : s;
    parallel_for(d.b, d.row_grain(), [&](int64_t b0, int64_t b1) {
      std::vector<T> tmp(static_cast<size_t>(d.u));
      for (int64_t b = b0; b < b1; ++b) {
        T* dr = drec + (b * d.t + s) * gu;
        T* dx = dxp + (b * d.t + t) * gu;
        if (mask != nullptr && !mask[b * d.t + t]) {  // nothing flows into a masked step's gates
          std::fill(dr, dr + gu, T(0));
          std::fill(dx, dx + gu, T(0));
          continue;
        }
        const T* cur = states + b * d.state_row + s * su;
        step_back_row<T, C>(act, d, ds + b * su, cur, cur + su, saved + (b * d.t + s) * kw, dr, dx, tmp.data());
      }
    });
    // dh_prev += drec_s @ R^T (a masked row's drec is zero: its dh carries over)
    gemm<T>(false, true, d.b, d.u, gu, drec + s * gu, d.t * gu, r, gu, ds, su, /*accumulate=*/true);
    // plus what reaches state s from outside (the output sequence)
    const T* outside = dstates + s * su;
    parallel_for(d.b, d.row_grain(), [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        T* dsb = ds + b * su;
        const T* ob = outside + b * d.state_row;
        for (int64_t j = 0; j < su; ++j) dsb[j] += ob[j];
      }
    });
  }
}

template <class T, RnnCell C>
struct Forward {
  static void run(const KernelCall& k) { rnn_forward<T, C>(k); }
};

template <class T, RnnCell C>
struct Backward {
  static void run(const KernelCall& k) { rnn_backward<T, C>(k); }
};

}  // namespace

void register_rnn() {
  using op::OpId;
  op::register_kernel(OpId::RnnSequence, DeviceType::CPU, DType::Float32, &rnn::by_cell<Forward, float>);
  op::register_kernel(OpId::RnnSequence, DeviceType::CPU, DType::Float64, &rnn::by_cell<Forward, double>);
  op::register_kernel(OpId::RnnSequenceGrad, DeviceType::CPU, DType::Float32, &rnn::by_cell<Backward, float>);
  op::register_kernel(OpId::RnnSequenceGrad, DeviceType::CPU, DType::Float64, &rnn::by_cell<Backward, double>);
}

}  // namespace tg::cpu

// The per-element arithmetic of the fused optimizer updates: one definition
// of each update's step (formulas in ops_optim.h; Keras 3's update_step of
// each optimizer), shared by the CPU loops (simd/optim_impl.h, compiled once
// per x86 level in that level's namespace) and the CUDA kernels
// (cutensor_cuda/optim.cu, which includes this file with TG_ARCH = cuda).
//
// Each update has a coefficient struct, built once per call from the
// UpdateParams (the double hyper-parameters rounded to T once, outside the
// element loop), and a TG_HD step on one element and its slots, passed by
// reference. A slot the options leave unused is never read or written: the
// caller may pass any T there.
#pragma once
#include <cmath>

#include "backend/update.h"
#include "hd.h"

namespace tg::simd::TG_ARCH {

// std::max's definition, which device code cannot call (it is constexpr host code).
template <class T>
TG_HD_INLINE const T& max_of(const T& a, const T& b) {
  return (a < b) ? b : a;
}

// ---- SGD: p.lr, p.decay, p.a = momentum ------------------------------------------

template <class T>
struct SgdCoeffs {
  T lr, decay, mom;
  TG_HD explicit SgdCoeffs(const UpdateParams& p) : lr(T(p.lr)), decay(T(p.decay)), mom(T(p.a)) {}
};

// m: the momentum slot (Momentum only).
template <class T, bool Momentum, bool Nesterov>
TG_HD_INLINE void sgd_step(T& w, const T g, T& m, const SgdCoeffs<T>& k) {
  T wi = w - w * k.decay;
  if constexpr (Momentum) {
    const T mi = m * k.mom - g * k.lr;
    m = mi;
    if constexpr (Nesterov) wi += mi * k.mom - g * k.lr;
    else wi += mi;
  } else {
    wi -= g * k.lr;
  }
  w = wi;
}

// ---- RMSprop: p.lr, p.decay, p.a = rho, p.b = momentum, p.c = epsilon ------------

template <class T>
struct RmsPropCoeffs {
  T lr, decay, rho, one_minus_rho, mom, eps;
  TG_HD explicit RmsPropCoeffs(const UpdateParams& p)
      : lr(T(p.lr)), decay(T(p.decay)), rho(T(p.a)), one_minus_rho(T(1 - p.a)), mom(T(p.b)), eps(T(p.c)) {}
};

// v: the velocity; avg: the average gradient (Centered only); m: the
// momentum (Momentum only).
template <class T, bool Centered, bool Momentum>
TG_HD_INLINE void rmsprop_step(T& w, const T g, T& v, T& avg, T& m, const RmsPropCoeffs<T>& k) {
  T wi = w - w * k.decay;
  const T vi = k.rho * v + k.one_minus_rho * (g * g);
  v = vi;
  T denom;
  if constexpr (Centered) {
    const T ai = k.rho * avg + k.one_minus_rho * g;
    avg = ai;
    denom = vi - ai * ai + k.eps;
  } else {
    denom = vi + k.eps;
  }
  const T inc = (k.lr * g) / std::sqrt(denom);
  if constexpr (Momentum) {
    const T mi = k.mom * m + inc;
    m = mi;
    wi -= mi;
  } else {
    wi -= inc;
  }
  w = wi;
}

// ---- Adam: p.lr = alpha = lr * sqrt(1 - b2^t) / (1 - b1^t), p.decay (from the raw
// lr), p.a = beta_1, p.b = beta_2, p.c = epsilon ---------------------------------------

template <class T>
struct AdamCoeffs {
  T alpha, decay, one_minus_b1, one_minus_b2, eps;
  TG_HD explicit AdamCoeffs(const UpdateParams& p)
      : alpha(T(p.lr)), decay(T(p.decay)), one_minus_b1(T(1 - p.a)), one_minus_b2(T(1 - p.b)), eps(T(p.c)) {}
};

// m, v: the moments; vhat: the running max of v (Amsgrad only).
template <class T, bool Amsgrad>
TG_HD_INLINE void adam_step(T& w, const T g, T& m, T& v, T& vhat, const AdamCoeffs<T>& k) {
  T wi = w - w * k.decay;
  const T mi = m + (g - m) * k.one_minus_b1;
  T vi = v + (g * g - v) * k.one_minus_b2;
  m = mi;
  v = vi;
  if constexpr (Amsgrad) {
    vi = max_of(vhat, vi);
    vhat = vi;
  }
  wi -= (mi * k.alpha) / (std::sqrt(vi) + k.eps);
  w = wi;
}

// ---- Adagrad: p.lr, p.decay, p.c = epsilon ---------------------------------------

template <class T>
struct AdagradCoeffs {
  T lr, decay, eps;
  TG_HD explicit AdagradCoeffs(const UpdateParams& p) : lr(T(p.lr)), decay(T(p.decay)), eps(T(p.c)) {}
};

// acc: the accumulated squared gradients.
template <class T>
TG_HD_INLINE void adagrad_step(T& w, const T g, T& acc, const AdagradCoeffs<T>& k) {
  const T ai = acc + g * g;
  acc = ai;
  w = (w - w * k.decay) - (k.lr * g) / std::sqrt(ai + k.eps);
}

// ---- Adadelta: p.lr, p.decay, p.a = rho, p.c = epsilon -------------------------------

template <class T>
struct AdadeltaCoeffs {
  T lr, decay, rho, one_minus_rho, eps;
  TG_HD explicit AdadeltaCoeffs(const UpdateParams& p)
      : lr(T(p.lr)), decay(T(p.decay)), rho(T(p.a)), one_minus_rho(T(1 - p.a)), eps(T(p.c)) {}
};

// acc_g, acc_d: the accumulated squared gradients and squared deltas.
template <class T>
TG_HD_INLINE void adadelta_step(T& w, const T g, T& acc_g, T& acc_d, const AdadeltaCoeffs<T>& k) {
  const T ag = k.rho * acc_g + k.one_minus_rho * (g * g);
  acc_g = ag;
  const T d = -(std::sqrt(acc_d + k.eps) * g) / std::sqrt(ag + k.eps);
  acc_d = k.rho * acc_d + k.one_minus_rho * (d * d);
  w = (w - w * k.decay) + k.lr * d;
}

// ---- Nadam: p.lr, p.decay, p.a = beta_1, p.b = beta_2, p.c = epsilon, and the
// step's scalars from the momentum schedule (ops_optim.cpp): p.d = u_{t+1} /
// (1 - prod_{i<=t+1} u_i), p.e = (1 - u_t) / (1 - prod_{i<=t} u_i),
// p.f = 1 - beta_2^t ------------------------------------------------------------

template <class T>
struct NadamCoeffs {
  T lr, decay, one_minus_b1, one_minus_b2, eps, coef_m, coef_g, bias2;
  TG_HD explicit NadamCoeffs(const UpdateParams& p)
      : lr(T(p.lr)), decay(T(p.decay)), one_minus_b1(T(1 - p.a)), one_minus_b2(T(1 - p.b)), eps(T(p.c)),
        coef_m(T(p.d)), coef_g(T(p.e)), bias2(T(p.f)) {}
};

// m, v: the moments.
template <class T>
TG_HD_INLINE void nadam_step(T& w, const T g, T& m, T& v, const NadamCoeffs<T>& k) {
  const T wi = w - w * k.decay;
  const T mi = m + (g - m) * k.one_minus_b1;
  const T vi = v + (g * g - v) * k.one_minus_b2;
  m = mi;
  v = vi;
  const T m_hat = k.coef_m * mi + k.coef_g * g;
  const T v_hat = vi / k.bias2;
  w = wi - (m_hat * k.lr) / (std::sqrt(v_hat) + k.eps);
}

// ---- Adamax: p.lr, p.decay, p.a = beta_1, p.b = beta_2, p.c = epsilon,
// p.d = 1 - beta_1^t --------------------------------------------------------------

template <class T>
struct AdamaxCoeffs {
  T lr, decay, one_minus_b1, b2, eps, bias1;
  TG_HD explicit AdamaxCoeffs(const UpdateParams& p)
      : lr(T(p.lr)), decay(T(p.decay)), one_minus_b1(T(1 - p.a)), b2(T(p.b)), eps(T(p.c)), bias1(T(p.d)) {}
};

// m: the first moment; u: the exponentially weighted infinity norm.
template <class T>
TG_HD_INLINE void adamax_step(T& w, const T g, T& m, T& u, const AdamaxCoeffs<T>& k) {
  const T wi = w - w * k.decay;
  const T mi = m + (g - m) * k.one_minus_b1;
  const T ui = max_of(k.b2 * u, g < T(0) ? -g : g);
  m = mi;
  u = ui;
  w = wi - (k.lr * mi) / (k.bias1 * (ui + k.eps));
}

// ---- Lion: p.lr, p.decay, p.a = beta_1, p.b = beta_2 ------------------------------

template <class T>
struct LionCoeffs {
  T lr, decay, b1, one_minus_b1, b2, one_minus_b2;
  TG_HD explicit LionCoeffs(const UpdateParams& p)
      : lr(T(p.lr)), decay(T(p.decay)), b1(T(p.a)), one_minus_b1(T(1 - p.a)), b2(T(p.b)),
        one_minus_b2(T(1 - p.b)) {}
};

// m: the momentum. The step is lr times the sign of the interpolation (0 at 0).
template <class T>
TG_HD_INLINE void lion_step(T& w, const T g, T& m, const LionCoeffs<T>& k) {
  const T wi = w - w * k.decay;
  const T c = m * k.b1 + g * k.one_minus_b1;
  const T sign = c != c ? c : T(c > T(0)) - T(c < T(0));  // NaN stays NaN, as in Keras
  w = wi - k.lr * sign;
  m = m * k.b2 + g * k.one_minus_b2;
}

// ---- Ftrl: p.lr, p.decay, p.a = -learning_rate_power, p.b = l1, p.c = 2 * (l2 +
// beta / (2 lr)), p.d = 2 * l2_shrinkage; flag1: learning_rate_power == -0.5 ------

template <class T>
struct FtrlCoeffs {
  T lr, decay, power, l1, two_l2, two_shrink;
  TG_HD explicit FtrlCoeffs(const UpdateParams& p)
      : lr(T(p.lr)), decay(T(p.decay)), power(T(p.a)), l1(T(p.b)), two_l2(T(p.c)), two_shrink(T(p.d)) {}
};

// acc: the accumulated squared gradients; lin: the linear term. Sqrt: the
// power is 1/2 (the default), taken with sqrt.
template <class T, bool Sqrt>
TG_HD_INLINE void ftrl_step(T& w, const T g, T& acc, T& lin, const FtrlCoeffs<T>& k) {
  const T wi = w - w * k.decay;
  const T grad = g + k.two_shrink * wi;
  const T new_acc = acc + g * g;
  const T p_new = Sqrt ? std::sqrt(new_acc) : std::pow(new_acc, k.power);
  const T p_old = Sqrt ? std::sqrt(acc) : std::pow(acc, k.power);
  const T li = lin + (grad - ((p_new - p_old) / k.lr) * wi);
  lin = li;
  const T quadratic = p_new / k.lr + k.two_l2;
  const T clipped = li < -k.l1 ? -k.l1 : (li > k.l1 ? k.l1 : li);
  w = (clipped - li) / quadratic;
  acc = new_acc;
}

// ---- EMA of the model's weights (use_ema): the average is the updated operand
// ("w") and the weight the read one ("g"); p.a = momentum --------------------------

template <class T>
struct EmaCoeffs {
  T mom, one_minus_mom;
  TG_HD explicit EmaCoeffs(const UpdateParams& p) : mom(T(p.a)), one_minus_mom(T(1 - p.a)) {}
};

template <class T>
TG_HD_INLINE void ema_step(T& average, const T value, const EmaCoeffs<T>& k) {
  average = k.mom * average + k.one_minus_mom * value;
}

}  // namespace tg::simd::TG_ARCH

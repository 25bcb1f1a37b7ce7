// Definitions of the optimizer update loops (formulas in ops_optim.h; the
// arithmetic follows Keras 3's update_step of each optimizer). Included only
// by loops_arch.cpp, so each level's compiler flags vectorise them.
#pragma once
#include <algorithm>
#include <cmath>

#include "simd/optim.h"

namespace tg::simd::TG_ARCH {

// ---- element loops ------------------------------------------------------------

template <class T, bool Momentum, bool Nesterov>
inline void sgd_loop(T* __restrict w, const T* __restrict g, T* __restrict m, int64_t n, const UpdateParams& p) {
  const T lr = T(p.lr), decay = T(p.decay), mom = T(p.a);
  for (int64_t i = 0; i < n; ++i) {
    T wi = w[i] - w[i] * decay;
    if constexpr (Momentum) {
      T mi = m[i] * mom - g[i] * lr;
      m[i] = mi;
      if constexpr (Nesterov) wi += mi * mom - g[i] * lr;
      else wi += mi;
    } else {
      wi -= g[i] * lr;
    }
    w[i] = wi;
  }
}

template <class T, bool Centered, bool Momentum>
inline void rmsprop_loop(T* __restrict w, const T* __restrict g, T* __restrict v, T* __restrict avg,
                         T* __restrict m, int64_t n, const UpdateParams& p) {
  const T lr = T(p.lr), decay = T(p.decay), rho = T(p.a), one_minus_rho = T(1 - p.a), mom = T(p.b),
          eps = T(p.c);
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    T wi = w[i] - w[i] * decay;
    const T vi = rho * v[i] + one_minus_rho * (gi * gi);
    v[i] = vi;
    T denom;
    if constexpr (Centered) {
      const T ai = rho * avg[i] + one_minus_rho * gi;
      avg[i] = ai;
      denom = vi - ai * ai + eps;
    } else {
      denom = vi + eps;
    }
    const T inc = (lr * gi) / std::sqrt(denom);
    if constexpr (Momentum) {
      const T mi = mom * m[i] + inc;
      m[i] = mi;
      wi -= mi;
    } else {
      wi -= inc;
    }
    w[i] = wi;
  }
}

template <class T, bool Amsgrad>
inline void adam_loop(T* __restrict w, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vhat,
                      int64_t n, const UpdateParams& p) {
  // p.lr holds alpha = lr * sqrt(1 - b2^t) / (1 - b1^t); p.decay uses the raw lr.
  const T alpha = T(p.lr), decay = T(p.decay), one_minus_b1 = T(1 - p.a), one_minus_b2 = T(1 - p.b),
          eps = T(p.c);
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    T wi = w[i] - w[i] * decay;
    const T mi = m[i] + (gi - m[i]) * one_minus_b1;
    T vi = v[i] + (gi * gi - v[i]) * one_minus_b2;
    m[i] = mi;
    v[i] = vi;
    if constexpr (Amsgrad) {
      vi = std::max(vhat[i], vi);
      vhat[i] = vi;
    }
    wi -= (mi * alpha) / (std::sqrt(vi) + eps);
    w[i] = wi;
  }
}

template <class T>
inline void adagrad_loop(T* __restrict w, const T* __restrict g, T* __restrict acc, int64_t n,
                         const UpdateParams& p) {
  const T lr = T(p.lr), decay = T(p.decay), eps = T(p.c);
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    const T ai = acc[i] + gi * gi;
    acc[i] = ai;
    w[i] = (w[i] - w[i] * decay) - (lr * gi) / std::sqrt(ai + eps);
  }
}

template <class T>
inline void adadelta_loop(T* __restrict w, const T* __restrict g, T* __restrict acc_g, T* __restrict acc_d,
                          int64_t n, const UpdateParams& p) {
  const T lr = T(p.lr), decay = T(p.decay), rho = T(p.a), one_minus_rho = T(1 - p.a), eps = T(p.c);
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    const T ag = rho * acc_g[i] + one_minus_rho * (gi * gi);
    acc_g[i] = ag;
    const T d = -(std::sqrt(acc_d[i] + eps) * gi) / std::sqrt(ag + eps);
    acc_d[i] = rho * acc_d[i] + one_minus_rho * (d * d);
    w[i] = (w[i] - w[i] * decay) + lr * d;
  }
}

// ---- entry points: the options (flag1/flag2) pick a loop instantiation ----------

template <class T>
void sgd_update(void* w_, const void* g_, void* const* s_, int64_t n, const UpdateParams& p) {
  T* w = static_cast<T*>(w_);
  const T* g = static_cast<const T*>(g_);
  T* m = static_cast<T*>(s_[0]);
  if (!p.flag1) sgd_loop<T, false, false>(w, g, nullptr, n, p);
  else if (p.flag2) sgd_loop<T, true, true>(w, g, m, n, p);
  else sgd_loop<T, true, false>(w, g, m, n, p);
}

template <class T>
void rmsprop_update(void* w_, const void* g_, void* const* s_, int64_t n, const UpdateParams& p) {
  T* w = static_cast<T*>(w_);
  const T* g = static_cast<const T*>(g_);
  T *v = static_cast<T*>(s_[0]), *avg = static_cast<T*>(s_[1]), *m = static_cast<T*>(s_[2]);
  const bool centered = p.flag1, momentum = p.flag2;
  if (centered && momentum) rmsprop_loop<T, true, true>(w, g, v, avg, m, n, p);
  else if (centered) rmsprop_loop<T, true, false>(w, g, v, avg, nullptr, n, p);
  else if (momentum) rmsprop_loop<T, false, true>(w, g, v, nullptr, m, n, p);
  else rmsprop_loop<T, false, false>(w, g, v, nullptr, nullptr, n, p);
}

template <class T>
void adam_update(void* w_, const void* g_, void* const* s_, int64_t n, const UpdateParams& p) {
  T* w = static_cast<T*>(w_);
  const T* g = static_cast<const T*>(g_);
  T *m = static_cast<T*>(s_[0]), *v = static_cast<T*>(s_[1]), *vhat = static_cast<T*>(s_[2]);
  if (p.flag1) adam_loop<T, true>(w, g, m, v, vhat, n, p);
  else adam_loop<T, false>(w, g, m, v, nullptr, n, p);
}

template <class T>
void adagrad_update(void* w, const void* g, void* const* s, int64_t n, const UpdateParams& p) {
  adagrad_loop<T>(static_cast<T*>(w), static_cast<const T*>(g), static_cast<T*>(s[0]), n, p);
}

template <class T>
void adadelta_update(void* w, const void* g, void* const* s, int64_t n, const UpdateParams& p) {
  adadelta_loop<T>(static_cast<T*>(w), static_cast<const T*>(g), static_cast<T*>(s[0]), static_cast<T*>(s[1]), n,
                   p);
}

template <class T>
void set_updates(UpdateLoops& t) {
  const int d = int(dtype_of<T>::value);
  t.loop[int(UpdateKind::Sgd)][d] = &sgd_update<T>;
  t.loop[int(UpdateKind::RmsProp)][d] = &rmsprop_update<T>;
  t.loop[int(UpdateKind::Adam)][d] = &adam_update<T>;
  t.loop[int(UpdateKind::Adagrad)][d] = &adagrad_update<T>;
  t.loop[int(UpdateKind::Adadelta)][d] = &adadelta_update<T>;
}

inline void fill_updates(UpdateLoops& t) {
  set_updates<float>(t);
  set_updates<double>(t);
}

}  // namespace tg::simd::TG_ARCH

// Definitions of the optimizer update loops (formulas in ops_optim.h; the
// per-element arithmetic, shared with the CUDA kernels, is in
// simd/optim_element.h). Included only by loops_arch.cpp, so each level's
// compiler flags vectorise them.
#pragma once
#include <cstdint>

#include "simd/optim.h"
#include "simd/optim_element.h"

namespace tg::simd::TG_ARCH {

// ---- element loops: the steps of simd/optim_element.h over dense arrays ----------
// `unused` stands in for a slot the options leave out (its pointer is null);
// the step never touches it.

template <class T, bool Momentum, bool Nesterov>
inline void sgd_loop(T* __restrict w, const T* __restrict g, T* __restrict m, int64_t n, const UpdateParams& p) {
  const SgdCoeffs<T> k(p);
  T unused{};
  for (int64_t i = 0; i < n; ++i) sgd_step<T, Momentum, Nesterov>(w[i], g[i], Momentum ? m[i] : unused, k);
}

template <class T, bool Centered, bool Momentum>
inline void rmsprop_loop(T* __restrict w, const T* __restrict g, T* __restrict v, T* __restrict avg,
                         T* __restrict m, int64_t n, const UpdateParams& p) {
  const RmsPropCoeffs<T> k(p);
  T unused{};
  for (int64_t i = 0; i < n; ++i)
    rmsprop_step<T, Centered, Momentum>(w[i], g[i], v[i], Centered ? avg[i] : unused, Momentum ? m[i] : unused, k);
}

template <class T, bool Amsgrad>
inline void adam_loop(T* __restrict w, const T* __restrict g, T* __restrict m, T* __restrict v, T* __restrict vhat,
                      int64_t n, const UpdateParams& p) {
  const AdamCoeffs<T> k(p);
  T unused{};
  for (int64_t i = 0; i < n; ++i) adam_step<T, Amsgrad>(w[i], g[i], m[i], v[i], Amsgrad ? vhat[i] : unused, k);
}

template <class T>
inline void adagrad_loop(T* __restrict w, const T* __restrict g, T* __restrict acc, int64_t n,
                         const UpdateParams& p) {
  const AdagradCoeffs<T> k(p);
  for (int64_t i = 0; i < n; ++i) adagrad_step<T>(w[i], g[i], acc[i], k);
}

template <class T>
inline void adadelta_loop(T* __restrict w, const T* __restrict g, T* __restrict acc_g, T* __restrict acc_d,
                          int64_t n, const UpdateParams& p) {
  const AdadeltaCoeffs<T> k(p);
  for (int64_t i = 0; i < n; ++i) adadelta_step<T>(w[i], g[i], acc_g[i], acc_d[i], k);
}

template <class T>
inline void nadam_loop(T* __restrict w, const T* __restrict g, T* __restrict m, T* __restrict v, int64_t n,
                       const UpdateParams& p) {
  const NadamCoeffs<T> k(p);
  for (int64_t i = 0; i < n; ++i) nadam_step<T>(w[i], g[i], m[i], v[i], k);
}

template <class T>
inline void adamax_loop(T* __restrict w, const T* __restrict g, T* __restrict m, T* __restrict u, int64_t n,
                        const UpdateParams& p) {
  const AdamaxCoeffs<T> k(p);
  for (int64_t i = 0; i < n; ++i) adamax_step<T>(w[i], g[i], m[i], u[i], k);
}

template <class T>
inline void lion_loop(T* __restrict w, const T* __restrict g, T* __restrict m, int64_t n, const UpdateParams& p) {
  const LionCoeffs<T> k(p);
  for (int64_t i = 0; i < n; ++i) lion_step<T>(w[i], g[i], m[i], k);
}

template <class T, bool Sqrt>
inline void ftrl_loop(T* __restrict w, const T* __restrict g, T* __restrict acc, T* __restrict lin, int64_t n,
                      const UpdateParams& p) {
  const FtrlCoeffs<T> k(p);
  for (int64_t i = 0; i < n; ++i) ftrl_step<T, Sqrt>(w[i], g[i], acc[i], lin[i], k);
}

template <class T>
inline void ema_loop(T* __restrict avg, const T* __restrict value, int64_t n, const UpdateParams& p) {
  const EmaCoeffs<T> k(p);
  for (int64_t i = 0; i < n; ++i) ema_step<T>(avg[i], value[i], k);
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
void nadam_update(void* w, const void* g, void* const* s, int64_t n, const UpdateParams& p) {
  nadam_loop<T>(static_cast<T*>(w), static_cast<const T*>(g), static_cast<T*>(s[0]), static_cast<T*>(s[1]), n, p);
}

template <class T>
void adamax_update(void* w, const void* g, void* const* s, int64_t n, const UpdateParams& p) {
  adamax_loop<T>(static_cast<T*>(w), static_cast<const T*>(g), static_cast<T*>(s[0]), static_cast<T*>(s[1]), n, p);
}

template <class T>
void lion_update(void* w, const void* g, void* const* s, int64_t n, const UpdateParams& p) {
  lion_loop<T>(static_cast<T*>(w), static_cast<const T*>(g), static_cast<T*>(s[0]), n, p);
}

template <class T>
void ftrl_update(void* w_, const void* g_, void* const* s, int64_t n, const UpdateParams& p) {
  T* w = static_cast<T*>(w_);
  const T* g = static_cast<const T*>(g_);
  if (p.flag1) ftrl_loop<T, true>(w, g, static_cast<T*>(s[0]), static_cast<T*>(s[1]), n, p);
  else ftrl_loop<T, false>(w, g, static_cast<T*>(s[0]), static_cast<T*>(s[1]), n, p);
}

template <class T>
void ema_update(void* avg, const void* value, void* const*, int64_t n, const UpdateParams& p) {
  ema_loop<T>(static_cast<T*>(avg), static_cast<const T*>(value), n, p);
}

template <class T>
void set_updates(UpdateLoops& t) {
  const int d = int(dtype_of<T>::value);
  t.loop[int(UpdateKind::Sgd)][d] = &sgd_update<T>;
  t.loop[int(UpdateKind::RmsProp)][d] = &rmsprop_update<T>;
  t.loop[int(UpdateKind::Adam)][d] = &adam_update<T>;
  t.loop[int(UpdateKind::Adagrad)][d] = &adagrad_update<T>;
  t.loop[int(UpdateKind::Adadelta)][d] = &adadelta_update<T>;
  t.loop[int(UpdateKind::Nadam)][d] = &nadam_update<T>;
  t.loop[int(UpdateKind::Adamax)][d] = &adamax_update<T>;
  t.loop[int(UpdateKind::Lion)][d] = &lion_update<T>;
  t.loop[int(UpdateKind::Ftrl)][d] = &ftrl_update<T>;
  t.loop[int(UpdateKind::Ema)][d] = &ema_update<T>;
}

inline void fill_updates(UpdateLoops& t) {
  set_updates<float>(t);
  set_updates<double>(t);
}

}  // namespace tg::simd::TG_ARCH

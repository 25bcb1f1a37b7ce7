// Definitions of the reduction and softmax-family loops (table in reduce.h).
// Included only by loops_arch.cpp, compiled once per instruction-set level.
//
// Without -ffast-math the compiler may not reorder a floating-point sum, so
// a plain `s += p[i]` loop runs one add at a time. The folds below keep
// several vector accumulators explicitly (GCC vector extensions: one source,
// AVX-512 / AVX2 / SSE2 code per level) and combine them at the end.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "simd/math_impl.h"
#include "simd/reduce.h"

// The 64-byte vector helpers are inline and never cross this file's levels,
// so GCC's note that their calling convention differs per level is moot. (Not
// popped: the templates are instantiated, and warned about, at the end of the
// including file.)
#pragma GCC diagnostic ignored "-Wpsabi"

namespace tg::simd::TG_ARCH {
namespace red {

template <class V, class T>
inline V vload(const T* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof(V));
  return v;
}

template <class T>
inline T quiet_nan() { return std::numeric_limits<T>::quiet_NaN(); }

// ---- associative folds without special values: sum and product -------------
struct SumOp {
  template <class A> static A identity() { return A(0); }
  template <class A> static A combine(const A& a, const A& b) { return a + b; }
};
struct ProdOp {
  template <class A> static A identity() { return A(1); }
  template <class A> static A combine(const A& a, const A& b) { return a * b; }
};

// Fold n contiguous T into one A, W = lanes of A per 64 bytes, four
// independent vector accumulators.
template <class Op, class T, class A>
inline A fold_contig(const T* p, int64_t n) {
  constexpr int W = int(64 / sizeof(A));
  typedef A VA __attribute__((vector_size(64)));
  typedef T VT __attribute__((vector_size(W * sizeof(T))));
  const A id = Op::template identity<A>();
  A s = id;
  int64_t i = 0;
  if (n >= 4 * W) {
    VA a0 = VA{} + id, a1 = a0, a2 = a0, a3 = a0;
    for (; i + 4 * W <= n; i += 4 * W) {
      a0 = Op::combine(a0, __builtin_convertvector(vload<VT>(p + i), VA));
      a1 = Op::combine(a1, __builtin_convertvector(vload<VT>(p + i + W), VA));
      a2 = Op::combine(a2, __builtin_convertvector(vload<VT>(p + i + 2 * W), VA));
      a3 = Op::combine(a3, __builtin_convertvector(vload<VT>(p + i + 3 * W), VA));
    }
    for (; i + W <= n; i += W) a0 = Op::combine(a0, __builtin_convertvector(vload<VT>(p + i), VA));
    a0 = Op::combine(Op::combine(a0, a1), Op::combine(a2, a3));
    for (int j = 0; j < W; ++j) s = Op::combine(s, a0[j]);
  }
  for (; i < n; ++i) s = Op::combine(s, A(p[i]));
  return s;
}

// Sum of floats in float64 at float speed: float vector accumulators over
// blocks of 256 (each lane adds 4 values), each block flushed into float64
// accumulators. Error: a few float ulps of a 16-value partial per block,
// nothing more across blocks (NumPy's pairwise sum: log2(n) roundings).
inline double sum_f32_f64(const float* p, int64_t n) {
  typedef float VF __attribute__((vector_size(64)));
  typedef float VH __attribute__((vector_size(32)));
  typedef double VD __attribute__((vector_size(64)));
  constexpr int64_t kBlock = 256;
  VD d0 = {}, d1 = {};
  int64_t i = 0;
  while (i + 64 <= n) {
    const int64_t end = i + std::min(kBlock, (n - i) / 64 * 64);
    VF f0 = {}, f1 = {}, f2 = {}, f3 = {};
    for (; i < end; i += 64) {
      f0 += vload<VF>(p + i);
      f1 += vload<VF>(p + i + 16);
      f2 += vload<VF>(p + i + 32);
      f3 += vload<VF>(p + i + 48);
    }
    const VF f = (f0 + f1) + (f2 + f3);
    VH lo, hi;
    __builtin_memcpy(&lo, &f, sizeof(VH));
    __builtin_memcpy(&hi, reinterpret_cast<const char*>(&f) + sizeof(VH), sizeof(VH));
    d0 += __builtin_convertvector(lo, VD);
    d1 += __builtin_convertvector(hi, VD);
  }
  d0 += d1;
  double s = 0;
  for (int j = 0; j < 8; ++j) s += d0[j];
  for (; i < n; ++i) s += double(p[i]);
  return s;
}

template <class Op, class T, class A>
inline A fold_strided(const T* p, int64_t st, int64_t n) {
  const A id = Op::template identity<A>();
  A a0 = id, a1 = id, a2 = id, a3 = id;
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a0 = Op::combine(a0, A(p[i * st]));
    a1 = Op::combine(a1, A(p[(i + 1) * st]));
    a2 = Op::combine(a2, A(p[(i + 2) * st]));
    a3 = Op::combine(a3, A(p[(i + 3) * st]));
  }
  for (; i < n; ++i) a0 = Op::combine(a0, A(p[i * st]));
  return Op::combine(Op::combine(a0, a1), Op::combine(a2, a3));
}

template <class Op, class T, class A>
struct ArithK {
  using In = T;
  using Acc = A;
  static A lift(T x) { return A(x); }
  static A combine(A a, A b) { return Op::combine(a, b); }
  // float sums fold blocks of rows in float first (see cols_loop).
  static constexpr bool kFloatBlocks = std::is_same_v<Op, SumOp> && std::is_same_v<T, float>;
  static A fold(const T* p, int64_t st, int64_t n) {
    if constexpr (kFloatBlocks) { if (st == 1) return sum_f32_f64(p, n); }
    return st == 1 ? fold_contig<Op, T, A>(p, n) : fold_strided<Op, T, A>(p, st, n);
  }
};

template <class K, class = void>
struct HasFloatBlocks : std::false_type {};
template <class K>
struct HasFloatBlocks<K, std::void_t<decltype(K::kFloatBlocks)>> : std::bool_constant<K::kFloatBlocks> {};

// ---- max / min: a NaN anywhere makes the result NaN (NumPy, TF) -------------
template <bool IsMax>
struct Pick {
  // b replaces a when it is more extreme or NaN; a NaN in a stays.
  // Written as one select (no early return) so that loops using it vectorise.
  template <class T> static T scalar(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) return ((IsMax ? b > a : b < a) || b != b) ? b : a;
    else return (IsMax ? b > a : b < a) ? b : a;
  }
};

template <bool IsMax, class T>
inline T minmax_contig(const T* p, int64_t n) {
  constexpr int W = int(64 / sizeof(T));
  typedef T VT __attribute__((vector_size(64)));
  int64_t i = 0;
  T r = p[0];
  if (n >= 4 * W) {
    VT m0 = vload<VT>(p), m1 = m0, m2 = m0, m3 = m0;
    auto nan = m0 != m0;
    for (; i + 4 * W <= n; i += 4 * W) {
      VT x0 = vload<VT>(p + i), x1 = vload<VT>(p + i + W), x2 = vload<VT>(p + i + 2 * W),
         x3 = vload<VT>(p + i + 3 * W);
      if constexpr (IsMax) {
        m0 = x0 > m0 ? x0 : m0; m1 = x1 > m1 ? x1 : m1; m2 = x2 > m2 ? x2 : m2; m3 = x3 > m3 ? x3 : m3;
      } else {
        m0 = x0 < m0 ? x0 : m0; m1 = x1 < m1 ? x1 : m1; m2 = x2 < m2 ? x2 : m2; m3 = x3 < m3 ? x3 : m3;
      }
      if constexpr (std::is_floating_point_v<T>) nan |= (x0 != x0) | (x1 != x1) | (x2 != x2) | (x3 != x3);
    }
    if constexpr (IsMax) { m0 = m1 > m0 ? m1 : m0; m2 = m3 > m2 ? m3 : m2; m0 = m2 > m0 ? m2 : m0; }
    else { m0 = m1 < m0 ? m1 : m0; m2 = m3 < m2 ? m3 : m2; m0 = m2 < m0 ? m2 : m0; }
    if constexpr (std::is_floating_point_v<T>) {
      bool any_nan = false;
      for (int j = 0; j < W; ++j) any_nan |= nan[j] != 0;
      if (any_nan) return quiet_nan<T>();
    }
    r = m0[0];
    for (int j = 1; j < W; ++j) r = Pick<IsMax>::scalar(r, m0[j]);
  }
  for (; i < n; ++i) r = Pick<IsMax>::scalar(r, p[i]);
  return r;
}

template <bool IsMax, class T>
struct MinMaxK {
  using In = T;
  using Acc = T;
  static T lift(T x) { return x; }
  static T combine(T a, T b) { return Pick<IsMax>::scalar(a, b); }
  static T fold(const T* p, int64_t st, int64_t n) {
    if (n <= 0) return IsMax ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
    if (st == 1) return minmax_contig<IsMax, T>(p, n);
    T r = p[0];
    for (int64_t i = 1; i < n; ++i) r = Pick<IsMax>::scalar(r, p[i * st]);
    return r;
  }
};

// ---- any / all: truth of x != 0 (NaN counts as true) ------------------------
template <bool IsAny, class T>
struct AnyAllK {
  using In = T;
  using Acc = bool;
  static bool lift(T x) { return x != T(0); }
  static bool combine(bool a, bool b) { return IsAny ? (a | b) : (a & b); }  // no branches: vectorises
  static bool fold(const T* p, int64_t st, int64_t n) {
    constexpr int W = int(64 / sizeof(T));
    typedef T VT __attribute__((vector_size(64)));
    int64_t i = 0;
    bool r = !IsAny;
    if (st == 1 && n >= W) {
      auto acc = VT{} != VT{};  // all false
      if constexpr (!IsAny) acc = ~acc;
      for (; i + W <= n; i += W) {
        VT x = vload<VT>(p + i);
        if constexpr (IsAny) acc |= x != VT{};
        else acc &= x != VT{};
      }
      for (int j = 0; j < W; ++j) r = combine(r, acc[j] != 0);
    }
    for (; i < n; ++i) r = combine(r, p[i * st] != T(0));
    return r;
  }
};

// ---- the table entries: rows and cols around a kernel K ---------------------
template <class K>
void rows_loop(const void* in_, int64_t so, int64_t si, int64_t m, int64_t n, void* acc_, int64_t sacc) {
  using In = typename K::In;
  using Acc = typename K::Acc;
  const In* in = static_cast<const In*>(in_);
  Acc* acc = static_cast<Acc*>(acc_);
  for (int64_t o = 0; o < m; ++o) acc[o * sacc] = K::combine(acc[o * sacc], K::fold(in + o * so, si, n));
}

template <class K>
void cols_loop(const void* in_, int64_t sr, int64_t sj, int64_t nr, int64_t nc, void* acc_, int64_t sacc) {
  using In = typename K::In;
  using Acc = typename K::Acc;
  const In* in = static_cast<const In*>(in_);
  Acc* acc = static_cast<Acc*>(acc_);
  if (sj == 1 && sacc == 1) {
    // A tile of accumulators stays in L1 while the rows stream past it; four
    // rows per sweep cut the accumulator traffic.
    constexpr int64_t kTile = 8192 / int64_t(sizeof(Acc));
    for (int64_t j0 = 0; j0 < nc; j0 += kTile) {
      const int64_t jn = std::min(kTile, nc - j0);
      Acc* __restrict a = acc + j0;
      int64_t r = 0;
      if constexpr (HasFloatBlocks<K>::value) {
        // Eight rows summed pairwise in float, then one widening add.
        for (; r + 8 <= nr; r += 8) {
          const In* __restrict q = in + r * sr + j0;
          const In *q1 = q + sr, *q2 = q1 + sr, *q3 = q2 + sr, *q4 = q3 + sr, *q5 = q4 + sr, *q6 = q5 + sr,
                   *q7 = q6 + sr;
          for (int64_t j = 0; j < jn; ++j)
            a[j] += Acc(((q[j] + q1[j]) + (q2[j] + q3[j])) + ((q4[j] + q5[j]) + (q6[j] + q7[j])));
        }
      }
      for (; r + 4 <= nr; r += 4) {
        const In* __restrict q0 = in + r * sr + j0;
        const In* __restrict q1 = q0 + sr;
        const In* __restrict q2 = q1 + sr;
        const In* __restrict q3 = q2 + sr;
        // A chain, not a tree: GCC if-converts (vectorises) the NaN-aware
        // max/min only in this form.
        for (int64_t j = 0; j < jn; ++j) {
          Acc x = a[j];
          x = K::combine(x, K::lift(q0[j]));
          x = K::combine(x, K::lift(q1[j]));
          x = K::combine(x, K::lift(q2[j]));
          x = K::combine(x, K::lift(q3[j]));
          a[j] = x;
        }
      }
      for (; r < nr; ++r) {
        const In* __restrict q = in + r * sr + j0;
        for (int64_t j = 0; j < jn; ++j) a[j] = K::combine(a[j], K::lift(q[j]));
      }
    }
    return;
  }
  for (int64_t r = 0; r < nr; ++r) {
    const In* q = in + r * sr;
    for (int64_t j = 0; j < nc; ++j) acc[j * sacc] = K::combine(acc[j * sacc], K::lift(q[j * sj]));
  }
}

// ---- argmax / argmin --------------------------------------------------------
// Per lane: the best value and the index where it was first seen; then the
// best lane, the lowest index among equal values. A NaN anywhere sends us to
// a scan for the first one.
template <bool IsMax, class T>
int64_t arg_contig_vec(const T* p, int64_t n) {
  using I = std::conditional_t<sizeof(T) == 4, int32_t, int64_t>;
  constexpr int W = int(64 / sizeof(T));
  typedef T VT __attribute__((vector_size(64)));
  typedef I VI __attribute__((vector_size(64)));
  VT best = vload<VT>(p);
  VI bi, cur;
  for (int j = 0; j < W; ++j) bi[j] = I(j);
  cur = bi;
  auto nan = best != best;
  int64_t i = W;
  for (; i + W <= n; i += W) {
    cur += I(W);
    const VT x = vload<VT>(p + i);
    const auto take = IsMax ? x > best : x < best;
    best = take ? x : best;
    bi = take ? cur : bi;
    if constexpr (std::is_floating_point_v<T>) nan |= x != x;
  }
  if constexpr (std::is_floating_point_v<T>) {
    bool any_nan = false;
    for (int j = 0; j < W; ++j) any_nan |= nan[j] != 0;
    for (int64_t k = i; k < n; ++k) any_nan |= p[k] != p[k];
    if (any_nan) {
      for (int64_t k = 0; k < n; ++k) if (p[k] != p[k]) return k;
    }
  }
  T bv = best[0];
  int64_t bx = bi[0];
  for (int j = 1; j < W; ++j)
    if ((IsMax ? best[j] > bv : best[j] < bv) || (best[j] == bv && bi[j] < bx)) { bv = best[j]; bx = bi[j]; }
  for (; i < n; ++i)
    if (IsMax ? p[i] > bv : p[i] < bv) { bv = p[i]; bx = i; }
  return bx;
}

template <bool IsMax, class T>
int64_t arg_row(const void* in_, int64_t s, int64_t n) {
  const T* p = static_cast<const T*>(in_);
  if constexpr (sizeof(T) >= 4) {
    if (s == 1 && n >= int64_t(256 / sizeof(T)) && n < (int64_t(1) << 31)) return arg_contig_vec<IsMax, T>(p, n);
  }
  T best = p[0];
  int64_t bi = 0;
  if constexpr (std::is_floating_point_v<T>) { if (best != best) return 0; }
  for (int64_t k = 1; k < n; ++k) {
    const T v = p[k * s];
    if constexpr (std::is_floating_point_v<T>) { if (v != v) return k; }
    if (IsMax ? v > best : v < best) { best = v; bi = k; }
  }
  return bi;
}

template <bool IsMax, class T>
void arg_cols(const void* in_, int64_t sr, int64_t nr, int64_t nc, int64_t* idx) {
  const T* p = static_cast<const T*>(in_);
  constexpr int64_t kTile = 256;
  T best[kTile];
  for (int64_t j0 = 0; j0 < nc; j0 += kTile) {
    const int64_t jn = std::min(kTile, nc - j0);
    int64_t* __restrict ix = idx + j0;
    for (int64_t j = 0; j < jn; ++j) { best[j] = p[j0 + j]; ix[j] = 0; }
    for (int64_t r = 1; r < nr; ++r) {
      const T* __restrict q = p + r * sr + j0;
      for (int64_t j = 0; j < jn; ++j) {
        const T v = q[j], b = best[j];
        bool take = IsMax ? v > b : v < b;
        if constexpr (std::is_floating_point_v<T>) take = take || (v != v && b == b);
        best[j] = take ? v : b;
        ix[j] = take ? r : ix[j];
      }
    }
  }
}

// ---- softmax family ---------------------------------------------------------
// Sums of positive terms (the exp-sums) in float64: their rounding would
// show directly in every probability.
inline double sum_wide(const float* p, int64_t n) { return sum_f32_f64(p, n); }
inline double sum_wide(const double* p, int64_t n) { return fold_contig<SumOp, double, double>(p, n); }

constexpr int64_t kChunk = 1024;

// A row as max + log(sum(exp(x - max))), the two parts kept apart: callers
// form (x - mx) - ls, which stays accurate where mx + ls would round (large
// logits in float32). buf holds kChunk scratch values; n >= 1.
template <class T>
struct Shift {
  T mx, ls;
};
template <class T>
inline Shift<T> shift_contig(const T* x, int64_t n, T* buf) {
  const T mx = minmax_contig<true, T>(x, n);
  double s = 0;
  for (int64_t i0 = 0; i0 < n; i0 += kChunk) {
    const int64_t c = std::min(kChunk, n - i0);
    for (int64_t i = 0; i < c; ++i) buf[i] = exp_approx(x[i0 + i] - mx);
    s += sum_wide(buf, c);
  }
  return {mx, T(std::log(s))};
}

template <class T, bool Log>
void softmax_rows(const void* in_, void* out_, int64_t m, int64_t n) {
  if (n <= 0) return;
  for (int64_t o = 0; o < m; ++o) {
    const T* __restrict x = static_cast<const T*>(in_) + o * n;
    T* __restrict y = static_cast<T*>(out_) + o * n;
    const T mx = minmax_contig<true, T>(x, n);
    for (int64_t i = 0; i < n; ++i) y[i] = exp_approx(x[i] - mx);
    const double s = sum_wide(y, n);
    if constexpr (Log) {
      const T ls = T(std::log(s));
      for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - mx) - ls;
    } else {
      const T inv = T(1.0 / s);
      for (int64_t i = 0; i < n; ++i) y[i] *= inv;
    }
  }
}

template <class T, bool Log>
void softmax_cols(const void* in_, void* out_, int64_t L, int64_t nc, int64_t ld) {
  if (L <= 0) return;
  const T* x = static_cast<const T*>(in_);
  T* y = static_cast<T*>(out_);
  constexpr int64_t kTile = 256;
  T mx[kTile], f[kTile];
  double s[kTile];
  for (int64_t j0 = 0; j0 < nc; j0 += kTile) {
    const int64_t jn = std::min(kTile, nc - j0);
    for (int64_t j = 0; j < jn; ++j) { mx[j] = x[j0 + j]; s[j] = 0; }
    for (int64_t r = 1; r < L; ++r) {
      const T* __restrict q = x + r * ld + j0;
      for (int64_t j = 0; j < jn; ++j) mx[j] = Pick<true>::scalar(mx[j], q[j]);
    }
    for (int64_t r = 0; r < L; ++r) {
      const T* __restrict q = x + r * ld + j0;
      T* __restrict yq = y + r * ld + j0;
      for (int64_t j = 0; j < jn; ++j) {
        const T e = exp_approx(q[j] - mx[j]);
        yq[j] = e;
        s[j] += double(e);
      }
    }
    if constexpr (Log) {
      for (int64_t j = 0; j < jn; ++j) f[j] = T(std::log(s[j]));
      for (int64_t r = 0; r < L; ++r) {
        const T* __restrict q = x + r * ld + j0;
        T* __restrict yq = y + r * ld + j0;
        for (int64_t j = 0; j < jn; ++j) yq[j] = (q[j] - mx[j]) - f[j];
      }
    } else {
      for (int64_t j = 0; j < jn; ++j) f[j] = T(1.0 / s[j]);
      for (int64_t r = 0; r < L; ++r) {
        T* __restrict yq = y + r * ld + j0;
        for (int64_t j = 0; j < jn; ++j) yq[j] *= f[j];
      }
    }
  }
}

template <class T>
void lse_rows(const void* in_, int64_t so, int64_t m, int64_t n, void* out_) {
  T buf[kChunk];
  T* out = static_cast<T*>(out_);
  for (int64_t o = 0; o < m; ++o) {
    if (n == 0) {
      out[o] = -std::numeric_limits<T>::infinity();
      continue;
    }
    const Shift<T> sh = shift_contig(static_cast<const T*>(in_) + o * so, n, buf);
    // NaN stays NaN; all -inf gives -inf and any +inf gives +inf (as SciPy).
    out[o] = std::isfinite(sh.mx) ? sh.mx + sh.ls : sh.mx;
  }
}

template <class T>
void sparse_xent(const void* logits, const int64_t* labels, int64_t m, int64_t n, void* loss_, void* mx_, void* ls_) {
  T buf[kChunk];
  T* loss = static_cast<T*>(loss_);
  T* mx = static_cast<T*>(mx_);
  T* ls = static_cast<T*>(ls_);
  for (int64_t o = 0; o < m; ++o) {
    const T* x = static_cast<const T*>(logits) + o * n;
    const Shift<T> sh = shift_contig(x, n, buf);
    mx[o] = sh.mx;
    ls[o] = sh.ls;
    loss[o] = sh.ls - (x[labels[o]] - sh.mx);
  }
}

template <class T>
void sparse_xent_bwd(const void* logits, const int64_t* labels, const void* mx_, const void* ls_, const void* g_,
                     int64_t m, int64_t n, void* out_) {
  const T* mx = static_cast<const T*>(mx_);
  const T* ls = static_cast<const T*>(ls_);
  const T* g = static_cast<const T*>(g_);
  for (int64_t o = 0; o < m; ++o) {
    const T* __restrict x = static_cast<const T*>(logits) + o * n;
    T* __restrict y = static_cast<T*>(out_) + o * n;
    const T mo = mx[o], lo = ls[o], go = g[o];
    for (int64_t j = 0; j < n; ++j) y[j] = exp_approx((x[j] - mo) - lo) * go;
    y[labels[o]] -= go;
  }
}

template <class T>
void dense_xent(const void* logits, const void* labels, int64_t m, int64_t n, void* loss_, void* mx_, void* ls_) {
  constexpr int W = int(64 / sizeof(T));
  typedef T VT __attribute__((vector_size(64)));
  T buf[kChunk];
  T* loss = static_cast<T*>(loss_);
  T* mx = static_cast<T*>(mx_);
  T* ls = static_cast<T*>(ls_);
  for (int64_t o = 0; o < m; ++o) {
    const T* x = static_cast<const T*>(logits) + o * n;
    const T* z = static_cast<const T*>(labels) + o * n;
    const Shift<T> sh = shift_contig(x, n, buf);
    mx[o] = sh.mx;
    ls[o] = sh.ls;
    // sum z * (ls - (x - mx)): one term per class, never lse*sum(z) -
    // sum(z*x), which cancels badly when the loss is small.
    T s = 0;
    int64_t i = 0;
    if (n >= 2 * W) {
      VT a0 = {}, a1 = {};
      const VT lv = VT{} + sh.ls, mv = VT{} + sh.mx;
      for (; i + 2 * W <= n; i += 2 * W) {
        a0 += vload<VT>(z + i) * (lv - (vload<VT>(x + i) - mv));
        a1 += vload<VT>(z + i + W) * (lv - (vload<VT>(x + i + W) - mv));
      }
      a0 += a1;
      for (int j = 0; j < W; ++j) s += a0[j];
    }
    for (; i < n; ++i) s += z[i] * (sh.ls - (x[i] - sh.mx));
    loss[o] = s;
  }
}

template <class T>
void dense_xent_bwd(const void* logits, const void* labels, const void* mx_, const void* ls_, const void* g_,
                    int64_t m, int64_t n, void* out_) {
  const T* mx = static_cast<const T*>(mx_);
  const T* ls = static_cast<const T*>(ls_);
  const T* g = static_cast<const T*>(g_);
  for (int64_t o = 0; o < m; ++o) {
    const T* __restrict x = static_cast<const T*>(logits) + o * n;
    const T* __restrict z = static_cast<const T*>(labels) + o * n;
    T* __restrict y = static_cast<T*>(out_) + o * n;
    const T mo = mx[o], lo = ls[o], go = g[o];
    const T zs = T(sum_wide(z, n)) * go;  // labels need not sum to one
    for (int64_t j = 0; j < n; ++j) y[j] = exp_approx((x[j] - mo) - lo) * zs - z[j] * go;
  }
}

template <class T>
void sigmoid_xent(const void* x_, const void* z_, int64_t n, void* out_) {
  const T* __restrict x = static_cast<const T*>(x_);
  const T* __restrict z = static_cast<const T*>(z_);
  T* __restrict out = static_cast<T*>(out_);
  for (int64_t i = 0; i < n; ++i) {
    const T xv = x[i];
    const T e = exp_approx(-std::fabs(xv));
    out[i] = (xv > T(0) ? xv : T(0)) - xv * z[i] + log1p_approx(e);
  }
}

template <class T>
void sigmoid_xent_bwd(const void* x_, const void* z_, const void* g_, int64_t n, void* out_) {
  const T* __restrict x = static_cast<const T*>(x_);
  const T* __restrict z = static_cast<const T*>(z_);
  const T* __restrict g = static_cast<const T*>(g_);
  T* __restrict out = static_cast<T*>(out_);
  for (int64_t i = 0; i < n; ++i) {
    const T xv = x[i];
    const T e = exp_approx(-std::fabs(xv));
    const T inv = T(1) / (T(1) + e);
    const T s = xv >= T(0) ? inv : e * inv;  // sigmoid without overflow
    out[i] = (s - z[i]) * g[i];
  }
}

// ---- registration -------------------------------------------------------------
template <class K>
void set_reduce(ReduceLoops& t, ReduceOp op, DType d) {
  t.rows[int(op)][int(d)] = &rows_loop<K>;
  t.cols[int(op)][int(d)] = &cols_loop<K>;
}

// Bool tensors hold 0/1 bytes, so the uint8 loops serve them.
template <class T>
void set_reduce_dtype(ReduceLoops& t, DType d) {
  // Integers accumulate in uint64 (the int64 accumulator's bits): overflow
  // wraps as two's complement, which signed arithmetic would leave undefined.
  using A = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;
  set_reduce<ArithK<SumOp, T, A>>(t, ReduceOp::Sum, d);
  set_reduce<ArithK<ProdOp, T, A>>(t, ReduceOp::Prod, d);
  set_reduce<MinMaxK<true, T>>(t, ReduceOp::Max, d);
  set_reduce<MinMaxK<false, T>>(t, ReduceOp::Min, d);
  set_reduce<AnyAllK<true, T>>(t, ReduceOp::Any, d);
  set_reduce<AnyAllK<false, T>>(t, ReduceOp::All, d);
  t.argmax_row[int(d)] = &arg_row<true, T>;
  t.argmin_row[int(d)] = &arg_row<false, T>;
  t.argmax_cols[int(d)] = &arg_cols<true, T>;
  t.argmin_cols[int(d)] = &arg_cols<false, T>;
}

template <class T>
void set_softmax_dtype(ReduceLoops& t) {
  const int d = int(dtype_of<T>::value);
  t.softmax_rows[d] = &softmax_rows<T, false>;
  t.log_softmax_rows[d] = &softmax_rows<T, true>;
  t.softmax_cols[d] = &softmax_cols<T, false>;
  t.log_softmax_cols[d] = &softmax_cols<T, true>;
  t.lse_rows[d] = &lse_rows<T>;
  t.sparse_xent[d] = &sparse_xent<T>;
  t.sparse_xent_bwd[d] = &sparse_xent_bwd<T>;
  t.dense_xent[d] = &dense_xent<T>;
  t.dense_xent_bwd[d] = &dense_xent_bwd<T>;
  t.sigmoid_xent[d] = &sigmoid_xent<T>;
  t.sigmoid_xent_bwd[d] = &sigmoid_xent_bwd<T>;
}

}  // namespace red

inline void fill_reduce(ReduceLoops& t) {
  red::set_reduce_dtype<uint8_t>(t, DType::Bool);
  red::set_reduce_dtype<uint8_t>(t, DType::UInt8);
  red::set_reduce_dtype<int32_t>(t, DType::Int32);
  red::set_reduce_dtype<int64_t>(t, DType::Int64);
  red::set_reduce_dtype<float>(t, DType::Float32);
  red::set_reduce_dtype<double>(t, DType::Float64);
  red::set_softmax_dtype<float>(t);
  red::set_softmax_dtype<double>(t);
}

}  // namespace tg::simd::TG_ARCH

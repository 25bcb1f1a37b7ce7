// Fused optimizer updates (see ops_optim.h for the formulas).
//
// Per variable: check the gradient and slots against the variable, make every
// operand contiguous memory that may be written in place (Variable::writable
// applies copy-on-write when someone else still holds the old value), then run
// one element loop that reads g and updates w and its slots together. The loop
// bodies are templates inlined into small per-dtype entry points that GCC
// compiles once per instruction-set level (target_clones) and picks at load
// time, so the same wheel uses AVX-512 where the CPU has it.
#include "ops_optim.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <string>

#include "ops.h"
#include "parallel.h"

namespace tg::optim {
namespace {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
// By CPU feature, not CPU model: "arch=skylake-avx512" would only match Intel
// parts, so an AMD CPU with AVX-512 would get the SSE2 default.
#define TG_OPTIM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define TG_OPTIM_CLONES
#endif
#define TG_OPTIM_INLINE inline __attribute__((always_inline))

constexpr int kMaxSlots = 3;

// An update streams ~28 bytes per element at memory speed. The pool's caller
// claims chunks too and a parked worker holds back one chunk only (parallel.h),
// so a split costs little on a busy machine; the grain keeps chunks large
// enough to amortise a wake-up (bench/RESULTS.md has the measurement).
constexpr int64_t kDefaultOptimParallelElems = int64_t(1) << 16;
std::atomic<int64_t> g_parallel_elems{kDefaultOptimParallelElems};

// Hyper-parameters of one call, already reduced to per-step scalars.
struct Params {
  double lr = 0, decay = 0;  // decay = weight_decay * lr (0: none)
  double a = 0, b = 0, c = 0;  // optimizer-specific (see each loop)
  bool flag1 = false, flag2 = false;
};

// ---- element loops ------------------------------------------------------------
// w: variable, g: gradient, s[k]: slot k; all contiguous, n elements.

template <class T, bool Momentum, bool Nesterov>
TG_OPTIM_INLINE void sgd_loop(T* __restrict w, const T* __restrict g, T* __restrict m, int64_t n,
                              const Params& p) {
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
TG_OPTIM_INLINE void rmsprop_loop(T* __restrict w, const T* __restrict g, T* __restrict v, T* __restrict avg,
                                  T* __restrict m, int64_t n, const Params& p) {
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
TG_OPTIM_INLINE void adam_loop(T* __restrict w, const T* __restrict g, T* __restrict m, T* __restrict v,
                               T* __restrict vhat, int64_t n, const Params& p) {
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
TG_OPTIM_INLINE void adagrad_loop(T* __restrict w, const T* __restrict g, T* __restrict acc, int64_t n,
                                  const Params& p) {
  const T lr = T(p.lr), decay = T(p.decay), eps = T(p.c);
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    const T ai = acc[i] + gi * gi;
    acc[i] = ai;
    w[i] = (w[i] - w[i] * decay) - (lr * gi) / std::sqrt(ai + eps);
  }
}

template <class T>
TG_OPTIM_INLINE void adadelta_loop(T* __restrict w, const T* __restrict g, T* __restrict acc_g,
                                   T* __restrict acc_d, int64_t n, const Params& p) {
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

// ---- per-dtype entry points, one clone per ISA level -----------------------------
// Signature shared by every kernel: slots s[0..2] (unused ones are null).

template <class T>
TG_OPTIM_INLINE void sgd_body(T* w, const T* g, T* const* s, int64_t n, const Params& p) {
  if (!p.flag1) sgd_loop<T, false, false>(w, g, nullptr, n, p);
  else if (p.flag2) sgd_loop<T, true, true>(w, g, s[0], n, p);
  else sgd_loop<T, true, false>(w, g, s[0], n, p);
}
template <class T>
TG_OPTIM_INLINE void rmsprop_body(T* w, const T* g, T* const* s, int64_t n, const Params& p) {
  const bool centered = p.flag1, momentum = p.flag2;
  if (centered && momentum) rmsprop_loop<T, true, true>(w, g, s[0], s[1], s[2], n, p);
  else if (centered) rmsprop_loop<T, true, false>(w, g, s[0], s[1], nullptr, n, p);
  else if (momentum) rmsprop_loop<T, false, true>(w, g, s[0], nullptr, s[2], n, p);
  else rmsprop_loop<T, false, false>(w, g, s[0], nullptr, nullptr, n, p);
}
template <class T>
TG_OPTIM_INLINE void adam_body(T* w, const T* g, T* const* s, int64_t n, const Params& p) {
  if (p.flag1) adam_loop<T, true>(w, g, s[0], s[1], s[2], n, p);
  else adam_loop<T, false>(w, g, s[0], s[1], nullptr, n, p);
}
template <class T>
TG_OPTIM_INLINE void adagrad_body(T* w, const T* g, T* const* s, int64_t n, const Params& p) {
  adagrad_loop<T>(w, g, s[0], n, p);
}
template <class T>
TG_OPTIM_INLINE void adadelta_body(T* w, const T* g, T* const* s, int64_t n, const Params& p) {
  adadelta_loop<T>(w, g, s[0], s[1], n, p);
}

#define TG_OPTIM_ENTRY(NAME)                                                                          \
  TG_OPTIM_CLONES void NAME##_run(float* w, const float* g, float* const* s, int64_t n, const Params& p) { \
    NAME##_body<float>(w, g, s, n, p);                                                                 \
  }                                                                                                    \
  TG_OPTIM_CLONES void NAME##_run(double* w, const double* g, double* const* s, int64_t n,              \
                                  const Params& p) {                                                   \
    NAME##_body<double>(w, g, s, n, p);                                                                \
  }
TG_OPTIM_ENTRY(sgd)
TG_OPTIM_ENTRY(rmsprop)
TG_OPTIM_ENTRY(adam)
TG_OPTIM_ENTRY(adagrad)
TG_OPTIM_ENTRY(adadelta)
#undef TG_OPTIM_ENTRY

// ---- operand checks ------------------------------------------------------------------

std::string var_label(const Variable& v, size_t i) {
  return v.name().empty() ? str("#", i) : str("'", v.name(), "'");
}

void check_lengths(const char* opt, const VarList& vars, const TensorList& grads,
                   std::initializer_list<std::pair<const char*, const VarList*>> slots) {
  TG_CHECK(grads.size() == vars.size(), ValueError, opt, ": got ", grads.size(), " gradients for ", vars.size(),
           " variables");
  for (auto& [slot_name, list] : slots)
    TG_CHECK(list->size() == vars.size(), ValueError, opt, ": got ", list->size(), " '", slot_name,
             "' slot variables for ", vars.size(), " variables");
}

// The gradient as contiguous memory of the variable's dtype.
Tensor checked_gradient(const char* opt, size_t i, const Variable& var, const Tensor& grad) {
  TG_CHECK(is_floating(var.dtype()), TypeError, opt, ": variable ", var_label(var, i), " has dtype ", var.dtype(),
           "; optimizers update float32 or float64 variables only");
  TG_CHECK(var.value().device().type == DeviceType::CPU, ValueError, opt, ": variable ", var_label(var, i),
           " lives on ", var.value().device().name(), "; the fused optimizer kernels run on the CPU");
  TG_CHECK(grad.defined(), ValueError, opt, ": the gradient for variable ", var_label(var, i), " is None");
  TG_CHECK(grad.shape() == var.shape(), ValueError, opt, ": gradient of shape ", shape_str(grad.shape()),
           " does not match variable ", var_label(var, i), " of shape ", shape_str(var.shape()));
  TG_CHECK(grad.device() == var.value().device(), ValueError, opt, ": gradient on ", grad.device().name(),
           " for variable ", var_label(var, i), " on ", var.value().device().name());
  Tensor g = grad.dtype() == var.dtype() ? grad : ops::cast(grad, var.dtype());
  return g.contiguous();
}

// Memory of v that may be written in place, contiguous.
Tensor& writable_contiguous(Variable& v) {
  Tensor& t = v.writable();
  if (!t.is_contiguous()) t = t.contiguous();  // fresh private memory: still ours to write
  return t;
}

void check_slot(const char* opt, const char* slot_name, size_t i, const Variable& var, const Variable* slot) {
  TG_CHECK(slot != nullptr, ValueError, opt, ": slot '", slot_name, "' of variable ", var_label(var, i), " is None");
  TG_CHECK(slot->shape() == var.shape() && slot->dtype() == var.dtype(), ValueError, opt, ": slot '", slot_name,
           "' has shape ", shape_str(slot->shape()), " and dtype ", slot->dtype(), " but variable ", var_label(var, i),
           " has shape ", shape_str(var.shape()), " and dtype ", var.dtype());
}

// Runs `run` (an overloaded *_run entry point) over every variable, splitting
// large ones across the thread pool. slot_lists[k] may be null (slot unused).
template <class Run>
void apply_all(const char* opt, const VarList& vars, const TensorList& grads,
               std::array<const VarList*, kMaxSlots> slot_lists, std::array<const char*, kMaxSlots> slot_names,
               const Params& p, Run&& run) {
  for (size_t i = 0; i < vars.size(); ++i) {
    TG_CHECK(vars[i] != nullptr, ValueError, opt, ": variable #", i, " is None");
    Variable& var = *vars[i];
    // Take the gradient first: while we hold it, a gradient that aliases the
    // variable's memory forces writable() to copy instead of clobbering it.
    Tensor g = checked_gradient(opt, i, var, grads[i]);
    std::array<Variable*, kMaxSlots> slot_vars{};
    for (int k = 0; k < kMaxSlots; ++k) {
      if (!slot_lists[k]) continue;
      slot_vars[k] = (*slot_lists[k])[i].get();
      check_slot(opt, slot_names[k], i, var, slot_vars[k]);
    }
    Tensor& w = writable_contiguous(var);
    std::array<Tensor*, kMaxSlots> slot_vals{};
    for (int k = 0; k < kMaxSlots; ++k)
      if (slot_vars[k]) slot_vals[k] = &writable_contiguous(*slot_vars[k]);

    const int64_t n = w.numel();
    TG_DISPATCH_FLOAT(var.dtype(), opt, {
      T* wp = w.data<T>();
      const T* gp = g.data<T>();
      std::array<T*, kMaxSlots> sp{};
      for (int k = 0; k < kMaxSlots; ++k) sp[k] = slot_vals[k] ? slot_vals[k]->template data<T>() : nullptr;
      parallel_for(n, g_parallel_elems.load(std::memory_order_relaxed), [&](int64_t b, int64_t e) {
        std::array<T*, kMaxSlots> chunk{};
        for (int k = 0; k < kMaxSlots; ++k) chunk[k] = sp[k] ? sp[k] + b : nullptr;
        run(wp + b, gp + b, chunk.data(), e - b, p);
      });
    });
  }
}

double checked_lr(const char* opt, double lr) {
  TG_CHECK(std::isfinite(lr), ValueError, opt, ": learning rate must be finite, got ", lr);
  return lr;
}

}  // namespace

void sgd_update(const VarList& vars, const TensorList& grads, const VarList& momentums, double lr,
                double momentum, bool nesterov, double weight_decay) {
  const char* opt = "SGD";
  const bool use_momentum = momentum != 0.0;
  check_lengths(opt, vars, grads, {});
  if (use_momentum) check_lengths(opt, vars, grads, {{"momentum", &momentums}});
  Params p;
  p.lr = checked_lr(opt, lr);
  p.decay = weight_decay * lr;
  p.a = momentum;
  p.flag1 = use_momentum;
  p.flag2 = nesterov;
  apply_all(opt, vars, grads, {use_momentum ? &momentums : nullptr, nullptr, nullptr},
            {"momentum", nullptr, nullptr}, p,
            [](auto* w, auto* g, auto* const* s, int64_t n, const Params& q) { sgd_run(w, g, s, n, q); });
}

void rmsprop_update(const VarList& vars, const TensorList& grads, const VarList& velocities,
                    const VarList& average_grads, const VarList& momentums, double lr, double rho,
                    double momentum, double epsilon, bool centered, double weight_decay) {
  const char* opt = "RMSprop";
  const bool use_momentum = momentum > 0.0;
  check_lengths(opt, vars, grads, {{"velocity", &velocities}});
  if (centered) check_lengths(opt, vars, grads, {{"average_gradient", &average_grads}});
  if (use_momentum) check_lengths(opt, vars, grads, {{"momentum", &momentums}});
  Params p;
  p.lr = checked_lr(opt, lr);
  p.decay = weight_decay * lr;
  p.a = rho;
  p.b = momentum;
  p.c = epsilon;
  p.flag1 = centered;
  p.flag2 = use_momentum;
  apply_all(opt, vars, grads,
            {&velocities, centered ? &average_grads : nullptr, use_momentum ? &momentums : nullptr},
            {"velocity", "average_gradient", "momentum"}, p,
            [](auto* w, auto* g, auto* const* s, int64_t n, const Params& q) { rmsprop_run(w, g, s, n, q); });
}

void adam_update(const VarList& vars, const TensorList& grads, const VarList& ms, const VarList& vs,
                 const VarList& v_hats, double lr, double beta_1, double beta_2, double epsilon, int64_t step,
                 double weight_decay) {
  const char* opt = "Adam";
  TG_CHECK(step >= 1, ValueError, opt, ": step must be >= 1 (1-based update count), got ", step);
  const bool amsgrad = !v_hats.empty();
  check_lengths(opt, vars, grads, {{"momentum", &ms}, {"velocity", &vs}});
  if (amsgrad) check_lengths(opt, vars, grads, {{"velocity_hat", &v_hats}});
  Params p;
  const double t = double(step);
  p.lr = checked_lr(opt, lr) * std::sqrt(1 - std::pow(beta_2, t)) / (1 - std::pow(beta_1, t));
  p.decay = weight_decay * lr;
  p.a = beta_1;
  p.b = beta_2;
  p.c = epsilon;
  p.flag1 = amsgrad;
  apply_all(opt, vars, grads, {&ms, &vs, amsgrad ? &v_hats : nullptr}, {"momentum", "velocity", "velocity_hat"}, p,
            [](auto* w, auto* g, auto* const* s, int64_t n, const Params& q) { adam_run(w, g, s, n, q); });
}

void adagrad_update(const VarList& vars, const TensorList& grads, const VarList& accumulators, double lr,
                    double epsilon, double weight_decay) {
  const char* opt = "Adagrad";
  check_lengths(opt, vars, grads, {{"accumulator", &accumulators}});
  Params p;
  p.lr = checked_lr(opt, lr);
  p.decay = weight_decay * lr;
  p.c = epsilon;
  apply_all(opt, vars, grads, {&accumulators, nullptr, nullptr}, {"accumulator", nullptr, nullptr}, p,
            [](auto* w, auto* g, auto* const* s, int64_t n, const Params& q) { adagrad_run(w, g, s, n, q); });
}

void adadelta_update(const VarList& vars, const TensorList& grads, const VarList& accumulated_grads,
                     const VarList& accumulated_deltas, double lr, double rho, double epsilon,
                     double weight_decay) {
  const char* opt = "Adadelta";
  check_lengths(opt, vars, grads, {{"accumulated_grad", &accumulated_grads},
                                   {"accumulated_delta_var", &accumulated_deltas}});
  Params p;
  p.lr = checked_lr(opt, lr);
  p.decay = weight_decay * lr;
  p.a = rho;
  p.c = epsilon;
  apply_all(opt, vars, grads, {&accumulated_grads, &accumulated_deltas, nullptr},
            {"accumulated_grad", "accumulated_delta_var", nullptr}, p,
            [](auto* w, auto* g, auto* const* s, int64_t n, const Params& q) { adadelta_run(w, g, s, n, q); });
}

void set_parallel_elems(int64_t n) { g_parallel_elems.store(n > 0 ? n : kDefaultOptimParallelElems); }
int64_t parallel_elems() { return g_parallel_elems.load(); }

}  // namespace tg::optim

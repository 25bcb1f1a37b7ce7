// Fused optimizer updates (see ops_optim.h for the formulas).
//
// Per variable: check the gradient and slots against the variable, make every
// operand contiguous memory that may be written in place (Variable::writable
// applies copy-on-write when someone else still holds the old value), then run
// the update's kernel (op/update.h: the kernel registry of backend/update.h)
// over the operands' pointers. The CPU kernels are the loops of
// simd/optim_impl.h, compiled once per instruction-set level and picked at
// load time with the element-wise loops.
#include "ops_optim.h"

#include <array>
#include <atomic>
#include <cmath>
#include <string>

#include "op/update.h"
#include "ops.h"

namespace tg::optim {
namespace {

// An update streams ~28 bytes per element at memory speed. The pool's caller
// claims chunks too and a parked worker holds back one chunk only (parallel.h),
// so a split costs little on a busy machine; the grain keeps chunks large
// enough to amortise a wake-up (bench/RESULTS.md has the measurement).
constexpr int64_t kDefaultOptimParallelElems = int64_t(1) << 16;
std::atomic<int64_t> g_parallel_elems{kDefaultOptimParallelElems};

using Params = UpdateParams;
constexpr int kMaxSlots = kMaxUpdateSlots;

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

// Runs the update `kind` over every variable; the kernel splits large ones
// over its threads in chunks of the parallel_elems() grain. slot_lists[k] may
// be null (slot unused).
void apply_all(const char* opt, UpdateKind kind, const VarList& vars, const TensorList& grads,
               std::array<const VarList*, kMaxSlots> slot_lists, std::array<const char*, kMaxSlots> slot_names,
               const Params& p) {
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
    std::array<const Tensor*, kMaxSlots> slot_vals{};
    for (int k = 0; k < kMaxSlots; ++k)
      if (slot_vars[k]) slot_vals[k] = &writable_contiguous(*slot_vars[k]);
    op::run_update(kind, w, g, slot_vals, p, g_parallel_elems.load(std::memory_order_relaxed));
  }
}

double checked_lr(const char* opt, double lr) {
  TG_CHECK(std::isfinite(lr), ValueError, opt, ": learning rate must be finite, got ", lr);
  return lr;
}

// The fields every update reads: the learning rate and Keras's decoupled decay (weight_decay * lr).
Params lr_and_decay(const char* opt, double lr, double weight_decay) {
  Params p;
  p.lr = checked_lr(opt, lr);
  p.decay = weight_decay * lr;
  return p;
}

}  // namespace

void sgd_update(const VarList& vars, const TensorList& grads, const VarList& momentums, double lr,
                double momentum, bool nesterov, double weight_decay) {
  const char* opt = "SGD";
  const bool use_momentum = momentum != 0.0;
  check_lengths(opt, vars, grads, {});
  if (use_momentum) check_lengths(opt, vars, grads, {{"momentum", &momentums}});
  Params p = lr_and_decay(opt, lr, weight_decay);
  p.a = momentum;
  p.flag1 = use_momentum;
  p.flag2 = nesterov;
  apply_all(opt, UpdateKind::Sgd, vars, grads, {use_momentum ? &momentums : nullptr, nullptr, nullptr},
            {"momentum", nullptr, nullptr}, p);
}

void rmsprop_update(const VarList& vars, const TensorList& grads, const VarList& velocities,
                    const VarList& average_grads, const VarList& momentums, double lr, double rho,
                    double momentum, double epsilon, bool centered, double weight_decay) {
  const char* opt = "RMSprop";
  const bool use_momentum = momentum > 0.0;
  check_lengths(opt, vars, grads, {{"velocity", &velocities}});
  if (centered) check_lengths(opt, vars, grads, {{"average_gradient", &average_grads}});
  if (use_momentum) check_lengths(opt, vars, grads, {{"momentum", &momentums}});
  Params p = lr_and_decay(opt, lr, weight_decay);
  p.a = rho;
  p.b = momentum;
  p.c = epsilon;
  p.flag1 = centered;
  p.flag2 = use_momentum;
  apply_all(opt, UpdateKind::RmsProp, vars, grads,
            {&velocities, centered ? &average_grads : nullptr, use_momentum ? &momentums : nullptr},
            {"velocity", "average_gradient", "momentum"}, p);
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
  apply_all(opt, UpdateKind::Adam, vars, grads, {&ms, &vs, amsgrad ? &v_hats : nullptr},
            {"momentum", "velocity", "velocity_hat"}, p);
}

void adagrad_update(const VarList& vars, const TensorList& grads, const VarList& accumulators, double lr,
                    double epsilon, double weight_decay) {
  const char* opt = "Adagrad";
  check_lengths(opt, vars, grads, {{"accumulator", &accumulators}});
  Params p = lr_and_decay(opt, lr, weight_decay);
  p.c = epsilon;
  apply_all(opt, UpdateKind::Adagrad, vars, grads, {&accumulators, nullptr, nullptr},
            {"accumulator", nullptr, nullptr}, p);
}

void adadelta_update(const VarList& vars, const TensorList& grads, const VarList& accumulated_grads,
                     const VarList& accumulated_deltas, double lr, double rho, double epsilon,
                     double weight_decay) {
  const char* opt = "Adadelta";
  check_lengths(opt, vars, grads, {{"accumulated_grad", &accumulated_grads},
                                   {"accumulated_delta_var", &accumulated_deltas}});
  Params p = lr_and_decay(opt, lr, weight_decay);
  p.a = rho;
  p.c = epsilon;
  apply_all(opt, UpdateKind::Adadelta, vars, grads, {&accumulated_grads, &accumulated_deltas, nullptr},
            {"accumulated_grad", "accumulated_delta_var", nullptr}, p);
}

void nadam_update(const VarList& vars, const TensorList& grads, const VarList& ms, const VarList& vs, double lr,
                  double beta_1, double beta_2, double epsilon, int64_t step, double u_product,
                  double weight_decay) {
  const char* opt = "Nadam";
  TG_CHECK(step >= 1, ValueError, opt, ": step must be >= 1 (1-based update count), got ", step);
  check_lengths(opt, vars, grads, {{"momentum", &ms}, {"velocity", &vs}});
  const double t = double(step);
  const double u_t = beta_1 * (1 - 0.5 * std::pow(0.96, t));
  const double u_next = beta_1 * (1 - 0.5 * std::pow(0.96, t + 1));
  Params p = lr_and_decay(opt, lr, weight_decay);
  p.a = beta_1;
  p.b = beta_2;
  p.c = epsilon;
  p.d = u_next / (1 - u_product * u_next);
  p.e = (1 - u_t) / (1 - u_product);
  p.f = 1 - std::pow(beta_2, t);
  apply_all(opt, UpdateKind::Nadam, vars, grads, {&ms, &vs, nullptr}, {"momentum", "velocity", nullptr}, p);
}

void adamax_update(const VarList& vars, const TensorList& grads, const VarList& ms, const VarList& us, double lr,
                   double beta_1, double beta_2, double epsilon, int64_t step, double weight_decay) {
  const char* opt = "Adamax";
  TG_CHECK(step >= 1, ValueError, opt, ": step must be >= 1 (1-based update count), got ", step);
  check_lengths(opt, vars, grads, {{"momentum", &ms}, {"norm", &us}});
  Params p = lr_and_decay(opt, lr, weight_decay);
  p.a = beta_1;
  p.b = beta_2;
  p.c = epsilon;
  p.d = 1 - std::pow(beta_1, double(step));
  apply_all(opt, UpdateKind::Adamax, vars, grads, {&ms, &us, nullptr}, {"momentum", "norm", nullptr}, p);
}

void lion_update(const VarList& vars, const TensorList& grads, const VarList& ms, double lr, double beta_1,
                 double beta_2, double weight_decay) {
  const char* opt = "Lion";
  check_lengths(opt, vars, grads, {{"momentum", &ms}});
  Params p = lr_and_decay(opt, lr, weight_decay);
  p.a = beta_1;
  p.b = beta_2;
  apply_all(opt, UpdateKind::Lion, vars, grads, {&ms, nullptr, nullptr}, {"momentum", nullptr, nullptr}, p);
}

void ftrl_update(const VarList& vars, const TensorList& grads, const VarList& accumulators,
                 const VarList& linears, double lr, double learning_rate_power, double l1, double l2,
                 double l2_shrinkage, double beta, double weight_decay) {
  const char* opt = "Ftrl";
  check_lengths(opt, vars, grads, {{"accumulator", &accumulators}, {"linear", &linears}});
  TG_CHECK(lr > 0, ValueError, opt, ": learning rate must be > 0 (it divides the accumulator term), got ", lr);
  Params p = lr_and_decay(opt, lr, weight_decay);
  p.a = -learning_rate_power;
  p.b = l1;
  p.c = 2 * (l2 + beta / (2 * lr));
  p.d = 2 * l2_shrinkage;
  p.flag1 = learning_rate_power == -0.5;
  apply_all(opt, UpdateKind::Ftrl, vars, grads, {&accumulators, &linears, nullptr}, {"accumulator", "linear", nullptr},
            p);
}

void ema_update(const VarList& averages, const TensorList& values, double momentum) {
  const char* opt = "EMA";
  check_lengths(opt, averages, values, {});
  TG_CHECK(momentum >= 0 && momentum <= 1, ValueError, opt, ": momentum must be in [0, 1], got ", momentum);
  Params p;
  p.a = momentum;
  apply_all(opt, UpdateKind::Ema, averages, values, {nullptr, nullptr, nullptr}, {nullptr, nullptr, nullptr}, p);
}

void set_parallel_elems(int64_t n) { g_parallel_elems.store(n > 0 ? n : kDefaultOptimParallelElems); }
int64_t parallel_elems() { return g_parallel_elems.load(); }

}  // namespace tg::optim

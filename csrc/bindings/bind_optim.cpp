// Python functions of the fused optimizer updates (csrc/ops_optim.h), in the
// submodule tensorgear._C.optim, used by tensorgear.keras.optimizers. Each call
// updates a whole list of variables, so one optimizer step is one crossing
// from Python. The lists are converted with the GIL held; the element loops
// run without it when the step is large enough to be worth it.
#include "backend/update.h"
#include "bindings/common.h"
#include "ops_optim.h"

namespace tg::py_bind {

namespace {
using optim::TensorList;
using optim::VarList;

int64_t total_elems(const VarList& vars) {
  int64_t n = 0;
  for (const auto& v : vars)
    if (v) n += v->value().numel();
  return n;
}
}  // namespace

void bind_optim(py::module_& m) {
  using namespace pybind11::literals;
  py::module_ o = m.def_submodule("optim", "Fused, in-place optimizer updates (one pass over memory per variable)");
  o.def("_set_parallel_elems", &optim::set_parallel_elems, "n"_a,
        "Elements per chunk when an update is split over the thread pool (<= 0: the default); for benchmarks");
  o.def("_parallel_elems", &optim::parallel_elems);
  o.def("_update_kernel_probe", [](const std::string& update, const std::string& device, py::handle dtype) {
    // Test hook: looks up the kernel slot of (update, device, dtype) as the
    // updates do, raising their NotImplementedError when it is empty.
    const DType dt = parse_dtype(dtype);
    for (int k = 0; k < kNumUpdateKinds; ++k) {
      if (update == update_name(UpdateKind(k))) {
        update_kernel_for(UpdateKind(k), parse_device(device), dt);
        return true;
      }
    }
    throw ValueError("no optimizer update named '" + update + "'");
  }, "update"_a, "device"_a, "dtype"_a);

  o.def(
      "sgd_update",
      [](const VarList& vars, const TensorList& grads, const VarList& momentums, double learning_rate,
         double momentum, bool nesterov, double weight_decay) {
        MaybeReleaseGil gil(total_elems(vars));
        optim::sgd_update(vars, grads, momentums, learning_rate, momentum, nesterov, weight_decay);
      },
      "variables"_a, "gradients"_a, "momentums"_a, "learning_rate"_a, "momentum"_a = 0.0, "nesterov"_a = false,
      "weight_decay"_a = 0.0,
      "w -= lr*g; with momentum m = momentum*m - lr*g, w += m (nesterov: w += momentum*m - lr*g)");

  o.def(
      "rmsprop_update",
      [](const VarList& vars, const TensorList& grads, const VarList& velocities, const VarList& average_grads,
         const VarList& momentums, double learning_rate, double rho, double momentum, double epsilon,
         bool centered, double weight_decay) {
        MaybeReleaseGil gil(total_elems(vars));
        optim::rmsprop_update(vars, grads, velocities, average_grads, momentums, learning_rate, rho, momentum,
                              epsilon, centered, weight_decay);
      },
      "variables"_a, "gradients"_a, "velocities"_a, "average_gradients"_a, "momentums"_a, "learning_rate"_a,
      "rho"_a = 0.9, "momentum"_a = 0.0, "epsilon"_a = 1e-7, "centered"_a = false, "weight_decay"_a = 0.0,
      "Keras RMSprop step; average_gradients is used when centered, momentums when momentum > 0");

  o.def(
      "adam_update",
      [](const VarList& vars, const TensorList& grads, const VarList& ms, const VarList& vs, const VarList& v_hats,
         double learning_rate, double beta_1, double beta_2, double epsilon, int64_t step, double weight_decay) {
        MaybeReleaseGil gil(total_elems(vars));
        optim::adam_update(vars, grads, ms, vs, v_hats, learning_rate, beta_1, beta_2, epsilon, step,
                           weight_decay);
      },
      "variables"_a, "gradients"_a, "momentums"_a, "velocities"_a, "velocity_hats"_a, "learning_rate"_a,
      "beta_1"_a = 0.9, "beta_2"_a = 0.999, "epsilon"_a = 1e-7, "step"_a = 1, "weight_decay"_a = 0.0,
      "Keras Adam step (AMSGrad when velocity_hats is non-empty, AdamW with weight_decay > 0); step is 1-based");

  o.def(
      "adagrad_update",
      [](const VarList& vars, const TensorList& grads, const VarList& accumulators, double learning_rate,
         double epsilon, double weight_decay) {
        MaybeReleaseGil gil(total_elems(vars));
        optim::adagrad_update(vars, grads, accumulators, learning_rate, epsilon, weight_decay);
      },
      "variables"_a, "gradients"_a, "accumulators"_a, "learning_rate"_a, "epsilon"_a = 1e-7,
      "weight_decay"_a = 0.0, "Keras Adagrad step");

  o.def(
      "adadelta_update",
      [](const VarList& vars, const TensorList& grads, const VarList& accumulated_grads,
         const VarList& accumulated_deltas, double learning_rate, double rho, double epsilon, double weight_decay) {
        MaybeReleaseGil gil(total_elems(vars));
        optim::adadelta_update(vars, grads, accumulated_grads, accumulated_deltas, learning_rate, rho, epsilon,
                               weight_decay);
      },
      "variables"_a, "gradients"_a, "accumulated_grads"_a, "accumulated_deltas"_a, "learning_rate"_a,
      "rho"_a = 0.95, "epsilon"_a = 1e-7, "weight_decay"_a = 0.0, "Keras Adadelta step");
  o.def(
      "nadam_update",
      [](const VarList& vars, const TensorList& grads, const VarList& ms, const VarList& vs, double learning_rate,
         double beta_1, double beta_2, double epsilon, int64_t step, double u_product, double weight_decay) {
        MaybeReleaseGil gil(total_elems(vars));
        optim::nadam_update(vars, grads, ms, vs, learning_rate, beta_1, beta_2, epsilon, step, u_product,
                            weight_decay);
      },
      "variables"_a, "gradients"_a, "momentums"_a, "velocities"_a, "learning_rate"_a, "beta_1"_a = 0.9,
      "beta_2"_a = 0.999, "epsilon"_a = 1e-7, "step"_a = 1, "u_product"_a = 0.9 * (1 - 0.5 * 0.96),
      "weight_decay"_a = 0.0,
      "Keras Nadam step; u_product is the product of the momentum schedule u_1..u_step (this step's included)");

  o.def(
      "adamax_update",
      [](const VarList& vars, const TensorList& grads, const VarList& ms, const VarList& us, double learning_rate,
         double beta_1, double beta_2, double epsilon, int64_t step, double weight_decay) {
        MaybeReleaseGil gil(total_elems(vars));
        optim::adamax_update(vars, grads, ms, us, learning_rate, beta_1, beta_2, epsilon, step, weight_decay);
      },
      "variables"_a, "gradients"_a, "momentums"_a, "norms"_a, "learning_rate"_a, "beta_1"_a = 0.9,
      "beta_2"_a = 0.999, "epsilon"_a = 1e-7, "step"_a = 1, "weight_decay"_a = 0.0, "Keras Adamax step");

  o.def(
      "lion_update",
      [](const VarList& vars, const TensorList& grads, const VarList& ms, double learning_rate, double beta_1,
         double beta_2, double weight_decay) {
        MaybeReleaseGil gil(total_elems(vars));
        optim::lion_update(vars, grads, ms, learning_rate, beta_1, beta_2, weight_decay);
      },
      "variables"_a, "gradients"_a, "momentums"_a, "learning_rate"_a, "beta_1"_a = 0.9, "beta_2"_a = 0.99,
      "weight_decay"_a = 0.0, "Keras Lion step");

  o.def(
      "ftrl_update",
      [](const VarList& vars, const TensorList& grads, const VarList& accumulators, const VarList& linears,
         double learning_rate, double learning_rate_power, double l1, double l2, double l2_shrinkage, double beta,
         double weight_decay) {
        MaybeReleaseGil gil(total_elems(vars));
        optim::ftrl_update(vars, grads, accumulators, linears, learning_rate, learning_rate_power, l1, l2,
                           l2_shrinkage, beta, weight_decay);
      },
      "variables"_a, "gradients"_a, "accumulators"_a, "linears"_a, "learning_rate"_a,
      "learning_rate_power"_a = -0.5, "l1_regularization_strength"_a = 0.0, "l2_regularization_strength"_a = 0.0,
      "l2_shrinkage_regularization_strength"_a = 0.0, "beta"_a = 0.0, "weight_decay"_a = 0.0, "Keras Ftrl step");
  o.def(
      "ema_update",
      [](const VarList& averages, const TensorList& values, double momentum) {
        MaybeReleaseGil gil(total_elems(averages));
        optim::ema_update(averages, values, momentum);
      },
      "averages"_a, "values"_a, "momentum"_a,
      "average = momentum*average + (1-momentum)*value for each pair (the optimizers' use_ema)");
}

}  // namespace tg::py_bind

// Python entry points of the fused optimizer kernels (csrc/ops_optim.h), in the
// submodule tensorgear._C.optim. Each call updates a whole list of variables,
// so one optimizer step costs one crossing from Python. The lists are
// converted while the GIL is held; the element loops run without it.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "../ops_optim.h"

namespace py = pybind11;
using tg::optim::TensorList;
using tg::optim::VarList;

void bind_optim(py::module_& m) {
  py::module_ o = m.def_submodule("optim", "Fused, in-place optimizer updates (one pass over memory per variable)");

  o.def(
      "sgd_update",
      [](const VarList& vars, const TensorList& grads, const VarList& momentums, double learning_rate,
         double momentum, bool nesterov, double weight_decay) {
        py::gil_scoped_release release;
        tg::optim::sgd_update(vars, grads, momentums, learning_rate, momentum, nesterov, weight_decay);
      },
      py::arg("variables"), py::arg("gradients"), py::arg("momentums"), py::arg("learning_rate"),
      py::arg("momentum") = 0.0, py::arg("nesterov") = false, py::arg("weight_decay") = 0.0,
      "w -= lr*g, or with momentum m = momentum*m - lr*g; w += m (nesterov: w += momentum*m - lr*g)");

  o.def(
      "rmsprop_update",
      [](const VarList& vars, const TensorList& grads, const VarList& velocities, const VarList& average_grads,
         const VarList& momentums, double learning_rate, double rho, double momentum, double epsilon,
         bool centered, double weight_decay) {
        py::gil_scoped_release release;
        tg::optim::rmsprop_update(vars, grads, velocities, average_grads, momentums, learning_rate, rho, momentum,
                                  epsilon, centered, weight_decay);
      },
      py::arg("variables"), py::arg("gradients"), py::arg("velocities"), py::arg("average_gradients"),
      py::arg("momentums"), py::arg("learning_rate"), py::arg("rho") = 0.9, py::arg("momentum") = 0.0,
      py::arg("epsilon") = 1e-7, py::arg("centered") = false, py::arg("weight_decay") = 0.0,
      "Keras RMSprop step; average_gradients is used when centered, momentums when momentum > 0");

  o.def(
      "adam_update",
      [](const VarList& vars, const TensorList& grads, const VarList& ms, const VarList& vs, const VarList& v_hats,
         double learning_rate, double beta_1, double beta_2, double epsilon, int64_t step, double weight_decay) {
        py::gil_scoped_release release;
        tg::optim::adam_update(vars, grads, ms, vs, v_hats, learning_rate, beta_1, beta_2, epsilon, step,
                               weight_decay);
      },
      py::arg("variables"), py::arg("gradients"), py::arg("momentums"), py::arg("velocities"),
      py::arg("velocity_hats"), py::arg("learning_rate"), py::arg("beta_1") = 0.9, py::arg("beta_2") = 0.999,
      py::arg("epsilon") = 1e-7, py::arg("step") = 1, py::arg("weight_decay") = 0.0,
      "Keras Adam step (amsgrad when velocity_hats is non-empty; AdamW with weight_decay > 0); step is 1-based");

  o.def(
      "adagrad_update",
      [](const VarList& vars, const TensorList& grads, const VarList& accumulators, double learning_rate,
         double epsilon, double weight_decay) {
        py::gil_scoped_release release;
        tg::optim::adagrad_update(vars, grads, accumulators, learning_rate, epsilon, weight_decay);
      },
      py::arg("variables"), py::arg("gradients"), py::arg("accumulators"), py::arg("learning_rate"),
      py::arg("epsilon") = 1e-7, py::arg("weight_decay") = 0.0, "Keras Adagrad step");

  o.def(
      "adadelta_update",
      [](const VarList& vars, const TensorList& grads, const VarList& accumulated_grads,
         const VarList& accumulated_deltas, double learning_rate, double rho, double epsilon, double weight_decay) {
        py::gil_scoped_release release;
        tg::optim::adadelta_update(vars, grads, accumulated_grads, accumulated_deltas, learning_rate, rho, epsilon,
                                   weight_decay);
      },
      py::arg("variables"), py::arg("gradients"), py::arg("accumulated_grads"), py::arg("accumulated_deltas"),
      py::arg("learning_rate"), py::arg("rho") = 0.95, py::arg("epsilon") = 1e-7, py::arg("weight_decay") = 0.0,
      "Keras Adadelta step");
}

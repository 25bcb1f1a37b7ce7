// tensorgear._C.dense: the fused Dense-layer forward used by keras.layers.Dense.
#include "bindings/common.h"

namespace tg::py_bind {

void bind_dense(py::module_& m) {
  using namespace pybind11::literals;
  m.def("dense", [](const Tensor& x, const Tensor& kernel, py::object bias, py::object activation) {
    Tensor b = bias.is_none() ? Tensor() : to_tensor(bias);
    ops::DenseActivation act = ops::DenseActivation::None;
    if (!activation.is_none()) {
      std::string a = py::str(activation);
      if (a == "relu") act = ops::DenseActivation::Relu;
      else TG_CHECK(a == "linear" || a.empty(), ValueError, "dense: fused activation must be None, 'linear' or 'relu', got '", a, "'");
    }
    MaybeReleaseGil gil(x.numel() * kernel.shape().back());
    return ops::dense(x, kernel, b, act);
  }, "x"_a, "kernel"_a, "bias"_a = py::none(), "activation"_a = py::none());
}

}  // namespace tg::py_bind

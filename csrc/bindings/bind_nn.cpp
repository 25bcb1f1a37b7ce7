// Python functions of the neural-network kernels (exposed under tg.nn).
#include "bindings/common.h"

namespace tg::py_bind {

void bind_nn(py::module_& m) {
  using namespace pybind11::literals;
  m.def("softmax", [](const Tensor& logits, int64_t axis, py::object) { return ops::softmax(logits, axis); },
        "logits"_a, "axis"_a = -1, "name"_a = py::none());
  m.def("log_softmax", [](const Tensor& logits, int64_t axis, py::object) { return ops::log_softmax(logits, axis); },
        "logits"_a, "axis"_a = -1, "name"_a = py::none());
}

}  // namespace tg::py_bind

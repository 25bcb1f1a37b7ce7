// Python functions of the shape ops (reshape, transpose, concat, ...).
#include "bindings/common.h"

namespace tg::py_bind {

void bind_shape(py::module_& m) {
  using namespace pybind11::literals;
  m.def("reshape", [](const Tensor& t, py::handle shape, py::object) { return ops::reshape(t, parse_shape(shape)); },
        "tensor"_a, "shape"_a, "name"_a = py::none());
  m.def("broadcast_to", [](const Tensor& t, py::handle shape, py::object) {
    return ops::broadcast_to(t, parse_shape(shape));
  }, "input"_a, "shape"_a, "name"_a = py::none());
}

}  // namespace tg::py_bind

// Python functions of the linear-algebra ops.
#include "bindings/common.h"

namespace tg::py_bind {

void bind_linalg(py::module_& m) {
  using namespace pybind11::literals;
  m.def("matmul", [](const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b, py::object) {
    MaybeReleaseGil gil(std::max(a.numel(), b.numel()));
    return ops::matmul(a, b, transpose_a, transpose_b);
  }, "a"_a, "b"_a, "transpose_a"_a = false, "transpose_b"_a = false, "name"_a = py::none());
}

}  // namespace tg::py_bind

// Python functions of the reductions (TensorFlow names: reduce_sum, ...).
#include "bindings/common.h"

namespace tg::py_bind {

namespace {
template <Tensor (*Op)(const Tensor&, const ops::Axes&, bool)>
Tensor reduce(const Tensor& x, py::handle axis, bool keepdims, py::object) {
  ops::Axes axes = parse_axes(axis);
  MaybeReleaseGil gil(x.numel());
  return Op(x, axes, keepdims);
}

template <Tensor (*Op)(const Tensor&, int64_t, DType)>
Tensor arg(const Tensor& x, py::object axis, py::object output_type, py::object) {
  // TF: axis None means 0.
  const int64_t ax = axis.is_none() ? 0 : axis.attr("__index__")().cast<int64_t>();
  const DType dt = parse_optional_dtype(output_type).value_or(DType::Int64);
  MaybeReleaseGil gil(x.numel());
  return Op(x, ax, dt);
}
}  // namespace

void bind_reduce(py::module_& m) {
  using namespace pybind11::literals;
#define TG_BIND_REDUCE(pyname, fn) \
  m.def(pyname, &reduce<&ops::fn>, "input_tensor"_a, "axis"_a = py::none(), "keepdims"_a = false, "name"_a = py::none());
  TG_BIND_REDUCE("reduce_sum", sum)
  TG_BIND_REDUCE("reduce_mean", mean)
  TG_BIND_REDUCE("reduce_max", max)
  TG_BIND_REDUCE("reduce_min", min)
  TG_BIND_REDUCE("reduce_prod", prod)
  TG_BIND_REDUCE("reduce_any", any)
  TG_BIND_REDUCE("reduce_all", all)
  TG_BIND_REDUCE("reduce_logsumexp", logsumexp)
  TG_BIND_REDUCE("reduce_variance", variance)
  TG_BIND_REDUCE("reduce_std", reduce_std)
#undef TG_BIND_REDUCE
  m.def("argmax", &arg<&ops::argmax>, "input"_a, "axis"_a = py::none(), "output_type"_a = py::none(),
        "name"_a = py::none());
  m.def("argmin", &arg<&ops::argmin>, "input"_a, "axis"_a = py::none(), "output_type"_a = py::none(),
        "name"_a = py::none());
}

}  // namespace tg::py_bind

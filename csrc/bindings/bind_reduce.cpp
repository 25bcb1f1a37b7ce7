// Python functions of the reductions (TensorFlow names: reduce_sum, ...).
#include "bindings/common.h"

namespace tg::py_bind {

namespace {
// Plain ints and tuples/lists of them without a round trip through Python
// calls (a reduction of a small tensor costs less than parsing its axes the
// general way); everything else (tensors, NumPy integers) goes to parse_axes.
ops::Axes axes_of(py::handle axis) {
  PyObject* o = axis.ptr();
  if (o == Py_None) return std::nullopt;
  if (PyLong_CheckExact(o)) {
    const long long v = PyLong_AsLongLong(o);
    if (!(v == -1 && PyErr_Occurred())) return std::vector<int64_t>{v};
    PyErr_Clear();
  } else if (PyTuple_CheckExact(o) || PyList_CheckExact(o)) {
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(o);
    PyObject** items = PySequence_Fast_ITEMS(o);
    std::vector<int64_t> out;
    out.reserve(size_t(n));
    for (Py_ssize_t i = 0; i < n; ++i) {
      if (!PyLong_CheckExact(items[i])) return parse_axes(axis);
      const long long v = PyLong_AsLongLong(items[i]);
      if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        return parse_axes(axis);
      }
      out.push_back(v);
    }
    return out;
  }
  // Arrays and tensors of axes (parse_axes takes anything with __index__,
  // which NumPy arrays have, for a single axis).
  if (py::hasattr(axis, "ndim") && axis.attr("ndim").cast<int64_t>() > 0) return parse_shape(axis, "axis");
  return parse_axes(axis);
}

template <Tensor (*Op)(const Tensor&, const ops::Axes&, bool)>
Tensor reduce(const Tensor& x, py::handle axis, bool keepdims, py::object) {
  ops::Axes axes = axes_of(axis);
  MaybeReleaseGil gil(x.numel());
  return Op(x, axes, keepdims);
}

template <Tensor (*Op)(const Tensor&, int64_t, DType)>
Tensor arg(const Tensor& x, py::object axis, py::object output_type, py::object) {
  // TF: axis None means 0.
  const int64_t ax = axis.is_none() ? 0
                   : PyLong_CheckExact(axis.ptr()) ? axis.cast<int64_t>()
                                                   : axis.attr("__index__")().cast<int64_t>();
  const DType dt = parse_optional_dtype(output_type).value_or(DType::Int64);
  MaybeReleaseGil gil(x.numel());
  return Op(x, ax, dt);
}

template <Tensor (*Op)(const Tensor&, int64_t, bool, bool)>
Tensor scan(const Tensor& x, py::handle axis, bool exclusive, bool reverse, py::object) {
  const int64_t ax = parse_int(axis, "cumsum/cumprod: axis");
  MaybeReleaseGil gil(x.numel());
  return Op(x, ax, exclusive, reverse);
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
  m.def("cumsum", &scan<&ops::cumsum>, "x"_a, "axis"_a = 0, "exclusive"_a = false, "reverse"_a = false,
        "name"_a = py::none(), "Cumulative sum along axis (TensorFlow's exclusive and reverse flags)");
  m.def("cumprod", &scan<&ops::cumprod>, "x"_a, "axis"_a = 0, "exclusive"_a = false, "reverse"_a = false,
        "name"_a = py::none(), "Cumulative product along axis (TensorFlow's exclusive and reverse flags)");
  m.def("argmin", &arg<&ops::argmin>, "input"_a, "axis"_a = py::none(), "output_type"_a = py::none(),
        "name"_a = py::none());
}

}  // namespace tg::py_bind

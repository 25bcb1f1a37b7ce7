// Python functions of sorting (csrc/ops_sort.cpp): TensorFlow's tf.sort,
// tf.argsort and tf.math.top_k, and NumPy's take_along_axis for keras.ops.
#include "bindings/common.h"

namespace tg::py_bind {

namespace {

// TF's direction argument; anything else is a ValueError naming it.
bool descending_of(const std::string& direction, const char* fn) {
  TG_CHECK(direction == "ASCENDING" || direction == "DESCENDING", ValueError, fn,
           ": direction must be 'ASCENDING' or 'DESCENDING', got '", direction, "'");
  return direction == "DESCENDING";
}

int64_t axis_of(py::handle axis, const char* what) {
  TG_CHECK(!axis.is_none(), TypeError, what, " must be an integer, got None");
  return parse_int(axis, what);
}

}  // namespace

void bind_sort(py::module_& m) {
  using namespace pybind11::literals;
  m.def("sort", [](const Tensor& values, py::handle axis, const std::string& direction, py::object) {
    const bool desc = descending_of(direction, "sort");
    const int64_t ax = axis_of(axis, "sort: axis");
    MaybeReleaseGil gil(values.numel() * 16);
    return ops::sort(values, ax, desc);
  }, "values"_a, "axis"_a = -1, "direction"_a = "ASCENDING", "name"_a = py::none(),
     "The values sorted along axis (a stable sort; NaN is the largest value)");
  m.def("argsort", [](const Tensor& values, py::handle axis, const std::string& direction, bool, py::object) {
    const bool desc = descending_of(direction, "argsort");
    const int64_t ax = axis_of(axis, "argsort: axis");
    MaybeReleaseGil gil(values.numel() * 16);
    return ops::argsort(values, ax, desc, DType::Int32);
  }, "values"_a, "axis"_a = -1, "direction"_a = "ASCENDING", "stable"_a = false, "name"_a = py::none(),
     "int32 positions that sort values along axis (always a stable sort)");
  m.def("_argsort", [](const Tensor& values, int64_t axis, bool descending, py::object dtype) {
    const DType index_dtype = parse_optional_dtype(dtype).value_or(DType::Int64);
    MaybeReleaseGil gil(values.numel() * 16);
    return ops::argsort(values, axis, descending, index_dtype);
  }, "values"_a, "axis"_a = -1, "descending"_a = false, "dtype"_a = py::none());
  m.def("_top_k", [](const Tensor& input, py::handle k) {
    const int64_t kk = parse_int(k, "top_k: k");
    std::pair<Tensor, Tensor> result;
    {
      MaybeReleaseGil gil(input.numel() * 16);
      result = ops::top_k(input, kk);
    }  // the tuple is a Python object: built with the GIL held
    return py::make_tuple(result.first, result.second);
  }, "input"_a, "k"_a = 1, "(values, int32 indices) of the k largest entries along the last axis");
  m.def("_take_along_axis", [](const Tensor& t, py::handle indices, py::handle axis) {
    const Tensor idx = to_tensor(indices);
    const int64_t ax = axis_of(axis, "take_along_axis: axis");
    MaybeReleaseGil gil(idx.numel() * 16);
    return ops::take_along_axis(t, idx, ax);
  }, "arr"_a, "indices"_a, "axis"_a);
}

}  // namespace tg::py_bind

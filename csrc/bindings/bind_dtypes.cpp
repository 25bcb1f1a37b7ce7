// tg.float32 and friends: small Python objects that compare equal to their
// names and to the NumPy dtypes, as tf.DType does.
#include "bindings/common.h"

namespace tg::py_bind {

namespace {
struct PyDType {
  DType d;
};
std::vector<py::object>& dtype_objects() {
  static std::vector<py::object>* v = new std::vector<py::object>();
  return *v;
}
}  // namespace

py::object dtype_object(DType d) { return dtype_objects().at(size_t(d)); }

void bind_dtypes(py::module_& m) {
  py::class_<PyDType> cls(m, "DType");
  cls.def_property_readonly("name", [](const PyDType& x) { return dtype_name(x.d); });
  cls.def_property_readonly("_tg_dtype", [](const PyDType& x) { return int(x.d); });
  cls.def_property_readonly("is_floating", [](const PyDType& x) { return is_floating(x.d); });
  cls.def_property_readonly("is_integer", [](const PyDType& x) { return is_integer(x.d); });
  cls.def_property_readonly("is_bool", [](const PyDType& x) { return x.d == DType::Bool; });
  cls.def_property_readonly("size", [](const PyDType& x) { return itemsize(x.d); });
  cls.def_property_readonly("itemsize", [](const PyDType& x) { return itemsize(x.d); });
  cls.def_property_readonly("as_numpy_dtype", [](const PyDType& x) {
    return py::module_::import("numpy").attr(dtype_name(x.d) == std::string("bool") ? "bool_" : dtype_name(x.d));
  });
  cls.def_property_readonly("min", [](const PyDType& x) -> py::object {
    auto np = py::module_::import("numpy");
    if (x.d == DType::Bool) return py::bool_(false);
    return is_floating(x.d) ? np.attr("finfo")(dtype_name(x.d)).attr("min") : np.attr("iinfo")(dtype_name(x.d)).attr("min");
  });
  cls.def_property_readonly("max", [](const PyDType& x) -> py::object {
    auto np = py::module_::import("numpy");
    if (x.d == DType::Bool) return py::bool_(true);
    return is_floating(x.d) ? np.attr("finfo")(dtype_name(x.d)).attr("max") : np.attr("iinfo")(dtype_name(x.d)).attr("max");
  });
  cls.def("__repr__", [](const PyDType& x) { return str("tg.", dtype_name(x.d)); });
  cls.def("__str__", [](const PyDType& x) { return str("<dtype: '", dtype_name(x.d), "'>"); });
  cls.def("__eq__", [](const PyDType& x, py::handle other) {
    if (other.is_none()) return false;
    try {
      return parse_dtype(other) == x.d;
    } catch (const TypeError&) {
      return false;
    }
  });
  cls.def("__ne__", [](const PyDType& x, py::handle other) {
    if (other.is_none()) return true;
    try {
      return parse_dtype(other) != x.d;
    } catch (const TypeError&) {
      return true;
    }
  });
  cls.def("__hash__", [](const PyDType& x) { return py::hash(py::str(dtype_name(x.d))); });
  cls.def("__reduce__", [](const PyDType& x) {
    return py::make_tuple(py::module_::import("tensorgear").attr("as_dtype"), py::make_tuple(dtype_name(x.d)));
  });
  for (int i = 0; i < kNumDTypes; ++i) {
    py::object o = py::cast(PyDType{DType(i)});
    dtype_objects().push_back(o);
    m.attr(dtype_name(DType(i))) = o;
  }
  m.def("as_dtype", [](py::handle x) { return dtype_object(parse_dtype(x)); }, py::arg("type_value"));
}

}  // namespace tg::py_bind

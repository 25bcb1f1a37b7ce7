// Python values -> tensors and back.
#include <climits>
#include <cstdint>
#include <cstring>

#include "bindings/common.h"

namespace tg::py_bind {

namespace {

py::module_ numpy() {
  // Leaked on purpose: a static py::module_ would be released by a C++ exit
  // handler after the interpreter is gone (a crash at exit).
  static py::handle np = py::module_::import("numpy").release();
  return py::reinterpret_borrow<py::module_>(np);
}

// NumPy dtype -> ours. Narrow integer and half types widen losslessly; what
// has no lossless home (complex, strings, objects, uint64) is a TypeError.
DType from_numpy_dtype(const py::dtype& dt, py::handle original) {
  const char kind = dt.kind();
  const int64_t size = int64_t(dt.itemsize());
  if (kind == 'b') return DType::Bool;
  if (kind == 'u') {
    if (size == 1) return DType::UInt8;
    if (size <= 4) return DType::Int64;
  }
  if (kind == 'i') {
    if (size <= 4) return DType::Int32;
    if (size == 8) return DType::Int64;
  }
  if (kind == 'f') {
    if (size <= 4) return DType::Float32;
    if (size == 8) return DType::Float64;
  }
  throw TypeError(str("unsupported dtype ", std::string(py::str(dt)), " (from ",
                      std::string(py::str(py::type::of(original).attr("__name__"))),
                      "); tensorgear supports bool, uint8, int32, int64, float32, float64"));
}

const char* numpy_name(DType d) { return dtype_name(d); }

// With `target`, the values convert straight to it (one rounding: a list of
// Python floats becomes float64 with all its digits, not through float32).
Tensor from_numpy_array(py::array arr, bool from_python_list, std::optional<DType> target = std::nullopt) {
  DType dt = from_numpy_dtype(arr.dtype(), arr);
  if (from_python_list && dt == DType::Float64) dt = DType::Float32;  // Python floats default to float32
  if (target) dt = *target;
  if (std::string(py::str(arr.dtype())) != numpy_name(dt) || !(arr.flags() & py::array::c_style)) {
    arr = py::array::ensure(arr.attr("astype")(numpy_name(dt)), py::array::c_style);
  }
  Shape shape(arr.shape(), arr.shape() + arr.ndim());
  Tensor t = Tensor::empty(shape, dt);
  if (t.nbytes()) std::memcpy(t.raw(), arr.data(), t.nbytes());
  return t;
}

Tensor from_python_scalar(py::handle obj) {
  Tensor t;
  if (PyBool_Check(obj.ptr())) {
    t = ops::scalar(obj.ptr() == Py_True ? 1.0 : 0.0, DType::Bool);
  } else if (PyLong_Check(obj.ptr())) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    TG_CHECK(!overflow, ValueError, "integer ", std::string(py::str(obj)), " does not fit in int64");
    t = Tensor::empty({}, DType::Int64);
    *t.data<int64_t>() = v;
  } else if (PyFloat_CheckExact(obj.ptr())) {
    const double v = PyFloat_AsDouble(obj.ptr());
    t = ops::scalar(v, DType::Float32);
    t.get()->weak_value = v;
  } else {
    // A float subclass (np.float64): float64 on its own (tg.constant keeps it,
    // as TF does), yet weak against tensors (x_f32 * np.float64(2) stays float32).
    t = ops::scalar(PyFloat_AsDouble(obj.ptr()), DType::Float64);
  }
  t.get()->weak = true;
  return t;
}

bool is_python_sequence(py::handle obj) { return PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr()); }

// A (nested) list or tuple as a NumPy array of its natural dtype, refusing
// ragged, string and object contents.
py::array sequence_to_array(py::handle obj) {
  py::object arr;
  try {
    arr = numpy().attr("asarray")(obj);
  } catch (py::error_already_set& e) {
    throw ValueError(str("cannot make a tensor from this nested sequence (ragged or mixed types?): ", e.what()));
  }
  py::array a = py::reinterpret_borrow<py::array>(arr);
  if (a.dtype().kind() == 'U' || a.dtype().kind() == 'S')
    throw TypeError(str("cannot make a tensor from a sequence of strings (dtype ", std::string(py::str(a.dtype())),
                        "): ", std::string(py::repr(obj)).substr(0, 200)));
  if (a.dtype().kind() == 'O')
    throw ValueError(str("cannot make a tensor from a nested sequence of ", std::string(py::str(a.dtype())),
                         " (ragged lists or non-numeric values): ", std::string(py::repr(obj)).substr(0, 200)));
  return a;
}

// The dtype a list would get on its own: float32 for floats, int64 for ints.
DType natural_dtype(const py::array& a) {
  DType dt = from_numpy_dtype(a.dtype(), a);
  return dt == DType::Float64 ? DType::Float32 : dt;
}

}  // namespace

void require_gil(const char* what) {
  // Python objects are only touched with the GIL held: a binding that parses
  // its arguments after releasing it would crash the process.
  if (!PyGILState_Check())
    throw std::logic_error(str("internal error: ", what, " called without the GIL"));
}

Tensor to_operand(py::handle obj, const Tensor& partner) {
  if (!is_python_sequence(obj) || !partner.defined()) return to_tensor(obj);
  require_gil("to_operand");
  py::array a = sequence_to_array(obj);
  const DType own = natural_dtype(a);
  // TF converts a list operand with the other operand's dtype as the hint, so
  // a list behaves like a Python scalar: x_f64 + [1.287] is exact and
  // x_i32 + [2] stays int32. A list of a higher kind (int64_tensor + [0.5]), or
  // integers the partner cannot hold, keeps its own dtype and promotes.
  auto kind = [](DType d) { return d == DType::Bool ? 0 : is_integer(d) ? 1 : 2; };
  const DType want = partner.dtype();
  bool fits = a.size() > 0 && want != DType::Bool && kind(own) <= kind(want);
  if (fits && is_integer(own) && is_integer(want) && want != DType::Int64) {
    const auto lo = a.attr("min")().cast<int64_t>(), hi = a.attr("max")().cast<int64_t>();
    const int64_t wmin = want == DType::UInt8 ? 0 : INT32_MIN, wmax = want == DType::UInt8 ? 255 : INT32_MAX;
    fits = lo >= wmin && hi <= wmax;
  }
  Tensor t = from_numpy_array(a, true, fits ? std::optional<DType>(partner.dtype()) : std::nullopt);
  if (a.ndim() == 1 && a.shape(0) == 0) t = ops::cast(t, partner.dtype() == DType::Bool ? DType::Float32 : partner.dtype());
  t.get()->host_value = true;
  return t;
}

void operand_pair(py::handle x, py::handle y, Tensor& a, Tensor& b) {
  if (is_python_sequence(x) && !is_python_sequence(y)) {
    b = to_tensor(y);
    a = to_operand(x, b);
  } else {
    a = to_tensor(x);
    b = is_python_sequence(x) ? to_tensor(y) : to_operand(y, a);
  }
}

bool is_tensor(py::handle obj) {
  return py::isinstance<TensorImpl>(obj) || py::isinstance<Variable>(obj);
}

Tensor to_tensor(py::handle obj, std::optional<DType> dtype) {
  require_gil("to_tensor");
  Tensor t;
  bool python_data = true;  // a fresh tensor made here, not the caller's
  if (py::isinstance<TensorImpl>(obj)) {
    t = Tensor(obj.cast<std::shared_ptr<TensorImpl>>());
    python_data = false;
  } else if (py::isinstance<Variable>(obj)) {
    t = obj.cast<std::shared_ptr<Variable>>()->read();
    python_data = false;
  } else if (PyBool_Check(obj.ptr()) || PyLong_Check(obj.ptr()) || PyFloat_Check(obj.ptr())) {
    if (dtype && PyFloat_Check(obj.ptr())) {
      t = ops::scalar(PyFloat_AsDouble(obj.ptr()), *dtype);
    } else {
      t = from_python_scalar(obj);
      if (dtype) t.get()->weak = false;  // cast below: an ordinary tensor of that dtype
    }
  } else if (py::isinstance<py::array>(obj)) {
    t = from_numpy_array(py::reinterpret_borrow<py::array>(obj), false);
  } else if (obj.is_none()) {
    throw TypeError("expected a tensor-like value, got None");
  } else if (is_python_sequence(obj)) {
    py::array a = sequence_to_array(obj);
    t = from_numpy_array(a, true, dtype);
    if (a.ndim() == 1 && a.shape(0) == 0 && !dtype) t = ops::cast(t, DType::Float32);
  } else if (py::hasattr(obj, "__array__") || py::isinstance(obj, numpy().attr("generic"))) {
    py::array a = py::reinterpret_borrow<py::array>(numpy().attr("asarray")(obj));
    t = from_numpy_array(a, false);
  } else {
    throw TypeError(str("expected a tensor-like value (Tensor, Variable, number, list or ndarray), got ",
                        std::string(py::str(py::type::of(obj).attr("__name__")))));
  }
  if (dtype && t.dtype() != *dtype) t = ops::cast(t, *dtype);
  if (python_data) t.get()->host_value = true;  // joins the device of the op it is passed to
  return t;
}

Tensor on_default_device(Tensor t) {
  if (!t.get()->host_value) return t;  // the user's tensor stays where it is
  // t is this conversion's own tensor: nobody else holds it to see the flag go
  Tensor placed = ops::to_device(t, default_device());
  placed.get()->host_value = false;
  return placed;
}

DType parse_dtype(py::handle obj) {
  require_gil("parse_dtype");
  if (obj.is_none()) throw TypeError("dtype must not be None here");
  if (py::isinstance<py::str>(obj)) return dtype_from_name(obj.cast<std::string>());
  if (py::hasattr(obj, "_tg_dtype")) return DType(obj.attr("_tg_dtype").cast<int>());
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) return DType::Float32;
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) return DType::Int64;
  if (obj.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) return DType::Bool;
  try {
    py::dtype dt = py::dtype::from_args(py::reinterpret_borrow<py::object>(obj));
    return from_numpy_dtype(dt, obj);
  } catch (py::error_already_set&) {
    throw TypeError(str("cannot interpret ", std::string(py::repr(obj)), " as a dtype"));
  }
}

std::optional<DType> parse_optional_dtype(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return parse_dtype(obj);
}

Shape parse_shape(py::handle obj, const char* what) {
  require_gil(what);
  Shape s;
  if (PyLong_Check(obj.ptr())) return Shape{obj.cast<int64_t>()};
  if (py::isinstance<TensorImpl>(obj)) {
    Tensor t = Tensor(obj.cast<std::shared_ptr<TensorImpl>>());
    TG_CHECK(t.ndim() <= 1 && is_integer(t.dtype()), TypeError, what, " must be a 1-D integer tensor, got shape ",
             t.shape(), " dtype ", t.dtype());
    Tensor c = ops::cast(t, DType::Int64).contiguous();
    for (int64_t i = 0; i < c.numel(); ++i) s.push_back(c.data<int64_t>()[i]);
    return s;
  }
  if (!py::isinstance<py::sequence>(obj) || py::isinstance<py::str>(obj))
    throw TypeError(str(what, " must be a sequence of integers, got ", std::string(py::repr(obj))));
  for (auto item : py::reinterpret_borrow<py::sequence>(obj)) {
    if (item.is_none()) throw ValueError(str(what, " has an unknown (None) dimension: ", std::string(py::repr(obj))));
    try {
      s.push_back(py::reinterpret_borrow<py::object>(item).attr("__index__")().cast<int64_t>());
    } catch (py::error_already_set&) {
      throw TypeError(str(what, " must contain integers, got ", std::string(py::repr(obj))));
    }
  }
  return s;
}

ops::Axes parse_axes(py::handle obj) {
  require_gil("parse_axes");
  if (obj.is_none()) return std::nullopt;
  if (PyLong_Check(obj.ptr()) || py::hasattr(obj, "__index__")) {
    if (!py::isinstance<TensorImpl>(obj) || Tensor(obj.cast<std::shared_ptr<TensorImpl>>()).ndim() == 0)
      return std::vector<int64_t>{py::reinterpret_borrow<py::object>(obj).attr("__index__")().cast<int64_t>()};
  }
  return parse_shape(obj, "axis");
}

py::array to_numpy(const Tensor& t_in) {
  // A host sync point: a device tensor is copied to the CPU first (to_device).
  const Tensor t = ops::to_device(t_in, Device{});
  const size_t isz = itemsize(t.dtype());
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  std::vector<py::ssize_t> strides;
  for (int64_t s : t.strides()) strides.push_back(py::ssize_t(s * int64_t(isz)));
  py::object base = py::cast(t.impl());
  py::array arr(py::dtype(dtype_name(t.dtype())), shape, strides, t.raw(), base);
  // Tensors are immutable: NumPy views of them are read-only.
  py::detail::array_proxy(arr.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return arr;
}

}  // namespace tg::py_bind

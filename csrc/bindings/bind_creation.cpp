// Python functions that make tensors: constant, zeros, ones, fill, range, ...
#include "bindings/common.h"

namespace tg::py_bind {

void bind_creation(py::module_& m) {
  using namespace pybind11::literals;
  // constant(value, dtype=None, shape=None): copies NumPy/list data (tensors are immutable).
  m.def("constant", [](py::handle value, py::object dtype, py::object shape, py::object) {
    auto dt = parse_optional_dtype(dtype);
    Tensor t = to_tensor(value, dt);
    if (py::isinstance<TensorImpl>(value) && t.get() == value.cast<TensorImpl*>()) t = ops::stop_gradient(t);  // a new constant
    if (t.get()->weak) {  // a constant made from a Python scalar is an ordinary tensor
      Tensor c = ops::identity(t);
      t = c;
    }
    if (!shape.is_none()) {
      const Shape s = parse_shape(shape);
      const int64_t want = shape_numel(s);
      if (t.numel() == want) {
        t = ops::reshape(t, s);
      } else {
        // TF broadcasts a single value to the shape; anything else must match.
        TG_CHECK(t.numel() == 1, ValueError, "constant: value of shape ", t.shape(), " has ", t.numel(),
                 " elements, but shape=", s, " has ", want);
        t = ops::identity(ops::broadcast_to(ops::reshape(t, {}), s));
      }
    }
    // Python data lands on the tf.device scope's device (through the host).
    Tensor placed = ops::to_device(t, default_device());
    placed.get()->host_value = false;  // placed is this call's own tensor
    return placed;
  }, "value"_a, "dtype"_a = py::none(), "shape"_a = py::none(), "name"_a = py::none());
  m.def("convert_to_tensor", [](py::handle value, py::object dtype, py::object, py::object) {
    auto dt = parse_optional_dtype(dtype);
    if (dt && py::isinstance<TensorImpl>(value)) {
      Tensor t = to_tensor(value);
      TG_CHECK(t.dtype() == *dt, ValueError, "convert_to_tensor: tensor has dtype ", t.dtype(),
               " but dtype=", *dt, " was requested; use tg.cast");
      return t;
    }
    Tensor t = to_tensor(value, dt);
    if (t.get()->weak) t = ops::identity(t);
    return on_default_device(t);
  }, "value"_a, "dtype"_a = py::none(), "dtype_hint"_a = py::none(), "name"_a = py::none());
  m.def("zeros", [](py::handle shape, py::object dtype, py::object) {
    return ops::zeros(parse_shape(shape), parse_optional_dtype(dtype).value_or(DType::Float32), default_device());
  }, "shape"_a, "dtype"_a = py::none(), "name"_a = py::none());
  m.def("ones", [](py::handle shape, py::object dtype, py::object) {
    return ops::ones(parse_shape(shape), parse_optional_dtype(dtype).value_or(DType::Float32), default_device());
  }, "shape"_a, "dtype"_a = py::none(), "name"_a = py::none());
  m.def("zeros_like", [](const Tensor& t, py::object dtype, py::object) {
    return ops::zeros_like(t, parse_optional_dtype(dtype));
  }, "input"_a, "dtype"_a = py::none(), "name"_a = py::none());
  m.def("ones_like", [](const Tensor& t, py::object dtype, py::object) {
    return ops::ones_like(t, parse_optional_dtype(dtype));
  }, "input"_a, "dtype"_a = py::none(), "name"_a = py::none());
  m.def("fill", [](py::handle dims, py::handle value, py::object) {
    const Tensor v = to_tensor(value);
    TG_CHECK(v.numel() == 1, ValueError, "fill: value must be a scalar, got shape ", v.shape());
    const Shape s = parse_shape(dims, "dims");
    for (int64_t d : s) TG_CHECK(d >= 0, ValueError, "fill: dims must be non-negative, got ", s);
    shape_numel(s);  // MemoryError for absurd sizes before any view is made
    // A broadcast copy: exact for every dtype (int64 included) and, like TF's
    // fill, differentiable with respect to the value.
    MaybeReleaseGil gil(shape_numel(s));
    return ops::identity(ops::broadcast_to(ops::reshape(v, {}), s));
  }, "dims"_a, "value"_a, "name"_a = py::none());
  m.def("eye", [](int64_t num_rows, py::object num_columns, py::object batch_shape, py::object dtype, py::object) {
    const int64_t cols = num_columns.is_none() ? num_rows : num_columns.cast<int64_t>();
    Tensor e = ops::eye(num_rows, cols, parse_optional_dtype(dtype).value_or(DType::Float32), default_device());
    if (batch_shape.is_none()) return e;
    Shape s = parse_shape(batch_shape, "batch_shape");
    for (int64_t d : s) TG_CHECK(d >= 0, ValueError, "eye: batch_shape must be non-negative, got ", s);
    s.push_back(num_rows);
    s.push_back(cols);
    Tensor out = Tensor::empty(s, e.dtype());
    copy_into(ops::broadcast_to(e, s), out);
    return out;
  }, "num_rows"_a, "num_columns"_a = py::none(), "batch_shape"_a = py::none(), "dtype"_a = py::none(),
     "name"_a = py::none());
  // range(limit) / range(start, limit, delta=1): int64 for integer arguments, else float32.
  m.def("range", [](py::handle start, py::object limit, py::handle delta, py::object dtype, py::object) {
    py::handle s = start, l = limit;
    py::object zero = py::int_(0);
    if (limit.is_none()) { l = start; s = zero; }
    auto is_int = [](py::handle h) {
      if (py::isinstance<TensorImpl>(h)) return is_integer(Tensor(h.cast<std::shared_ptr<TensorImpl>>()).dtype());
      return PyLong_Check(h.ptr()) || (!PyFloat_Check(h.ptr()) && py::hasattr(h, "__index__"));  // NumPy ints too
    };
    const bool ints = is_int(s) && is_int(l) && is_int(delta);
    const DType dt = parse_optional_dtype(dtype).value_or(ints ? DType::Int64 : DType::Float32);
    if (ints && is_integer(dt)) {  // exact: no trip through double
      auto integer = [](py::handle h) {
        py::object v = py::reinterpret_borrow<py::object>(h).attr("__index__")();
        try {
          return v.cast<int64_t>();
        } catch (const py::cast_error&) {
          throw ValueError(str("range: value ", std::string(py::str(v)), " is out of range for dtype int64"));
        }
      };
      return ops::arange_int(integer(s), integer(l), integer(delta), dt, default_device());
    }
    auto num = [](py::handle h) { return py::float_(py::reinterpret_borrow<py::object>(h)).cast<double>(); };
    return ops::arange(num(s), num(l), num(delta), dt, default_device());
  }, "start"_a, "limit"_a = py::none(), "delta"_a = 1, "dtype"_a = py::none(), "name"_a = py::none());
  m.def("linspace", [](double start, double stop, int64_t num, py::object dtype, py::object) {
    return ops::linspace(start, stop, num, parse_optional_dtype(dtype).value_or(DType::Float32), default_device());
  }, "start"_a, "stop"_a, "num"_a, "dtype"_a = py::none(), "name"_a = py::none());
  m.def("cast", [](const Tensor& x, py::handle dtype, py::object) {
    const DType to = parse_dtype(dtype);  // a Python object: read before the GIL goes
    MaybeReleaseGil gil(x.numel());
    return ops::cast(x, to);
  }, "x"_a, "dtype"_a, "name"_a = py::none());
  // Under a tf.device scope, tf.identity is the copy to that device (TF's idiom).
  m.def("identity", [](const Tensor& x, py::object) {
    const std::optional<Device> scope = scope_device();
    return scope && *scope != x.device() ? ops::to_device(x, *scope) : ops::identity(x);
  }, "input"_a, "name"_a = py::none());
  // tf.device's scope: enters `device` (None leaves); returns the previous one.
  m.def("_set_scope_device", [](py::object device) -> py::object {
    std::optional<Device> d;
    if (!device.is_none()) d = parse_device(device.cast<std::string>());
    const std::optional<Device> previous = set_scope_device(d);
    return previous ? py::object(py::str(previous->name())) : py::object(py::none());
  }, "device"_a);
  // Where tensors go outside any tf.device scope (tg.config sets GPU:0 when
  // one is visible).
  m.def("_set_default_device", [](const std::string& device) {
    const Device d = parse_device(device);
    if (d.type != DeviceType::CPU) allocator_for(d);  // ValueError when this build has no backend for it
    set_process_default_device(d);
  }, "device"_a);
  m.def("_default_device", []() { return process_default_device().name(); });
  m.def("_operand", [](py::handle value, py::object dtype) { return to_tensor(value, parse_optional_dtype(dtype)); },
        "value"_a, "dtype"_a = py::none(),
        "An op argument from Python data, for the Python ops: it joins the device of the op's tensors "
        "(a tensor is returned as it is)");
  m.def("_current_device", []() { return default_device().name(); },
        "Where new tensors go now: the innermost tf.device scope's device, else the process default");
}

}  // namespace tg::py_bind

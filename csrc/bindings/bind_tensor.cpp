// The Python Tensor type: the bound C++ TensorImpl itself (no wrapper object),
// with NumPy interop, printing, Python number protocols and operators.
#include "bindings/common.h"

namespace tg::py_bind {

namespace {

using TensorClass = py::class_<TensorImpl, std::shared_ptr<TensorImpl>>;

Tensor self_of(const std::shared_ptr<TensorImpl>& p) { return Tensor(p); }

py::object tensor_shape_type() {
  // Leaked on purpose: a static py::object would be released by a C++ exit
  // handler after the interpreter is gone (a crash at exit).
  static py::handle cls = py::object(py::module_::import("tensorgear._shape").attr("TensorShape")).release();
  return py::reinterpret_borrow<py::object>(cls);
}

std::string value_str(const Tensor& t) {
  py::array a = to_numpy(t);
  return py::str(a).cast<std::string>();
}

// Binary operator: NotImplemented for operands we do not understand, so that
// Python can try the other side.
template <Tensor (*Op)(const Tensor&, const Tensor&), bool Reflected>
py::object binary_operator(const std::shared_ptr<TensorImpl>& self, py::handle other) {
  Tensor s(self);
  Tensor o;
  try {
    o = to_operand(other, s);
  } catch (const TypeError&) {
    return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  }
  Tensor r;
  {
    MaybeReleaseGil gil(std::max(s.numel(), o.numel()));
    r = Reflected ? Op(o, s) : Op(s, o);
  }
  return py::cast(r);
}

Tensor matmul_op(const Tensor& a, const Tensor& b) { return ops::matmul(a, b); }

}  // namespace

void bind_tensor(py::module_& m) {
  TensorClass cls(m, "Tensor", py::buffer_protocol(), py::dynamic_attr() /* lets keras attach _keras_mask-like info */);
  cls.doc() = "An immutable n-dimensional array with a dtype and a device.";
  cls.def(py::init([](py::object value, py::object dtype) {
        return on_default_device(to_tensor(value, parse_optional_dtype(dtype))).impl();
      }), py::arg("value"), py::arg("dtype") = py::none());
  cls.def_property_readonly("shape", [](const std::shared_ptr<TensorImpl>& p) {
    py::tuple dims(p->shape.size());
    for (size_t i = 0; i < p->shape.size(); ++i) dims[i] = py::int_(p->shape[i]);
    return tensor_shape_type()(dims);
  });
  cls.def_property_readonly("dtype", [](const std::shared_ptr<TensorImpl>& p) { return dtype_object(p->dtype); });
  cls.def_property_readonly("ndim", [](const std::shared_ptr<TensorImpl>& p) { return p->shape.size(); });
  cls.def_property_readonly("rank", [](const std::shared_ptr<TensorImpl>& p) { return p->shape.size(); });
  cls.def_property_readonly("size", [](const std::shared_ptr<TensorImpl>& p) { return self_of(p).numel(); });
  // The one way between devices (ops::to_device: recorded, its gradient
  // copies back): t.cpu(), t.to("GPU:0").
  cls.def("cpu", [](const std::shared_ptr<TensorImpl>& p) { return ops::to_device(self_of(p), Device{}); });
  cls.def("to", [](const std::shared_ptr<TensorImpl>& p, const std::string& device) {
    return ops::to_device(self_of(p), parse_device(device));
  }, py::arg("device"));
  cls.def_property_readonly("device", [](const std::shared_ptr<TensorImpl>& p) {
    return "/job:localhost/replica:0/task:0/device:" + self_of(p).device().name();
  });
  cls.def_property_readonly("strides", [](const std::shared_ptr<TensorImpl>& p) { return p->strides; },
                            "Strides in elements (a view may have 0 or negative strides).");
  cls.def_property_readonly("_id", [](const std::shared_ptr<TensorImpl>& p) { return p->id; });
  cls.def_property_readonly("_storage_ptr", [](const std::shared_ptr<TensorImpl>& p) {
    return reinterpret_cast<uintptr_t>(p->storage->data());
  });
  cls.def("is_contiguous", [](const std::shared_ptr<TensorImpl>& p) { return self_of(p).is_contiguous(); });
  cls.def("numpy", [](const std::shared_ptr<TensorImpl>& p) -> py::object {
    Tensor t(p);
    if (t.ndim() == 0) return to_numpy(t)[py::tuple()];  // NumPy scalar, as TF returns
    return to_numpy(t);
  });
  cls.def("__array__", [](const std::shared_ptr<TensorImpl>& p, py::object dtype, py::object copy) -> py::object {
    py::object a = to_numpy(Tensor(p));
    if (!dtype.is_none()) a = a.attr("astype")(dtype);
    else if (!copy.is_none() && copy.cast<bool>()) a = a.attr("copy")();
    return a;
  }, py::arg("dtype") = py::none(), py::arg("copy") = py::none());
  cls.attr("__array_ufunc__") = py::none();  // NumPy defers to our reflected operators
  cls.attr("__array_priority__") = 1000;
  cls.def_buffer([](TensorImpl& impl) -> py::buffer_info {
    const size_t isz = itemsize(impl.dtype);
    void* ptr = static_cast<char*>(impl.storage->data()) + impl.offset * int64_t(isz);
    std::vector<py::ssize_t> shape(impl.shape.begin(), impl.shape.end()), strides;
    for (int64_t s : impl.strides) strides.push_back(py::ssize_t(s * int64_t(isz)));
    return py::buffer_info(ptr, py::ssize_t(isz), buffer_format(impl.dtype), py::ssize_t(impl.shape.size()), shape,
                           strides, true);
  });

  // Printing, TensorFlow style.
  cls.def("__str__", [](const std::shared_ptr<TensorImpl>& p) {
    Tensor t(p);
    std::string v = value_str(t);
    if (v.find('\n') != std::string::npos) v = "\n" + v;
    return str("tg.Tensor(", v, ", shape=", t.shape(), ", dtype=", t.dtype(), ")");
  });
  cls.def("__repr__", [](const std::shared_ptr<TensorImpl>& p) {
    Tensor t(p);
    std::string v = py::repr(to_numpy(t)).cast<std::string>();
    return str("<tg.Tensor: shape=", t.shape(), ", dtype=", t.dtype(), ", numpy=", v.find('\n') != std::string::npos ? "\n" : "", v, ">");
  });

  // Python protocols.
  cls.def("__len__", [](const std::shared_ptr<TensorImpl>& p) {
    TG_CHECK(!p->shape.empty(), TypeError, "len() of a 0-d tensor");
    return p->shape[0];
  });
  cls.def("__bool__", [](const std::shared_ptr<TensorImpl>& p) {
    Tensor t(p);
    TG_CHECK(t.numel() == 1, ValueError, "The truth value of a tensor with shape ", t.shape(),
             " is ambiguous; use tg.reduce_any / tg.reduce_all");
    return t.item_double() != 0.0;
  });
  cls.def("__float__", [](const std::shared_ptr<TensorImpl>& p) { return Tensor(p).item_double(); });
  cls.def("__int__", [](const std::shared_ptr<TensorImpl>& p) {
    Tensor t(p);
    return is_floating(t.dtype()) ? int64_t(t.item_double()) : t.item_int();
  });
  cls.def("__index__", [](const std::shared_ptr<TensorImpl>& p) {
    Tensor t(p);
    TG_CHECK(is_integer(t.dtype()) || t.dtype() == DType::Bool, TypeError,
             "only integer tensors with one element can be used as an index, got dtype ", t.dtype());
    return t.item_int();
  });
  cls.def("__format__", [](const std::shared_ptr<TensorImpl>& p, const std::string& spec) -> py::object {
    Tensor t(p);
    if (t.numel() == 1) {
      py::object v = is_floating(t.dtype()) ? py::object(py::float_(t.item_double()))
                     : t.dtype() == DType::Bool ? py::object(py::bool_(t.item_int() != 0))
                                                : py::object(py::int_(t.item_int()));
      return py::reinterpret_steal<py::object>(PyObject_Format(v.ptr(), py::str(spec).ptr()));
    }
    TG_CHECK(spec.empty(), TypeError, "unsupported format string '", spec, "' for a tensor of shape ", t.shape());
    return py::str(py::handle(py::cast(p)).attr("__str__")());
  });
  cls.def("__iter__", [](const std::shared_ptr<TensorImpl>& p) {
    TG_CHECK(!p->shape.empty(), TypeError, "iteration over a 0-d tensor");
    py::list rows;
    Tensor t(p);
    for (int64_t i = 0; i < t.shape()[0]; ++i) {
      Shape s(t.shape().begin() + 1, t.shape().end());
      Strides st(t.strides().begin() + 1, t.strides().end());
      rows.append(py::cast(Tensor::view_of(t, s, st, t.offset() + i * t.strides()[0])));
    }
    return py::iter(rows);
  });
  cls.def("__setitem__", [](const std::shared_ptr<TensorImpl>&, py::handle, py::handle) {
    throw TypeError("'Tensor' object does not support item assignment: tensors are immutable; "
                    "use a tg.Variable and its assign() / v[...].assign()");
  });
  cls.attr("__hash__") = py::none();  // == is element-wise, so tensors are unhashable (as in TF)

  // Operators (element-wise with broadcasting; Python scalars are weak).
#define TG_BINARY_OPERATOR(name, rname, fn)                                  \
  cls.def(name, &binary_operator<&ops::fn, false>, py::is_operator());       \
  cls.def(rname, &binary_operator<&ops::fn, true>, py::is_operator());
  TG_BINARY_OPERATOR("__add__", "__radd__", add)
  TG_BINARY_OPERATOR("__sub__", "__rsub__", subtract)
  TG_BINARY_OPERATOR("__mul__", "__rmul__", multiply)
  TG_BINARY_OPERATOR("__truediv__", "__rtruediv__", divide)
  TG_BINARY_OPERATOR("__floordiv__", "__rfloordiv__", floor_divide)
  TG_BINARY_OPERATOR("__mod__", "__rmod__", mod)
  TG_BINARY_OPERATOR("__pow__", "__rpow__", pow)
  TG_BINARY_OPERATOR("__and__", "__rand__", logical_and)
  TG_BINARY_OPERATOR("__or__", "__ror__", logical_or)
  TG_BINARY_OPERATOR("__xor__", "__rxor__", logical_xor)
#undef TG_BINARY_OPERATOR
  cls.def("__matmul__", &binary_operator<&matmul_op, false>, py::is_operator());
  cls.def("__rmatmul__", &binary_operator<&matmul_op, true>, py::is_operator());
  cls.def("__lt__", &binary_operator<&ops::less, false>, py::is_operator());
  cls.def("__le__", &binary_operator<&ops::less_equal, false>, py::is_operator());
  cls.def("__gt__", &binary_operator<&ops::greater, false>, py::is_operator());
  cls.def("__ge__", &binary_operator<&ops::greater_equal, false>, py::is_operator());
  cls.def("__eq__", [](const std::shared_ptr<TensorImpl>& self, py::handle other) -> py::object {
    if (other.is_none()) return py::bool_(false);
    return binary_operator<&ops::equal, false>(self, other);
  }, py::is_operator());
  cls.def("__ne__", [](const std::shared_ptr<TensorImpl>& self, py::handle other) -> py::object {
    if (other.is_none()) return py::bool_(true);
    return binary_operator<&ops::not_equal, false>(self, other);
  }, py::is_operator());
  cls.def("__neg__", [](const std::shared_ptr<TensorImpl>& p) { return ops::negative(Tensor(p)); });
  cls.def("__pos__", [](const std::shared_ptr<TensorImpl>& p) { return Tensor(p); });
  cls.def("__abs__", [](const std::shared_ptr<TensorImpl>& p) { return ops::abs(Tensor(p)); });
  cls.def("__invert__", [](const std::shared_ptr<TensorImpl>& p) { return ops::logical_not(Tensor(p)); });
}

}  // namespace tg::py_bind

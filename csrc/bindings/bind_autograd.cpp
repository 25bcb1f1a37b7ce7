// tg.GradientTape and tg.Variable.
#include "autograd.h"
#include "bindings/common.h"

namespace tg::py_bind {

namespace {

using autograd::Tape;
using TapePtr = std::shared_ptr<Tape>;
using VarPtr = std::shared_ptr<Variable>;

bool is_tensor_like(py::handle h) { return py::isinstance<TensorImpl>(h) || py::isinstance<Variable>(h); }

// A tensor, or a plain list/tuple of tensors: the structures a training step passes, which
// need no walk. Anything else goes to tensorgear.nest, the package's one walker of nested
// structures (dicts in sorted-key order, namedtuples rebuilt), so nesting means the same
// here as in Python.
bool is_flat(py::handle obj) {
  if (!PyList_CheckExact(obj.ptr()) && !PyTuple_CheckExact(obj.ptr())) return is_tensor_like(obj);
  for (auto item : obj)
    if (!is_tensor_like(item)) return false;
  return true;
}

py::module_ nest_module() { return py::module_::import("tensorgear.nest"); }

// The leaves of obj; `keep` owns any list made on the way, as `out` only borrows.
void flatten(py::handle obj, std::vector<py::handle>& out, py::list& keep) {
  if (!is_flat(obj)) {
    py::list leaves = nest_module().attr("flatten")(obj);
    keep.append(leaves);
    obj = leaves;
  }
  if (PyList_Check(obj.ptr()) || PyTuple_Check(obj.ptr())) {
    for (auto item : obj) out.push_back(item);
  } else {
    out.push_back(obj);
  }
}

// flat's values in structure's nesting: the inverse of flatten.
py::object unflatten(py::handle structure, const std::vector<py::object>& flat) {
  if (!is_flat(structure)) {
    py::list values;
    for (auto& v : flat) values.append(v);
    return nest_module().attr("pack_sequence_as")(structure, values);
  }
  if (PyList_Check(structure.ptr())) {
    py::list items;
    for (auto& v : flat) items.append(v);
    return std::move(items);
  }
  if (PyTuple_Check(structure.ptr())) {
    py::tuple items(flat.size());
    for (size_t i = 0; i < flat.size(); ++i) items[i] = flat[i];
    return std::move(items);
  }
  return flat.at(0);
}

Tape::Source to_source(py::handle obj) {
  Tape::Source s;
  if (py::isinstance<Variable>(obj)) s.variable = obj.cast<VarPtr>();
  else if (py::isinstance<TensorImpl>(obj)) s.tensor = Tensor(obj.cast<std::shared_ptr<TensorImpl>>());
  else
    throw TypeError(str("GradientTape.gradient: sources must be tensors or Variables, got ",
                        std::string(py::str(py::type::of(obj).attr("__name__")))));
  return s;
}

Tensor target_tensor(py::handle obj) {
  if (py::isinstance<Variable>(obj)) return obj.cast<VarPtr>()->value();
  if (py::isinstance<TensorImpl>(obj)) return Tensor(obj.cast<std::shared_ptr<TensorImpl>>());
  throw TypeError(str("GradientTape.gradient: the target must be a tensor (or a list of tensors), got ",
                      std::string(py::str(py::type::of(obj).attr("__name__")))));
}

bool parse_unconnected(const std::string& u) {
  std::string s;
  for (char c : u) s += char(std::tolower(static_cast<unsigned char>(c)));
  if (s == "none" || s == "unconnectedgradients.none") return false;
  if (s == "zero" || s == "unconnectedgradients.zero") return true;
  throw ValueError(str("unconnected_gradients must be 'none' or 'zero', got '", u, "'"));
}

py::object tape_gradient(const TapePtr& tape, py::handle target, py::handle sources, py::handle output_gradients,
                         py::handle unconnected) {
  std::vector<py::handle> flat_targets, flat_sources, flat_out;
  py::list keep;
  flatten(target, flat_targets, keep);
  flatten(sources, flat_sources, keep);
  std::vector<Tensor> targets, out_grads;
  for (auto t : flat_targets) targets.push_back(target_tensor(t));
  std::vector<Tape::Source> srcs;
  for (auto s : flat_sources) srcs.push_back(to_source(s));
  if (!output_gradients.is_none()) {
    flatten(output_gradients, flat_out, keep);
    for (auto g : flat_out) out_grads.push_back(g.is_none() ? Tensor() : to_tensor(g));
  }
  bool zero = parse_unconnected(py::hasattr(unconnected, "value") ? std::string(py::str(unconnected.attr("value")))
                                                                  : std::string(py::str(unconnected)));
  std::vector<Tensor> grads;
  {
    MaybeReleaseGil gil(targets.empty() ? 0 : targets[0].numel());
    grads = tape->gradient(targets, srcs, out_grads, zero);
  }
  std::vector<py::object> flat_res;
  for (auto& g : grads) flat_res.push_back(py::cast(g));
  return unflatten(sources, flat_res);
}

struct StopRecording {
  TapePtr tape;
  bool was = true;
};

template <Tensor (*Op)(const Tensor&, const Tensor&), bool Reflected>
py::object var_binary(const VarPtr& self, py::handle other) {
  Tensor s = self->read();
  Tensor o;
  try {
    o = to_operand(other, s);
  } catch (const TypeError&) {
    return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  }
  return py::cast(Reflected ? Op(o, s) : Op(s, o));
}

Tensor matmul_op(const Tensor& a, const Tensor& b) { return ops::matmul(a, b); }

}  // namespace

void bind_autograd(py::module_& m) {
  py::class_<StopRecording>(m, "_StopRecording")
      .def("__enter__", [](StopRecording& s) {
        s.was = s.tape->recording();
        s.tape->set_recording(false);
      })
      .def("__exit__", [](StopRecording& s, py::args) { s.tape->set_recording(s.was); });

  py::class_<Tape, TapePtr> tape(m, "GradientTape");
  tape.doc() = "Records operations for automatic differentiation (TensorFlow semantics).";
  tape.def(py::init([](bool persistent, bool watch_accessed_variables) {
             return std::make_shared<Tape>(persistent, watch_accessed_variables);
           }),
           py::arg("persistent") = false, py::arg("watch_accessed_variables") = true);
  tape.def("__enter__", [](const TapePtr& t) {
    autograd::push_tape(t);
    return t;
  });
  tape.def("__exit__", [](const TapePtr& t, py::args) { autograd::pop_tape(t); });
  tape.def("watch", [](const TapePtr& t, py::handle obj) {
    std::vector<py::handle> flat;
    py::list keep;
    flatten(obj, flat, keep);
    for (auto h : flat) {
      if (py::isinstance<Variable>(h)) t->watch(h.cast<VarPtr>());
      else if (py::isinstance<TensorImpl>(h)) t->watch(Tensor(h.cast<std::shared_ptr<TensorImpl>>()));
      else
        throw TypeError(str("GradientTape.watch: expected a tensor or Variable, got ",
                            std::string(py::str(py::type::of(h).attr("__name__")))));
    }
  }, py::arg("tensor"));
  tape.def("gradient", &tape_gradient, py::arg("target"), py::arg("sources"),
           py::arg("output_gradients") = py::none(), py::arg("unconnected_gradients") = "none");
  auto jac = [](const TapePtr& t, py::handle target, py::handle source, py::handle unconnected, bool batch) -> py::object {
    Tensor tt = target_tensor(target);
    std::vector<py::handle> flat;
    py::list keep;
    flatten(source, flat, keep);
    bool zero = parse_unconnected(py::hasattr(unconnected, "value") ? std::string(py::str(unconnected.attr("value")))
                                                                    : std::string(py::str(unconnected)));
    std::vector<Tape::Source> srcs;
    for (auto h : flat) srcs.push_back(to_source(h));
    std::vector<py::object> res;
    for (auto& j : t->jacobian(tt, srcs, zero, batch)) res.push_back(py::cast(j));
    return unflatten(source, res);
  };
  tape.def("jacobian", [jac](const TapePtr& t, py::handle target, py::handle sources, py::handle unconnected_gradients,
                             py::object, py::object) { return jac(t, target, sources, unconnected_gradients, false); },
           py::arg("target"), py::arg("sources"), py::arg("unconnected_gradients") = "none",
           py::arg("parallel_iterations") = py::none(), py::arg("experimental_use_pfor") = py::none());
  tape.def("batch_jacobian", [jac](const TapePtr& t, py::handle target, py::handle source, py::handle unconnected_gradients,
                                   py::object, py::object) { return jac(t, target, source, unconnected_gradients, true); },
           py::arg("target"), py::arg("source"), py::arg("unconnected_gradients") = "none",
           py::arg("parallel_iterations") = py::none(), py::arg("experimental_use_pfor") = py::none());
  tape.def("stop_recording", [](const TapePtr& t) { return StopRecording{t}; });
  tape.def("watched_variables", [](const TapePtr& t) {
    py::tuple out(t->watched_variables().size());
    size_t i = 0;
    for (auto& v : t->watched_variables()) out[i++] = py::cast(v);
    return out;
  });
  tape.def_property_readonly("persistent", &Tape::persistent);
  tape.def_property_readonly("_num_records", &Tape::num_nodes);

  m.def("stop_gradient", [](const Tensor& t, py::object) { return ops::stop_gradient(t); }, py::arg("input"),
        py::arg("name") = py::none());

  // ---- Variable ---------------------------------------------------------------
  py::class_<Variable, VarPtr> var(m, "Variable", py::dynamic_attr());
  var.doc() = "A mutable tensor: the state of a model (weights, optimizer slots).";
  var.def(py::init([](py::object initial_value, bool trainable, py::object name, py::object dtype) {
            if (PyCallable_Check(initial_value.ptr()) && !py::isinstance<TensorImpl>(initial_value))
              initial_value = initial_value();
            std::optional<DType> dt = parse_optional_dtype(dtype);
            Tensor init = on_default_device(to_tensor(initial_value, dt));
            if (!dt && !py::isinstance<TensorImpl>(initial_value) && !py::isinstance<Variable>(initial_value) &&
                init.dtype() == DType::Float64 && py::isinstance<py::float_>(initial_value))
              init = ops::cast(init, DType::Float32);
            std::string n = name.is_none() ? "Variable" : py::str(name).cast<std::string>();
            return std::make_shared<Variable>(init, trainable, n);
          }),
          py::arg("initial_value"), py::arg("trainable") = true, py::arg("name") = py::none(),
          py::arg("dtype") = py::none());
  var.def_property_readonly("dtype", [](const VarPtr& v) { return dtype_object(v->dtype()); });
  var.def_property_readonly("shape", [](const VarPtr& v) {
    py::tuple dims(v->shape().size());
    for (size_t i = 0; i < v->shape().size(); ++i) dims[i] = py::int_(v->shape()[i]);
    return py::module_::import("tensorgear._shape").attr("TensorShape")(dims);
  });
  var.def_property_readonly("ndim", [](const VarPtr& v) { return v->shape().size(); });
  var.def_property_readonly("name", [](const VarPtr& v) { return v->name(); });
  var.def_property("trainable", &Variable::trainable, &Variable::set_trainable);
  var.def_property_readonly("device", [](const VarPtr& v) {
    return "/job:localhost/replica:0/task:0/device:" + v->value().device().name();
  });
  var.def_property_readonly("_id", &Variable::id);
  var.def("read_value", [](const VarPtr& v) { return v->read(); });
  var.def("value", [](const VarPtr& v) { return v->read(); });
  var.def("numpy", [](const VarPtr& v) -> py::object {
    // A copy: the variable's memory changes under later assignments.
    py::array a = to_numpy(v->value());
    return a.attr("copy")();
  });
  var.def("__array__", [](const VarPtr& v, py::object dtype, py::object copy) -> py::object {
    py::object a = to_numpy(v->value()).attr("copy")();
    if (!dtype.is_none()) a = a.attr("astype")(dtype);
    return a;
  }, py::arg("dtype") = py::none(), py::arg("copy") = py::none());
  var.attr("__array_ufunc__") = py::none();
  var.attr("__array_priority__") = 1000;
  auto assign_value = [](const VarPtr& v, py::handle value) {
    // Python values and arrays take the variable's dtype (TF's convert_to_tensor(value, dtype)).
    if (py::isinstance<TensorImpl>(value) || py::isinstance<Variable>(value)) return to_tensor(value);
    return to_tensor(value, v->dtype());
  };
  var.def("assign", [assign_value](const VarPtr& v, py::handle value, py::object, py::object, bool read_value) -> py::object {
    v->assign(assign_value(v, value));
    if (read_value) return py::cast(v);
    return py::none();
  }, py::arg("value"), py::arg("use_locking") = py::none(), py::arg("name") = py::none(), py::arg("read_value") = true);
  var.def("assign_add", [assign_value](const VarPtr& v, py::handle value, py::object, py::object, bool read_value) -> py::object {
    v->assign_add(assign_value(v, value));
    if (read_value) return py::cast(v);
    return py::none();
  }, py::arg("delta"), py::arg("use_locking") = py::none(), py::arg("name") = py::none(), py::arg("read_value") = true);
  var.def("assign_sub", [assign_value](const VarPtr& v, py::handle value, py::object, py::object, bool read_value) -> py::object {
    v->assign_sub(assign_value(v, value));
    if (read_value) return py::cast(v);
    return py::none();
  }, py::arg("delta"), py::arg("use_locking") = py::none(), py::arg("name") = py::none(), py::arg("read_value") = true);
  var.def("__iadd__", [assign_value](const VarPtr& v, py::handle value) { v->assign_add(assign_value(v, value)); return v; });
  var.def("__isub__", [assign_value](const VarPtr& v, py::handle value) { v->assign_sub(assign_value(v, value)); return v; });
  var.def("__repr__", [](const VarPtr& v) {
    std::string val = py::repr(to_numpy(v->value())).cast<std::string>();
    return str("<tg.Variable '", v->name(), ":0' shape=", v->shape(), " dtype=", v->dtype(), ", numpy=",
               val.find('\n') != std::string::npos ? "\n" : "", val, ">");
  });
  var.def("__str__", [](const VarPtr& v) { return py::str(py::cast(v).attr("__repr__")()); });
  var.def("__len__", [](const VarPtr& v) {
    TG_CHECK(!v->shape().empty(), TypeError, "len() of a 0-d variable");
    return v->shape()[0];
  });
  var.def("__float__", [](const VarPtr& v) { return v->value().item_double(); });
  var.def("__int__", [](const VarPtr& v) { return v->value().item_int(); });
  var.def("__bool__", [](const VarPtr& v) { return py::bool_(py::cast(v->value())); });
  var.def("__format__", [](const VarPtr& v, py::handle spec) { return py::cast(v->value()).attr("__format__")(spec); });
  var.def("__iter__", [](const VarPtr& v) { return py::cast(v->read()).attr("__iter__")(); });
  // Hashable by identity (== between two Variables is identity too), so
  // variables can key optimizer slots and sit in sets.
  var.def("__hash__", [](const VarPtr& v) { return std::hash<const void*>()(v.get()); });
#define TG_VAR_OPERATOR(name, rname, fn)                             \
  var.def(name, &var_binary<&ops::fn, false>, py::is_operator());    \
  var.def(rname, &var_binary<&ops::fn, true>, py::is_operator());
  TG_VAR_OPERATOR("__add__", "__radd__", add)
  TG_VAR_OPERATOR("__sub__", "__rsub__", subtract)
  TG_VAR_OPERATOR("__mul__", "__rmul__", multiply)
  TG_VAR_OPERATOR("__truediv__", "__rtruediv__", divide)
  TG_VAR_OPERATOR("__floordiv__", "__rfloordiv__", floor_divide)
  TG_VAR_OPERATOR("__mod__", "__rmod__", mod)
  TG_VAR_OPERATOR("__pow__", "__rpow__", pow)
#undef TG_VAR_OPERATOR
  var.def("__matmul__", &var_binary<&matmul_op, false>, py::is_operator());
  var.def("__rmatmul__", &var_binary<&matmul_op, true>, py::is_operator());
  var.def("__lt__", &var_binary<&ops::less, false>, py::is_operator());
  var.def("__le__", &var_binary<&ops::less_equal, false>, py::is_operator());
  var.def("__gt__", &var_binary<&ops::greater, false>, py::is_operator());
  var.def("__ge__", &var_binary<&ops::greater_equal, false>, py::is_operator());
  var.def("__eq__", [](const VarPtr& self, py::handle other) -> py::object {
    if (other.is_none()) return py::bool_(false);
    if (py::isinstance<Variable>(other)) return py::bool_(other.cast<VarPtr>() == self);  // identity, for `in` lists
    return var_binary<&ops::equal, false>(self, other);
  }, py::is_operator());
  var.def("__ne__", [](const VarPtr& self, py::handle other) -> py::object {
    if (other.is_none()) return py::bool_(true);
    if (py::isinstance<Variable>(other)) return py::bool_(other.cast<VarPtr>() != self);
    return var_binary<&ops::not_equal, false>(self, other);
  }, py::is_operator());
  var.def("__neg__", [](const VarPtr& v) { return ops::negative(v->read()); });
  var.def("__pos__", [](const VarPtr& v) { return v->read(); });
  var.def("__abs__", [](const VarPtr& v) { return ops::abs(v->read()); });
}

}  // namespace tg::py_bind

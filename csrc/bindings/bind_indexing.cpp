// Tensor.__getitem__, Variable.__getitem__ and slice assignment
// (`v[0, 0].assign(3.)`), added onto the classes bound in bind_tensor.cpp and
// bind_autograd.cpp.
//
// Basic indices (ints, slices, None, Ellipsis) give views; one integer-array
// or boolean-mask index (NumPy semantics for a single advanced index: its
// result dims go where it stood) gives a copy through gather / boolean_mask.
#include "autograd.h"
#include "bindings/common.h"
#include "indexing.h"

namespace tg::py_bind {

namespace {

using TensorClass = py::class_<TensorImpl, std::shared_ptr<TensorImpl>>;
using VarPtr = std::shared_ptr<Variable>;
using VariableClass = py::class_<Variable, VarPtr>;

// A subscript split into its basic part and at most one advanced index, which
// `basic` holds as full slices (one per dimension it consumes) from adv_pos on.
struct ParsedIndex {
  IndexSpec basic;
  size_t adv_pos = 0;
  Tensor adv;  // undefined: basic indexing only
};

// SliceOrigin::index of a slice of a Variable: the basic indices applied in
// order (v[0][1:] keeps both), so assignment can find its region again.
using SliceChain = std::vector<IndexSpec>;

std::optional<int64_t> slice_bound(PyObject* o) {
  if (o == Py_None) return std::nullopt;
  Py_ssize_t v = PyNumber_AsSsize_t(o, nullptr);  // clips huge Python ints, as slice.indices() does
  if (v == -1 && PyErr_Occurred()) {
    PyErr_Clear();
    throw TypeError(str("slice indices must be integers or None, got ",
                        std::string(py::repr(py::handle(o)))));
  }
  return int64_t(v);
}

[[noreturn]] void bad_index(py::handle item) {
  throw IndexError(str("only integers, slices (`:`), ellipsis (`...`), tg.newaxis (`None`) and integer or boolean "
                       "tensors are valid indices, got ",
                       std::string(py::repr(item)).substr(0, 200)));
}

void add_item(ParsedIndex& p, py::handle item, bool* has_adv) {
  PyObject* o = item.ptr();
  if (o == Py_None) { p.basic.push_back(IndexItem::newaxis()); return; }
  if (o == Py_Ellipsis) { p.basic.push_back(IndexItem::ellipsis()); return; }
  if (PySlice_Check(o)) {
    auto* s = reinterpret_cast<PySliceObject*>(o);
    std::optional<int64_t> step = slice_bound(s->step);
    p.basic.push_back(IndexItem::slice(slice_bound(s->start), slice_bound(s->stop), step.value_or(1)));
    return;
  }
  if (PyBool_Check(o))
    throw IndexError("boolean scalar indices are not supported; use a boolean tensor of the indexed shape");
  if (PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    TG_CHECK(!overflow, IndexError, "index ", std::string(py::str(item)), " is out of bounds");
    p.basic.push_back(IndexItem::integer(v));
    return;
  }
  const bool arraylike = is_tensor(item) || py::isinstance<py::array>(item) || PyList_Check(o) || PyTuple_Check(o) ||
                         py::hasattr(item, "__array__");
  if (!arraylike) {
    if (py::hasattr(item, "__index__")) {
      p.basic.push_back(IndexItem::integer(py::reinterpret_borrow<py::object>(item).attr("__index__")().cast<int64_t>()));
      return;
    }
    bad_index(item);
  }
  Tensor a;
  try {
    a = to_tensor(item);
  } catch (const TypeError&) {
    bad_index(item);
  } catch (const ValueError&) {
    bad_index(item);
  }
  if ((PyList_Check(o) || PyTuple_Check(o)) && a.numel() == 0) a = ops::cast(a, DType::Int64);  // [] selects nothing
  if (is_integer(a.dtype()) && a.ndim() == 0) {
    p.basic.push_back(IndexItem::integer(a.item_int()));
    return;
  }
  if (a.dtype() == DType::Bool && a.ndim() == 0)
    throw IndexError("0-d boolean indices are not supported; use a boolean tensor of the indexed shape");
  if (!is_integer(a.dtype()) && a.dtype() != DType::Bool) bad_index(item);
  if (*has_adv)
    throw IndexError("only one integer-array or boolean-mask index per subscript is supported; "
                     "use tg.gather / tg.gather_nd style ops for more");
  *has_adv = true;
  p.adv_pos = p.basic.size();
  p.adv = a;
  const int64_t consumed = a.dtype() == DType::Bool ? a.ndim() : 1;
  for (int64_t k = 0; k < consumed; ++k) p.basic.push_back(IndexItem::full());
}

ParsedIndex parse_index(py::handle key) {
  ParsedIndex p;
  bool has_adv = false;
  if (PyTuple_Check(key.ptr())) {
    p.basic.reserve(size_t(PyTuple_GET_SIZE(key.ptr())));
    for (auto item : key) add_item(p, item, &has_adv);
  } else {
    add_item(p, key, &has_adv);
  }
  return p;
}

// Dims of t[basic[:pos]]: where the advanced index's result dims go.
int64_t out_dims_before(const IndexSpec& spec, size_t pos, int64_t ndim) {
  int64_t consumed = 0;
  for (const IndexItem& it : spec)
    if (it.kind == IndexItem::Int || it.kind == IndexItem::Slice) ++consumed;
  int64_t n = 0;
  for (size_t i = 0; i < pos; ++i) {
    switch (spec[i].kind) {
      case IndexItem::Int: break;
      case IndexItem::Slice: case IndexItem::NewAxis: ++n; break;
      case IndexItem::Ellipsis: n += std::max<int64_t>(0, ndim - consumed); break;
    }
  }
  return n;
}

Tensor apply_index(const Tensor& t, const ParsedIndex& p) {
  Tensor view = ops::getitem(t, p.basic);
  if (!p.adv.defined()) return view;
  const int64_t axis = out_dims_before(p.basic, p.adv_pos, t.ndim());
  MaybeReleaseGil gil(view.numel());
  // An index array written in Python (a list, NumPy) joins the tensor's device.
  const Tensor adv = ops::to_device(p.adv, t.device());
  if (adv.dtype() == DType::Bool) return ops::boolean_mask(view, adv, axis);
  return ops::gather(view, adv, axis);
}

// A basic slice of a tensor that is itself a slice of a Variable stays assignable.
void chain_origin(const Tensor& src, const Tensor& out, const IndexSpec& spec) {
  const auto& origin = src.get()->slice_origin;
  if (!origin) return;
  auto chain = std::make_shared<SliceChain>(*std::static_pointer_cast<SliceChain>(origin->index));
  chain->push_back(spec);
  auto o = std::make_shared<SliceOrigin>();
  o->variable = origin->variable;
  o->index = std::move(chain);
  out.get()->slice_origin = std::move(o);
}

}  // namespace

void bind_indexing(py::module_& m) {
  auto tensor_cls = py::reinterpret_borrow<TensorClass>(m.attr("Tensor"));
  auto var_cls = py::reinterpret_borrow<VariableClass>(m.attr("Variable"));

  tensor_cls.def("__getitem__", [](const std::shared_ptr<TensorImpl>& self, py::handle key) {
    Tensor t(self);
    ParsedIndex p = parse_index(key);
    Tensor out = apply_index(t, p);
    if (!p.adv.defined()) chain_origin(t, out, p.basic);
    return out;
  }, py::arg("key"));

  var_cls.def("__getitem__", [](const VarPtr& v, py::handle key) {
    ParsedIndex p = parse_index(key);
    Tensor out = apply_index(v->read(), p);
    if (!p.adv.defined()) {
      auto o = std::make_shared<SliceOrigin>();
      o->variable = v;
      o->index = std::make_shared<SliceChain>(SliceChain{p.basic});
      out.get()->slice_origin = std::move(o);
    }
    return out;
  }, py::arg("key"));

  tensor_cls.def("assign", [](const std::shared_ptr<TensorImpl>& self, py::handle value, py::object, py::object,
                              bool read_value) -> py::object {
    if (!self->slice_origin)
      throw TypeError("tensors are immutable; use a Variable (tg.Variable(...).assign(value), or v[...].assign(value) "
                      "on a slice of a Variable)");
    VarPtr var = self->slice_origin->variable.lock();
    TG_CHECK(var, ValueError, "assign: the Variable this slice was taken from no longer exists");
    auto chain = std::static_pointer_cast<SliceChain>(self->slice_origin->index);
    Tensor val = is_tensor(value) ? to_tensor(value) : to_tensor(value, var->dtype());
    TG_CHECK(val.dtype() == var->dtype(), TypeError, "assign: Variable '", var->name(), "' has dtype ", var->dtype(),
             " and cannot be assigned a value of dtype ", val.dtype());
    {
      autograd::NoRecordScope no_record;
      MaybeReleaseGil gil(val.numel());
      var->assign_region([&chain](Tensor& w) {
        Tensor r = w;
        for (const IndexSpec& spec : *chain) r = view_index(r, spec);
        return r;
      }, val);
    }
    if (read_value) return py::cast(var);
    return py::none();
  }, py::arg("value"), py::arg("use_locking") = py::none(), py::arg("name") = py::none(),
     py::arg("read_value") = true);

  m.def("_getitem_backward", [](const Tensor& g, py::handle key, py::handle shape) {
    ParsedIndex p = parse_index(key);
    TG_CHECK(!p.adv.defined(), IndexError, "_getitem_backward: basic indices only");
    return ops::getitem_backward(g, p.basic, parse_shape(shape));
  }, py::arg("grad"), py::arg("key"), py::arg("shape"));
}

}  // namespace tg::py_bind

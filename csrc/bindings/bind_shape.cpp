// Python functions of the shape ops, with TensorFlow's names and keywords
// (reshape, transpose, concat, split, pad, gather, one_hot, shape, ...).
#include <algorithm>
#include <cctype>

#include "bindings/common.h"
#include "indexing.h"

namespace tg::py_bind {

int64_t parse_int(py::handle obj, const char* what) {
  if (PyLong_Check(obj.ptr()) && !PyBool_Check(obj.ptr())) return obj.cast<int64_t>();
  if (py::isinstance<TensorImpl>(obj)) {
    Tensor t(obj.cast<std::shared_ptr<TensorImpl>>());
    TG_CHECK(t.ndim() == 0 && is_integer(t.dtype()), TypeError, what, " must be an integer, got a tensor of shape ",
             t.shape(), " and dtype ", t.dtype());
    return t.item_int();
  }
  if (!PyBool_Check(obj.ptr()) && py::hasattr(obj, "__index__"))
    return py::reinterpret_borrow<py::object>(obj).attr("__index__")().cast<int64_t>();
  throw TypeError(str(what, " must be an integer, got ", std::string(py::repr(obj))));
}

namespace {

// A list of tensors: a list/tuple of tensor-likes, or one tensor split along
// its first axis (TF packs and unpacks the same way).
std::vector<Tensor> parse_tensor_list(py::handle obj, const char* op) {
  std::vector<Tensor> ts;
  if (is_tensor(obj)) return ops::unstack(to_tensor(obj), 0);
  if (!PyList_Check(obj.ptr()) && !PyTuple_Check(obj.ptr()))
    throw TypeError(str(op, ": expected a list of tensors, got ", std::string(py::str(py::type::of(obj).attr("__name__")))));
  for (auto item : obj) ts.push_back(to_tensor(item));
  return ts;
}

int64_t work_of(const std::vector<Tensor>& ts) {
  int64_t n = 0;
  for (auto& t : ts) n += t.numel();
  return n;
}

// [[before, after], ...] from nested lists, arrays or an integer tensor of shape (n, 2).
std::vector<std::pair<int64_t, int64_t>> parse_paddings(py::handle obj, int64_t rank) {
  Tensor p = to_tensor(obj);
  if (p.numel() == 0 && rank == 0) return {};
  TG_CHECK(is_integer(p.dtype()), TypeError, "pad: paddings must be integers, got dtype ", p.dtype());
  TG_CHECK(p.ndim() == 2 && p.shape()[1] == 2, ValueError, "pad: paddings must have shape (rank, 2) = (", rank,
           ", 2), got shape ", p.shape());
  Tensor c = ops::cast(p, DType::Int64).contiguous();
  std::vector<std::pair<int64_t, int64_t>> out;
  for (int64_t i = 0; i < p.shape()[0]; ++i) out.emplace_back(c.data<int64_t>()[2 * i], c.data<int64_t>()[2 * i + 1]);
  return out;
}

std::string upper(std::string s) {
  for (auto& ch : s) ch = char(std::toupper(static_cast<unsigned char>(ch)));
  return s;
}

Tensor int_vector(const std::vector<int64_t>& v, DType dt) {
  Tensor t = Tensor::empty({int64_t(v.size())}, DType::Int64);
  std::copy(v.begin(), v.end(), t.data<int64_t>());
  return dt == DType::Int64 ? t : ops::cast(t, dt);
}

DType index_out_type(py::handle out_type, const char* op) {
  DType dt = parse_optional_dtype(out_type).value_or(DType::Int64);
  TG_CHECK(dt == DType::Int32 || dt == DType::Int64, TypeError, op, ": out_type must be int32 or int64, got ", dt);
  return dt;
}

}  // namespace

void bind_shape(py::module_& m) {
  using namespace pybind11::literals;
  m.def("reshape", [](const Tensor& t, py::handle shape, py::object) { return ops::reshape(t, parse_shape(shape)); },
        "tensor"_a, "shape"_a, "name"_a = py::none());
  m.def("broadcast_to", [](const Tensor& t, py::handle shape, py::object) {
    return ops::broadcast_to(t, parse_shape(shape));
  }, "input"_a, "shape"_a, "name"_a = py::none());
  m.def("transpose", [](const Tensor& a, py::handle perm, bool conjugate, py::object) {
    return ops::transpose(a, perm.is_none() ? std::vector<int64_t>{} : parse_shape(perm, "perm"));
  }, "a"_a, "perm"_a = py::none(), "conjugate"_a = false, "name"_a = py::none());
  m.def("expand_dims", [](const Tensor& t, py::handle axis, py::object) {
    return ops::expand_dims(t, parse_int(axis, "expand_dims: axis"));
  }, "input"_a, "axis"_a, "name"_a = py::none());
  m.def("squeeze", [](const Tensor& t, py::handle axis, py::object) {
    ops::Axes axes = parse_axes(axis);
    if (axes && axes->empty()) axes.reset();  // TF: axis=[] squeezes every size-1 dimension
    return ops::squeeze(t, axes);
  },
        "input"_a, "axis"_a = py::none(), "name"_a = py::none());
  m.def("concat", [](py::handle values, py::handle axis, py::object) {
    std::vector<Tensor> ts = parse_tensor_list(values, "concat");
    const int64_t ax = parse_int(axis, "concat: axis");
    MaybeReleaseGil gil(work_of(ts));
    return ops::concat(ts, ax);
  }, "values"_a, "axis"_a, "name"_a = "concat");
  m.def("stack", [](py::handle values, py::handle axis, py::object) {
    std::vector<Tensor> ts = parse_tensor_list(values, "stack");
    const int64_t ax = parse_int(axis, "stack: axis");
    MaybeReleaseGil gil(work_of(ts));
    return ops::stack(ts, ax);
  }, "values"_a, "axis"_a = 0, "name"_a = "stack");
  m.def("split", [](const Tensor& value, py::handle num_or_size_splits, py::handle axis, py::object num, py::object) {
    const int64_t ax = parse_int(axis, "split: axis");
    std::vector<int64_t> sizes;
    const bool scalar = PyLong_Check(num_or_size_splits.ptr()) ||
                        (py::isinstance<TensorImpl>(num_or_size_splits) &&
                         Tensor(num_or_size_splits.cast<std::shared_ptr<TensorImpl>>()).ndim() == 0) ||
                        (!py::isinstance<py::sequence>(num_or_size_splits) && py::hasattr(num_or_size_splits, "__index__"));
    if (scalar) {
      const int64_t n = parse_int(num_or_size_splits, "split: num_or_size_splits");
      const int64_t dim = value.dim(ops::normalize_axis(ax, value.ndim(), "split"));
      TG_CHECK(n > 0, ValueError, "split: the number of splits must be positive, got ", n);
      TG_CHECK(dim % n == 0, ValueError, "split: dimension ", ax, " of size ", dim, " is not divisible into ", n,
               " equal splits (input shape ", value.shape(), ")");
      sizes.assign(size_t(n), dim / n);
    } else {
      sizes = parse_shape(num_or_size_splits, "num_or_size_splits");
    }
    return ops::split(value, sizes, ax);
  }, "value"_a, "num_or_size_splits"_a, "axis"_a = 0, "num"_a = py::none(), "name"_a = "split");
  m.def("unstack", [](const Tensor& value, py::object num, py::handle axis, py::object) {
    const int64_t ax = parse_int(axis, "unstack: axis");
    std::vector<Tensor> outs = ops::unstack(value, ax);
    if (!num.is_none()) {
      const int64_t n = parse_int(num, "unstack: num");
      TG_CHECK(n == int64_t(outs.size()), ValueError, "unstack: num=", n, " but axis ", ax, " of the input of shape ",
               value.shape(), " has size ", outs.size());
    }
    return outs;
  }, "value"_a, "num"_a = py::none(), "axis"_a = 0, "name"_a = "unstack");
  m.def("tile", [](const Tensor& t, py::handle multiples, py::object) {
    std::vector<int64_t> mult = parse_shape(multiples, "multiples");
    MaybeReleaseGil gil(t.numel());
    return ops::tile(t, mult);
  }, "input"_a, "multiples"_a, "name"_a = py::none());
  m.def("pad", [](const Tensor& t, py::handle paddings, const std::string& mode, py::handle constant_values, py::object) {
    auto pads = parse_paddings(paddings, t.ndim());
    const std::string md = upper(mode);
    if (md == "CONSTANT") {
      Tensor c = to_tensor(constant_values);
      TG_CHECK(c.numel() == 1, ValueError, "pad: constant_values must be a scalar, got shape ", c.shape());
      const double v = is_floating(c.dtype()) ? c.item_double() : double(c.item_int());
      MaybeReleaseGil gil(t.numel());
      return ops::pad(t, pads, v);
    }
    TG_CHECK(md == "REFLECT" || md == "SYMMETRIC", ValueError, "pad: mode must be 'CONSTANT', 'REFLECT' or 'SYMMETRIC', got '",
             mode, "'");
    MaybeReleaseGil gil(t.numel());
    return ops::pad_mirror(t, pads, md == "SYMMETRIC");
  }, "tensor"_a, "paddings"_a, "mode"_a = "CONSTANT", "constant_values"_a = 0, "name"_a = py::none());
  m.def("gather", [](const Tensor& params, py::handle indices, py::object validate_indices, py::object axis,
                     py::handle batch_dims, py::object) {
    const int64_t bd = parse_int(batch_dims, "gather: batch_dims");
    TG_CHECK(bd == 0, ValueError, "gather: only batch_dims=0 is supported, got batch_dims=", bd);
    const int64_t ax = axis.is_none() ? 0 : parse_int(axis, "gather: axis");
    Tensor idx = to_tensor(indices);
    if (idx.numel() == 0 && is_floating(idx.dtype()) && !py::isinstance<TensorImpl>(indices))
      idx = ops::cast(idx, DType::Int64);  // [] means no indices, not float data
    MaybeReleaseGil gil(idx.numel() * 16);
    return ops::gather(params, idx, ax);
  }, "params"_a, "indices"_a, "validate_indices"_a = py::none(), "axis"_a = py::none(), "batch_dims"_a = 0,
     "name"_a = py::none());
  m.def("_gather_backward", [](const Tensor& g, const Tensor& indices, int64_t axis, py::handle shape) {
    return ops::gather_backward(g, indices, axis, parse_shape(shape));
  }, "grad"_a, "indices"_a, "axis"_a, "shape"_a);
  m.def("one_hot", [](const Tensor& indices, py::handle depth, py::object on_value, py::object off_value,
                      py::object axis, py::object dtype, py::object) {
    std::optional<DType> dt = parse_optional_dtype(dtype);
    Tensor on, off;
    if (!on_value.is_none()) on = to_tensor(on_value);
    if (!off_value.is_none()) off = to_tensor(off_value);
    // TF: the dtype comes from dtype=, else from on_value/off_value, else float32.
    const DType out = dt ? *dt : on.defined() ? on.dtype() : off.defined() ? off.dtype() : DType::Float32;
    auto value = [&](const Tensor& v, double dflt, const char* what) {
      if (!v.defined()) return dflt;
      TG_CHECK(v.numel() == 1, ValueError, "one_hot: ", what, " must be a scalar, got shape ", v.shape());
      TG_CHECK(v.get()->weak || v.dtype() == out, TypeError, "one_hot: ", what, " has dtype ", v.dtype(),
               " but the output dtype is ", out);
      return is_floating(v.dtype()) ? v.item_double() : double(v.item_int());
    };
    const double onv = value(on, 1.0, "on_value"), offv = value(off, 0.0, "off_value");
    const int64_t ax = axis.is_none() ? -1 : parse_int(axis, "one_hot: axis");
    const int64_t d = parse_int(depth, "one_hot: depth");
    MaybeReleaseGil gil(indices.numel() * 8);
    return ops::one_hot(indices, d, onv, offv, ax, out);
  }, "indices"_a, "depth"_a, "on_value"_a = py::none(), "off_value"_a = py::none(), "axis"_a = py::none(),
     "dtype"_a = py::none(), "name"_a = py::none());

  m.def("shape", [](const Tensor& t, py::handle out_type, py::object) {
    return int_vector(t.shape(), index_out_type(out_type, "shape"));
  }, "input"_a, "out_type"_a = py::none(), "name"_a = py::none());
  m.def("size", [](const Tensor& t, py::handle out_type, py::object) {
    return ops::reshape(int_vector({t.numel()}, index_out_type(out_type, "size")), {});
  }, "input"_a, "out_type"_a = py::none(), "name"_a = py::none());
  m.def("rank", [](const Tensor& t, py::object) { return ops::reshape(int_vector({t.ndim()}, DType::Int64), {}); },
        "input"_a, "name"_a = py::none());

  m.def("slice", [](const Tensor& t, py::handle begin, py::handle size, py::object) {
    return ops::slice(t, parse_shape(begin, "begin"), parse_shape(size, "size"));
  }, "input_"_a, "begin"_a, "size"_a, "name"_a = py::none());
  m.def("strided_slice", [](const Tensor& t, py::handle begin, py::handle end, py::handle strides, int64_t begin_mask,
                            int64_t end_mask, int64_t ellipsis_mask, int64_t new_axis_mask, int64_t shrink_axis_mask,
                            py::object var, py::object) {
    std::vector<int64_t> st = strides.is_none() ? std::vector<int64_t>{} : parse_shape(strides, "strides");
    return ops::strided_slice(t, parse_shape(begin, "begin"), parse_shape(end, "end"), st, begin_mask, end_mask,
                              ellipsis_mask, new_axis_mask, shrink_axis_mask);
  }, "input_"_a, "begin"_a, "end"_a, "strides"_a = py::none(), "begin_mask"_a = 0, "end_mask"_a = 0,
     "ellipsis_mask"_a = 0, "new_axis_mask"_a = 0, "shrink_axis_mask"_a = 0, "var"_a = py::none(),
     "name"_a = py::none());
  m.def("boolean_mask", [](const Tensor& t, py::handle mask, py::object axis, py::object) {
    Tensor mk = to_tensor(mask);
    const int64_t ax = axis.is_none() ? 0 : parse_int(axis, "boolean_mask: axis");
    MaybeReleaseGil gil(t.numel());
    return ops::boolean_mask(t, mk, ax);
  }, "tensor"_a, "mask"_a, "axis"_a = py::none(), "name"_a = py::none());
  m.def("reverse", [](const Tensor& t, py::handle axis, py::object) {
    // A view with negative strides on the given axes.
    IndexSpec spec(size_t(t.ndim()), IndexItem::full());
    for (int64_t a : ops::normalize_axes(parse_axes(axis), t.ndim(), "reverse"))
      spec[size_t(a)] = IndexItem::slice(std::nullopt, std::nullopt, -1);
    return ops::getitem(t, spec);
  }, "tensor"_a, "axis"_a, "name"_a = py::none());
}

}  // namespace tg::py_bind

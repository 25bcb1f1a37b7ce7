// Shared pieces of the Python bindings: the Tensor type caster (so every bound
// function takes and returns tg::Tensor, and accepts anything tensor-like),
// dtype/shape/axis parsing, and the GIL policy.
#pragma once
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include "ops.h"
#include "tensor.h"
#include "variable.h"

namespace py = pybind11;

namespace tg::py_bind {

// Anything tensor-like to a Tensor: Tensor, Variable (a read, seen by tapes),
// Python scalars (weak dtype), NumPy arrays and scalars, nested lists, objects
// with __array__. With dtype: converted to it. TypeError / ValueError on bad
// input, naming the offending type, shape or value.
Tensor to_tensor(py::handle obj, std::optional<DType> dtype = std::nullopt);
// An int argument given as a Python int, NumPy integer or 0-d integer tensor
// (TypeError naming `what` otherwise). Defined in bind_shape.cpp.
int64_t parse_int(py::handle obj, const char* what);
// A converted value as the user gets it back (tg.constant, convert_to_tensor,
// tg.Tensor, a Variable's initial value): Python data lands on the default
// device and stops joining other operands' devices; a tensor is unchanged.
Tensor on_default_device(Tensor t);
// An operand beside `partner` (binary ops, clip bounds, where): as to_tensor,
// but a Python list or tuple converts at the partner's dtype when its own
// default dtype promotes into it (x_f64 + [1.287] keeps every digit).
Tensor to_operand(py::handle obj, const Tensor& partner);
// Both operands of a binary op, a list converting at the other's dtype.
void operand_pair(py::handle x, py::handle y, Tensor& a, Tensor& b);
// Throws (instead of crashing) when Python objects are about to be touched
// without the GIL.
void require_gil(const char* what);
// Strict: only Tensor or Variable (for hot paths that must not guess).
bool is_tensor(py::handle obj);

// "float32", tg.float32, np.float32, np.dtype('float32'), float, int, bool.
DType parse_dtype(py::handle obj);
std::optional<DType> parse_optional_dtype(py::handle obj);  // None -> nullopt
// Python object for a dtype (the module's tg.float32 etc.).
py::object dtype_object(DType d);

// A shape from a tuple/list of ints, a TensorShape-like, or a 1-D int tensor.
Shape parse_shape(py::handle obj, const char* what = "shape");
// None, int, or a sequence of ints.
ops::Axes parse_axes(py::handle obj);

// NumPy view of t's memory (zero copy); the array keeps t alive.
py::array to_numpy(const Tensor& t);

// Release the GIL only when the work is large enough to be worth it.
constexpr int64_t kReleaseGilElems = 1 << 15;
struct MaybeReleaseGil {
  std::optional<py::gil_scoped_release> release;
  explicit MaybeReleaseGil(int64_t work) { if (work >= kReleaseGilElems) release.emplace(); }
};

// The buffer-protocol format of a dtype ("f", "d", "?", ...), as the tensor buffer exports it.
inline std::string buffer_format(DType d) {
  switch (d) {
    case DType::Bool: return "?";
    case DType::UInt8: return "B";
    case DType::Int32: return py::format_descriptor<int32_t>::format();
    case DType::Int64: return py::format_descriptor<int64_t>::format();
    case DType::Float32: return "f";
    case DType::Float64: return "d";
  }
  return "";
}

void bind_dtypes(py::module_& m);
void bind_tensor(py::module_& m);
void bind_autograd(py::module_& m);
void bind_creation(py::module_& m);
void bind_elementwise(py::module_& m);
void bind_reduce(py::module_& m);
void bind_shape(py::module_& m);
void bind_indexing(py::module_& m);  // after bind_tensor and bind_autograd: adds methods to their classes
void bind_dlpack(py::module_& m);
void bind_dense(py::module_& m);
void bind_linalg(py::module_& m);
void bind_nn(py::module_& m);
void bind_conv(py::module_& m);
void bind_random(py::module_& m);
void bind_optim(py::module_& m);
void bind_text(py::module_& m);
void bind_sort(py::module_& m);
void bind_distribute(py::module_& m);
void bind_system(py::module_& m);

}  // namespace tg::py_bind

namespace pybind11::detail {

// tg::Tensor <-> the bound Tensor class (holder std::shared_ptr<TensorImpl>).
// Loading with conversion accepts every tensor-like value (see to_tensor);
// an undefined Tensor is returned to Python as None.
template <>
struct type_caster<tg::Tensor> {
  PYBIND11_TYPE_CASTER(tg::Tensor, const_name("Tensor"));
  bool load(handle src, bool convert) {
    copyable_holder_caster<tg::TensorImpl, std::shared_ptr<tg::TensorImpl>> base;
    if (base.load(src, false)) {
      value = tg::Tensor(static_cast<std::shared_ptr<tg::TensorImpl>>(base));
      return true;
    }
    if (!convert || src.is_none()) return false;
    value = tg::py_bind::to_tensor(src);
    return true;
  }
  static handle cast(const tg::Tensor& t, return_value_policy policy, handle parent) {
    if (!t.defined()) return none().release();
    return copyable_holder_caster<tg::TensorImpl, std::shared_ptr<tg::TensorImpl>>::cast(t.impl(), policy, parent);
  }
};

}  // namespace pybind11::detail

// Python functions of the element-wise ops (TensorFlow names).
//
// Arguments are taken as plain handles and converted with to_tensor: going
// through the Tensor type caster would first try pybind11's bound-class load,
// whose failure on a Python scalar (tg.maximum(x, 0.), clip_by_value(x, 0., 1.))
// costs a failed attribute lookup of about 2 us per scalar.
#include "bindings/common.h"
#include "op/op_list.h"

namespace tg::py_bind {

namespace {
template <Tensor (*Op)(const Tensor&, const Tensor&)>
Tensor binary(py::handle x, py::handle y, py::object) {
  Tensor a, b;
  operand_pair(x, y, a, b);
  MaybeReleaseGil gil(std::max(a.numel(), b.numel()));
  return Op(a, b);
}
template <Tensor (*Op)(const Tensor&)>
Tensor unary(py::handle x, py::object) {
  Tensor a = to_tensor(x);
  MaybeReleaseGil gil(a.numel());
  return Op(a);
}
}  // namespace

void bind_elementwise(py::module_& m) {
  using namespace pybind11::literals;
  // One Python function per op of the table, under the op's own name.
#define TG_BIND_BINARY(Enum, name, loop, fn) m.def(name, &binary<&ops::fn>, "x"_a, "y"_a, "name"_a = py::none());
  TG_OPS_BINARY(TG_BIND_BINARY)
#undef TG_BIND_BINARY
#define TG_BIND_UNARY(Enum, name, loop, fn) m.def(name, &unary<&ops::fn>, "x"_a, "name"_a = py::none());
  TG_OPS_UNARY(TG_BIND_UNARY)
#undef TG_BIND_UNARY
  // TensorFlow's other names for some of them.
  m.def("truediv", &binary<&ops::divide>, "x"_a, "y"_a, "name"_a = py::none());
  m.def("floordiv", &binary<&ops::floor_divide>, "x"_a, "y"_a, "name"_a = py::none());
  m.def("floormod", &binary<&ops::mod>, "x"_a, "y"_a, "name"_a = py::none());
  m.def("clip_by_value", [](py::handle t, py::handle lo, py::handle hi, py::object) {
    const Tensor tt = to_tensor(t), tlo = to_operand(lo, tt), thi = to_operand(hi, tt);
    MaybeReleaseGil gil(std::max(tt.numel(), std::max(tlo.numel(), thi.numel())));
    return ops::clip_by_value(tt, tlo, thi);
  }, "t"_a, "clip_value_min"_a, "clip_value_max"_a, "name"_a = py::none());
  m.def("where", [](py::handle c, py::handle x, py::handle y, py::object) -> Tensor {
    TG_CHECK(!x.is_none() && !y.is_none(), ValueError,
             "where: pass both x and y (the one-argument form returning indices is not supported)");
    Tensor tc = to_tensor(c), tx, ty;
    operand_pair(x, y, tx, ty);
    MaybeReleaseGil gil(std::max(tc.numel(), std::max(tx.numel(), ty.numel())));
    return ops::where(tc, tx, ty);
  }, "condition"_a, "x"_a = py::none(), "y"_a = py::none(), "name"_a = py::none());
}

}  // namespace tg::py_bind

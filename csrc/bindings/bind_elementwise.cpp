// Python functions of the element-wise ops (TensorFlow names).
//
// Arguments are taken as plain handles and converted with to_tensor: going
// through the Tensor type caster would first try pybind11's bound-class load,
// whose failure on a Python scalar (tg.maximum(x, 0.), clip_by_value(x, 0., 1.))
// costs a failed attribute lookup of about 2 us per scalar.
#include "bindings/common.h"

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
#define TG_BIND_BINARY(pyname, fn) m.def(pyname, &binary<&ops::fn>, "x"_a, "y"_a, "name"_a = py::none());
  TG_BIND_BINARY("add", add)
  TG_BIND_BINARY("subtract", subtract)
  TG_BIND_BINARY("multiply", multiply)
  TG_BIND_BINARY("divide", divide)
  TG_BIND_BINARY("truediv", divide)
  TG_BIND_BINARY("floordiv", floor_divide)
  TG_BIND_BINARY("floor_divide", floor_divide)
  TG_BIND_BINARY("floormod", mod)
  TG_BIND_BINARY("mod", mod)
  TG_BIND_BINARY("pow", pow)
  TG_BIND_BINARY("maximum", maximum)
  TG_BIND_BINARY("minimum", minimum)
  TG_BIND_BINARY("equal", equal)
  TG_BIND_BINARY("not_equal", not_equal)
  TG_BIND_BINARY("less", less)
  TG_BIND_BINARY("less_equal", less_equal)
  TG_BIND_BINARY("greater", greater)
  TG_BIND_BINARY("greater_equal", greater_equal)
  TG_BIND_BINARY("logical_and", logical_and)
  TG_BIND_BINARY("logical_or", logical_or)
  TG_BIND_BINARY("logical_xor", logical_xor)
#undef TG_BIND_BINARY
#define TG_BIND_UNARY(pyname, fn) m.def(pyname, &unary<&ops::fn>, "x"_a, "name"_a = py::none());
  TG_BIND_UNARY("negative", negative)
  TG_BIND_UNARY("abs", abs)
  TG_BIND_UNARY("sign", sign)
  TG_BIND_UNARY("square", square)
  TG_BIND_UNARY("sqrt", sqrt)
  TG_BIND_UNARY("rsqrt", rsqrt)
  TG_BIND_UNARY("reciprocal", reciprocal)
  TG_BIND_UNARY("exp", exp)
  TG_BIND_UNARY("log", log)
  TG_BIND_UNARY("log1p", log1p)
  TG_BIND_UNARY("expm1", expm1)
  TG_BIND_UNARY("sin", sin)
  TG_BIND_UNARY("cos", cos)
  TG_BIND_UNARY("tanh", tanh)
  TG_BIND_UNARY("sigmoid", sigmoid)
  TG_BIND_UNARY("relu", relu)
  TG_BIND_UNARY("softplus", softplus)
  TG_BIND_UNARY("erf", erf)
  TG_BIND_UNARY("erfc", erfc)
  TG_BIND_UNARY("logical_not", logical_not)
  TG_BIND_UNARY("is_nan", isnan)
  TG_BIND_UNARY("is_finite", isfinite)
  TG_BIND_UNARY("is_inf", isinf)
#undef TG_BIND_UNARY
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

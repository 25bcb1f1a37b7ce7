// Element-wise ops: one definition each (dtype rule, loop, gradient rule).
//
// Dtype rules (Array API promotion, Python scalars weak: see result_dtype):
// - arithmetic on bool tensors (add, multiply, pow, maximum, ...) is a
//   TypeError, as in TensorFlow: NumPy's bool + bool = logical or is a trap.
//   bool with a number promotes normally (mask * x).
// - floating functions (sqrt, exp, log, tanh, ...) compute integer inputs in
//   float32; bool inputs are a TypeError.
// - logical_and/or/xor/not take bool tensors only (TypeError otherwise).
// - integer floor_divide and mod by zero give 0 (NumPy too, with a warning),
//   never a crash; integer pow with a negative exponent is a ValueError.
//
// Gradients are summed back over broadcast axes (sum_to) and follow
// TensorFlow's conventions: d|x|/dx = 0 at 0, relu'(0) = 0, maximum/minimum
// send the gradient to the first argument on ties, clip passes it where
// lo <= x <= hi, where routes it by the condition, and d(a^b)/db uses log(a)
// only where a > 0 (0 elsewhere). floor_divide has no gradient (TF neither).
#include <cmath>
#include <optional>

#include "autograd.h"
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

// ---- inference, one function per dtype rule ---------------------------------------

// The promoted dtype of a numeric binary op; bool is refused.
DType numeric_dtype(const char* name, const Tensor& a, const Tensor& b) {
  DType dt = result_dtype(a, b);
  TG_CHECK(dt != DType::Bool, TypeError, name, ": arithmetic on bool tensors is not supported (got ", a.dtype(),
           " and ", b.dtype(), "); cast to a number type first, e.g. tg.cast(x, tg.float32)");
  return dt;
}

void all_in(Inferred& r, int n, DType dt) {
  for (int i = 0; i < n; ++i) r.inputs[i] = dt;
  r.kernel = dt;
}

// Arithmetic: compute and return in the promoted dtype.
void infer_arithmetic(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  r.shape = broadcast_shapes(in[0]->shape(), in[1]->shape());
  r.out = numeric_dtype(name, *in[0], *in[1]);
  all_in(r, 2, r.out);
}

// True division: integers divide in float32.
void infer_divide(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  r.shape = broadcast_shapes(in[0]->shape(), in[1]->shape());
  r.out = numeric_dtype(name, *in[0], *in[1]);
  if (!is_floating(r.out)) r.out = DType::Float32;
  all_in(r, 2, r.out);
}

// Comparisons: compute in the promoted dtype, return bool.
void infer_comparison(const char*, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  r.shape = broadcast_shapes(in[0]->shape(), in[1]->shape());
  all_in(r, 2, result_dtype(*in[0], *in[1]));
  r.out = DType::Bool;
}

void infer_logical(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  TG_CHECK(in[0]->dtype() == DType::Bool && in[1]->dtype() == DType::Bool, TypeError, name,
           ": expected bool tensors, got ", in[0]->dtype(), " and ", in[1]->dtype(),
           "; make them bool first, e.g. x != 0 or tg.cast(x, tg.bool)");
  r.shape = broadcast_shapes(in[0]->shape(), in[1]->shape());
  all_in(r, 2, DType::Bool);
  r.out = DType::Bool;
}

// The fused activation backwards (y, g): the promoted dtype.
void infer_promoted(const char*, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  r.shape = broadcast_shapes(in[0]->shape(), in[1]->shape());
  r.out = result_dtype(*in[0], *in[1]);
  all_in(r, 2, r.out);
}

void refuse_bool(const char* name, const Tensor& t) {
  TG_CHECK(t.dtype() != DType::Bool, TypeError, name, ": not defined for bool tensors; cast first, e.g. tg.cast(x, ",
           "tg.float32)");
}

// Floating functions: float stays, integers compute in float32.
void infer_float_unary(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  refuse_bool(name, *in[0]);
  r.shape = in[0]->shape();
  r.out = is_floating(in[0]->dtype()) ? in[0]->dtype() : DType::Float32;
  all_in(r, 1, r.out);
}

// Same dtype in and out (negative, abs, square, relu, ...); bool refused.
void infer_numeric_unary(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  refuse_bool(name, *in[0]);
  r.shape = in[0]->shape();
  r.out = in[0]->dtype();
  all_in(r, 1, r.out);
}

void infer_logical_not(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  TG_CHECK(in[0]->dtype() == DType::Bool, TypeError, name, ": expected a bool tensor, got ", in[0]->dtype(),
           "; make it bool first, e.g. x != 0 or tg.cast(x, tg.bool)");
  r.shape = in[0]->shape();
  all_in(r, 1, DType::Bool);
  r.out = DType::Bool;
}

// is_nan / is_finite / is_inf of a floating tensor (the public functions
// answer for the other dtypes without a kernel).
void infer_float_predicate(const char*, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  r.shape = in[0]->shape();
  all_in(r, 1, in[0]->dtype());
  r.out = DType::Bool;
}

// Result dtype of three operands with result_dtype's weak-scalar rule: the
// strong (tensor) dtypes promote among themselves; weak ones only decide the
// dtype when they are of a higher kind (bool < integer < floating).
DType result_dtype3(const Tensor& a, const Tensor& b, const Tensor& c) {
  bool have_strong = false, have_weak = false;
  DType strong = DType::Bool, weak = DType::Bool;
  for (const Tensor* t : {&a, &b, &c}) {
    if (t->get()->weak) {
      weak = have_weak ? promote(weak, t->dtype()) : t->dtype();
      have_weak = true;
    } else {
      strong = have_strong ? promote(strong, t->dtype()) : t->dtype();
      have_strong = true;
    }
  }
  if (!have_strong) return weak;
  if (!have_weak) return strong;
  auto kind = [](DType d) { return d == DType::Bool ? 0 : is_integer(d) ? 1 : 2; };
  if (kind(weak) <= kind(strong)) return strong;
  return is_integer(weak) ? DType::Int64 : DType::Float32;
}

Shape broadcast3(const Tensor* const* in) {
  return broadcast_shapes(broadcast_shapes(in[0]->shape(), in[1]->shape()), in[2]->shape());
}

void infer_clip(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  r.out = result_dtype3(*in[0], *in[1], *in[2]);
  TG_CHECK(r.out != DType::Bool, TypeError, name, ": not defined for bool tensors (got ", in[0]->dtype(), ", ",
           in[1]->dtype(), ", ", in[2]->dtype(), ")");
  r.shape = broadcast3(in);
  all_in(r, 3, r.out);
}

void infer_where(const char* name, const Tensor* const* in, int, const OpAttrs&, Inferred& r) {
  TG_CHECK(in[0]->dtype() == DType::Bool, TypeError, name, ": condition must be a bool tensor, got ", in[0]->dtype(),
           "; use e.g. tg.cast(c, tg.bool) or c != 0");
  r.out = result_dtype(*in[1], *in[2]);
  r.shape = broadcast3(in);
  all_in(r, 3, r.out);
  r.inputs[0] = DType::Bool;
}

Tensor zero_like_scalar(const Tensor& g) { return scalar(0.0, g.dtype()); }

// The smallest value of an integer exponent when it is negative (pow's check:
// a reduction, then one host read of its result).
std::optional<int64_t> negative_exponent(const Tensor& t) {
  if ((t.dtype() != DType::Int32 && t.dtype() != DType::Int64) || t.numel() == 0) return std::nullopt;
  const int64_t lowest = min(t).item_int();
  return lowest < 0 ? std::optional<int64_t>(lowest) : std::nullopt;
}

// d/dx erf(x) = 2/sqrt(pi) exp(-x^2), in public ops (so it has gradients too).
Tensor erf_derivative(const Tensor& t) {
  const double two_over_sqrt_pi = 1.1283791670955125738961589031215452;
  return multiply(exp(negative(square(t))), scalar(two_over_sqrt_pi, t.dtype()));
}

Tensor sigmoid_grad(const Tensor& y, const Tensor& g) { return exec(OpId::SigmoidGrad, y, g); }
Tensor tanh_grad(const Tensor& y, const Tensor& g) { return exec(OpId::TanhGrad, y, g); }

// ---- gradient rules, in public ops ---------------------------------------------------
// Each gets the op's (converted) inputs and output when its definition saves
// them, and the inputs' shapes; gradients are summed back over broadcast axes.
#define TG_GRAD(name) Grads name(const GradCtx& c, const Grads& g, const Needs& need)
#define TG_NEED(i, expr) (need[i] ? (expr) : Tensor())

TG_GRAD(grad_add) { return Grads{TG_NEED(0, sum_to(g[0], c.shapes[0])), TG_NEED(1, sum_to(g[0], c.shapes[1]))}; }
TG_GRAD(grad_subtract) {
  return Grads{TG_NEED(0, sum_to(g[0], c.shapes[0])), TG_NEED(1, sum_to(negative(g[0]), c.shapes[1]))};
}
TG_GRAD(grad_multiply) {
  const Tensor &a = c.inputs[0], &b = c.inputs[1];
  return Grads{TG_NEED(0, sum_to(multiply(g[0], b), c.shapes[0])), TG_NEED(1, sum_to(multiply(g[0], a), c.shapes[1]))};
}
TG_GRAD(grad_divide) {
  const Tensor &b = c.inputs[1], &out = c.output;
  return Grads{TG_NEED(0, sum_to(divide(g[0], b), c.shapes[0])),
               TG_NEED(1, sum_to(negative(multiply(g[0], divide(out, b))), c.shapes[1]))};
}
TG_GRAD(grad_mod) {  // a mod b = a - floor(a / b) * b
  const Tensor &a = c.inputs[0], &b = c.inputs[1];
  return Grads{TG_NEED(0, sum_to(g[0], c.shapes[0])),
               TG_NEED(1, sum_to(negative(multiply(g[0], floor_divide(a, b))), c.shapes[1]))};
}
TG_GRAD(grad_pow) {
  const Tensor &a = c.inputs[0], &b = c.inputs[1], &out = c.output;
  Tensor ga, gb;
  if (need[0]) {  // b * a^(b-1)
    Tensor one = scalar(1.0, b.dtype());
    ga = sum_to(multiply(g[0], multiply(b, pow(a, subtract(b, one)))), c.shapes[0]);
  }
  if (need[1]) {  // a^b * log(a) where a > 0, else 0 (TF's rule)
    Tensor zero = scalar(0.0, a.dtype());
    Tensor pos = greater(a, zero);
    Tensor log_a = where(pos, log(where(pos, a, scalar(1.0, a.dtype()))), zero);
    gb = sum_to(multiply(g[0], multiply(out, log_a)), c.shapes[1]);
  }
  return Grads{ga, gb};
}
// TF's rule: the gradient goes to a on ties, else to the larger (smaller) one.
Grads route_by(const Tensor& mask, const GradCtx& c, const Grads& g, const Needs& need) {
  Tensor zero = zero_like_scalar(g[0]);
  return Grads{TG_NEED(0, sum_to(where(mask, g[0], zero), c.shapes[0])),
               TG_NEED(1, sum_to(where(mask, zero, g[0]), c.shapes[1]))};
}
TG_GRAD(grad_maximum) { return route_by(greater_equal(c.inputs[0], c.inputs[1]), c, g, need); }
TG_GRAD(grad_minimum) { return route_by(less_equal(c.inputs[0], c.inputs[1]), c, g, need); }

// The fused activation backwards: piecewise linear in g; relu's is piecewise
// constant in y.
TG_GRAD(grad_relu_grad) { return Grads{Tensor(), TG_NEED(1, sum_to(relu_grad(c.inputs[0], g[0]), c.shapes[1]))}; }
TG_GRAD(grad_sigmoid_grad) {
  const Tensor &y = c.inputs[0], &gy = c.inputs[1];
  Tensor dy, dg;
  if (need[0]) {  // d/dy g*y*(1-y) = g*(1-2y)
    Tensor d = subtract(scalar(1.0, y.dtype()), multiply(y, scalar(2.0, y.dtype())));
    dy = sum_to(multiply(g[0], multiply(gy, d)), c.shapes[0]);
  }
  if (need[1]) dg = sum_to(sigmoid_grad(y, g[0]), c.shapes[1]);
  return Grads{dy, dg};
}
TG_GRAD(grad_tanh_grad) {
  const Tensor &y = c.inputs[0], &gy = c.inputs[1];
  // d/dy g*(1-y^2) = -2*g*y
  return Grads{TG_NEED(0, sum_to(multiply(g[0], multiply(gy, multiply(y, scalar(-2.0, y.dtype())))), c.shapes[0])),
               TG_NEED(1, sum_to(tanh_grad(y, g[0]), c.shapes[1]))};
}

TG_GRAD(grad_negative) { return Grads{negative(g[0])}; }
TG_GRAD(grad_abs) { return Grads{multiply(g[0], sign(c.inputs[0]))}; }  // sign(0) = 0
TG_GRAD(grad_sign) { return Grads{zeros(g[0].shape(), g[0].dtype())}; }
TG_GRAD(grad_square) { return Grads{multiply(g[0], multiply(c.inputs[0], scalar(2.0, c.inputs[0].dtype())))}; }
TG_GRAD(grad_relu) { return Grads{relu_grad(c.output, g[0])}; }  // relu'(0) = 0
TG_GRAD(grad_sqrt) { return Grads{divide(g[0], multiply(c.output, scalar(2.0, c.output.dtype())))}; }
TG_GRAD(grad_rsqrt) {  // -y^3 / 2
  const Tensor& y = c.output;
  return Grads{multiply(g[0], multiply(multiply(y, square(y)), scalar(-0.5, y.dtype())))};
}
TG_GRAD(grad_reciprocal) { return Grads{negative(multiply(g[0], square(c.output)))}; }
TG_GRAD(grad_exp) { return Grads{multiply(g[0], c.output)}; }
TG_GRAD(grad_expm1) { return Grads{multiply(g[0], add(c.output, scalar(1.0, c.output.dtype())))}; }
TG_GRAD(grad_log) { return Grads{divide(g[0], c.inputs[0])}; }
TG_GRAD(grad_log1p) { return Grads{divide(g[0], add(c.inputs[0], scalar(1.0, c.inputs[0].dtype())))}; }
TG_GRAD(grad_sin) { return Grads{multiply(g[0], cos(c.inputs[0]))}; }
TG_GRAD(grad_cos) { return Grads{negative(multiply(g[0], sin(c.inputs[0])))}; }
TG_GRAD(grad_tanh) { return Grads{tanh_grad(c.output, g[0])}; }
TG_GRAD(grad_sigmoid) { return Grads{sigmoid_grad(c.output, g[0])}; }
TG_GRAD(grad_softplus) { return Grads{multiply(g[0], sigmoid(c.inputs[0]))}; }
TG_GRAD(grad_erf) { return Grads{multiply(g[0], erf_derivative(c.inputs[0]))}; }
TG_GRAD(grad_erfc) { return Grads{negative(multiply(g[0], erf_derivative(c.inputs[0])))}; }

TG_GRAD(grad_clip) {
  const Tensor &t = c.inputs[0], &lo = c.inputs[1], &hi = c.inputs[2];
  Tensor zero = zero_like_scalar(g[0]);
  Tensor below = less(t, lo), above = greater(t, hi);
  return Grads{TG_NEED(0, sum_to(where(logical_or(below, above), zero, g[0]), c.shapes[0])),
               TG_NEED(1, sum_to(where(below, g[0], zero), c.shapes[1])),
               TG_NEED(2, sum_to(where(above, g[0], zero), c.shapes[2]))};
}
TG_GRAD(grad_where) {
  const Tensor& cond = c.inputs[0];
  Tensor zero = zero_like_scalar(g[0]);
  return Grads{Tensor(), TG_NEED(1, sum_to(where(cond, g[0], zero), c.shapes[1])),
               TG_NEED(2, sum_to(where(cond, zero, g[0]), c.shapes[2]))};
}
#undef TG_NEED
#undef TG_GRAD

}  // namespace

// ---- the public functions -----------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) { return exec(OpId::Add, a, b); }
Tensor subtract(const Tensor& a, const Tensor& b) { return exec(OpId::Subtract, a, b); }
Tensor multiply(const Tensor& a, const Tensor& b) { return exec(OpId::Multiply, a, b); }
Tensor divide(const Tensor& a, const Tensor& b) { return exec(OpId::Divide, a, b); }
Tensor floor_divide(const Tensor& a, const Tensor& b) { return exec(OpId::FloorDivide, a, b); }
Tensor mod(const Tensor& a, const Tensor& b) { return exec(OpId::Mod, a, b); }
Tensor pow(const Tensor& a, const Tensor& b) {
  if (is_integer(result_dtype(a, b))) {
    auto neg = negative_exponent(b);
    TG_CHECK(!neg, ValueError, "pow: integers to negative integer powers are not allowed (", result_dtype(a, b),
             " base, exponent ", neg.value_or(0), "); use a float base, e.g. tg.cast(x, tg.float32)");
  }
  return exec(OpId::Pow, a, b);
}
Tensor maximum(const Tensor& a, const Tensor& b) { return exec(OpId::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return exec(OpId::Minimum, a, b); }
Tensor equal(const Tensor& a, const Tensor& b) { return exec(OpId::Equal, a, b); }
Tensor not_equal(const Tensor& a, const Tensor& b) { return exec(OpId::NotEqual, a, b); }
Tensor less(const Tensor& a, const Tensor& b) { return exec(OpId::Less, a, b); }
Tensor less_equal(const Tensor& a, const Tensor& b) { return exec(OpId::LessEqual, a, b); }
Tensor greater(const Tensor& a, const Tensor& b) { return exec(OpId::Greater, a, b); }
Tensor greater_equal(const Tensor& a, const Tensor& b) { return exec(OpId::GreaterEqual, a, b); }
Tensor logical_and(const Tensor& a, const Tensor& b) { return exec(OpId::LogicalAnd, a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return exec(OpId::LogicalOr, a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return exec(OpId::LogicalXor, a, b); }
Tensor relu_grad(const Tensor& y, const Tensor& g) { return exec(OpId::ReluGrad, y, g); }

Tensor negative(const Tensor& t) { return exec(OpId::Negative, t); }
Tensor abs(const Tensor& t) { return exec(OpId::Abs, t); }
Tensor sign(const Tensor& t) { return exec(OpId::Sign, t); }
Tensor square(const Tensor& t) { return exec(OpId::Square, t); }
Tensor sqrt(const Tensor& t) { return exec(OpId::Sqrt, t); }
Tensor rsqrt(const Tensor& t) { return exec(OpId::Rsqrt, t); }
Tensor reciprocal(const Tensor& t) { return exec(OpId::Reciprocal, t); }
Tensor exp(const Tensor& t) { return exec(OpId::Exp, t); }
Tensor log(const Tensor& t) { return exec(OpId::Log, t); }
Tensor log1p(const Tensor& t) { return exec(OpId::Log1p, t); }
Tensor expm1(const Tensor& t) { return exec(OpId::Expm1, t); }
Tensor sin(const Tensor& t) { return exec(OpId::Sin, t); }
Tensor cos(const Tensor& t) { return exec(OpId::Cos, t); }
Tensor tanh(const Tensor& t) { return exec(OpId::Tanh, t); }
Tensor sigmoid(const Tensor& t) { return exec(OpId::Sigmoid, t); }
Tensor relu(const Tensor& t) { return exec(OpId::Relu, t); }
Tensor softplus(const Tensor& t) { return exec(OpId::Softplus, t); }
Tensor erf(const Tensor& t) { return exec(OpId::Erf, t); }
Tensor erfc(const Tensor& t) { return exec(OpId::Erfc, t); }
Tensor logical_not(const Tensor& t) { return exec(OpId::LogicalNot, t); }
// Integers and bools are never NaN or infinite.
Tensor isnan(const Tensor& t) { return is_floating(t.dtype()) ? exec(OpId::IsNan, t) : zeros(t.shape(), DType::Bool); }
Tensor isfinite(const Tensor& t) {
  return is_floating(t.dtype()) ? exec(OpId::IsFinite, t) : ones(t.shape(), DType::Bool);
}
Tensor isinf(const Tensor& t) { return is_floating(t.dtype()) ? exec(OpId::IsInf, t) : zeros(t.shape(), DType::Bool); }

// NumPy's order, min(max(t, lo), hi): where lo > hi the result is hi.
Tensor clip_by_value(const Tensor& t, const Tensor& lo, const Tensor& hi) {
  return exec(OpId::ClipByValue, t, lo, hi);
}
Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y) { return exec(OpId::Where, cond, x, y); }

}  // namespace tg::ops

// ---- the table entries --------------------------------------------------------------

namespace tg::op {

void define_elementwise() {
  using namespace tg::ops;
  constexpr uint32_t kAll = kNumericDTypes | kBoolDType;
  // Binary: arity 2.
  define(OpId::Add, 2, infer_arithmetic, grad_add, kSaveNothing, kNumericDTypes);
  define(OpId::Subtract, 2, infer_arithmetic, grad_subtract, kSaveNothing, kNumericDTypes);
  define(OpId::Multiply, 2, infer_arithmetic, grad_multiply, kSaveInputs, kNumericDTypes);
  define(OpId::Divide, 2, infer_divide, grad_divide, kSaveInputs | kSaveOutput, kFloatDTypes);
  // Zero almost everywhere: not differentiable, never recorded (TF neither).
  define(OpId::FloorDivide, 2, infer_arithmetic, nullptr, kSaveNothing, kNumericDTypes);
  define(OpId::Mod, 2, infer_arithmetic, grad_mod, kSaveInputs, kNumericDTypes);
  define(OpId::Pow, 2, infer_arithmetic, grad_pow, kSaveInputs | kSaveOutput, kNumericDTypes);
  define(OpId::Maximum, 2, infer_arithmetic, grad_maximum, kSaveInputs, kNumericDTypes);
  define(OpId::Minimum, 2, infer_arithmetic, grad_minimum, kSaveInputs, kNumericDTypes);
  for (OpId id : {OpId::Equal, OpId::NotEqual, OpId::Less, OpId::LessEqual, OpId::Greater, OpId::GreaterEqual})
    define(id, 2, infer_comparison, nullptr, kSaveNothing, kAll);
  for (OpId id : {OpId::LogicalAnd, OpId::LogicalOr, OpId::LogicalXor})
    define(id, 2, infer_logical, nullptr, kSaveNothing, kBoolDType);
  define(OpId::ReluGrad, 2, infer_promoted, grad_relu_grad, kSaveInputs, kFloatDTypes);
  define(OpId::SigmoidGrad, 2, infer_promoted, grad_sigmoid_grad, kSaveInputs, kFloatDTypes);
  define(OpId::TanhGrad, 2, infer_promoted, grad_tanh_grad, kSaveInputs, kFloatDTypes);

  // Unary: arity 1.
  define(OpId::Negative, 1, infer_numeric_unary, grad_negative, kSaveNothing, kNumericDTypes);
  define(OpId::Abs, 1, infer_numeric_unary, grad_abs, kSaveInputs, kNumericDTypes);
  define(OpId::Sign, 1, infer_numeric_unary, grad_sign, kSaveNothing, kNumericDTypes);
  define(OpId::Square, 1, infer_numeric_unary, grad_square, kSaveInputs, kNumericDTypes);
  define(OpId::Relu, 1, infer_numeric_unary, grad_relu, kSaveOutput, kNumericDTypes);
  define(OpId::Sqrt, 1, infer_float_unary, grad_sqrt, kSaveOutput, kFloatDTypes);
  define(OpId::Rsqrt, 1, infer_float_unary, grad_rsqrt, kSaveOutput, kFloatDTypes);
  define(OpId::Reciprocal, 1, infer_float_unary, grad_reciprocal, kSaveOutput, kFloatDTypes);
  define(OpId::Exp, 1, infer_float_unary, grad_exp, kSaveOutput, kFloatDTypes);
  define(OpId::Expm1, 1, infer_float_unary, grad_expm1, kSaveOutput, kFloatDTypes);
  define(OpId::Log, 1, infer_float_unary, grad_log, kSaveInputs, kFloatDTypes);
  define(OpId::Log1p, 1, infer_float_unary, grad_log1p, kSaveInputs, kFloatDTypes);
  define(OpId::Sin, 1, infer_float_unary, grad_sin, kSaveInputs, kFloatDTypes);
  define(OpId::Cos, 1, infer_float_unary, grad_cos, kSaveInputs, kFloatDTypes);
  define(OpId::Tanh, 1, infer_float_unary, grad_tanh, kSaveOutput, kFloatDTypes);
  define(OpId::Sigmoid, 1, infer_float_unary, grad_sigmoid, kSaveOutput, kFloatDTypes);
  define(OpId::Softplus, 1, infer_float_unary, grad_softplus, kSaveInputs, kFloatDTypes);
  define(OpId::Erf, 1, infer_float_unary, grad_erf, kSaveInputs, kFloatDTypes);
  define(OpId::Erfc, 1, infer_float_unary, grad_erfc, kSaveInputs, kFloatDTypes);
  define(OpId::LogicalNot, 1, infer_logical_not, nullptr, kSaveNothing, kBoolDType);
  for (OpId id : {OpId::IsNan, OpId::IsFinite, OpId::IsInf})
    define(id, 1, infer_float_predicate, nullptr, kSaveNothing, kFloatDTypes);

  // Three operands.
  define(OpId::ClipByValue, 3, infer_clip, grad_clip, kSaveInputs, kNumericDTypes);
  define(OpId::Where, 3, infer_where, grad_where, kSaveInputs, kAll);
}

}  // namespace tg::op

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
#include "elementwise_exec.h"
#include "ops.h"

namespace tg::ops {

using simd::BinaryOp;
using simd::TernaryOp;
using simd::UnaryOp;
using autograd::Grads;
using Needs = std::vector<bool>;

namespace {

void check_same_device(const char* op, const Tensor& a, const Tensor& b) {
  TG_CHECK(a.device() == b.device(), ValueError, op, ": tensors on different devices (", a.device().name(), " and ",
           b.device().name(), "); copy one explicitly");
}

simd::BinaryLoop binary_loop(BinaryOp op, DType compute, const char* name) {
  auto loop = simd::kernels().ew.binary[int(op)][int(compute)];
  TG_CHECK(loop != nullptr, TypeError, name, ": unsupported dtype ", compute);
  return loop;
}
simd::UnaryLoop unary_loop(UnaryOp op, DType compute, const char* name) {
  auto loop = simd::kernels().ew.unary[int(op)][int(compute)];
  TG_CHECK(loop != nullptr, TypeError, name, ": unsupported dtype ", compute);
  return loop;
}
simd::TernaryLoop ternary_loop(TernaryOp op, DType compute, const char* name) {
  auto loop = simd::kernels().ew.ternary[int(op)][int(compute)];
  TG_CHECK(loop != nullptr, TypeError, name, ": unsupported dtype ", compute);
  return loop;
}

// The promoted dtype of a numeric binary op; bool is refused.
DType numeric_dtype(const char* name, const Tensor& a, const Tensor& b) {
  check_same_device(name, a, b);
  DType dt = result_dtype(a, b);
  TG_CHECK(dt != DType::Bool, TypeError, name, ": arithmetic on bool tensors is not supported (got ", a.dtype(),
           " and ", b.dtype(), "); cast to a number type first, e.g. tg.cast(x, tg.float32)");
  return dt;
}

// Arithmetic: compute and return in the promoted dtype.
Tensor arithmetic(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  DType dt = numeric_dtype(name, a, b);
  return run_binary(binary_loop(op, dt, name), convert(a, dt), convert(b, dt), dt);
}

// Comparisons: compute in the promoted dtype, return bool.
Tensor comparison(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_same_device(name, a, b);
  DType dt = result_dtype(a, b);
  return run_binary(binary_loop(op, dt, name), convert(a, dt), convert(b, dt), DType::Bool);
}

Tensor logical(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_same_device(name, a, b);
  TG_CHECK(a.dtype() == DType::Bool && b.dtype() == DType::Bool, TypeError, name, ": expected bool tensors, got ",
           a.dtype(), " and ", b.dtype(), "; make them bool first, e.g. x != 0 or tg.cast(x, tg.bool)");
  return run_binary(binary_loop(op, DType::Bool, name), a, b, DType::Bool);
}

// The compute dtype of a floating function: float stays, integers go to float32.
DType float_dtype(const char* name, const Tensor& t) {
  TG_CHECK(t.dtype() != DType::Bool, TypeError, name, ": not defined for bool tensors; cast first, e.g. tg.cast(x, ",
           "tg.float32)");
  return is_floating(t.dtype()) ? t.dtype() : DType::Float32;
}

Tensor float_unary(UnaryOp op, const char* name, const Tensor& t) {
  DType dt = float_dtype(name, t);
  return run_unary(unary_loop(op, dt, name), convert(t, dt), dt);
}

// Same dtype in and out (negative, abs, square, relu, ...); bool refused.
Tensor numeric_unary(UnaryOp op, const char* name, const Tensor& t) {
  TG_CHECK(t.dtype() != DType::Bool, TypeError, name, ": not defined for bool tensors; cast first, e.g. tg.cast(x, ",
           "tg.float32)");
  return run_unary(unary_loop(op, t.dtype(), name), t, t.dtype());
}

Tensor zero_like_scalar(const Tensor& g) { return scalar(0.0, g.dtype()); }

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

}  // namespace

// ---- fused activation gradients ------------------------------------------------
// Ops of their own (y = the activation's output, g = its incoming gradient), so
// gradients of gradients keep working. relu_grad is public (ops.h): the fused
// Dense op's backward uses it too.
static Tensor sigmoid_grad(const Tensor& y, const Tensor& g);
static Tensor tanh_grad(const Tensor& y, const Tensor& g);

static Tensor fused_grad(BinaryOp op, const char* name, const Tensor& y, const Tensor& g) {
  DType dt = result_dtype(y, g);
  return run_binary(binary_loop(op, dt, name), convert(y, dt), convert(g, dt), dt);
}

Tensor relu_grad(const Tensor& y, const Tensor& g) {
  Tensor out = fused_grad(BinaryOp::ReluGrad, "relu_grad", y, g);
  if (autograd::should_record({&y, &g})) {
    // Piecewise linear in g, piecewise constant in y.
    autograd::record("relu_grad", {y, g}, {out}, [y, sg = g.shape()](const Grads& gg, const Needs& need) {
      return Grads{Tensor(), need[1] ? sum_to(relu_grad(y, gg[0]), sg) : Tensor()};
    });
  }
  return out;
}

static Tensor sigmoid_grad(const Tensor& y, const Tensor& g) {
  Tensor out = fused_grad(BinaryOp::SigmoidGrad, "sigmoid_grad", y, g);
  if (autograd::should_record({&y, &g})) {
    autograd::record("sigmoid_grad", {y, g}, {out}, [y, g](const Grads& gg, const Needs& need) {
      Tensor gy, gg2;
      if (need[0]) {  // d/dy g*y*(1-y) = g*(1-2y)
        Tensor d = subtract(scalar(1.0, y.dtype()), multiply(y, scalar(2.0, y.dtype())));
        gy = sum_to(multiply(gg[0], multiply(g, d)), y.shape());
      }
      if (need[1]) gg2 = sum_to(sigmoid_grad(y, gg[0]), g.shape());
      return Grads{gy, gg2};
    });
  }
  return out;
}

static Tensor tanh_grad(const Tensor& y, const Tensor& g) {
  Tensor out = fused_grad(BinaryOp::TanhGrad, "tanh_grad", y, g);
  if (autograd::should_record({&y, &g})) {
    autograd::record("tanh_grad", {y, g}, {out}, [y, g](const Grads& gg, const Needs& need) {
      Tensor gy, gg2;
      if (need[0])  // d/dy g*(1-y^2) = -2*g*y
        gy = sum_to(multiply(gg[0], multiply(g, multiply(y, scalar(-2.0, y.dtype())))), y.shape());
      if (need[1]) gg2 = sum_to(tanh_grad(y, gg[0]), g.shape());
      return Grads{gy, gg2};
    });
  }
  return out;
}

namespace {

// The first negative value of an integer tensor, if any (pow's exponent check).
std::optional<int64_t> first_negative(const Tensor& t) {
  if (t.dtype() != DType::Int32 && t.dtype() != DType::Int64) return std::nullopt;
  Tensor c = t.contiguous();
  const int64_t n = c.numel();
  if (t.dtype() == DType::Int32) {
    const int32_t* p = c.data<int32_t>();
    for (int64_t i = 0; i < n; ++i) if (p[i] < 0) return p[i];
  } else {
    const int64_t* p = c.data<int64_t>();
    for (int64_t i = 0; i < n; ++i) if (p[i] < 0) return p[i];
  }
  return std::nullopt;
}

}  // namespace

// ---- arithmetic ------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Add, "add", a, b);
  if (autograd::should_record({&a, &b})) {
    autograd::record("add", {a, b}, {out}, [sa = a.shape(), sb = b.shape()](const Grads& g, const Needs& need) {
      return Grads{need[0] ? sum_to(g[0], sa) : Tensor(), need[1] ? sum_to(g[0], sb) : Tensor()};
    });
  }
  return out;
}

Tensor subtract(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Sub, "subtract", a, b);
  if (autograd::should_record({&a, &b})) {
    autograd::record("subtract", {a, b}, {out}, [sa = a.shape(), sb = b.shape()](const Grads& g, const Needs& need) {
      return Grads{need[0] ? sum_to(g[0], sa) : Tensor(), need[1] ? sum_to(negative(g[0]), sb) : Tensor()};
    });
  }
  return out;
}

Tensor multiply(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Mul, "multiply", a, b);
  if (autograd::should_record({&a, &b})) {
    autograd::record("multiply", {a, b}, {out}, [a, b](const Grads& g, const Needs& need) {
      return Grads{need[0] ? sum_to(multiply(g[0], b), a.shape()) : Tensor(),
                   need[1] ? sum_to(multiply(g[0], a), b.shape()) : Tensor()};
    });
  }
  return out;
}

Tensor divide(const Tensor& a, const Tensor& b) {
  DType dt = numeric_dtype("divide", a, b);
  if (!is_floating(dt)) dt = DType::Float32;  // true division of integers
  Tensor out = run_binary(binary_loop(BinaryOp::Div, dt, "divide"), convert(a, dt), convert(b, dt), dt);
  if (autograd::should_record({&a, &b})) {
    autograd::record("divide", {a, b}, {out}, [a, b, out](const Grads& g, const Needs& need) {
      Tensor ga, gb;
      if (need[0]) ga = sum_to(divide(g[0], b), a.shape());
      if (need[1]) gb = sum_to(negative(multiply(g[0], divide(out, b))), b.shape());
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  // Not differentiable (zero almost everywhere): not recorded, as in TF.
  return arithmetic(BinaryOp::FloorDiv, "floor_divide", a, b);
}

Tensor mod(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Mod, "mod", a, b);
  if (autograd::should_record({&a, &b})) {
    // a mod b = a - floor(a / b) * b.
    autograd::record("mod", {a, b}, {out}, [a, b](const Grads& g, const Needs& need) {
      Tensor ga, gb;
      if (need[0]) ga = sum_to(g[0], a.shape());
      if (need[1]) gb = sum_to(negative(multiply(g[0], floor_divide(a, b))), b.shape());
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  DType dt = numeric_dtype("pow", a, b);
  Tensor ac = convert(a, dt), bc = convert(b, dt);
  if (is_integer(dt)) {
    auto neg = first_negative(bc);
    TG_CHECK(!neg, ValueError, "pow: integers to negative integer powers are not allowed (", dt, " base, exponent ",
             neg.value_or(0), "); use a float base, e.g. tg.cast(x, tg.float32)");
  }
  Tensor out;
  // A scalar exponent that leaves the shape alone may have a cheaper loop
  // (NumPy's ** takes the same shortcuts).
  if (b.numel() == 1 && broadcast_shapes(a.shape(), b.shape()) == a.shape()) {
    const double e = bc.item_double();
    UnaryOp op = UnaryOp::kCount;
    if (e == 1.0) op = UnaryOp::Copy;
    else if (e == 2.0) op = UnaryOp::Square;
    else if (is_floating(dt) && e == 0.5) op = UnaryOp::Sqrt;
    else if (is_floating(dt) && e == -1.0) op = UnaryOp::Reciprocal;
    else if (is_floating(dt) && e == -0.5) op = UnaryOp::Rsqrt;
    if (op != UnaryOp::kCount) out = run_unary(unary_loop(op, dt, "pow"), ac, dt);
  }
  if (!out.defined()) out = run_binary(binary_loop(BinaryOp::Pow, dt, "pow"), ac, bc, dt);
  if (autograd::should_record({&a, &b})) {
    autograd::record("pow", {a, b}, {out}, [a, b, out](const Grads& g, const Needs& need) {
      Tensor ga, gb;
      if (need[0]) {  // b * a^(b-1)
        Tensor one = scalar(1.0, b.dtype());
        ga = sum_to(multiply(g[0], multiply(b, pow(a, subtract(b, one)))), a.shape());
      }
      if (need[1]) {  // a^b * log(a) where a > 0, else 0 (TF's rule)
        Tensor zero = scalar(0.0, a.dtype());
        Tensor pos = greater(a, zero);
        Tensor log_a = where(pos, log(where(pos, a, scalar(1.0, a.dtype()))), zero);
        gb = sum_to(multiply(g[0], multiply(out, log_a)), b.shape());
      }
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Maximum, "maximum", a, b);
  if (autograd::should_record({&a, &b})) {
    // TF's rule: the gradient goes to a where a >= b, else to b.
    autograd::record("maximum", {a, b}, {out}, [a, b](const Grads& g, const Needs& need) {
      Tensor mask = greater_equal(a, b), zero = zero_like_scalar(g[0]);
      Tensor ga = need[0] ? sum_to(where(mask, g[0], zero), a.shape()) : Tensor();
      Tensor gb = need[1] ? sum_to(where(mask, zero, g[0]), b.shape()) : Tensor();
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Minimum, "minimum", a, b);
  if (autograd::should_record({&a, &b})) {
    autograd::record("minimum", {a, b}, {out}, [a, b](const Grads& g, const Needs& need) {
      Tensor mask = less_equal(a, b), zero = zero_like_scalar(g[0]);
      Tensor ga = need[0] ? sum_to(where(mask, g[0], zero), a.shape()) : Tensor();
      Tensor gb = need[1] ? sum_to(where(mask, zero, g[0]), b.shape()) : Tensor();
      return Grads{ga, gb};
    });
  }
  return out;
}

// ---- comparisons and logic (no gradients) -----------------------------------------

Tensor equal(const Tensor& a, const Tensor& b) { return comparison(BinaryOp::Equal, "equal", a, b); }
Tensor not_equal(const Tensor& a, const Tensor& b) { return comparison(BinaryOp::NotEqual, "not_equal", a, b); }
Tensor less(const Tensor& a, const Tensor& b) { return comparison(BinaryOp::Less, "less", a, b); }
Tensor less_equal(const Tensor& a, const Tensor& b) { return comparison(BinaryOp::LessEqual, "less_equal", a, b); }
Tensor greater(const Tensor& a, const Tensor& b) { return comparison(BinaryOp::Greater, "greater", a, b); }
Tensor greater_equal(const Tensor& a, const Tensor& b) {
  return comparison(BinaryOp::GreaterEqual, "greater_equal", a, b);
}
Tensor logical_and(const Tensor& a, const Tensor& b) { return logical(BinaryOp::LogicalAnd, "logical_and", a, b); }
Tensor logical_or(const Tensor& a, const Tensor& b) { return logical(BinaryOp::LogicalOr, "logical_or", a, b); }
Tensor logical_xor(const Tensor& a, const Tensor& b) { return logical(BinaryOp::LogicalXor, "logical_xor", a, b); }

Tensor logical_not(const Tensor& t) {
  TG_CHECK(t.dtype() == DType::Bool, TypeError, "logical_not: expected a bool tensor, got ", t.dtype(),
           "; make it bool first, e.g. x != 0 or tg.cast(x, tg.bool)");
  return run_unary(unary_loop(UnaryOp::LogicalNot, DType::Bool, "logical_not"), t, DType::Bool);
}

// Integers and bools are never NaN or infinite.
Tensor isnan(const Tensor& t) {
  if (!is_floating(t.dtype())) return zeros(t.shape(), DType::Bool);
  return run_unary(unary_loop(UnaryOp::IsNan, t.dtype(), "is_nan"), t, DType::Bool);
}
Tensor isfinite(const Tensor& t) {
  if (!is_floating(t.dtype())) return ones(t.shape(), DType::Bool);
  return run_unary(unary_loop(UnaryOp::IsFinite, t.dtype(), "is_finite"), t, DType::Bool);
}
Tensor isinf(const Tensor& t) {
  if (!is_floating(t.dtype())) return zeros(t.shape(), DType::Bool);
  return run_unary(unary_loop(UnaryOp::IsInf, t.dtype(), "is_inf"), t, DType::Bool);
}

// ---- unary functions -----------------------------------------------------------------

Tensor negative(const Tensor& t) {
  Tensor out = numeric_unary(UnaryOp::Negative, "negative", t);
  if (autograd::should_record({&t})) {
    autograd::record("negative", {t}, {out}, [](const Grads& g, const Needs&) { return Grads{negative(g[0])}; });
  }
  return out;
}

Tensor abs(const Tensor& t) {
  Tensor out = numeric_unary(UnaryOp::Abs, "abs", t);
  if (autograd::should_record({&t})) {
    autograd::record("abs", {t}, {out}, [t](const Grads& g, const Needs&) {
      return Grads{multiply(g[0], sign(t))};  // sign(0) = 0
    });
  }
  return out;
}

Tensor sign(const Tensor& t) {
  Tensor out = numeric_unary(UnaryOp::Sign, "sign", t);
  if (autograd::should_record({&t})) {
    autograd::record("sign", {t}, {out}, [](const Grads& g, const Needs&) {
      return Grads{zeros(g[0].shape(), g[0].dtype())};
    });
  }
  return out;
}

Tensor square(const Tensor& t) {
  Tensor out = numeric_unary(UnaryOp::Square, "square", t);
  if (autograd::should_record({&t})) {
    autograd::record("square", {t}, {out}, [t](const Grads& g, const Needs&) {
      return Grads{multiply(g[0], multiply(t, scalar(2.0, t.dtype())))};
    });
  }
  return out;
}

Tensor relu(const Tensor& t) {
  Tensor out = numeric_unary(UnaryOp::Relu, "relu", t);
  if (autograd::should_record({&t})) {
    autograd::record("relu", {t}, {out}, [out](const Grads& g, const Needs&) { return Grads{relu_grad(out, g[0])}; });
  }
  return out;
}

Tensor sqrt(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Sqrt, "sqrt", t);
  if (autograd::should_record({&t})) {
    autograd::record("sqrt", {t}, {out}, [out](const Grads& g, const Needs&) {
      return Grads{divide(g[0], multiply(out, scalar(2.0, out.dtype())))};
    });
  }
  return out;
}

Tensor rsqrt(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Rsqrt, "rsqrt", t);
  if (autograd::should_record({&t})) {
    autograd::record("rsqrt", {t}, {out}, [out](const Grads& g, const Needs&) {  // -y^3 / 2
      return Grads{multiply(g[0], multiply(multiply(out, square(out)), scalar(-0.5, out.dtype())))};
    });
  }
  return out;
}

Tensor reciprocal(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Reciprocal, "reciprocal", t);
  if (autograd::should_record({&t})) {
    autograd::record("reciprocal", {t}, {out}, [out](const Grads& g, const Needs&) {
      return Grads{negative(multiply(g[0], square(out)))};
    });
  }
  return out;
}

Tensor exp(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Exp, "exp", t);
  if (autograd::should_record({&t})) {
    autograd::record("exp", {t}, {out}, [out](const Grads& g, const Needs&) { return Grads{multiply(g[0], out)}; });
  }
  return out;
}

Tensor expm1(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Expm1, "expm1", t);
  if (autograd::should_record({&t})) {
    autograd::record("expm1", {t}, {out}, [out](const Grads& g, const Needs&) {
      return Grads{multiply(g[0], add(out, scalar(1.0, out.dtype())))};
    });
  }
  return out;
}

Tensor log(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Log, "log", t);
  if (autograd::should_record({&t})) {
    autograd::record("log", {t}, {out}, [t](const Grads& g, const Needs&) { return Grads{divide(g[0], t)}; });
  }
  return out;
}

Tensor log1p(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Log1p, "log1p", t);
  if (autograd::should_record({&t})) {
    autograd::record("log1p", {t}, {out}, [t](const Grads& g, const Needs&) {
      return Grads{divide(g[0], add(t, scalar(1.0, t.dtype())))};
    });
  }
  return out;
}

Tensor sin(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Sin, "sin", t);
  if (autograd::should_record({&t})) {
    autograd::record("sin", {t}, {out}, [t](const Grads& g, const Needs&) { return Grads{multiply(g[0], cos(t))}; });
  }
  return out;
}

Tensor cos(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Cos, "cos", t);
  if (autograd::should_record({&t})) {
    autograd::record("cos", {t}, {out}, [t](const Grads& g, const Needs&) {
      return Grads{negative(multiply(g[0], sin(t)))};
    });
  }
  return out;
}

Tensor tanh(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Tanh, "tanh", t);
  if (autograd::should_record({&t})) {
    autograd::record("tanh", {t}, {out}, [out](const Grads& g, const Needs&) { return Grads{tanh_grad(out, g[0])}; });
  }
  return out;
}

Tensor sigmoid(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Sigmoid, "sigmoid", t);
  if (autograd::should_record({&t})) {
    autograd::record("sigmoid", {t}, {out}, [out](const Grads& g, const Needs&) {
      return Grads{sigmoid_grad(out, g[0])};
    });
  }
  return out;
}

Tensor softplus(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Softplus, "softplus", t);
  if (autograd::should_record({&t})) {
    autograd::record("softplus", {t}, {out}, [t](const Grads& g, const Needs&) {
      return Grads{multiply(g[0], sigmoid(t))};
    });
  }
  return out;
}

namespace {
// d/dx erf(x) = 2/sqrt(pi) exp(-x^2), in public ops (so it has gradients too).
Tensor erf_derivative(const Tensor& t) {
  const double two_over_sqrt_pi = 1.1283791670955125738961589031215452;
  return multiply(exp(negative(square(t))), scalar(two_over_sqrt_pi, t.dtype()));
}
}  // namespace

Tensor erf(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Erf, "erf", t);
  if (autograd::should_record({&t})) {
    autograd::record("erf", {t}, {out}, [t](const Grads& g, const Needs&) {
      return Grads{multiply(g[0], erf_derivative(t))};
    });
  }
  return out;
}

Tensor erfc(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Erfc, "erfc", t);
  if (autograd::should_record({&t})) {
    autograd::record("erfc", {t}, {out}, [t](const Grads& g, const Needs&) {
      return Grads{negative(multiply(g[0], erf_derivative(t)))};
    });
  }
  return out;
}

// ---- three operands ------------------------------------------------------------------

Tensor clip_by_value(const Tensor& t, const Tensor& lo, const Tensor& hi) {
  check_same_device("clip_by_value", t, lo);
  check_same_device("clip_by_value", t, hi);
  const DType dt = result_dtype3(t, lo, hi);
  TG_CHECK(dt != DType::Bool, TypeError, "clip_by_value: not defined for bool tensors (got ", t.dtype(), ", ",
           lo.dtype(), ", ", hi.dtype(), ")");
  // NumPy's order, min(max(t, lo), hi): where lo > hi the result is hi.
  Tensor out = run_ternary(ternary_loop(TernaryOp::Clip, dt, "clip_by_value"), convert(t, dt), convert(lo, dt),
                           convert(hi, dt), dt);
  if (autograd::should_record({&t, &lo, &hi})) {
    autograd::record("clip_by_value", {t, lo, hi}, {out}, [t, lo, hi](const Grads& g, const Needs& need) {
      Tensor zero = zero_like_scalar(g[0]);
      Tensor below = less(t, lo), above = greater(t, hi);
      Tensor gt, glo, ghi;
      if (need[0]) gt = sum_to(where(logical_or(below, above), zero, g[0]), t.shape());
      if (need[1]) glo = sum_to(where(below, g[0], zero), lo.shape());
      if (need[2]) ghi = sum_to(where(above, g[0], zero), hi.shape());
      return Grads{gt, glo, ghi};
    });
  }
  return out;
}

Tensor where(const Tensor& cond, const Tensor& x, const Tensor& y) {
  check_same_device("where", cond, x);
  check_same_device("where", x, y);
  TG_CHECK(cond.dtype() == DType::Bool, TypeError, "where: condition must be a bool tensor, got ", cond.dtype(),
           "; use e.g. tg.cast(c, tg.bool) or c != 0");
  const DType dt = result_dtype(x, y);
  Tensor out = run_ternary(ternary_loop(TernaryOp::Where, dt, "where"), cond, convert(x, dt), convert(y, dt), dt);
  if (autograd::should_record({&x, &y})) {
    autograd::record("where", {cond, x, y}, {out}, [cond, sx = x.shape(), sy = y.shape()](const Grads& g,
                                                                                        const Needs& need) {
      Tensor zero = zero_like_scalar(g[0]);
      return Grads{Tensor(), need[1] ? sum_to(where(cond, g[0], zero), sx) : Tensor(),
                   need[2] ? sum_to(where(cond, zero, g[0]), sy) : Tensor()};
    });
  }
  return out;
}

}  // namespace tg::ops

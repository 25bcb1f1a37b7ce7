// Element-wise ops: one definition each (dtype rule, loop, gradient rule).
#include "autograd.h"
#include "elementwise_exec.h"
#include "ops.h"

namespace tg::ops {

using simd::BinaryOp;
using simd::UnaryOp;
using autograd::Grads;

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

// Arithmetic: compute and return in the promoted dtype.
Tensor arithmetic(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_same_device(name, a, b);
  DType dt = result_dtype(a, b);
  auto loop = binary_loop(op, dt, name);
  return run_binary(loop, convert(a, dt), convert(b, dt), dt);
}

// Comparisons: compute in the promoted dtype, return bool.
Tensor comparison(BinaryOp op, const char* name, const Tensor& a, const Tensor& b) {
  check_same_device(name, a, b);
  DType dt = result_dtype(a, b);
  return run_binary(binary_loop(op, dt, name), convert(a, dt), convert(b, dt), DType::Bool);
}

// Float-only functions promote integer inputs to float32 (NumPy would use float64).
Tensor float_unary(UnaryOp op, const char* name, const Tensor& t) {
  DType dt = is_floating(t.dtype()) ? t.dtype() : DType::Float32;
  auto loop = simd::kernels().ew.unary[int(op)][int(dt)];
  TG_CHECK(loop != nullptr, TypeError, name, ": unsupported dtype ", t.dtype());
  return run_unary(loop, convert(t, dt), dt);
}

Tensor same_dtype_unary(UnaryOp op, const char* name, const Tensor& t) {
  auto loop = simd::kernels().ew.unary[int(op)][int(t.dtype())];
  TG_CHECK(loop != nullptr, TypeError, name, ": unsupported dtype ", t.dtype());
  return run_unary(loop, t, t.dtype());
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Add, "add", a, b);
  if (autograd::should_record({&a, &b})) {
    autograd::record("add", {a, b}, {out}, [sa = a.shape(), sb = b.shape()](const Grads& g, const std::vector<bool>& need) {
      return Grads{need[0] ? sum_to(g[0], sa) : Tensor(), need[1] ? sum_to(g[0], sb) : Tensor()};
    });
  }
  return out;
}

Tensor subtract(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Sub, "subtract", a, b);
  if (autograd::should_record({&a, &b})) {
    autograd::record("subtract", {a, b}, {out}, [sa = a.shape(), sb = b.shape()](const Grads& g, const std::vector<bool>& need) {
      return Grads{need[0] ? sum_to(g[0], sa) : Tensor(), need[1] ? sum_to(negative(g[0]), sb) : Tensor()};
    });
  }
  return out;
}

Tensor multiply(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Mul, "multiply", a, b);
  if (autograd::should_record({&a, &b})) {
    autograd::record("multiply", {a, b}, {out}, [a, b](const Grads& g, const std::vector<bool>& need) {
      return Grads{need[0] ? sum_to(multiply(g[0], b), a.shape()) : Tensor(),
                   need[1] ? sum_to(multiply(g[0], a), b.shape()) : Tensor()};
    });
  }
  return out;
}

Tensor divide(const Tensor& a, const Tensor& b) {
  check_same_device("divide", a, b);
  DType dt = result_dtype(a, b);
  if (!is_floating(dt)) dt = DType::Float32;  // true division of integers
  Tensor out = run_binary(binary_loop(BinaryOp::Div, dt, "divide"), convert(a, dt), convert(b, dt), dt);
  if (autograd::should_record({&a, &b})) {
    autograd::record("divide", {a, b}, {out}, [a, b, out](const Grads& g, const std::vector<bool>& need) {
      Tensor ga, gb;
      if (need[0]) ga = sum_to(divide(g[0], b), a.shape());
      if (need[1]) gb = sum_to(negative(multiply(g[0], divide(out, b))), b.shape());
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor maximum(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Maximum, "maximum", a, b);
  if (autograd::should_record({&a, &b})) {
    // TF's rule: the gradient goes to a where a >= b, else to b.
    autograd::record("maximum", {a, b}, {out}, [a, b](const Grads& g, const std::vector<bool>& need) {
      Tensor mask = cast(greater_equal(a, b), g[0].dtype());
      Tensor ga = need[0] ? sum_to(multiply(g[0], mask), a.shape()) : Tensor();
      Tensor gb = need[1] ? sum_to(subtract(g[0], multiply(g[0], mask)), b.shape()) : Tensor();
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor minimum(const Tensor& a, const Tensor& b) {
  Tensor out = arithmetic(BinaryOp::Minimum, "minimum", a, b);
  if (autograd::should_record({&a, &b})) {
    autograd::record("minimum", {a, b}, {out}, [a, b](const Grads& g, const std::vector<bool>& need) {
      Tensor mask = cast(less_equal(a, b), g[0].dtype());
      Tensor ga = need[0] ? sum_to(multiply(g[0], mask), a.shape()) : Tensor();
      Tensor gb = need[1] ? sum_to(subtract(g[0], multiply(g[0], mask)), b.shape()) : Tensor();
      return Grads{ga, gb};
    });
  }
  return out;
}

Tensor equal(const Tensor& a, const Tensor& b) { return comparison(BinaryOp::Equal, "equal", a, b); }
Tensor not_equal(const Tensor& a, const Tensor& b) { return comparison(BinaryOp::NotEqual, "not_equal", a, b); }
Tensor less(const Tensor& a, const Tensor& b) { return comparison(BinaryOp::Less, "less", a, b); }
Tensor less_equal(const Tensor& a, const Tensor& b) { return comparison(BinaryOp::LessEqual, "less_equal", a, b); }
Tensor greater(const Tensor& a, const Tensor& b) { return comparison(BinaryOp::Greater, "greater", a, b); }
Tensor greater_equal(const Tensor& a, const Tensor& b) {
  return comparison(BinaryOp::GreaterEqual, "greater_equal", a, b);
}

Tensor negative(const Tensor& t) {
  Tensor out = same_dtype_unary(UnaryOp::Negative, "negative", t);
  if (autograd::should_record({&t})) {
    autograd::record("negative", {t}, {out}, [](const Grads& g, const std::vector<bool>&) {
      return Grads{negative(g[0])};
    });
  }
  return out;
}

Tensor square(const Tensor& t) {
  Tensor out = same_dtype_unary(UnaryOp::Square, "square", t);
  if (autograd::should_record({&t})) {
    autograd::record("square", {t}, {out}, [t](const Grads& g, const std::vector<bool>&) {
      return Grads{multiply(g[0], multiply(t, scalar(2.0, t.dtype())))};
    });
  }
  return out;
}

Tensor exp(const Tensor& t) {
  Tensor out = float_unary(UnaryOp::Exp, "exp", t);
  if (autograd::should_record({&t})) {
    autograd::record("exp", {t}, {out}, [out](const Grads& g, const std::vector<bool>&) {
      return Grads{multiply(g[0], out)};
    });
  }
  return out;
}

Tensor relu(const Tensor& t) {
  Tensor out = same_dtype_unary(UnaryOp::Relu, "relu", t);
  if (autograd::should_record({&t})) {
    autograd::record("relu", {t}, {out}, [out](const Grads& g, const std::vector<bool>&) {
      return Grads{multiply(g[0], cast(greater(out, scalar(0.0, out.dtype())), g[0].dtype()))};
    });
  }
  return out;
}

}  // namespace tg::ops

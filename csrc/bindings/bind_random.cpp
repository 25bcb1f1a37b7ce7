// Python functions of the random generators, with TensorFlow's signatures;
// pyfrontend/tensorgear/random.py exposes them under tg.random.
#include "bindings/common.h"
#include "philox.h"

namespace tg::py_bind {

namespace {

// A seed is any integer; like TF it is taken modulo 2^64 (as int64).
int64_t parse_seed_value(py::handle h, const char* what) {
  py::object v;
  try {
    v = py::reinterpret_borrow<py::object>(h).attr("__index__")();
  } catch (py::error_already_set&) {
    throw TypeError(str(what, " must be an integer, got ", std::string(py::repr(h))));
  }
  py::object mask = py::reinterpret_steal<py::object>(PyLong_FromUnsignedLongLong(~0ull));
  return int64_t(v.attr("__and__")(mask).cast<uint64_t>());
}

std::optional<int64_t> parse_seed(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return parse_seed_value(h, "seed");
}

// tf.random.stateless_*: seed is a shape-[2] integer tensor or pair.
ops::SeedPair parse_seed_pair(py::handle h) {
  py::object seq = py::isinstance<TensorImpl>(h) ? py::object(to_numpy(to_tensor(h)))
                                                 : py::reinterpret_borrow<py::object>(h);
  TG_CHECK(py::isinstance<py::sequence>(seq) && !py::isinstance<py::str>(seq) && py::len(seq) == 2, ValueError,
           "seed must be a pair of integers (shape [2]), got ", std::string(py::repr(h)));
  auto s = py::reinterpret_borrow<py::sequence>(seq);
  return {parse_seed_value(s[0], "seed[0]"), parse_seed_value(s[1], "seed[1]")};
}

DType float_dtype(py::handle dtype) { return parse_optional_dtype(dtype).value_or(DType::Float32); }

// A scalar argument as a double, or nullopt when it is a non-scalar tensor
// (TF lets mean / stddev / minval / maxval broadcast against the shape).
std::optional<double> scalar_arg(const Tensor& t) {
  if (t.numel() != 1) return std::nullopt;
  return t.item_double();
}

// TF lets the distribution parameters broadcast against the result shape.
void check_params(const Tensor& p, const Tensor& q, const Shape& shape, const char* op) {
  auto fits = [&](const Tensor& t) {
    try {
      return ops::broadcast_shapes(t.shape(), shape) == shape;
    } catch (const ValueError&) {
      return false;
    }
  };
  TG_CHECK(fits(p) && fits(q), ValueError, op, ": parameters of shapes ", p.shape(), " and ", q.shape(),
           " do not broadcast to shape ", shape);
}

// z * scale + shift with tensor parameters (already checked to broadcast to z).
Tensor affine(const Tensor& z, const Tensor& scale, const Tensor& shift) {
  const DType dt = z.dtype();
  return ops::add(ops::multiply(z, ops::cast(scale, dt)), ops::cast(shift, dt));
}

template <class Gen>
Tensor normal_like(const char* op, py::handle shape_h, const Tensor& mean, const Tensor& stddev, DType dt,
                   Gen&& gen) {
  const Shape shape = parse_shape(shape_h);
  const auto m = scalar_arg(mean), sd = scalar_arg(stddev);
  MaybeReleaseGil gil(shape_numel(shape));
  if (m && sd) return gen(shape, *m, *sd, dt);
  check_params(mean, stddev, shape, op);
  return affine(gen(shape, 0.0, 1.0, dt), stddev, mean);
}

// Integer bounds exactly (int64), from Python ints or integer tensors.
int64_t int_bound(const Tensor& t, const char* what) {
  TG_CHECK(t.numel() == 1, ValueError, "random.uniform: ", what, " must be a scalar for an integer dtype, got shape ",
           t.shape());
  if (is_integer(t.dtype()) || t.dtype() == DType::Bool) return t.item_int();
  const double v = t.item_double();
  TG_CHECK(std::isfinite(v) && v == std::floor(v), ValueError, "random.uniform: ", what,
           " must be an integer for an integer dtype, got ", v);
  return int64_t(v);
}

template <class FloatGen, class IntGen>
Tensor uniform_like(py::handle shape_h, py::handle minval_h, py::handle maxval_h, py::handle dtype_h,
                    FloatGen&& fgen, IntGen&& igen) {
  const Shape shape = parse_shape(shape_h);
  const DType dt = float_dtype(dtype_h);
  if (dt == DType::Int32 || dt == DType::Int64) {
    TG_CHECK(!maxval_h.is_none(), ValueError, "random.uniform: maxval must be given for integer dtype ", dt);
    const int64_t lo = int_bound(to_tensor(minval_h), "minval"), hi = int_bound(to_tensor(maxval_h), "maxval");
    MaybeReleaseGil gil(shape_numel(shape));
    return igen(shape, lo, hi, dt);
  }
  const Tensor lo = to_tensor(minval_h);
  const Tensor hi = maxval_h.is_none() ? ops::scalar(1.0, DType::Float64) : to_tensor(maxval_h);
  const auto l = scalar_arg(lo), h = scalar_arg(hi);
  MaybeReleaseGil gil(shape_numel(shape));
  if (l && h) return fgen(shape, *l, *h, dt);
  check_params(lo, hi, shape, "random.uniform");
  return affine(fgen(shape, 0.0, 1.0, dt), ops::subtract(hi, lo), lo);
}

}  // namespace

void bind_random(py::module_& m) {
  using namespace pybind11::literals;
  m.def("random_set_seed", [](py::handle seed) { ops::set_global_seed(parse_seed(seed)); }, "seed"_a);
  m.def("random_normal", [](py::handle shape, const Tensor& mean, const Tensor& stddev, py::handle dtype,
                            py::handle seed, py::object) {
    auto s = parse_seed(seed);
    return normal_like("random.normal", shape, mean, stddev, float_dtype(dtype),
                       [&](const Shape& sh, double mu, double sd, DType dt) {
                         return ops::random_normal(sh, mu, sd, dt, s, default_device());
                       });
  }, "shape"_a, "mean"_a = 0.0, "stddev"_a = 1.0, "dtype"_a = py::none(), "seed"_a = py::none(),
     "name"_a = py::none());
  m.def("random_truncated_normal", [](py::handle shape, const Tensor& mean, const Tensor& stddev, py::handle dtype,
                                      py::handle seed, py::object) {
    auto s = parse_seed(seed);
    return normal_like("random.truncated_normal", shape, mean, stddev, float_dtype(dtype),
                       [&](const Shape& sh, double mu, double sd, DType dt) {
                         return ops::truncated_normal(sh, mu, sd, dt, s, default_device());
                       });
  }, "shape"_a, "mean"_a = 0.0, "stddev"_a = 1.0, "dtype"_a = py::none(), "seed"_a = py::none(),
     "name"_a = py::none());
  m.def("random_uniform", [](py::handle shape, py::handle minval, py::handle maxval, py::handle dtype,
                             py::handle seed, py::object) {
    auto s = parse_seed(seed);
    return uniform_like(
        shape, minval, maxval, dtype,
        [&](const Shape& sh, double lo, double hi, DType dt) { return ops::random_uniform(sh, lo, hi, dt, s, default_device()); },
        [&](const Shape& sh, int64_t lo, int64_t hi, DType dt) {
          return ops::random_uniform_int(sh, lo, hi, dt, s, default_device());
        });
  }, "shape"_a, "minval"_a = 0, "maxval"_a = py::none(), "dtype"_a = py::none(), "seed"_a = py::none(),
     "name"_a = py::none());
  m.def("random_shuffle", [](const Tensor& value, py::handle seed, py::object) {
    auto s = parse_seed(seed);
    MaybeReleaseGil gil(value.numel());
    return ops::random_shuffle(value, s);
  }, "value"_a, "seed"_a = py::none(), "name"_a = py::none());

  m.def("random_stateless_normal", [](py::handle shape, py::handle seed, const Tensor& mean, const Tensor& stddev,
                                      py::handle dtype, py::object) {
    const auto s = parse_seed_pair(seed);
    return normal_like("random.stateless_normal", shape, mean, stddev, float_dtype(dtype),
                       [&](const Shape& sh, double mu, double sd, DType dt) {
                         return ops::stateless_random_normal(sh, mu, sd, dt, s, default_device());
                       });
  }, "shape"_a, "seed"_a, "mean"_a = 0.0, "stddev"_a = 1.0, "dtype"_a = py::none(), "name"_a = py::none());
  m.def("random_stateless_truncated_normal", [](py::handle shape, py::handle seed, const Tensor& mean,
                                                const Tensor& stddev, py::handle dtype, py::object) {
    const auto s = parse_seed_pair(seed);
    return normal_like("random.stateless_truncated_normal", shape, mean, stddev, float_dtype(dtype),
                       [&](const Shape& sh, double mu, double sd, DType dt) {
                         return ops::stateless_truncated_normal(sh, mu, sd, dt, s, default_device());
                       });
  }, "shape"_a, "seed"_a, "mean"_a = 0.0, "stddev"_a = 1.0, "dtype"_a = py::none(), "name"_a = py::none());
  m.def("random_stateless_uniform", [](py::handle shape, py::handle seed, py::handle minval, py::handle maxval,
                                       py::handle dtype, py::object) {
    const auto s = parse_seed_pair(seed);
    return uniform_like(
        shape, minval, maxval, dtype,
        [&](const Shape& sh, double lo, double hi, DType dt) {
          return ops::stateless_random_uniform(sh, lo, hi, dt, s, default_device());
        },
        [&](const Shape& sh, int64_t lo, int64_t hi, DType dt) {
          return ops::stateless_random_uniform_int(sh, lo, hi, dt, s, default_device());
        });
  }, "shape"_a, "seed"_a, "minval"_a = 0, "maxval"_a = py::none(), "dtype"_a = py::none(), "name"_a = py::none());

  // The raw generator, for known-answer tests against the published vectors.
  m.def("_philox4x32_10", [](std::array<uint32_t, 4> counter, std::array<uint32_t, 2> key) {
    const philox::Block out =
        philox::philox4x32_10(philox::Block{{counter[0], counter[1], counter[2], counter[3]}}, key[0], key[1]);
    return std::array<uint32_t, 4>{out[0], out[1], out[2], out[3]};
  }, "counter"_a, "key"_a);

  // For tg.nn.dropout / keras Dropout: a mask of 0 and 1/(1-rate).
  m.def("dropout_mask", [](py::handle shape, double rate, py::handle dtype, py::handle seed) {
    const Shape sh = parse_shape(shape);
    const auto s = parse_seed(seed);
    const DType dt = float_dtype(dtype);
    MaybeReleaseGil gil(shape_numel(sh));
    return ops::dropout_mask(sh, rate, dt, s, default_device());
  }, "shape"_a, "rate"_a, "dtype"_a = py::none(), "seed"_a = py::none());
}

}  // namespace tg::py_bind

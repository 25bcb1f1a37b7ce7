// Python functions of the linear-algebra ops.
#include "bindings/common.h"
#include "linalg.h"

#include <tuple>

namespace tg::py_bind {

namespace {

// TF's axes argument: an int N (last N axes of a with first N of b), or a
// pair whose items are each an int or a sequence of ints.
std::vector<int64_t> axis_list(py::handle h, const char* which) {
  if (PyLong_Check(h.ptr()) || (py::hasattr(h, "__index__") && !py::isinstance<py::sequence>(h) &&
                                (!py::isinstance<TensorImpl>(h) || to_tensor(h).ndim() == 0)))
    return {py::reinterpret_borrow<py::object>(h).attr("__index__")().cast<int64_t>()};
  return parse_shape(h, which);
}

std::pair<std::vector<int64_t>, std::vector<int64_t>> tensordot_axes(py::handle axes, const Tensor& a,
                                                                     const Tensor& b) {
  bool scalar = PyLong_Check(axes.ptr());
  if (!scalar && py::isinstance<TensorImpl>(axes)) scalar = to_tensor(axes).ndim() == 0;
  if (scalar) {
    const int64_t n = py::reinterpret_borrow<py::object>(axes).attr("__index__")().cast<int64_t>();
    TG_CHECK(n >= 0 && n <= a.ndim() && n <= b.ndim(), ValueError, "tensordot: axes=", n,
             " must be between 0 and the smaller rank of shapes ", a.shape(), " and ", b.shape());
    std::vector<int64_t> xa, xb;
    for (int64_t i = 0; i < n; ++i) {
      xa.push_back(a.ndim() - n + i);
      xb.push_back(i);
    }
    return {xa, xb};
  }
  py::object holder = py::isinstance<TensorImpl>(axes) ? py::object(to_numpy(to_tensor(axes)))
                                                       : py::reinterpret_borrow<py::object>(axes);
  TG_CHECK(py::isinstance<py::sequence>(holder) && !py::isinstance<py::str>(holder) && py::len(holder) == 2,
           ValueError, "tensordot: axes must be an int or a pair of axis lists, got ", std::string(py::repr(holder)));
  auto seq = py::reinterpret_borrow<py::sequence>(holder);
  return {axis_list(seq[0], "axes[0]"), axis_list(seq[1], "axes[1]")};
}

// Roughly M*N*K (capped): small operands can still mean a long GEMM.
int64_t matmul_work(const Tensor& a, const Tensor& b) {
  const double cols = b.ndim() >= 2 ? double(b.shape().back()) : 1.0;
  return int64_t(std::min(double(a.numel()) * std::max(cols, 1.0) + double(b.numel()), 1e18));
}

// fn(a) (a pair or tuple of tensors) without the GIL for large inputs; the
// results become a Python tuple once it is held again.
template <class Fn>
py::tuple factors(const Tensor& a, Fn fn) {
  decltype(fn(a)) r;
  {
    MaybeReleaseGil gil(a.numel() * 8);
    r = fn(a);
  }
  return std::apply([](const auto&... t) { return py::make_tuple(t...); }, r);
}

}  // namespace

void bind_linalg(py::module_& m) {
  using namespace pybind11::literals;
  // TF's signature; the sparsity hints and grad_a/grad_b (TF >= 2.16) are accepted and ignored.
  m.def("matmul", [](const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b, bool adjoint_a,
                     bool adjoint_b, bool, bool, py::object output_type, bool, bool, py::object) {
    // Real dtypes only: the adjoint is the transpose.
    Tensor r;
    {
      MaybeReleaseGil gil(matmul_work(a, b));
      r = ops::matmul(a, b, transpose_a || adjoint_a, transpose_b || adjoint_b);
    }
    if (!output_type.is_none()) {
      const DType want = parse_dtype(output_type);
      TG_CHECK(want == r.dtype(), TypeError, "matmul: output_type=", want, " differs from the result dtype ",
               r.dtype(), "; use tg.cast");
    }
    return r;
  }, "a"_a, "b"_a, "transpose_a"_a = false, "transpose_b"_a = false, "adjoint_a"_a = false,
     "adjoint_b"_a = false, "a_is_sparse"_a = false, "b_is_sparse"_a = false, "output_type"_a = py::none(),
     "grad_a"_a = false, "grad_b"_a = false, "name"_a = py::none());
  m.def("tensordot", [](const Tensor& a, const Tensor& b, py::handle axes, py::object) {
    auto [xa, xb] = tensordot_axes(axes, a, b);
    MaybeReleaseGil gil(matmul_work(a, b));
    return ops::tensordot(a, b, xa, xb);
  }, "a"_a, "b"_a, "axes"_a, "name"_a = py::none());

  // For benchmarks and tests: the BLAS thread policy and copy counters.
  // The LAPACK-backed ops and the matrix helpers, for tensorgear/linalg.py (tf.linalg).
  py::module_ la = m.def_submodule("linalg", "Dense linear algebra (ops_lapack.cpp); tf.linalg wraps it");
  auto unary = [&](const char* name, Tensor (*fn)(const Tensor&)) {
    la.def(name, [fn](const Tensor& a) {
      MaybeReleaseGil gil(a.numel() * 8);
      return fn(a);
    }, "a"_a);
  };
  unary("cholesky", &ops::cholesky);
  unary("matrix_inverse", &ops::matrix_inverse);
  unary("diag_part", &ops::diag_part);
  unary("matrix_diag", &ops::matrix_diag);
  unary("matrix_transpose", &ops::matrix_transpose);
  la.def("band_part", [](const Tensor& a, py::handle lower, py::handle upper) {
    return ops::band_part(a, parse_int(lower, "band_part: num_lower"), parse_int(upper, "band_part: num_upper"));
  }, "a"_a, "num_lower"_a, "num_upper"_a);
  la.def("set_diag", &ops::set_diag, "a"_a, "diagonal"_a);
  la.def("triangular_solve", [](const Tensor& a, const Tensor& b, bool lower, bool adjoint) {
    MaybeReleaseGil gil(a.numel() * 8);
    return ops::triangular_solve(a, b, lower, adjoint);
  }, "a"_a, "b"_a, "lower"_a = true, "adjoint"_a = false);
  la.def("matrix_solve", [](const Tensor& a, const Tensor& b) {
    MaybeReleaseGil gil(a.numel() * 8);
    return ops::matrix_solve(a, b);
  }, "a"_a, "b"_a);
  // Several results: computed without the GIL, returned as a tuple with it.
  la.def("slogdet", [](const Tensor& a) { return factors(a, &ops::slogdet); }, "a"_a);
  la.def("qr", [](const Tensor& a) { return factors(a, &ops::qr); }, "a"_a);
  la.def("eigh", [](const Tensor& a) { return factors(a, &ops::eigh); }, "a"_a);
  la.def("svd", [](const Tensor& a) { return factors(a, &ops::svd); }, "a"_a);

  m.def("_matmul_stats", []() {
    auto s = linalg::matmul_stats();
    py::dict d;
    d["gemm_calls"] = s.gemm_calls;
    d["operand_copies"] = s.operand_copies;
    d["short_contraction_calls"] = s.short_contraction_calls;
    d["short_contraction_limit"] = linalg::short_contraction_limit();
    d["tiled_gemm_calls"] = s.tiled_gemm_calls;
    d["tiled_float_gemm"] = linalg::tiled_float_gemm();
    d["last_gemm_parts"] = s.last_gemm_parts;
    d["parallel_gemm_threshold"] = linalg::parallel_gemm_threshold();
    d["gemm_blocks_per_thread"] = linalg::gemm_blocks_per_thread();
    return d;
  });
  m.def("_reset_matmul_stats", &linalg::reset_matmul_stats);
  m.def("_set_gemm_blocks_per_thread", &linalg::set_gemm_blocks_per_thread, "n"_a,
        "Blocks per thread of a split GEMM (<= 0: the default)");
  m.def("_set_short_contraction_limit", &linalg::set_short_contraction_limit, "k"_a,
        "Float GEMMs with K <= k skip BLAS for register-tiled loops; 0: only the tiled float32 rule does; < 0: the default");
  m.def("_set_tiled_float_gemm", &linalg::set_tiled_float_gemm, "on"_a,
        "Float32 GEMMs of any K (B not transposed) take the tiled loops where the SIMD level allows: 1 on, 0 off, "
        "< 0 the default (on)");
  m.def("_set_parallel_gemm_threshold", &linalg::set_parallel_gemm_threshold, "work"_a,
        "GEMMs with M*N*K >= work are split over the thread pool; <= 0 restores the default");
}

}  // namespace tg::py_bind

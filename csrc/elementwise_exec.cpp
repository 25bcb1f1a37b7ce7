#include "elementwise_exec.h"

#include "parallel.h"
#include "strided.h"

namespace tg {

Tensor convert(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  // A Python float meeting a float64 tensor keeps all its digits.
  if (t.get()->weak && t.dtype() == DType::Float32 && dtype == DType::Float64)
    return ops::scalar(t.get()->weak_value, DType::Float64);
  Tensor out = Tensor::empty(t.shape(), dtype, t.device());
  copy_into(t, out);
  return out;
}

Tensor run_binary(simd::BinaryLoop loop, const Tensor& a, const Tensor& b, DType out_dtype) {
  Shape shape = ops::broadcast_shapes(a.shape(), b.shape());
  Tensor out = Tensor::empty(shape, out_dtype, a.device());
  const int64_t n = out.numel();
  if (n == 0) return out;
  const size_t ia = itemsize(a.dtype()), ib = itemsize(b.dtype()), io = itemsize(out_dtype);
  const char* pa = static_cast<const char*>(a.raw());
  const char* pb = static_cast<const char*>(b.raw());
  char* po = static_cast<char*>(out.raw());
  const bool a_full = a.shape() == shape && a.is_contiguous();
  const bool b_full = b.shape() == shape && b.is_contiguous();
  const bool a_one = a.numel() == 1, b_one = b.numel() == 1;
  if ((a_full || a_one) && (b_full || b_one)) {
    const int64_t sa = a_full ? 1 : 0, sb = b_full ? 1 : 0;
    parallel_for(n, kParallelElems, [&](int64_t s, int64_t e) {
      loop(pa + s * sa * ia, sa, pb + s * sb * ib, sb, po + s * io, e - s);
    });
    return out;
  }
  StridedWalk<3> w(shape, {ops::broadcast_strides(a, shape), ops::broadcast_strides(b, shape), out.strides()});
  const int64_t sa = w.inner_strides[0], sb = w.inner_strides[1];
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, w.inner));
  parallel_for(w.rows, grain, [&](int64_t r0, int64_t r1) {
    w.for_rows(r0, r1, [&](const std::array<int64_t, 3>& off, int64_t len) {
      loop(pa + off[0] * ia, sa, pb + off[1] * ib, sb, po + off[2] * io, len);
    });
  });
  return out;
}

Tensor run_unary(simd::UnaryLoop loop, const Tensor& a, DType out_dtype) {
  Tensor out = Tensor::empty(a.shape(), out_dtype, a.device());
  const int64_t n = out.numel();
  if (n == 0) return out;
  const size_t ia = itemsize(a.dtype()), io = itemsize(out_dtype);
  const char* pa = static_cast<const char*>(a.raw());
  char* po = static_cast<char*>(out.raw());
  if (a.is_contiguous()) {
    parallel_for(n, kParallelElems, [&](int64_t s, int64_t e) { loop(pa + s * ia, 1, po + s * io, e - s); });
    return out;
  }
  StridedWalk<2> w(a.shape(), {a.strides(), out.strides()});
  const int64_t sa = w.inner_strides[0];
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, w.inner));
  parallel_for(w.rows, grain, [&](int64_t r0, int64_t r1) {
    w.for_rows(r0, r1, [&](const std::array<int64_t, 2>& off, int64_t len) {
      loop(pa + off[0] * ia, sa, po + off[1] * io, len);
    });
  });
  return out;
}

Tensor run_ternary(simd::TernaryLoop loop, const Tensor& a, const Tensor& b, const Tensor& c, DType out_dtype) {
  Shape shape = ops::broadcast_shapes(ops::broadcast_shapes(a.shape(), b.shape()), c.shape());
  Tensor out = Tensor::empty(shape, out_dtype, a.device());
  const int64_t n = out.numel();
  if (n == 0) return out;
  const std::array<const Tensor*, 3> in{&a, &b, &c};
  std::array<size_t, 3> isz;
  std::array<const char*, 3> p;
  bool flat = true;
  std::array<int64_t, 3> step;
  for (int k = 0; k < 3; ++k) {
    isz[k] = itemsize(in[k]->dtype());
    p[k] = static_cast<const char*>(in[k]->raw());
    const bool full = in[k]->shape() == shape && in[k]->is_contiguous();
    step[k] = full ? 1 : 0;
    flat = flat && (full || in[k]->numel() == 1);
  }
  const size_t io = itemsize(out_dtype);
  char* po = static_cast<char*>(out.raw());
  if (flat) {
    parallel_for(n, kParallelElems, [&](int64_t s, int64_t e) {
      loop(p[0] + s * step[0] * isz[0], step[0], p[1] + s * step[1] * isz[1], step[1], p[2] + s * step[2] * isz[2],
           step[2], po + s * io, e - s);
    });
    return out;
  }
  StridedWalk<4> w(shape, {ops::broadcast_strides(a, shape), ops::broadcast_strides(b, shape),
                           ops::broadcast_strides(c, shape), out.strides()});
  const auto& st = w.inner_strides;
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, w.inner));
  parallel_for(w.rows, grain, [&](int64_t r0, int64_t r1) {
    w.for_rows(r0, r1, [&](const std::array<int64_t, 4>& off, int64_t len) {
      loop(p[0] + off[0] * isz[0], st[0], p[1] + off[1] * isz[1], st[1], p[2] + off[2] * isz[2], st[2],
           po + off[3] * io, len);
    });
  });
  return out;
}

}  // namespace tg

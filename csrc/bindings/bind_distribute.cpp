// The node-local step of the distributed gradient sum (tensorgear/distribute/node_sum.py):
// the ranks of one machine write their gradients into shared memory, and each rank adds up
// its slice of every rank's copy here. The addends go in rank order, so the result does not
// depend on which rank computed it.
#include "bindings/common.h"

#include <cstring>
#include <string>
#include <vector>

namespace tg::py_bind {

namespace {

// One pass per addend, each a loop the compiler vectorises; the sum is ((a0 + a1) + a2) + ...
template <class T>
void sum_rows(T* out, const std::vector<const T*>& ins, int64_t n, double scale) {
  const T* a = ins[0];
  if (ins.size() == 1) {
    if (out != a) std::memcpy(out, a, size_t(n) * sizeof(T));  // out == a: only the scaling
  } else {
    const T* b = ins[1];
    for (int64_t i = 0; i < n; ++i) out[i] = a[i] + b[i];
  }
  for (size_t j = 2; j < ins.size(); ++j) {
    const T* c = ins[j];
    for (int64_t i = 0; i < n; ++i) out[i] += c[i];
  }
  if (scale != 1.0) {
    const T s = static_cast<T>(scale);
    for (int64_t i = 0; i < n; ++i) out[i] *= s;
  }
}

// A float32/float64 buffer laid out as one contiguous run, of `elems` elements when that is
// given (TypeError / ValueError otherwise).
py::buffer_info flat_float_buffer(const py::buffer& b, bool writable, const char* fn, const char* what,
                                  int64_t elems = -1) {
  py::buffer_info info = b.request(writable);
  TG_CHECK(info.format == "f" || info.format == "d", TypeError, fn, ": ", what,
           " must hold float32 or float64, got format '", info.format, "'");
  const bool contiguous = info.ndim <= 1 && (info.ndim == 0 || info.strides[0] == info.itemsize);
  if (elems < 0) {
    TG_CHECK(contiguous, ValueError, fn, ": ", what, " must be one contiguous run");
  } else {
    TG_CHECK(contiguous && info.size == elems, ValueError, fn, ": ", what, " must be one contiguous run of ",
             elems, " elements, got ", info.size);
  }
  return info;
}

}  // namespace

void bind_distribute(py::module_& m) {
  using namespace pybind11::literals;
  m.def("sum_buffers_into", [](py::buffer out, const std::vector<py::buffer>& ins, double scale) {
    const py::buffer_info o = flat_float_buffer(out, true, "sum_buffers_into", "the output");
    TG_CHECK(!ins.empty(), ValueError, "sum_buffers_into: no buffers to add");
    const int64_t n = o.size;
    std::vector<py::buffer_info> infos;
    infos.reserve(ins.size());
    for (const py::buffer& b : ins) {
      infos.push_back(flat_float_buffer(b, false, "sum_buffers_into", "every input", n));
      const py::buffer_info& i = infos.back();
      TG_CHECK(i.format == o.format, TypeError, "sum_buffers_into: an input of format '", i.format,
               "' beside an output of format '", o.format, "'");
    }
    py::gil_scoped_release release;
    if (o.format == "f") {
      std::vector<const float*> p;
      for (const auto& i : infos) p.push_back(static_cast<const float*>(i.ptr));
      sum_rows(static_cast<float*>(o.ptr), p, n, scale);
    } else {
      std::vector<const double*> p;
      for (const auto& i : infos) p.push_back(static_cast<const double*>(i.ptr));
      sum_rows(static_cast<double*>(o.ptr), p, n, scale);
    }
  }, "out"_a, "ins"_a, "scale"_a = 1.0,
     "out = scale * (ins[0] + ins[1] + ...), elementwise, added in list order (float32/float64, contiguous)");

  // One call per step instead of a Python loop of copies: the tensors' values one after the
  // other in `out` (a GPU tensor is brought to the host first).
  m.def("pack_into", [](py::buffer out, const std::vector<Tensor>& tensors) {
    const py::buffer_info o = flat_float_buffer(out, true, "pack_into", "the buffer");
    int64_t total = 0;
    for (const Tensor& t : tensors) {
      TG_CHECK(buffer_format(t.dtype()) == o.format, TypeError, "pack_into: a ", dtype_name(t.dtype()),
               " tensor for a buffer of format '", o.format, "'");
      total += t.numel();
    }
    TG_CHECK(total == o.size, ValueError, "pack_into: the tensors hold ", total, " elements, the buffer ", o.size);
    char* dst = static_cast<char*>(o.ptr);
    py::gil_scoped_release release;
    for (const Tensor& t : tensors) {
      const Tensor host = t.device() == Device{} ? t.contiguous() : ops::to_device(t, Device{}).contiguous();
      std::memcpy(dst, host.raw(), host.nbytes());
      dst += host.nbytes();
    }
  }, "out"_a, "tensors"_a,
     "Copies the tensors' values, one after the other, into the flat float32/float64 buffer out");
}

}  // namespace tg::py_bind

// Index-driven copies on the CPU: gather and its scatter-add gradient,
// getitem's gradient (a plain scatter: basic indexing never selects an
// element twice), one_hot and flatnonzero.
//
// Indices are read once into int64 and checked before anything is written,
// so no kernel reads or writes out of bounds.
#include <cstring>
#include <memory>

#include "backend/cpu/copy.h"
#include "backend/cpu/operands.h"
#include "backend/cpu/register.h"
#include "index_spec.h"
#include "op/registry.h"
#include "parallel.h"

namespace tg::cpu {

namespace {

// Any integer operand, any strides, as a dense int64 vector.
std::vector<int64_t> as_int64(const ArrayArg& a) {
  const Shape s = own_shape(a);
  std::vector<int64_t> out(size_t(shape_numel(s)));
  copy_strided(a.data, a.dtype, own_strides(a), out.data(), DType::Int64, contiguous_strides(s), s);
  return out;
}

// Wraps negatives; IndexError for anything outside [-len, len).
std::vector<int64_t> checked_indices(const KernelCall& c, const ArrayArg& indices, int64_t len, const Shape& shape) {
  std::vector<int64_t> idx = as_int64(indices);
  for (size_t i = 0; i < idx.size(); ++i) {
    const int64_t v = idx[i];
    if (v < -len || v >= len)
      throw IndexError(str(op::name(op::OpId(c.op)), ": index ", v, " (at flat position ", i,
                           " of indices) is out of range for axis ", c.attrs->axis, " of size ", len, " (params shape ",
                           shape, ")"));
    if (v < 0) idx[i] = v + len;
  }
  return idx;
}

// A dense copy of an operand when it is not dense already; data() is then
// the dense pointer either way.
struct DenseOperand {
  std::unique_ptr<char[]> copy;
  const void* ptr;
  DenseOperand(const ArrayArg& a) : ptr(a.data) {
    if (a.contiguous) return;
    const Shape s = own_shape(a);
    copy.reset(new char[size_t(shape_numel(s)) * itemsize(a.dtype)]);
    copy_strided(a.data, a.dtype, own_strides(a), copy.get(), a.dtype, contiguous_strides(s), s);
    ptr = copy.get();
  }
  const void* data() const { return ptr; }
};

void zero(void* out, int64_t bytes) {
  parallel_for(bytes, kParallelBytes, [&](int64_t b, int64_t e) {
    std::memset(static_cast<char*>(out) + b, 0, size_t(e - b));
  });
}

// Dense params viewed as (outer, len, inner): copy block (o, idx[j]) to out block (o, j).
void gather_dense(const void* params, DType dtype, const std::vector<int64_t>& idx, int64_t outer, int64_t len,
                  int64_t inner, void* out) {
  const int64_t n = int64_t(idx.size());
  const size_t isz = itemsize(dtype);
  const char* src = static_cast<const char*>(params);
  char* dst = static_cast<char*>(out);
  const int64_t blocks = outer * n;
  const size_t bytes = size_t(inner) * isz;
  // Blocks of a cache line or more at random places (a shuffled batch's rows)
  // wait on memory latency, not bandwidth: they are split finer, so that the
  // threads' misses overlap.
  const bool scattered = bytes >= 64;
  const int64_t budget = scattered ? kParallelBytes / 16 : kParallelBytes;
  const int64_t grain = std::max<int64_t>(1, budget / int64_t(std::max<size_t>(bytes, 16)));
  auto run = [&](auto elem) {
    using E = decltype(elem);
    parallel_for(blocks, grain, [&](int64_t b0, int64_t b1) {
      for (int64_t b = b0; b < b1; ++b) {
        const int64_t o = b / n, j = b - o * n;
        const int64_t from = o * len + idx[size_t(j)];
        if (inner == 1)
          reinterpret_cast<E*>(dst)[b] = reinterpret_cast<const E*>(src)[from];
        else
          std::memcpy(dst + size_t(b) * bytes, src + size_t(from) * bytes, bytes);
      }
    });
  };
  switch (isz) {
    case 1: run(uint8_t{}); break;
    case 4: run(uint32_t{}); break;
    default: run(uint64_t{}); break;
  }
}

void gather_kernel(const KernelCall& c) {
  const ArrayArg& params = c.in[0];
  const Shape ps = own_shape(params);
  const size_t axis = size_t(c.attrs->axis);
  const int64_t len = ps[axis];
  const std::vector<int64_t> idx = checked_indices(c, c.in[1], len, ps);
  const int64_t outer = prod_dims(ps, 0, axis), inner = prod_dims(ps, axis + 1, ps.size());
  // A strided params is made dense only when the gather reads most of it
  // anyway; a few rows of a big strided table go one slab at a time.
  if (params.contiguous || shape_numel(ps) <= 4 * c.numel) {
    DenseOperand dense(params);
    gather_dense(dense.data(), params.dtype, idx, outer, len, inner, c.out.data);
    return;
  }
  Shape slab(ps);
  slab.erase(slab.begin() + int64_t(axis));
  Strides pst = own_strides(params);
  const int64_t step = pst[axis];
  pst.erase(pst.begin() + int64_t(axis));
  // out viewed as (outer dims..., n, inner dims...) with the indices flattened.
  Shape oshape(ps.begin(), ps.begin() + int64_t(axis));
  oshape.push_back(int64_t(idx.size()));
  oshape.insert(oshape.end(), ps.begin() + int64_t(axis) + 1, ps.end());
  Strides ost = contiguous_strides(oshape);
  const int64_t ostep = ost[axis];
  ost.erase(ost.begin() + int64_t(axis));
  const size_t isz = itemsize(params.dtype);
  for (size_t j = 0; j < idx.size(); ++j)
    copy_strided(static_cast<const char*>(params.data) + idx[j] * step * int64_t(isz), params.dtype, pst,
                 static_cast<char*>(c.out.data) + int64_t(j) * ostep * int64_t(isz), c.out.dtype, ost, slab);
}

// Adds g (shaped like gather's output) into zeros of the params' shape.
void gather_backward_kernel(const KernelCall& c) {
  const Shape& shape = c.attrs->shape;
  const size_t axis = size_t(c.attrs->axis);
  const int64_t len = shape[axis];
  const std::vector<int64_t> idx = checked_indices(c, c.in[1], len, shape);
  zero(c.out.data, c.numel * int64_t(itemsize(c.out.dtype)));
  const int64_t outer = prod_dims(shape, 0, axis), inner = prod_dims(shape, axis + 1, shape.size());
  const int64_t n = int64_t(idx.size());
  if (outer * n * inner == 0) return;
  DenseOperand g(c.in[0]);
  TG_DISPATCH_NUMERIC(c.out.dtype, "gather_backward", {
    const T* src = static_cast<const T*>(g.data());
    T* dst = static_cast<T*>(c.out.data);
    // Repeated indices add into the same row, so threads split the work by
    // outer slab or by inner column range, never by index.
    auto rows = [&](int64_t o0, int64_t o1, int64_t k0, int64_t k1) {
      for (int64_t o = o0; o < o1; ++o)
        for (int64_t j = 0; j < n; ++j) {
          const T* s = src + (o * n + j) * inner;
          T* d = dst + (o * len + idx[size_t(j)]) * inner;
          for (int64_t k = k0; k < k1; ++k) d[k] += s[k];
        }
    };
    const int64_t work = outer * n * inner;
    if (work < kParallelElems || (outer < num_threads() && inner < 64)) {
      rows(0, outer, 0, inner);
    } else if (outer >= num_threads()) {
      parallel_for(outer, 1, [&](int64_t o0, int64_t o1) { rows(o0, o1, 0, inner); });
    } else {
      parallel_for(inner, 64, [&](int64_t k0, int64_t k1) { rows(0, outer, k0, k1); });
    }
  });
}

// g into zeros of attrs.shape at the places attrs.index selects.
void getitem_backward_kernel(const KernelCall& c) {
  zero(c.out.data, c.numel * int64_t(itemsize(c.out.dtype)));
  const Shape& shape = c.attrs->shape;
  const ViewLayout region = resolve_index(shape, contiguous_strides(shape), c.attrs->index);
  const Shape s = own_shape(c.in[0]);
  if (shape_numel(s) == 0) return;
  copy_strided(c.in[0].data, c.in[0].dtype, own_strides(c.in[0]),
               static_cast<char*>(c.out.data) + region.offset * int64_t(itemsize(c.out.dtype)), c.out.dtype,
               region.strides, s);
}

// Indices outside [0, depth) leave their row at off_value, as TF does.
void one_hot_kernel(const KernelCall& c) {
  const std::vector<int64_t> idx = as_int64(c.in[0]);
  const Shape is = own_shape(c.in[0]);
  const size_t axis = size_t(c.attrs->axis);
  const int64_t depth = c.attrs->count;
  const int64_t inner = prod_dims(is, axis, is.size());
  TG_DISPATCH_ALL(c.out.dtype, {
    T* dst = static_cast<T*>(c.out.data);
    const T on = static_cast<T>(c.attrs->real[0]), off = static_cast<T>(c.attrs->real[1]);
    parallel_for(c.numel, kParallelElems, [&](int64_t b, int64_t e) { std::fill(dst + b, dst + e, off); });
    parallel_for(int64_t(idx.size()), kParallelElems, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const int64_t v = idx[size_t(i)];
        if (v < 0 || v >= depth) continue;
        const int64_t o = i / inner, k = i - o * inner;
        dst[(o * depth + v) * inner + k] = on;
      }
    });
  });
}

void flatnonzero_kernel(const KernelCall& c) {
  DenseOperand mask(c.in[0]);
  const bool* m = static_cast<const bool*>(mask.data());
  const int64_t n = shape_numel(own_shape(c.in[0]));
  int64_t* w = static_cast<int64_t*>(c.out.data);
  int64_t j = 0;
  for (int64_t i = 0; i < n; ++i)
    if (m[i]) {
      TG_CHECK(j < c.numel, RuntimeError, "flatnonzero: the mask has more true elements than the ", c.numel,
               " counted");
      w[j++] = i;
    }
  TG_CHECK(j == c.numel, RuntimeError, "flatnonzero: the mask has ", j, " true elements, not the ", c.numel,
           " counted");
}

}  // namespace

void register_gather() {
  using op::OpId;
  for (int d = 0; d < kNumDTypes; ++d) {
    op::register_kernel(OpId::Gather, DeviceType::CPU, DType(d), &gather_kernel);
    op::register_kernel(OpId::GetItemBackward, DeviceType::CPU, DType(d), &getitem_backward_kernel);
    if (DType(d) != DType::Bool) op::register_kernel(OpId::GatherBackward, DeviceType::CPU, DType(d), &gather_backward_kernel);
  }
  for (DType d : {DType::UInt8, DType::Int32, DType::Int64})
    op::register_kernel(OpId::OneHot, DeviceType::CPU, d, &one_hot_kernel);
  op::register_kernel(OpId::FlatNonzero, DeviceType::CPU, DType::Bool, &flatnonzero_kernel);
}

}  // namespace tg::cpu

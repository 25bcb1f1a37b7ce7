// The joins on the CPU: concat, stack, tile and pad write each input once
// into its region of the dense output. Contiguous inputs of a concat or stack
// go as interleaved memcpy runs (one run per input per outer index); anything
// else goes through the strided copy.
#include <cstring>

#include "backend/cpu/copy.h"
#include "backend/cpu/operands.h"
#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"

namespace tg::cpu {

namespace {

// Per outer index, input k contributes one contiguous run of run_bytes[k], back to back.
void interleave_runs(const KernelCall& c, int64_t outer, const std::vector<size_t>& run_bytes) {
  size_t row = 0;
  for (size_t b : run_bytes) row += b;
  char* dst = static_cast<char*>(c.out.data);
  const int64_t grain = std::max<int64_t>(1, kParallelBytes / int64_t(std::max<size_t>(row, 1)));
  parallel_for(outer, grain, [&](int64_t o0, int64_t o1) {
    for (int64_t o = o0; o < o1; ++o) {
      char* d = dst + size_t(o) * row;
      for (int k = 0; k < c.n_in; ++k) {
        const size_t n = run_bytes[size_t(k)];
        if (n) std::memcpy(d, static_cast<const char*>(c.in[k].data) + size_t(o) * n, n);
        d += n;
      }
    }
  });
}

// concat and stack along attrs.axis; the inputs already have the output's dtype.
void join_kernel(const KernelCall& c) {
  const bool is_stack = c.op == uint16_t(op::OpId::Stack);
  const int64_t axis = c.attrs->axis;
  const Shape out_shape = shape_of(c);
  const Strides out_st = contiguous_strides(out_shape);
  const size_t isz = itemsize(c.out.dtype);
  const int64_t outer = prod_dims(out_shape, 0, size_t(axis));
  bool runs = outer > 1;  // one run per input: the strided copy's parallel memcpy does better
  for (int k = 0; runs && k < c.n_in; ++k) runs = c.in[k].contiguous;
  if (runs) {
    std::vector<size_t> run_bytes;
    for (int k = 0; k < c.n_in; ++k) run_bytes.push_back(size_t(shape_numel(own_shape(c.in[k])) / outer) * isz);
    interleave_runs(c, outer, run_bytes);
    return;
  }
  Strides dst_st = out_st;
  if (is_stack) dst_st.erase(dst_st.begin() + axis);
  int64_t start = 0;
  for (int k = 0; k < c.n_in; ++k) {
    const Shape s = own_shape(c.in[k]);
    const int64_t offset = start * out_st[size_t(axis)];
    start += is_stack ? 1 : s[size_t(axis)];
    if (shape_numel(s) == 0) continue;
    copy_strided(c.in[k].data, c.in[k].dtype, own_strides(c.in[k]), static_cast<char*>(c.out.data) + offset * int64_t(isz),
                 c.out.dtype, dst_st, s);
  }
}

// The output viewed as (m0, d0, m1, d1, ...) is the input broadcast along the m's.
void tile_kernel(const KernelCall& c) {
  const Shape s = own_shape(c.in[0]);
  const Strides st = own_strides(c.in[0]);
  Shape inter;
  Strides src;
  for (size_t i = 0; i < s.size(); ++i) {
    inter.push_back(c.attrs->sizes[i]);
    inter.push_back(s[i]);
    src.push_back(0);
    src.push_back(st[i]);
  }
  copy_strided(c.in[0].data, c.in[0].dtype, src, c.out.data, c.out.dtype, contiguous_strides(inter), inter);
}

template <class T>
void fill_with(void* out, int64_t n, T v) {
  T* p = static_cast<T*>(out);
  parallel_for(n, kParallelElems, [&](int64_t b, int64_t e) { std::fill(p + b, p + e, v); });
}

// The constant everywhere, then the input into its region.
void pad_kernel(const KernelCall& c) {
  const Shape out_shape = shape_of(c);
  const double v = c.attrs->real[0];
  TG_DISPATCH_ALL(c.out.dtype, fill_with<T>(c.out.data, c.numel, static_cast<T>(v)));
  const Shape s = own_shape(c.in[0]);
  if (shape_numel(s) == 0) return;
  const Strides out_st = contiguous_strides(out_shape);
  int64_t offset = 0;
  for (size_t i = 0; i < s.size(); ++i) offset += c.attrs->paddings[2 * i] * out_st[i];
  copy_strided(c.in[0].data, c.in[0].dtype, own_strides(c.in[0]),
               static_cast<char*>(c.out.data) + offset * int64_t(itemsize(c.out.dtype)), c.out.dtype, out_st, s);
}

}  // namespace

void register_join() {
  for (int d = 0; d < kNumDTypes; ++d) {
    op::register_kernel(op::OpId::Concat, DeviceType::CPU, DType(d), &join_kernel);
    op::register_kernel(op::OpId::Stack, DeviceType::CPU, DType(d), &join_kernel);
    op::register_kernel(op::OpId::Tile, DeviceType::CPU, DType(d), &tile_kernel);
    op::register_kernel(op::OpId::Pad, DeviceType::CPU, DType(d), &pad_kernel);
  }
}

}  // namespace tg::cpu

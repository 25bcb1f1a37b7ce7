// The joins on the GPU, mirroring backend/cpu/join.cpp: concat, stack, tile
// and pad write each input once into its region of the dense output, one
// region copy (region_copy.cuh) per input. The inputs already have the
// output's dtype (Inferred::uniform_inputs) and come in their own shapes and
// strides (Inferred::own_shapes), any number of them (c.n_in may exceed
// kMaxInputs: c.in is an array).
#include <cstring>
#include <vector>

#include "op/registry.h"
#include "region_copy.cuh"
#include "register.h"
#include "runtime.h"

namespace tg::cuda {

namespace {

std::vector<int64_t> contiguous_of(const int64_t* shape, int ndim) {
  std::vector<int64_t> st(static_cast<size_t>(ndim));
  int64_t s = 1;
  for (int d = ndim - 1; d >= 0; --d) {
    st[size_t(d)] = s;
    s *= shape[d];
  }
  return st;
}

std::vector<int64_t> strides_of(const ArrayArg& a) {
  std::vector<int64_t> st(static_cast<size_t>(a.ndim));
  own_strides(a, st.data());
  return st;
}

char* byte_offset(void* p, int64_t elems, size_t itemsize) { return static_cast<char*>(p) + elems * int64_t(itemsize); }

// concat and stack along attrs.axis: input k goes to the slice of the output
// that starts at its offset along the axis (stack: at index k of the new axis,
// which the input does not have, so the output's stride there is dropped).
void join_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  const bool is_stack = c.op == uint16_t(op::OpId::Stack);
  const size_t axis = size_t(c.attrs->axis);
  const size_t isz = itemsize(c.out.dtype);
  const std::vector<int64_t> out_st = contiguous_of(c.shape, c.ndim);
  std::vector<int64_t> dst_st = out_st;
  if (is_stack) dst_st.erase(dst_st.begin() + int64_t(axis));
  int64_t start = 0;
  for (int k = 0; k < c.n_in; ++k) {
    const ArrayArg& in = c.in[k];
    const int64_t offset = start * out_st[axis];
    start += is_stack ? 1 : in.shape[axis];
    copy_region(in.data, strides_of(in).data(), byte_offset(c.out.data, offset, isz), dst_st.data(), in.shape,
                in.ndim, isz, s);
  }
}

// The output viewed as (m0, d0, m1, d1, ...) is the input broadcast along the m's.
void tile_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  const ArrayArg& in = c.in[0];
  const std::vector<int64_t> st = strides_of(in);
  std::vector<int64_t> inter, src;
  for (int i = 0; i < in.ndim; ++i) {
    inter.push_back(c.attrs->sizes[size_t(i)]);
    inter.push_back(in.shape[i]);
    src.push_back(0);
    src.push_back(st[size_t(i)]);
  }
  const std::vector<int64_t> dst = contiguous_of(inter.data(), int(inter.size()));
  copy_region(in.data, src.data(), c.out.data, dst.data(), inter.data(), int(inter.size()), itemsize(c.out.dtype), s);
}

template <class T>
__global__ void fill_value(T* out, int64_t n, T v) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x)
    out[i] = v;
}

template <class T>
void fill_with(void* out, int64_t n, T v, cudaStream_t s) {
  const T zero{};
  if (std::memcmp(&v, &zero, sizeof(T)) == 0) {  // all-zero bits (not -0.0): a memset
    TG_CUDA_CHECK(cudaMemsetAsync(out, 0, size_t(n) * sizeof(T), s));
    return;
  }
  fill_value<T><<<grid_for(n), kBlock, 0, s>>>(static_cast<T*>(out), n, v);
  TG_CUDA_LAUNCHED(fill_value);
}

// The constant (real[0]) everywhere, then the input into its region. Only
// constant padding is a kernel; mirror padding is a composition (ops_shape.cpp).
void pad_kernel(const KernelCall& c) {
  cudaStream_t s = stream_for(c);
  const double v = c.attrs->real[0];
  TG_DISPATCH_ALL(c.out.dtype, fill_with<T>(c.out.data, c.numel, static_cast<T>(v), s));
  const ArrayArg& in = c.in[0];
  const std::vector<int64_t> out_st = contiguous_of(c.shape, c.ndim);
  int64_t offset = 0;
  for (int i = 0; i < in.ndim; ++i) offset += c.attrs->paddings[2 * size_t(i)] * out_st[size_t(i)];
  const size_t isz = itemsize(c.out.dtype);
  copy_region(in.data, strides_of(in).data(), byte_offset(c.out.data, offset, isz), out_st.data(), in.shape, in.ndim,
              isz, s);
}

}  // namespace

void register_join() {
  op::register_accepted(op::OpId::Concat, DeviceType::CUDA, &join_kernel);
  op::register_accepted(op::OpId::Stack, DeviceType::CUDA, &join_kernel);
  op::register_accepted(op::OpId::Tile, DeviceType::CUDA, &tile_kernel);
  op::register_accepted(op::OpId::Pad, DeviceType::CUDA, &pad_kernel);
}

}  // namespace tg::cuda

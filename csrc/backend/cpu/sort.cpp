// argsort on the CPU: each line along the last axis (dense rows, the op's
// contract) gets the permutation of a stable sort, rows split over the pool.
// NaN is the largest value in either direction: last when ascending (as
// NumPy sorts), first when descending (as tf.math.top_k ranks it).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "backend/cpu/register.h"
#include "op/registry.h"
#include "parallel.h"

namespace tg::cpu {

namespace {

template <class T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// Strict orders that place NaN above every number.
template <class T>
struct Ascending {
  const T* v;
  bool operator()(int64_t a, int64_t b) const { return v[a] < v[b] || (is_nan(v[b]) && !is_nan(v[a])); }
};
template <class T>
struct Descending {
  const T* v;
  bool operator()(int64_t a, int64_t b) const { return v[a] > v[b] || (is_nan(v[a]) && !is_nan(v[b])); }
};

template <class T, class I>
void argsort_rows(const KernelCall& c) {
  const int64_t n = c.shape[c.ndim - 1];
  if (n == 0 || c.numel == 0) return;
  const int64_t rows = c.numel / n;
  const T* x = static_cast<const T*>(c.in[0].data);
  I* out = static_cast<I*>(c.out.data);
  const bool descending = c.attrs->descending;
  // Sorting a row costs ~n log n comparisons: a few rows per chunk when rows are short.
  const int64_t grain = std::max<int64_t>(1, 16384 / std::max<int64_t>(n, 1));
  parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    std::vector<int64_t> order(static_cast<size_t>(n));
    for (int64_t r = r0; r < r1; ++r) {
      const T* row = x + r * n;
      std::iota(order.begin(), order.end(), int64_t(0));
      if (descending) std::stable_sort(order.begin(), order.end(), Descending<T>{row});
      else std::stable_sort(order.begin(), order.end(), Ascending<T>{row});
      I* dst = out + r * n;
      for (int64_t j = 0; j < n; ++j) dst[j] = I(order[size_t(j)]);
    }
  });
}

template <class T>
void argsort_kernel(const KernelCall& c) {
  if (c.out.dtype == DType::Int32) argsort_rows<T, int32_t>(c);
  else argsort_rows<T, int64_t>(c);
}

}  // namespace

void register_sort() {
  using op::OpId;
  op::register_kernel(OpId::ArgSort, DeviceType::CPU, DType::Float32, &argsort_kernel<float>);
  op::register_kernel(OpId::ArgSort, DeviceType::CPU, DType::Float64, &argsort_kernel<double>);
  op::register_kernel(OpId::ArgSort, DeviceType::CPU, DType::Int32, &argsort_kernel<int32_t>);
  op::register_kernel(OpId::ArgSort, DeviceType::CPU, DType::Int64, &argsort_kernel<int64_t>);
  op::register_kernel(OpId::ArgSort, DeviceType::CPU, DType::UInt8, &argsort_kernel<uint8_t>);
  op::register_kernel(OpId::ArgSort, DeviceType::CPU, DType::Bool, &argsort_kernel<bool>);
}

}  // namespace tg::cpu

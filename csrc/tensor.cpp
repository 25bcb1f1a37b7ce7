#include "tensor.h"

#include <cstring>
#include <limits>

#include "parallel.h"
#include "strided.h"

namespace tg {

std::ostream& operator<<(std::ostream& s, const Shape& shape) {
  s << '(';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s << ", ";
    s << shape[i];
  }
  if (shape.size() == 1) s << ',';
  return s << ')';
}

std::string shape_str(const Shape& shape) { return str(shape); }

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    TG_CHECK(d >= 0, ValueError, "negative dimension ", d, " in shape ", shape);
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      throw OutOfMemory(str("shape ", shape, " has too many elements"));
    n *= d;
  }
  return n;
}

Strides contiguous_strides(const Shape& shape) {
  Strides st(shape.size());
  int64_t s = 1;
  for (int64_t i = int64_t(shape.size()) - 1; i >= 0; --i) {
    st[i] = s;
    s *= shape[i] > 0 ? shape[i] : 1;
  }
  return st;
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  int64_t n = shape_numel(shape);
  size_t isz = itemsize(dtype);
  if (uint64_t(n) > (uint64_t(1) << 46) / isz)
    throw OutOfMemory(str("cannot allocate a tensor of shape ", shape, " and dtype ", dtype, ": ",
                          double(n) * isz / double(1ull << 30), " GiB"));
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = Storage::allocate(size_t(n) * isz, device);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

Tensor Tensor::view_of(const Tensor& base, Shape shape, Strides strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

Tensor Tensor::from_storage(std::shared_ptr<Storage> storage, Shape shape, Strides strides, int64_t offset,
                            DType dtype) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

int64_t Tensor::dim(int64_t i) const {
  int64_t nd = ndim();
  TG_CHECK(i >= -nd && i < nd, IndexError, "dimension ", i, " out of range for a tensor of rank ", nd);
  return shape()[size_t(i < 0 ? i + nd : i)];
}

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t d : impl_->shape) n *= d;
  return n;
}

bool Tensor::is_contiguous() const {
  int64_t s = 1;
  const auto& sh = shape();
  const auto& st = strides();
  for (int64_t d : sh)
    if (d == 0) return true;  // no elements: any strides describe the same (empty) layout
  for (int64_t i = int64_t(sh.size()) - 1; i >= 0; --i) {
    if (sh[i] == 1) continue;
    if (st[i] != s) return false;
    s *= sh[i];
  }
  return true;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  Tensor out = Tensor::empty(shape(), dtype(), device());
  copy_into(*this, out);
  return out;
}

double Tensor::item_double() const {
  TG_CHECK(numel() == 1, ValueError, "only a tensor with one element can be converted to a Python scalar, got shape ", shape());
  if (impl_->weak && dtype() == DType::Float32) return impl_->weak_value;  // a Python float's own digits
  double v = 0;
  TG_DISPATCH_ALL(dtype(), v = double(*data<T>()));
  return v;
}

int64_t Tensor::item_int() const {
  TG_CHECK(numel() == 1, ValueError, "only a tensor with one element can be converted to a Python scalar, got shape ", shape());
  int64_t v = 0;
  TG_DISPATCH_ALL(dtype(), v = int64_t(*data<T>()));
  return v;
}

namespace {
template <class S, class D>
void convert_rows(const StridedWalk<2>& w, const char* src, char* dst, int64_t r0, int64_t r1) {
  const int64_t ss = w.inner_strides[0], ds = w.inner_strides[1];
  w.for_rows(r0, r1, [&](const std::array<int64_t, 2>& off, int64_t n) {
    const S* s = reinterpret_cast<const S*>(src) + off[0];
    D* d = reinterpret_cast<D*>(dst) + off[1];
    if (ss == 1 && ds == 1) {
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<D>(s[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) d[i * ds] = static_cast<D>(s[i * ss]);
    }
  });
}
}  // namespace

void copy_into(const Tensor& src, const Tensor& dst) {
  TG_CHECK(src.shape() == dst.shape(), ValueError, "copy: shapes ", src.shape(), " and ", dst.shape(), " differ");
  if (src.numel() == 0) return;
  if (src.dtype() == dst.dtype() && src.is_contiguous() && dst.is_contiguous()) {
    parallel_for(src.nbytes(), kParallelBytes, [&](int64_t b, int64_t e) {
      std::memcpy(static_cast<char*>(dst.raw()) + b, static_cast<const char*>(src.raw()) + b, size_t(e - b));
    });
    return;
  }
  StridedWalk<2> w(src.shape(), {src.strides(), dst.strides()});
  const char* s = static_cast<const char*>(src.raw());
  char* d = static_cast<char*>(dst.raw());
  const int64_t grain = std::max<int64_t>(1, kParallelElems / std::max<int64_t>(1, w.inner));
  TG_DISPATCH_ALL(src.dtype(), using S = T; TG_DISPATCH_ALL(dst.dtype(), using D = T;
    parallel_for(w.rows, grain, [&](int64_t r0, int64_t r1) { convert_rows<S, D>(w, s, d, r0, r1); })));
}

}  // namespace tg

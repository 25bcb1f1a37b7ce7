#include "tensor.h"

#include <cstring>
#include <limits>

#include "backend/cpu/copy.h"
#include "op/registry.h"
#include "ops.h"
#include "parallel.h"

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
  if (device().type != DeviceType::CPU) return ops::identity(*this);  // that device's copy kernel
  Tensor out = Tensor::empty(shape(), dtype(), device());
  copy_into(*this, out);
  return out;
}

double Tensor::item_double() const {
  TG_CHECK(numel() == 1, ValueError, "only a tensor with one element can be converted to a Python scalar, got shape ", shape());
  if (impl_->weak && dtype() == DType::Float32) return impl_->weak_value;  // a Python float's own digits
  if (device().type != DeviceType::CPU) return ops::to_device(*this, Device{}).item_double();  // a host sync
  double v = 0;
  TG_DISPATCH_ALL(dtype(), v = double(*data<T>()));
  return v;
}

int64_t Tensor::item_int() const {
  TG_CHECK(numel() == 1, ValueError, "only a tensor with one element can be converted to a Python scalar, got shape ", shape());
  if (device().type != DeviceType::CPU) return ops::to_device(*this, Device{}).item_int();  // a host sync
  int64_t v = 0;
  TG_DISPATCH_ALL(dtype(), v = int64_t(*data<T>()));
  return v;
}

void copy_into(const Tensor& src, const Tensor& dst) {
  TG_CHECK(src.shape() == dst.shape(), ValueError, "copy: shapes ", src.shape(), " and ", dst.shape(), " differ");
  if (dst.device().type != DeviceType::CPU || src.device().type != DeviceType::CPU) {
    // On another device: the source moves there first (to_device), then that
    // backend's strided copy writes it in place.
    const Tensor s = src.device() == dst.device() ? src : ops::to_device(src, dst.device());
    if (dst.device().type == DeviceType::CPU) return copy_into(s, dst);
    const StridedCopyFn copy = op::strided_copy_for(dst.device().type);
    TG_CHECK(copy != nullptr, NotImplementedError, "copy into ", dst.device().name(),
             ": no in-place copy kernel for that device in this build");
    ArrayArg a, b;
    a.data = s.raw();
    a.dtype = s.dtype();
    a.strides = s.strides().data();
    b.data = dst.raw();
    b.dtype = dst.dtype();
    b.strides = dst.strides().data();
    if (dst.numel() > 0) copy(dst.device().index, a, b, dst.shape().data(), int(dst.ndim()));
    return;
  }
  cpu::copy_strided(src.raw(), src.dtype(), src.strides(), dst.raw(), dst.dtype(), dst.strides(), src.shape());
}

}  // namespace tg

// The tensor: a shared handle to {storage, shape, strides, offset, dtype,
// device}. Views share storage; tensors are immutable values once made (only
// Variable writes into memory, and only memory nobody else can see).
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <ostream>
#include <vector>

#include "device.h"
#include "dtype.h"
#include "errors.h"
#include "shape.h"
#include "storage.h"

namespace tg {


class Variable;

// Set on tensors made by Variable.__getitem__ so that `v[0, 0].assign(3.)`
// writes back into the variable, as TensorFlow allows.
struct SliceOrigin {
  std::weak_ptr<Variable> variable;
  std::shared_ptr<void> index;  // the parsed index (indexing.h: IndexSpec)
};

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Strides strides;
  int64_t offset = 0;  // in elements
  DType dtype = DType::Float32;
  int64_t id = 0;      // unique for the process lifetime; keys the tapes
  bool weak = false;   // made from a Python scalar: takes the other operand's dtype
  double weak_value = 0;  // a weak float's exact Python value (it is stored as float32)
  // Made from Python data (a scalar, list or ndarray) for one op's argument:
  // it runs where the op's tensors are, so `tg.gather(gpu_tensor, [0, 2])`
  // needs no copy by hand. Never set on a tensor handed back to the user.
  bool host_value = false;
  std::shared_ptr<SliceOrigin> slice_origin;

  TensorImpl() : id(next_id()) {}
  static int64_t next_id() {
    static std::atomic<int64_t> counter{1};
    return counter.fetch_add(1, std::memory_order_relaxed);
  }
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // New contiguous tensor with uninitialised memory.
  static Tensor empty(const Shape& shape, DType dtype, Device device = Device{});
  // A view over existing storage.
  static Tensor view_of(const Tensor& base, Shape shape, Strides strides, int64_t offset);
  static Tensor from_storage(std::shared_ptr<Storage> storage, Shape shape, Strides strides, int64_t offset,
                             DType dtype);

  bool defined() const { return impl_ != nullptr; }
  explicit operator bool() const { return defined(); }
  const std::shared_ptr<TensorImpl>& impl() const { return impl_; }
  TensorImpl* get() const { return impl_.get(); }

  const Shape& shape() const { return impl_->shape; }
  const Strides& strides() const { return impl_->strides; }
  int64_t offset() const { return impl_->offset; }
  DType dtype() const { return impl_->dtype; }
  Device device() const { return impl_->storage->device(); }
  int64_t id() const { return impl_->id; }
  int64_t ndim() const { return int64_t(impl_->shape.size()); }
  int64_t dim(int64_t i) const;  // negative i counts from the end; IndexError if out of range
  int64_t numel() const;
  size_t nbytes() const { return size_t(numel()) * itemsize(dtype()); }
  const std::shared_ptr<Storage>& storage() const { return impl_->storage; }

  bool is_contiguous() const;
  // Raw pointer to element [0, ..., 0].
  void* raw() const { return static_cast<char*>(impl_->storage->data()) + impl_->offset * int64_t(itemsize(dtype())); }
  template <class T> T* data() const { return reinterpret_cast<T*>(raw()); }

  // Same data in a contiguous layout (this tensor itself when it already is).
  Tensor contiguous() const;
  // Value of a one-element tensor as double / int64 (ValueError otherwise).
  double item_double() const;
  int64_t item_int() const;

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Copy any-strided src into a contiguous dst of the same shape, converting dtype.
void copy_into(const Tensor& src, const Tensor& dst);

}  // namespace tg

#include "variable.h"

#include "autograd.h"
#include "ops.h"

namespace tg {

namespace {
int64_t next_variable_id() {
  static std::atomic<int64_t> counter{1};
  return counter.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

Variable::Variable(Tensor initial, bool trainable, std::string name)
    : trainable_(trainable), name_(std::move(name)), id_(next_variable_id()) {
  TG_CHECK(initial.defined(), ValueError, "Variable: initial value is None");
  // Own a private contiguous copy: the caller may keep (or alias) the initial value.
  value_ = Tensor::empty(initial.shape(), initial.dtype(), initial.device());
  copy_into(initial, value_);
}

Tensor Variable::read() {
  if (autograd::any_tape_active()) autograd::note_variable_read(shared_from_this(), value_);
  return value_;
}

Tensor& Variable::writable() {
  // In place only when nobody else can observe the memory: not a Python
  // reference, not a view, not a tensor saved by a tape.
  if (value_.impl().use_count() == 1 && value_.storage().use_count() == 1) return value_;
  Tensor fresh = Tensor::empty(value_.shape(), value_.dtype(), value_.device());
  copy_into(value_, fresh);
  value_ = fresh;
  return value_;
}

void assign_into_view(const Tensor& dst, const Tensor& src) {
  Tensor s = src;
  if (s.shape() != dst.shape()) {
    // A scalar or a broadcast-compatible value fills the region, as TF's slice assign allows.
    Shape b = ops::broadcast_shapes(s.shape(), dst.shape());
    TG_CHECK(b == dst.shape(), ValueError, "cannot assign a value of shape ", src.shape(),
             " to a variable (or slice) of shape ", dst.shape());
    s = ops::broadcast_to(s, dst.shape());
  }
  // No aliasing is possible: dst lives in memory made private by writable().
  copy_into(s, dst);
}

void Variable::assign(const Tensor& v) {
  TG_CHECK(v.defined(), ValueError, "Variable.assign: value is None");
  TG_CHECK(v.shape() == value_.shape() || v.numel() == 1, ValueError, "Variable '", name_, "' has shape ",
           value_.shape(), " and cannot be assigned a value of shape ", v.shape());
  TG_CHECK(v.dtype() == value_.dtype(), TypeError, "Variable '", name_, "' has dtype ", value_.dtype(), " and cannot be assigned a value of dtype ",
           v.dtype());
  autograd::NoRecordScope no_record;
  assign_into_view(writable(), v);
}

void Variable::assign_add(const Tensor& v) {
  autograd::NoRecordScope no_record;
  Tensor sum = ops::add(value_, v);
  TG_CHECK(sum.shape() == value_.shape(), ValueError, "Variable '", name_, "' has shape ", value_.shape(),
           "; assign_add got a value of shape ", v.shape());
  assign_into_view(writable(), sum);
}

void Variable::assign_sub(const Tensor& v) {
  autograd::NoRecordScope no_record;
  Tensor diff = ops::subtract(value_, v);
  TG_CHECK(diff.shape() == value_.shape(), ValueError, "Variable '", name_, "' has shape ", value_.shape(),
           "; assign_sub got a value of shape ", v.shape());
  assign_into_view(writable(), diff);
}

}  // namespace tg

// A mutable holder of a tensor value. Reads hand out the current value (a
// Tensor, immutable); writes go in place only when no one else holds the
// value's memory, and otherwise into fresh memory (copy on write), so a value
// saved by a tape for a gradient can never change under it.
#pragma once
#include <memory>
#include <string>

#include "tensor.h"

namespace tg {

// Copies src (broadcast to dst's shape, cast to dst's dtype) into the view dst.
void assign_into_view(const Tensor& dst, const Tensor& src);

class Variable : public std::enable_shared_from_this<Variable> {
 public:
  Variable(Tensor initial, bool trainable, std::string name);

  // The value, as an op input: tells active tapes about the read.
  Tensor read();
  // The value without telling tapes (internal use, printing).
  const Tensor& value() const { return value_; }

  void assign(const Tensor& v);      // same shape (broadcast from scalars ok); cast to our dtype
  void assign_add(const Tensor& v);
  void assign_sub(const Tensor& v);
  // Writes v into the region selected by the view-producing `region` function.
  // Used by slice assignment; region gets the (writable) current value.
  template <class F> void assign_region(F&& region, const Tensor& v);
  // Memory that may be written in place right now (copy-on-write applied).
  Tensor& writable();

  int64_t id() const { return id_; }
  bool trainable() const { return trainable_; }
  void set_trainable(bool t) { trainable_ = t; }
  const std::string& name() const { return name_; }
  DType dtype() const { return value_.dtype(); }
  const Shape& shape() const { return value_.shape(); }

 private:
  Tensor value_;
  bool trainable_;
  std::string name_;
  int64_t id_;
};

template <class F>
void Variable::assign_region(F&& region, const Tensor& v) {
  Tensor& w = writable();
  assign_into_view(region(w), v);
}

}  // namespace tg

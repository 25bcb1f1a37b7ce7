// A parsed basic index (ints, slices with any step, newaxis, Ellipsis),
// independent of the tensor it is applied to, and where it lands in a given
// layout. Shape arithmetic only: op attributes carry an IndexSpec, so kernels
// and gradient rules of every device read the same value.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shape.h"

namespace tg {

struct IndexItem {
  enum Kind : uint8_t { Int, Slice, NewAxis, Ellipsis };
  Kind kind = Int;
  int64_t index = 0;                   // Int: may be negative (counts from the end)
  std::optional<int64_t> start, stop;  // Slice: nullopt = the end that the step's sign implies
  int64_t step = 1;                    // Slice: never 0

  static IndexItem integer(int64_t i) { IndexItem it; it.kind = Int; it.index = i; return it; }
  static IndexItem slice(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step = 1);  // ValueError on step 0
  static IndexItem full() { IndexItem it; it.kind = Slice; return it; }
  static IndexItem newaxis() { IndexItem it; it.kind = NewAxis; return it; }
  static IndexItem ellipsis() { IndexItem it; it.kind = Ellipsis; return it; }
};
using IndexSpec = std::vector<IndexItem>;

// "[1, ::-1, None, ...]" for messages.
std::string index_str(const IndexSpec& spec);

// Where a basic index lands in a tensor of the given layout: the view's shape,
// strides, and the element offset added to the base offset. IndexError for an
// int out of range (naming the index, the axis and its size), too many indices
// or two ellipses.
struct ViewLayout {
  Shape shape;
  Strides strides;
  int64_t offset = 0;
};
ViewLayout resolve_index(const Shape& shape, const Strides& strides, const IndexSpec& spec);

}  // namespace tg

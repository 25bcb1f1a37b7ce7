// Shapes and strides: plain vectors, and the arithmetic every layer shares
// (shape_util.cpp). No Tensor here, so kernels' attribute types can use them.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace tg {

using Shape = std::vector<int64_t>;
using Strides = std::vector<int64_t>;  // in elements, may be 0 (broadcast) or negative

std::ostream& operator<<(std::ostream& s, const Shape& shape);  // prints (2, 3)
std::string shape_str(const Shape& shape);
int64_t shape_numel(const Shape& shape);  // ValueError on negative dims, OutOfMemory on overflow
Strides contiguous_strides(const Shape& shape);

}  // namespace tg

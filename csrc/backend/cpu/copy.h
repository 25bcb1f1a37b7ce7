// Copying strided memory into strided memory on the CPU, converting the
// dtype: the kernel behind cast, identity, Tensor::contiguous and every
// other copy.
#pragma once
#include <cstdint>

#include "tensor.h"

namespace tg::cpu {

// dst[i] = D(src[i]) over shape; strides in elements.
void copy_strided(const void* src, DType src_dtype, const Strides& src_strides, void* dst, DType dst_dtype,
                  const Strides& dst_strides, const Shape& shape);

}  // namespace tg::cpu

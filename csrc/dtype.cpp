#include "dtype.h"

namespace tg {

DType dtype_from_name(const std::string& name) {
  static const struct { const char* n; DType d; } names[] = {
      {"bool", DType::Bool},       {"uint8", DType::UInt8},     {"int32", DType::Int32},
      {"int64", DType::Int64},     {"float32", DType::Float32}, {"float64", DType::Float64},
      {"float", DType::Float32},   {"double", DType::Float64},  {"int", DType::Int64},
  };
  for (auto& e : names)
    if (name == e.n) return e.d;
  throw TypeError(str("unsupported dtype '", name, "': expected one of bool, uint8, int32, int64, float32, float64"));
}

DType promote(DType a, DType b) {
  if (a == b) return a;
  if (is_floating(a) || is_floating(b)) {
    if (is_floating(a) && is_floating(b)) return DType::Float64;  // float32 with float64
    return is_floating(a) ? a : b;
  }
  if (a == DType::Bool) return b;
  if (b == DType::Bool) return a;
  // Integers: widest wins; uint8 with int32/int64 fits in the signed type.
  auto rank = [](DType d) { return d == DType::UInt8 ? 0 : d == DType::Int32 ? 1 : 2; };
  return rank(a) >= rank(b) ? a : b;
}

}  // namespace tg

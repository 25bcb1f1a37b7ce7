// Element types, their promotion (Array API rules) and the switch that turns a
// runtime dtype into a compile-time C++ type.
#pragma once
#include <cstdint>
#include <string>
#include "errors.h"

namespace tg {

enum class DType : uint8_t { Bool = 0, UInt8, Int32, Int64, Float32, Float64 };
constexpr int kNumDTypes = 6;

inline size_t itemsize(DType d) {
  switch (d) {
    case DType::Bool: case DType::UInt8: return 1;
    case DType::Int32: case DType::Float32: return 4;
    case DType::Int64: case DType::Float64: return 8;
  }
  return 0;
}
inline const char* dtype_name(DType d) {
  switch (d) {
    case DType::Bool: return "bool";
    case DType::UInt8: return "uint8";
    case DType::Int32: return "int32";
    case DType::Int64: return "int64";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "?";
}
DType dtype_from_name(const std::string& name);  // TypeError for unknown names
inline bool is_floating(DType d) { return d == DType::Float32 || d == DType::Float64; }
inline bool is_integer(DType d) { return d == DType::UInt8 || d == DType::Int32 || d == DType::Int64; }
inline std::ostream& operator<<(std::ostream& s, DType d) { return s << dtype_name(d); }

// Array API promotion of two tensor dtypes (bool < integers < floats; uint8 with
// a signed int goes to the signed type wide enough, as NumPy does).
DType promote(DType a, DType b);

template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };

// TG_DISPATCH(dtype, T, body): runs body with T bound to the C++ element type.
#define TG_DISPATCH_CASE(DT, CT, ...) case ::tg::DType::DT: { using T = CT; __VA_ARGS__; break; }
#define TG_DISPATCH_ALL(dt, ...)                                        \
  switch (dt) {                                                         \
    TG_DISPATCH_CASE(Bool, bool, __VA_ARGS__)                           \
    TG_DISPATCH_CASE(UInt8, uint8_t, __VA_ARGS__)                       \
    TG_DISPATCH_CASE(Int32, int32_t, __VA_ARGS__)                       \
    TG_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__)                       \
    TG_DISPATCH_CASE(Float32, float, __VA_ARGS__)                       \
    TG_DISPATCH_CASE(Float64, double, __VA_ARGS__)                      \
  }
#define TG_DISPATCH_NUMERIC(dt, opname, ...)                            \
  switch (dt) {                                                         \
    TG_DISPATCH_CASE(UInt8, uint8_t, __VA_ARGS__)                       \
    TG_DISPATCH_CASE(Int32, int32_t, __VA_ARGS__)                       \
    TG_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__)                       \
    TG_DISPATCH_CASE(Float32, float, __VA_ARGS__)                       \
    TG_DISPATCH_CASE(Float64, double, __VA_ARGS__)                      \
    default: throw ::tg::TypeError(::tg::str(opname, ": unsupported dtype ", dt)); \
  }
#define TG_DISPATCH_FLOAT(dt, opname, ...)                              \
  switch (dt) {                                                         \
    TG_DISPATCH_CASE(Float32, float, __VA_ARGS__)                       \
    TG_DISPATCH_CASE(Float64, double, __VA_ARGS__)                      \
    default: throw ::tg::TypeError(::tg::str(opname, ": expected a floating dtype (float32 or float64), got ", dt)); \
  }

}  // namespace tg

// What a kernel sees: pointers, the iteration shape, per-operand strides and
// dtypes, and the op's attributes. Never a Tensor, never the tape: a kernel
// for another device is the same function over that device's pointers.
#pragma once
#include <cstdint>
#include <vector>

#include "device.h"
#include "dtype.h"

namespace tg {

struct ArrayArg {
  void* data = nullptr;
  DType dtype = DType::Float32;
  // Element strides over the call's shape (0 along broadcast dimensions).
  const int64_t* strides = nullptr;
  bool contiguous = false;  // dense over the whole call shape
  bool scalar = false;      // one element, broadcast everywhere
};

// The attributes of an op call, parsed and normalised by the op's public
// function. Each family reads the fields it has.
struct OpAttrs {
  std::vector<int64_t> axes;      // reductions: sorted, unique, non-negative
  bool keepdims = false;          // reductions
  std::vector<int64_t> shape;     // sum_to: the target shape
  int64_t axis = 0;               // arg reductions, softmax: non-negative
  DType dtype = DType::Int64;     // arg reductions: the index dtype; creation and random: the output's
  // Creation and random ops. An op with no input makes its output on `device`.
  // Their numbers: fill: real[0] the value; range: real = {start, delta}, or
  // whole = {start, delta} for integer dtypes; linspace: real = {start, stop};
  // normals: real = {mean, stddev}; uniform: real = {minval, maxval}, or whole
  // = the bounds for integer dtypes; dropout: real[0] the rate. A random op's
  // stream: philox = {key word 0, key word 1, call counter} (random.cpp).
  Device device;
  double real[2] = {};
  int64_t whole[2] = {};
  uint32_t philox[3] = {};
};

constexpr int kMaxInputs = 5;
constexpr int kMaxAux = 2;

struct KernelCall {
  uint16_t op = 0;           // op::OpId of the op being run
  // The iteration shape: the output's for element-wise ops, the input's for
  // reductions.
  const int64_t* shape = nullptr;
  int ndim = 0;
  int64_t numel = 0;
  int n_in = 0;
  ArrayArg in[kMaxInputs];
  ArrayArg out;
  // Auxiliary outputs an op computes for its gradient rule (the
  // cross-entropies' per-row max and log-sum-exp); dense.
  int n_aux = 0;
  ArrayArg aux[kMaxAux];
  const OpAttrs* attrs = nullptr;
};

using KernelFn = void (*)(const KernelCall& call);

}  // namespace tg

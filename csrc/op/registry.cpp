#include "op/registry.h"

#include <mutex>

#include "backend/cpu/register.h"
#include "errors.h"

namespace tg::op {

namespace {
const char* const kNames[] = {
#define TG_OP_NAME(Enum, name, loop, fn) name,
    TG_OPS(TG_OP_NAME)
#undef TG_OP_NAME
};
const char* device_type_name(DeviceType t) { return t == DeviceType::CUDA ? "CUDA" : "CPU"; }
}  // namespace

OpDef* table() {
  static OpDef t[kNumOps];
  return t;
}

const char* name(OpId id) { return kNames[int(id)]; }

void define(OpId id, int arity, InferFn infer, GradRule grad, uint8_t saves, uint32_t dtypes) {
  OpDef& d = table()[int(id)];
  d.name = kNames[int(id)];
  d.arity = arity;
  d.infer = infer;
  d.grad = grad;
  d.saves = saves;
  d.dtypes = dtypes;
}

void define_view(OpId id, ViewFn view, GradRule grad) {
  OpDef& d = table()[int(id)];
  d.name = kNames[int(id)];
  d.arity = 1;
  d.view = view;
  d.grad = grad;
  d.saves = kSaveNothing;
  d.dtypes = kNumericDTypes | kBoolDType;
}

void register_kernel(OpId id, DeviceType device, DType dtype, KernelFn fn) {
  table()[int(id)].kernels[int(device)][int(dtype)] = fn;
}

KernelFn kernel_for(OpId id, Device device, DType dtype) {
  KernelFn k = table()[int(id)].kernels[int(device.type)][int(dtype)];
  TG_CHECK(k != nullptr, NotImplementedError, "op '", kNames[int(id)], "' has no ", device_type_name(device.type),
           " kernel for ", dtype);
  return k;
}

// Defined beside each family's ops.
void define_elementwise();  // ops_elementwise.cpp
void define_reduce();       // ops_reduce.cpp
void define_nn();           // ops_nn.cpp
void define_copy();         // ops_creation.cpp
void define_device();       // ops_device.cpp
void define_shape();        // ops_shape.cpp
void define_indexing();     // indexing.cpp
void define_gather();       // ops_index.cpp
void define_creation();     // ops_creation.cpp
void define_random();       // random.cpp
void define_linalg();       // ops_linalg.cpp
void define_dense();        // ops_dense.cpp

void init() {
  static std::once_flag once;
  std::call_once(once, [] {
    define_elementwise();
    define_reduce();
    define_nn();
    define_copy();
    define_device();
    define_shape();
    define_indexing();
    define_gather();
    define_creation();
    define_random();
    define_linalg();
    define_dense();
    cpu::register_all();
  });
}

}  // namespace tg::op

#include "op/registry.h"

#include <mutex>

#include "backend/cpu/register.h"
#include "errors.h"
#ifdef TG_WITH_CUDA
#include "tg_cuda.h"
#endif

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

void register_accepted(OpId id, DeviceType device, KernelFn fn) {
  for (int d = 0; d < kNumDTypes; ++d)
    if (table()[int(id)].dtypes & dtype_bit(DType(d))) register_kernel(id, device, DType(d), fn);
}

namespace {
StridedCopyFn g_strided_copy[kNumDeviceTypes] = {};
SynchronizeFn g_synchronize[kNumDeviceTypes] = {};
}  // namespace

void register_synchronize(DeviceType device, SynchronizeFn fn) { g_synchronize[int(device)] = fn; }
SynchronizeFn synchronize_for(DeviceType device) { return g_synchronize[int(device)]; }

void register_strided_copy(DeviceType device, StridedCopyFn fn) { g_strided_copy[int(device)] = fn; }
StridedCopyFn strided_copy_for(DeviceType device) { return g_strided_copy[int(device)]; }

void clear_kernels(DeviceType device) {
  g_strided_copy[int(device)] = nullptr;
  g_synchronize[int(device)] = nullptr;
  for (int i = 0; i < kNumOps; ++i)
    for (int d = 0; d < kNumDTypes; ++d) table()[i].kernels[int(device)][d] = nullptr;
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
void define_conv();         // ops_conv.cpp
void define_image();        // ops_image.cpp
void define_norm();         // ops_norm.cpp
void define_rnn();          // ops_rnn.cpp
void define_sort();         // ops_sort.cpp
void define_scan();         // ops_scan.cpp
void define_lapack();       // ops_lapack.cpp

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
    define_conv();
    define_image();
    define_norm();
    define_rnn();
    define_sort();
    define_scan();
    define_lapack();
    cpu::register_all();
#ifdef TG_WITH_CUDA
    cuda::register_all();
#endif
  });
}

}  // namespace tg::op

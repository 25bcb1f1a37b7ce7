// The op table: one definition per op.
//
// An entry holds the op's name (op_list.h, written once), its shape/dtype
// inference with the typed errors, its gradient rule written with public ops
// and what that rule keeps alive, and one kernel slot per (device type,
// compute dtype). Definitions live beside the op's public function
// (ops_elementwise.cpp, ...); kernels live in backend/<device>/ and fill their
// slots from an explicit registration call at module init. Every op runs
// through one path, exec() in op/exec.h.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "backend/kernel.h"
#include "op/op_list.h"
#include "tensor.h"

namespace tg::op {

enum class OpId : uint16_t {
#define TG_OP_ENUM(Enum, name, loop, fn) Enum,
  TG_OPS(TG_OP_ENUM)
#undef TG_OP_ENUM
  kCount
};
constexpr int kNumOps = int(OpId::kCount);
constexpr int kNumDeviceTypes = 2;  // DeviceType::CPU, DeviceType::CUDA

using Grads = std::vector<Tensor>;
using Needs = std::vector<bool>;

// What inference decides: the output's shape and dtype, the dtype each input
// is converted to before the kernel runs, and the dtype that picks the kernel.
struct Inferred {
  Shape shape;
  bool call_over_input = false;  // iterate over the first input's shape (reductions)
  // Every input dense in its own shape (a recorded copy makes it so); the
  // kernel knows each operand's shape from the op's contract.
  bool dense_inputs = false;
  // Only these inputs dense (the others keep their strides): matmul and
  // dense ask for it for a GEMM operand whose layout BLAS cannot read in
  // place, dense also for a strided bias. Like inputs[], it covers the
  // first kMaxInputs inputs; ops with more set uniform_inputs.
  bool dense_input[kMaxInputs] = {};
  // Each operand described in its own shape (ArrayArg::shape), not over the
  // call's: the joins and gathers, whose operands differ in shape.
  bool own_shapes = false;
  bool differentiable = true;  // false: this call is not recorded (e.g. a cast to int)
  DType out = DType::Float32;
  DType kernel = DType::Float32;
  DType inputs[kMaxInputs] = {};
  // Ops with any number of inputs (the joins) convert all of them to one
  // dtype instead of reading inputs[].
  bool uniform_inputs = false;
  DType all_inputs = DType::Float32;
  // Where the output is allocated and whose kernel column runs (both
  // default to the inputs' device; to_device sets them).
  std::optional<Device> device, kernel_device;
  int n_aux = 0;  // auxiliary outputs, kept for the gradient rule
  Shape aux_shape[kMaxAux];
  DType aux_dtype[kMaxAux] = {};
};
using InferFn = void (*)(const char* name, const Tensor* const* inputs, int n, const OpAttrs& attrs,
                         Inferred& result);

// What a gradient rule sees: the op's inputs (after conversion) and output
// when the definition asked to save them, and the inputs' shapes always.
struct GradCtx {
  const std::vector<Tensor>& inputs;  // empty unless saves & kSaveInputs
  const Tensor& output;               // undefined unless saves & kSaveOutput
  const std::vector<Shape>& shapes;   // the inputs' shapes
  const std::vector<DType>& dtypes;   // the inputs' dtypes
  const OpAttrs& attrs;
  const std::vector<Tensor>& aux;     // the auxiliary outputs, always kept
};
using GradRule = Grads (*)(const GradCtx& ctx, const Grads& out_grads, const Needs& needs);

// View ops (reshape, transpose, getitem, split, ...) run no kernel on any
// device: their outputs share the input's memory with another layout. The
// view function checks the call (typed errors) and computes one layout per
// output from the input's shape, strides and offset. It returns false when
// no view of the input's layout exists (a reshape of a transposed tensor):
// the execution path then makes the input dense (a recorded copy) and asks again.
struct ViewOut {
  Shape shape;
  Strides strides;
  int64_t offset = 0;  // in elements, from the start of the storage
};
using ViewFn = bool (*)(const char* name, const Tensor& in, const OpAttrs& attrs, std::vector<ViewOut>& outs);
enum : uint8_t { kSaveNothing = 0, kSaveInputs = 1, kSaveOutput = 2 };

struct OpDef {
  const char* name = nullptr;
  int arity = 0;               // inputs (dense may be called without its last, the optional bias)
  InferFn infer = nullptr;
  ViewFn view = nullptr;       // set for view ops (then infer and kernels are unused)
  GradRule grad = nullptr;     // null: not differentiable (never recorded)
  uint8_t saves = kSaveNothing;
  uint32_t dtypes = 0;         // compute dtypes the op accepts (bit i: DType i)
  KernelFn kernels[kNumDeviceTypes][kNumDTypes] = {};
};

constexpr uint32_t dtype_bit(DType d) { return uint32_t(1) << int(d); }
constexpr uint32_t kFloatDTypes = dtype_bit(DType::Float32) | dtype_bit(DType::Float64);
constexpr uint32_t kIntDTypes = dtype_bit(DType::UInt8) | dtype_bit(DType::Int32) | dtype_bit(DType::Int64);
constexpr uint32_t kNumericDTypes = kFloatDTypes | kIntDTypes;
constexpr uint32_t kBoolDType = dtype_bit(DType::Bool);

// The table, indexed by OpId. def() is for reading on the hot path.
OpDef* table();
inline const OpDef& def(OpId id) { return table()[int(id)]; }
const char* name(OpId id);

// Called by the op definitions (once, at module init) and by the backends.
// arity -1: any number of inputs (at least one).
void define(OpId id, int arity, InferFn infer, GradRule grad, uint8_t saves, uint32_t dtypes);
// A view op: one input of any dtype, any device.
void define_view(OpId id, ViewFn view, GradRule grad);
void register_kernel(OpId id, DeviceType device, DType dtype, KernelFn fn);
// One kernel for every dtype the op's definition accepts.
void register_accepted(OpId id, DeviceType device, KernelFn fn);
// copy_into's kernel for a device type other than the CPU (null: none).
void register_strided_copy(DeviceType device, StridedCopyFn fn);
StridedCopyFn strided_copy_for(DeviceType device);
// A device type's wait for its queued work (null: nothing to wait for).
void register_synchronize(DeviceType device, SynchronizeFn fn);
SynchronizeFn synchronize_for(DeviceType device);
// Empties a device type's column (the stand-in test GPU replaces a CUDA
// build's column, registered on a machine without a GPU, with its own).
void clear_kernels(DeviceType device);

// The kernel for (op, device, dtype); NotImplementedError naming all three
// when the slot is empty.
KernelFn kernel_for(OpId id, Device device, DType dtype);

// Fills the table: the definitions of every op family, then each backend's
// kernels. Idempotent; called from module init.
void init();

}  // namespace tg::op

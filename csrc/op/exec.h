// The one execution path of every op in the table:
//   same-device check -> inference (typed errors) -> dtype conversion (a
//   recorded cast) -> outputs allocated on the device -> the kernel for
//   (device, dtype) -> the tape record of the op's gradient rule.
#pragma once
#include <initializer_list>
#include <vector>

#include "op/registry.h"

namespace tg {

// Converts t to dtype without recording anything (kernel-level cast).
Tensor convert(const Tensor& t, DType dtype);

namespace op {

Tensor exec(OpId id, const Tensor& a);
Tensor exec(OpId id, const Tensor& a, const OpAttrs& attrs);
Tensor exec(OpId id, const Tensor& a, const Tensor& b);
Tensor exec(OpId id, const Tensor& a, const Tensor& b, const Tensor& c);
// An op with no inputs (creation, random): made on attrs.device.
Tensor exec_nullary(OpId id, const OpAttrs& attrs);
// Any number of inputs (up to kMaxInputs).
Tensor exec_n(OpId id, std::initializer_list<const Tensor*> inputs, const OpAttrs& attrs);
// Also hands back the op's auxiliary outputs (aux: kMaxAux slots), for an op
// whose caller reads them (batch_norm's batch statistics).
Tensor exec_with_aux(OpId id, std::initializer_list<const Tensor*> inputs, const OpAttrs& attrs, Tensor* aux);
// A list of inputs (the joins: any number when the op's arity is -1).
Tensor exec_n(OpId id, const std::vector<Tensor>& inputs, const OpAttrs& attrs);

// View ops: the same path without the kernel (op/registry.h, ViewFn).
Tensor view(OpId id, const Tensor& a, const OpAttrs& attrs);
std::vector<Tensor> views(OpId id, const Tensor& a, const OpAttrs& attrs);  // split, unstack

}  // namespace op
}  // namespace tg

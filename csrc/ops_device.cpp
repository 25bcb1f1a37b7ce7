// to_device: the one op that moves a tensor between devices. Its kernel is
// the non-CPU side's (a CUDA backend registers host<->device copies in its
// column); its gradient is the copy back. tensor.cpu(), tensor.to(device),
// numpy() of a device tensor and tf.identity under a tf.device scope all
// come here, so every host<->device transfer is this op.
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

// a.device: the target, a.from: the input's device.
void infer_to_device(const char*, const Tensor* const* in, int, const OpAttrs& a, Inferred& r) {
  r.shape = in[0]->shape();
  r.out = r.kernel = r.inputs[0] = in[0]->dtype();
  r.dense_inputs = true;  // a transfer is one contiguous block
  r.device = a.device;
  r.kernel_device = a.device.type != DeviceType::CPU ? a.device : a.from;
}

Grads grad_to_device(const GradCtx& c, const Grads& g, const Needs&) { return {to_device(g[0], c.attrs.from)}; }

}  // namespace

Tensor to_device(const Tensor& t, Device device) {
  if (t.device() == device) return t;
  allocator_for(device);  // ValueError naming the device when this build has no backend for it
  OpAttrs a;
  a.device = device;
  a.from = t.device();
  return exec(OpId::ToDevice, t, a);
}

}  // namespace tg::ops

namespace tg::op {

void define_device() {
  using namespace tg::ops;
  define(OpId::ToDevice, 1, infer_to_device, grad_to_device, kSaveNothing, kNumericDTypes | kBoolDType);
}

}  // namespace tg::op

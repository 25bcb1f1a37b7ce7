#include "op/exec.h"

#include <vector>

#include "autograd.h"
#include "ops.h"

namespace tg {

Tensor convert(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  // A Python float meeting a float64 tensor keeps all its digits.
  if (t.get()->weak && t.dtype() == DType::Float32 && dtype == DType::Float64)
    return ops::scalar(t.get()->weak_value, DType::Float64);
  Tensor out = Tensor::empty(t.shape(), dtype, t.device());
  copy_into(t, out);
  return out;
}

namespace op {

namespace {

constexpr int kStackDims = 8;

// Strides of one operand over the call's shape, kept on the stack for the
// usual ranks.
struct StrideBuf {
  int64_t stack[kStackDims];
  std::vector<int64_t> heap;
  int64_t* get(size_t n) {
    if (n <= kStackDims) return stack;
    heap.resize(n);
    return heap.data();
  }
};

void describe(const Tensor& t, const Shape& shape, ArrayArg& arg, StrideBuf& buf) {
  arg.data = t.raw();
  arg.dtype = t.dtype();
  if (t.numel() == 1) {
    arg.scalar = true;
    return;
  }
  if (t.shape() == shape && t.is_contiguous()) {
    arg.contiguous = true;
    return;
  }
  const size_t nd = shape.size(), td = t.shape().size();
  int64_t* s = buf.get(nd);
  for (size_t d = 0; d < nd; ++d) {
    const int64_t k = int64_t(d) - int64_t(nd - td);
    s[d] = (k < 0 || t.shape()[size_t(k)] == 1) ? 0 : t.strides()[size_t(k)];
  }
  arg.strides = s;
}

// An operand in its own shape and strides (the tensor outlives the call).
void describe_own(const Tensor& t, ArrayArg& arg) {
  arg.data = t.raw();
  arg.dtype = t.dtype();
  arg.shape = t.shape().data();
  arg.ndim = int(t.ndim());
  arg.strides = t.strides().data();
  arg.contiguous = t.is_contiguous();
}

void same_device(const OpDef& d, const Tensor* const* in, int n) {
  for (int i = 1; i < n; ++i)
    TG_CHECK(in[i]->device() == in[0]->device(), ValueError, d.name, ": tensors on different devices (",
             in[0]->device().name(), " and ", in[i]->device().name(), "); copy one explicitly");
}

void record(const OpDef& d, const Tensor* const* conv, int n, const Tensor& out, const OpAttrs& attrs,
            std::vector<Tensor> aux) {
  std::vector<Tensor> inputs;
  std::vector<Shape> shapes;
  std::vector<DType> dtypes;
  inputs.reserve(size_t(n));
  shapes.reserve(size_t(n));
  dtypes.reserve(size_t(n));
  for (int i = 0; i < n; ++i) {
    inputs.push_back(*conv[i]);
    shapes.push_back(conv[i]->shape());
    dtypes.push_back(conv[i]->dtype());
  }
  std::vector<Tensor> saved = (d.saves & kSaveInputs) ? inputs : std::vector<Tensor>{};
  Tensor saved_out = (d.saves & kSaveOutput) ? out : Tensor();
  autograd::record(d.name, inputs, {out},
                   [rule = d.grad, saved = std::move(saved), saved_out, shapes = std::move(shapes),
                    dtypes = std::move(dtypes), attrs, aux = std::move(aux)](const Grads& g, const Needs& need) {
                     const GradCtx ctx{saved, saved_out, shapes, dtypes, attrs, aux};
                     return rule(ctx, g, need);
                   });
}

Tensor run(OpId id, const Tensor* const* in, int n, const OpAttrs& attrs) {
  const OpDef& d = def(id);
  same_device(d, in, n);
  Inferred r;
  d.infer(d.name, in, n, attrs, r);
  // The inputs in their compute dtypes (and dense when the kernel wants
  // that); a handle is copied only for a cast or a copy, both recorded.
  Tensor cast_storage[kMaxInputs];
  const Tensor* cv[kMaxInputs];
  for (int i = 0; i < n; ++i) {
    cv[i] = in[i];
    if (in[i]->dtype() != r.inputs[i]) {
      cast_storage[i] = ops::cast(*in[i], r.inputs[i]);
      cv[i] = &cast_storage[i];
    }
    if ((r.dense_inputs || r.dense_input[i]) && !cv[i]->is_contiguous()) {
      cast_storage[i] = ops::identity(*cv[i]);
      cv[i] = &cast_storage[i];
    }
  }
  // A dtype the op does not accept is the caller's error; an accepted one
  // without a kernel on this device is ours (NotImplementedError).
  TG_CHECK(d.dtypes & dtype_bit(r.kernel), TypeError, d.name, ": not defined for ", r.kernel, " tensors");
  const Device device = in[0]->device();
  const KernelFn kernel = kernel_for(id, device, r.kernel);
  Tensor out = Tensor::empty(r.shape, r.out, device);
  Tensor aux[kMaxAux];
  for (int i = 0; i < r.n_aux; ++i) aux[i] = Tensor::empty(r.aux_shape[i], r.aux_dtype[i], device);
  const int64_t numel = out.numel();
  const Shape& call_shape = r.call_over_input ? cv[0]->shape() : r.shape;
  const int64_t call_numel = r.call_over_input ? cv[0]->numel() : numel;
  if (numel > 0) {
    KernelCall call;
    call.op = uint16_t(id);
    call.shape = call_shape.data();
    call.ndim = int(call_shape.size());
    call.numel = call_numel;
    call.n_in = n;
    call.attrs = &attrs;
    StrideBuf bufs[kMaxInputs];
    for (int i = 0; i < n; ++i) {
      if (r.own_shapes) {
        describe_own(*cv[i], call.in[i]);
      } else if (r.dense_inputs) {
        call.in[i].data = cv[i]->raw();
        call.in[i].dtype = cv[i]->dtype();
        call.in[i].contiguous = true;
      } else {
        describe(*cv[i], call_shape, call.in[i], bufs[i]);
      }
    }
    call.out.data = out.raw();
    call.out.dtype = r.out;
    call.out.contiguous = true;
    call.n_aux = r.n_aux;
    for (int i = 0; i < r.n_aux; ++i) {
      call.aux[i].data = aux[i].raw();
      call.aux[i].dtype = r.aux_dtype[i];
      call.aux[i].contiguous = true;
    }
    kernel(call);
  }
  if (d.grad && r.differentiable && autograd::any_tape_active()) {
    bool watched = false;
    for (int i = 0; i < n && !watched; ++i) watched = autograd::should_record({cv[i]});
    if (watched) record(d, cv, n, out, attrs, std::vector<Tensor>(aux, aux + r.n_aux));
  }
  return out;
}

const OpAttrs& no_attrs() {
  static const OpAttrs none;
  return none;
}

}  // namespace

Tensor exec(OpId id, const Tensor& a) { return exec(id, a, no_attrs()); }
Tensor exec(OpId id, const Tensor& a, const OpAttrs& attrs) {
  const Tensor* in[1] = {&a};
  return run(id, in, 1, attrs);
}
Tensor exec(OpId id, const Tensor& a, const Tensor& b) {
  const Tensor* in[2] = {&a, &b};
  return run(id, in, 2, no_attrs());
}
Tensor exec(OpId id, const Tensor& a, const Tensor& b, const Tensor& c) {
  const Tensor* in[3] = {&a, &b, &c};
  return run(id, in, 3, no_attrs());
}
Tensor exec_n(OpId id, std::initializer_list<const Tensor*> inputs, const OpAttrs& attrs) {
  TG_CHECK(inputs.size() >= 1 && inputs.size() <= size_t(kMaxInputs), RuntimeError, name(id), ": ", inputs.size(),
           " inputs (the execution path takes 1 to ", kMaxInputs, ")");
  return run(id, inputs.begin(), int(inputs.size()), attrs);
}

}  // namespace op
}  // namespace tg

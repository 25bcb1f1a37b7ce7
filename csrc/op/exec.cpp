#include "op/exec.h"

#include <memory>
#include <vector>

#include "autograd.h"
#include "ops.h"

namespace tg {

Tensor convert(const Tensor& t, DType dtype) {
  if (t.dtype() == dtype) return t;
  // A Python float meeting a float64 tensor keeps all its digits.
  if (t.get()->weak && t.dtype() == DType::Float32 && dtype == DType::Float64)
    return ops::scalar(t.get()->weak_value, DType::Float64, t.device());
  Tensor out = Tensor::empty(t.shape(), dtype, t.device());
  copy_into(t, out);
  return out;
}

namespace op {

namespace {

constexpr int kStackDims = 8;

// A few values on the stack, more on the heap: the usual op has at most
// kMaxInputs operands and rank kStackDims, the joins any number.
template <class T, int N>
struct SmallBuf {
  T stack[N];
  std::vector<T> heap;
  T* get(size_t n) {
    if (n <= size_t(N)) return stack;
    heap.resize(n);
    return heap.data();
  }
};

void describe(const Tensor& t, const Shape& shape, ArrayArg& arg, SmallBuf<int64_t, kStackDims>& buf) {
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

bool movable(const Tensor& t) { return t.get()->weak || t.get()->host_value; }

// Puts every operand on one device: cv[i] is in[i], or an operand made from a
// Python value (made on the CPU: movable()) moved into held[i] to join the
// tensors' device, or the default device when every operand is such a value
// (to_device itself goes where its attribute says). Tensors on two devices
// are the caller's to resolve.
void same_device(OpId id, const OpDef& d, const Tensor* const* in, int n, Tensor* held, const Tensor** cv) {
  const Tensor* anchor = nullptr;
  bool any_movable = false;
  for (int i = 0; i < n; ++i) {
    cv[i] = in[i];
    if (movable(*in[i])) {
      any_movable = true;
      continue;
    }
    if (anchor == nullptr) anchor = in[i];
    TG_CHECK(in[i]->device() == anchor->device(), ValueError, d.name, ": tensors on different devices (",
             anchor->device().name(), " and ", in[i]->device().name(), "); copy one explicitly");
  }
  if (!any_movable || (anchor == nullptr && id == OpId::ToDevice)) return;
  const Device target = anchor != nullptr ? anchor->device() : default_device();
  for (int i = 0; i < n; ++i) {
    if (in[i]->device() == target || !movable(*in[i])) continue;
    held[i] = ops::to_device(*in[i], target);
    held[i].get()->weak = in[i]->get()->weak;  // a moved Python scalar still takes the other operand's dtype
    held[i].get()->weak_value = in[i]->get()->weak_value;
    cv[i] = &held[i];
  }
}

const OpAttrs& no_attrs() {
  static const OpAttrs none;
  return none;
}

void record(const OpDef& d, const Tensor* const* conv, int n, std::vector<Tensor> outs, const OpAttrs& attrs,
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
  Tensor saved_out = (d.saves & kSaveOutput) ? outs[0] : Tensor();
  // Calls without attributes (most element-wise ops) share the static empty
  // set; only the others keep a copy alive with the record.
  std::shared_ptr<const OpAttrs> kept;
  if (&attrs != &no_attrs()) kept = std::make_shared<const OpAttrs>(attrs);
  autograd::record(d.name, inputs, outs,
                   [rule = d.grad, saved = std::move(saved), saved_out, shapes = std::move(shapes),
                    dtypes = std::move(dtypes), kept = std::move(kept), aux = std::move(aux)](const Grads& g,
                                                                                           const Needs& need) {
                     const GradCtx ctx{saved, saved_out, shapes, dtypes, kept ? *kept : no_attrs(), aux};
                     return rule(ctx, g, need);
                   });
}

bool watched(const Tensor* const* in, int n) {
  if (!autograd::any_tape_active()) return false;
  for (int i = 0; i < n; ++i)
    if (autograd::should_record({in[i]})) return true;
  return false;
}

Tensor run(OpId id, const Tensor* const* in, int n, const OpAttrs& attrs, Tensor* aux_out = nullptr) {
  const OpDef& d = def(id);
  // The operands as the kernel gets them: on one device, in their compute
  // dtypes, dense when the kernel wants that. held[i] keeps a moved, cast or
  // copied operand alive (each of those a recorded op); cv[i] points at it
  // or at the caller's tensor.
  SmallBuf<Tensor, kMaxInputs> held_buf;
  SmallBuf<const Tensor*, kMaxInputs> cv_buf;
  Tensor* held = held_buf.get(size_t(n));
  const Tensor** cv = cv_buf.get(size_t(n));
  same_device(id, d, in, n, held, cv);
  Inferred r;
  d.infer(d.name, cv, n, attrs, r);
  for (int i = 0; i < n; ++i) {
    const DType want = r.uniform_inputs ? r.all_inputs : r.inputs[i];
    if (cv[i]->dtype() != want) {
      held[i] = ops::cast(*cv[i], want);
      cv[i] = &held[i];
    }
    if ((r.dense_inputs || (i < kMaxInputs && r.dense_input[i])) && !cv[i]->is_contiguous()) {
      held[i] = ops::identity(*cv[i]);
      cv[i] = &held[i];
    }
  }
  // A dtype the op does not accept is the caller's error; an accepted one
  // without a kernel on this device is ours (NotImplementedError).
  TG_CHECK(d.dtypes & dtype_bit(r.kernel), TypeError, d.name, ": not defined for ", r.kernel, " tensors");
  // The output goes to the inputs' device, the attrs' for an op with no input,
  // or where inference says (to_device).
  const Device device = r.device.value_or(n > 0 ? cv[0]->device() : attrs.device);
  const KernelFn kernel = kernel_for(id, r.kernel_device.value_or(device), r.kernel);
  Tensor out = Tensor::empty(r.shape, r.out, device);
  Tensor aux[kMaxAux];
  for (int i = 0; i < r.n_aux; ++i) aux[i] = Tensor::empty(r.aux_shape[i], r.aux_dtype[i], device);
  const int64_t numel = out.numel();
  const Shape& call_shape = r.call_over_input ? cv[0]->shape() : r.shape;
  const int64_t call_numel = r.call_over_input ? cv[0]->numel() : numel;
  if (numel > 0) {
    KernelCall call;
    call.op = uint16_t(id);
    call.device = r.kernel_device.value_or(device).index;
    call.shape = call_shape.data();
    call.ndim = int(call_shape.size());
    call.numel = call_numel;
    call.n_in = n;
    call.attrs = &attrs;
    SmallBuf<ArrayArg, kMaxInputs> args_buf;
    SmallBuf<SmallBuf<int64_t, kStackDims>, kMaxInputs> strides_buf;
    ArrayArg* args = args_buf.get(size_t(n));
    SmallBuf<int64_t, kStackDims>* bufs = r.dense_inputs || r.own_shapes ? nullptr : strides_buf.get(size_t(n));
    for (int i = 0; i < n; ++i) {
      args[i] = ArrayArg{};
      if (r.own_shapes) {
        describe_own(*cv[i], args[i]);
      } else if (r.dense_inputs) {
        args[i].data = cv[i]->raw();
        args[i].dtype = cv[i]->dtype();
        args[i].contiguous = true;
      } else {
        describe(*cv[i], call_shape, args[i], bufs[i]);
      }
    }
    call.in = args;
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
  if (d.grad && r.differentiable && watched(cv, n))
    record(d, cv, n, {out}, attrs, std::vector<Tensor>(aux, aux + r.n_aux));
  if (aux_out != nullptr)
    for (int i = 0; i < r.n_aux; ++i) aux_out[i] = aux[i];
  return out;
}

std::vector<Tensor> run_view(OpId id, const Tensor& in, const OpAttrs& attrs) {
  const OpDef& d = def(id);
  std::vector<ViewOut> layouts;
  const Tensor* src = &in;
  Tensor dense, placed;
  if (in.get()->host_value && !(in.device() == default_device())) {  // Python data: viewed where new tensors go
    placed = ops::to_device(in, default_device());
    src = &placed;
  }
  if (!d.view(d.name, *src, attrs, layouts)) {
    dense = ops::identity(*src);
    src = &dense;
    layouts.clear();
    const bool ok = d.view(d.name, dense, attrs, layouts);
    TG_CHECK(ok, RuntimeError, d.name, ": no view of a dense input of shape ", dense.shape());
  }
  std::vector<Tensor> outs;
  outs.reserve(layouts.size());
  for (ViewOut& v : layouts) outs.push_back(Tensor::view_of(*src, std::move(v.shape), std::move(v.strides), v.offset));
  if (d.grad && !outs.empty() && watched(&src, 1)) record(d, &src, 1, outs, attrs, {});
  return outs;
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
Tensor exec_nullary(OpId id, const OpAttrs& attrs) { return run(id, nullptr, 0, attrs); }
Tensor exec_n(OpId id, std::initializer_list<const Tensor*> inputs, const OpAttrs& attrs) {
  return exec_with_aux(id, inputs, attrs, nullptr);
}
Tensor exec_with_aux(OpId id, std::initializer_list<const Tensor*> inputs, const OpAttrs& attrs, Tensor* aux) {
  TG_CHECK(inputs.size() >= 1 && inputs.size() <= size_t(kMaxInputs), RuntimeError, name(id), ": ", inputs.size(),
           " inputs (the execution path takes 1 to ", kMaxInputs, ")");
  return run(id, inputs.begin(), int(inputs.size()), attrs, aux);
}
Tensor exec_n(OpId id, const std::vector<Tensor>& inputs, const OpAttrs& attrs) {
  TG_CHECK(!inputs.empty(), ValueError, name(id), ": expected a non-empty list of tensors");
  TG_CHECK(def(id).arity < 0 || int(inputs.size()) <= kMaxInputs, RuntimeError, name(id), ": ", inputs.size(),
           " inputs (the execution path takes 1 to ", kMaxInputs, ")");
  SmallBuf<const Tensor*, kMaxInputs> buf;
  const Tensor** p = buf.get(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) p[i] = &inputs[i];
  return run(id, p, int(inputs.size()), attrs);
}
Tensor view(OpId id, const Tensor& a, const OpAttrs& attrs) { return run_view(id, a, attrs)[0]; }
std::vector<Tensor> views(OpId id, const Tensor& a, const OpAttrs& attrs) { return run_view(id, a, attrs); }

}  // namespace op
}  // namespace tg

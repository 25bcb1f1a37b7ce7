// The recurrence of Keras's SimpleRNN, LSTM and GRU over a whole sequence,
// as one op each way (TensorFlow's CudnnRNN / PyTorch's fused LSTM do the
// same): the layer computes the input projections of every timestep with one
// GEMM first (xp = x @ kernel + bias, table ops), then
//
//   rnn_sequence(xp [B, T, G*U], state0 [B, S, U], recurrent_kernel [U, G*U],
//                recurrent_bias [G*U], mask [B, T] (optional))
//     -> states [B, T + 1, S, U]
//
// runs per step one GEMM (h_prev @ recurrent_kernel) and one fused pass over
// the gates. G is the number of gates (1 SimpleRNN, 4 LSTM, 3 GRU) and S the
// state tensors (2 for LSTM's h and c, else 1). states[:, 0] is state0 and
// states[:, s + 1] the state after step s, in processing order (with
// `reverse`, step s reads input time T - 1 - s, as Keras's go_backwards).
// Where mask[b, t] is false the state carries over unchanged (Keras's
// masking). Packing the initial and every later state into one output makes
// the whole sequence, the final h and the final c views of one tensor, so
// the gradient of each reaches the backward op through one dy.
//
// The auxiliary output keeps what the backward reads: the four LSTM gate
// activations (i, f, c, o), or GRU's z, r, hh and the recurrent h-part
// (h_prev @ R_h + b_h), [B, T, 4U] in step order (SimpleRNN needs nothing).
//
// rnn_sequence_grad(dstates, states, saved, recurrent_kernel, mask) -> dxp
// [B, T, G*U] in input order, with the gradients of the recurrent
// pre-activations (step order, what recurrent_kernel and recurrent_bias
// multiply) and d(state0) as auxiliary outputs. The rule finishes with one
// GEMM for d(recurrent_kernel) over all steps and a sum for the bias.
// Second derivatives through the recurrence are not supported (as with
// TensorFlow's cuDNN RNN): the rule raises when a tape records it.
#include "autograd.h"
#include "backend/rnn_cell.h"
#include "op/definition.h"
#include "ops.h"

namespace tg::ops {

namespace {

struct CellShape {
  int64_t gates;   // G
  int64_t states;  // S
  int64_t saved;   // columns of the auxiliary output per unit
};

CellShape cell_shape(RnnCell cell) { return {rnn::gates_of(cell), rnn::states_of(cell), rnn::saved_of(cell)}; }

const char* cell_name(RnnCell cell) {
  switch (cell) {
    case RnnCell::Lstm: return "LSTM";
    case RnnCell::Gru: return "GRU";
    case RnnCell::SimpleRelu: return "SimpleRNN(relu)";
    default: return "SimpleRNN(tanh)";
  }
}

void check_mask(const char* op, const Tensor& mask, int64_t b, int64_t t) {
  TG_CHECK(mask.dtype() == DType::Bool, TypeError, op, ": the mask must be bool, got ", mask.dtype());
  TG_CHECK(mask.shape() == (Shape{b, t}), ValueError, op, ": the mask must have shape (batch, timesteps) = (", b, ", ",
           t, "), got ", mask.shape());
}

void infer_rnn_sequence(const char* op, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  const Tensor &xp = *in[0], &state0 = *in[1], &kernel = *in[2];
  const CellShape cs = cell_shape(a.rnn.cell);
  TG_CHECK(n >= 4, ValueError, op, " takes xp, state0, recurrent_kernel, recurrent_bias and an optional mask");
  TG_CHECK(is_floating(xp.dtype()), TypeError, op, ": the inputs must be float32 or float64, got ", xp.dtype());
  TG_CHECK(state0.ndim() == 3 && state0.shape()[1] == cs.states, ValueError, op, ": ", cell_name(a.rnn.cell),
           " needs state0 of shape (batch, ", cs.states, ", units), got ", state0.shape());
  const int64_t b = state0.shape()[0], u = state0.shape()[2];
  TG_CHECK(u > 0, ValueError, op, ": the state needs at least one unit, got shape ", state0.shape());
  TG_CHECK(xp.ndim() == 3 && xp.shape()[0] == b && xp.shape()[2] == cs.gates * u, ValueError, op,
           ": the input projections must have shape (batch, timesteps, ", cs.gates, " * units) = (", b, ", T, ",
           cs.gates * u, "), got ", xp.shape());
  TG_CHECK(kernel.shape() == (Shape{u, cs.gates * u}), ValueError, op, ": the recurrent kernel must have shape (", u,
           ", ", cs.gates * u, "), got ", kernel.shape());
  TG_CHECK(in[3]->shape() == Shape{cs.gates * u}, ValueError, op, ": the recurrent bias must have shape (",
           cs.gates * u, ",), got ", in[3]->shape());
  const int64_t t = xp.shape()[1];
  if (n == 5) check_mask(op, *in[4], b, t);
  const DType dt = xp.dtype();
  for (int i = 0; i < 4; ++i) {
    TG_CHECK(in[i]->dtype() == dt, TypeError, op, ": every float operand must have the input projections' dtype ", dt,
             ", got ", in[i]->dtype(), " for operand ", i);
    r.inputs[i] = dt;
  }
  r.inputs[4] = DType::Bool;
  r.dense_inputs = true;
  r.shape = Shape{b, t + 1, cs.states, u};
  r.out = r.kernel = dt;
  r.n_aux = 1;
  r.aux_shape[0] = Shape{b, t, cs.saved * u};
  r.aux_dtype[0] = dt;
}

// rnn_sequence_grad(dstates, states, saved, recurrent_kernel, mask?)
void infer_rnn_sequence_grad(const char* op, const Tensor* const* in, int n, const OpAttrs& a, Inferred& r) {
  const Tensor &dstates = *in[0], &states = *in[1], &saved = *in[2], &kernel = *in[3];
  const CellShape cs = cell_shape(a.rnn.cell);
  TG_CHECK(n >= 4, ValueError, op, " takes dstates, states, saved, recurrent_kernel and an optional mask");
  TG_CHECK(is_floating(states.dtype()), TypeError, op, ": the inputs must be float32 or float64, got ", states.dtype());
  TG_CHECK(states.ndim() == 4 && states.shape()[1] >= 1 && states.shape()[2] == cs.states, ValueError, op,
           ": the states must have shape (batch, timesteps + 1, ", cs.states, ", units), got ", states.shape());
  const int64_t b = states.shape()[0], t = states.shape()[1] - 1, u = states.shape()[3];
  TG_CHECK(dstates.shape() == states.shape(), ValueError, op, ": the states' gradient must have their shape ",
           states.shape(), ", got ", dstates.shape());
  TG_CHECK(saved.shape() == (Shape{b, t, cs.saved * u}), ValueError, op, ": the saved gates must have shape (", b,
           ", ", t, ", ", cs.saved * u, "), got ", saved.shape());
  TG_CHECK(kernel.shape() == (Shape{u, cs.gates * u}), ValueError, op, ": the recurrent kernel must have shape (", u,
           ", ", cs.gates * u, "), got ", kernel.shape());
  if (n == 5) check_mask(op, *in[4], b, t);
  const DType dt = states.dtype();
  for (int i = 0; i < 4; ++i) {
    TG_CHECK(in[i]->dtype() == dt, TypeError, op, ": every float operand must have the states' dtype ", dt, ", got ",
             in[i]->dtype(), " for operand ", i);
    r.inputs[i] = dt;
  }
  r.inputs[4] = DType::Bool;
  r.dense_inputs = true;
  r.shape = Shape{b, t, cs.gates * u};
  r.out = r.kernel = dt;
  r.n_aux = 2;
  r.aux_shape[0] = Shape{b, t, cs.gates * u};
  r.aux_shape[1] = Shape{b, cs.states, u};
  r.aux_dtype[0] = r.aux_dtype[1] = dt;
}

OpAttrs rnn_attrs(RnnCell cell, bool reverse) {
  OpAttrs a;
  a.rnn.cell = cell;
  a.rnn.reverse = reverse;
  return a;
}

Grads grad_rnn_sequence(const GradCtx& c, const Grads& g, const Needs& need) {
  const Tensor& states = c.output;
  const Tensor& kernel = c.inputs[2];
  TG_CHECK(!autograd::should_record({&states, &kernel, &g[0]}), NotImplementedError,
           "rnn_sequence: a tape records the gradient of a fused recurrent layer, which would need its second "
           "derivative; that is not supported (nor by TensorFlow's cuDNN RNN kernels). Compute higher derivatives "
           "with the layer's unfused cell, e.g. keras.layers.RNN(keras.layers.LSTMCell(units)).");
  const bool masked = c.inputs.size() == 5;
  Tensor aux[kMaxAux];
  const Tensor dxp =
      masked ? exec_with_aux(OpId::RnnSequenceGrad, {&g[0], &states, &c.aux[0], &kernel, &c.inputs[4]}, c.attrs, aux)
             : exec_with_aux(OpId::RnnSequenceGrad, {&g[0], &states, &c.aux[0], &kernel}, c.attrs, aux);
  const Tensor& drec = aux[0];  // [B, T, G*U], step order
  const int64_t b = states.shape()[0], t = states.shape()[1] - 1, u = states.shape()[3];
  const int64_t gu = kernel.shape()[1];
  Grads r(c.inputs.size());
  if (need[0]) r[0] = dxp;
  if (need[1]) r[1] = aux[1];
  if (need[2] || need[3]) {
    const Tensor flat_drec = reshape(drec, Shape{b * t, gu});
    if (need[2]) {
      // h before each step: states[:, 0:T, 0, :] (h is the first state), as one (B*T, U) matrix
      const Tensor h_prev = reshape(slice(states, {0, 0, 0, 0}, {b, t, 1, u}), Shape{b * t, u});
      r[2] = matmul(h_prev, flat_drec, /*transpose_a=*/true);
    }
    if (need[3]) r[3] = sum(flat_drec, std::vector<int64_t>{0});
  }
  return r;
}

}  // namespace

Tensor rnn_sequence_grad(RnnCell cell, const Tensor& dstates, const Tensor& states, const Tensor& saved,
                         const Tensor& recurrent_kernel, const Tensor* mask, bool reverse, Tensor* drec,
                         Tensor* dstate0) {
  const OpAttrs a = rnn_attrs(cell, reverse);
  Tensor aux[kMaxAux];
  const Tensor dxp =
      mask != nullptr
          ? exec_with_aux(OpId::RnnSequenceGrad, {&dstates, &states, &saved, &recurrent_kernel, mask}, a, aux)
          : exec_with_aux(OpId::RnnSequenceGrad, {&dstates, &states, &saved, &recurrent_kernel}, a, aux);
  if (drec != nullptr) *drec = aux[0];
  if (dstate0 != nullptr) *dstate0 = aux[1];
  return dxp;
}

Tensor rnn_sequence(RnnCell cell, const Tensor& xp, const Tensor& state0, const Tensor& recurrent_kernel,
                          const Tensor& recurrent_bias, const Tensor* mask, bool reverse, Tensor* saved) {
  const OpAttrs a = rnn_attrs(cell, reverse);
  Tensor aux[kMaxAux];
  const Tensor states =
      mask != nullptr
          ? exec_with_aux(OpId::RnnSequence, {&xp, &state0, &recurrent_kernel, &recurrent_bias, mask}, a, aux)
          : exec_with_aux(OpId::RnnSequence, {&xp, &state0, &recurrent_kernel, &recurrent_bias}, a, aux);
  if (saved != nullptr) *saved = aux[0];
  return states;
}

}  // namespace tg::ops

namespace tg::op {

void define_rnn() {
  using namespace tg::ops;
  // Arity 5: the mask is optional (called with four inputs without one).
  define(OpId::RnnSequence, 5, infer_rnn_sequence, grad_rnn_sequence, kSaveInputs | kSaveOutput, kFloatDTypes);
  // Never taped: the forward's rule runs it only when nothing records.
  define(OpId::RnnSequenceGrad, 5, infer_rnn_sequence_grad, nullptr, kSaveNothing, kFloatDTypes);
}

}  // namespace tg::op

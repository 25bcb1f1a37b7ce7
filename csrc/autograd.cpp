#include "autograd.h"

#include <algorithm>

#include "ops.h"
#include "variable.h"

namespace tg::autograd {

std::vector<std::shared_ptr<Tape>>& tape_stack() {
  thread_local std::vector<std::shared_ptr<Tape>> stack;
  return stack;
}

void push_tape(const std::shared_ptr<Tape>& t) {
  TG_CHECK(!t->released(), RuntimeError,
           "this GradientTape has already computed its gradient and released its resources; "
           "create a new tape (or use persistent=True)");
  auto& s = tape_stack();
  TG_CHECK(std::find(s.begin(), s.end(), t) == s.end(), RuntimeError, "this GradientTape is already recording");
  s.push_back(t);
}

void pop_tape(const std::shared_ptr<Tape>& t) {
  auto& s = tape_stack();
  auto it = std::find(s.begin(), s.end(), t);
  TG_CHECK(it != s.end(), RuntimeError, "this GradientTape is not recording on this thread");
  s.erase(it);
}

void Tape::watch(const Tensor& t) {
  TG_CHECK(t.defined(), ValueError, "GradientTape.watch: got None");
  watched_.insert(t.id());
}

void Tape::watch(const std::shared_ptr<Variable>& v) {
  watched_.insert(v->value().id());
  auto& reads = variable_reads_[v->id()];
  if (reads.empty()) variables_.push_back(v);
  if (std::find(reads.begin(), reads.end(), v->value().id()) == reads.end()) reads.push_back(v->value().id());
}

std::vector<std::shared_ptr<Variable>> Tape::watched_variables() const {
  std::vector<std::shared_ptr<Variable>> out;
  for (auto& w : variables_)
    if (auto v = w.lock()) out.push_back(v);
  return out;
}

void Tape::record(Node node) {
  for (int64_t id : node.outputs) watched_.insert(id);
  nodes_.push_back(std::move(node));
}

void Tape::release() {
  released_ = true;
  nodes_.clear();
  nodes_.shrink_to_fit();
  watched_.clear();
  variable_reads_.clear();
  variables_.clear();
}

namespace {

bool differentiable(DType d) { return is_floating(d); }

// Sum of two gradient contributions; undefined means zero.
Tensor accumulate(const Tensor& acc, const Tensor& g) {
  if (!acc.defined()) return g;
  if (!g.defined()) return acc;
  return ops::add(acc, g);
}

// Pauses one tape for the duration of its own gradient computation; outer
// tapes keep recording, which is what makes higher-order gradients work.
struct PauseTape {
  Tape* t;
  bool was;
  explicit PauseTape(Tape* tape) : t(tape), was(tape->recording()) { t->set_recording(false); }
  ~PauseTape() { t->set_recording(was); }
};

}  // namespace

std::vector<Tensor> Tape::gradient(const std::vector<Tensor>& targets, const std::vector<Source>& sources,
                                   const std::vector<Tensor>& output_grads, bool unconnected_zero) {
  TG_CHECK(!released_, RuntimeError,
           "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians); "
           "use GradientTape(persistent=True) to call gradient() more than once");
  std::vector<Tensor> result = gradient_impl(targets, sources, output_grads, unconnected_zero, !persistent_);
  if (!persistent_) release();
  return result;
}

std::vector<Tensor> Tape::jacobian(const Tensor& target, const std::vector<Source>& sources, bool unconnected_zero,
                                   bool batch) {
  TG_CHECK(!released_, RuntimeError,
           "A non-persistent GradientTape can only be used to compute one set of gradients (or jacobians); "
           "use GradientTape(persistent=True) to call jacobian() more than once");
  PauseTape pause(this);
  std::vector<Tensor> out;
  for (const Source& s : sources) out.push_back(jacobian_one(target, s, unconnected_zero, batch));
  if (!persistent_) release();
  return out;
}

Tensor Tape::jacobian_one(const Tensor& target, const Source& source, bool unconnected_zero, bool batch) {
  const Tensor& src_value = source.variable ? source.variable->value() : source.tensor;
  TG_CHECK(src_value.defined() && target.defined(), ValueError, "jacobian: target and source must not be None");
  Shape tshape = target.shape(), sshape = src_value.shape();
  int64_t rows = 1;  // independent batch rows (1 unless batch)
  Shape t_rest = tshape, s_rest = sshape;
  if (batch) {
    TG_CHECK(!tshape.empty() && !sshape.empty() && tshape[0] == sshape[0], ValueError,
             "batch_jacobian: target shape ", tshape, " and source shape ", sshape,
             " must share the first (batch) dimension");
    rows = tshape[0];
    t_rest.erase(t_rest.begin());
    s_rest.erase(s_rest.begin());
  }
  const int64_t per_row = shape_numel(t_rest);
  std::vector<Tensor> columns;
  bool connected = false;
  for (int64_t j = 0; j < per_row; ++j) {
    // Seed: 1 at element j of every batch row, 0 elsewhere.
    TG_CHECK(is_floating(target.dtype()), TypeError, "jacobian: expected a floating dtype (float32 or float64), got ",
             target.dtype());
    const Tensor column = ops::full({rows}, double(j), DType::Int64, target.device());
    const Tensor seed = ops::reshape(ops::one_hot(column, per_row, 1.0, 0.0, -1, target.dtype()), tshape);
    Tensor g = gradient_impl({target}, {source}, {seed}, false, false)[0];
    if (g.defined()) connected = true;
    else g = ops::zeros_like(src_value);
    columns.push_back(batch ? ops::reshape(g, Shape{rows, 1, shape_numel(s_rest)}) : ops::reshape(g, Shape{1, src_value.numel()}));
  }
  if (!connected && !unconnected_zero) return Tensor();
  Shape out_shape;
  if (batch) {
    out_shape.push_back(rows);
    out_shape.insert(out_shape.end(), t_rest.begin(), t_rest.end());
    out_shape.insert(out_shape.end(), s_rest.begin(), s_rest.end());
    if (columns.empty()) return ops::zeros(out_shape, src_value.dtype());
    return ops::reshape(ops::concat(columns, 1), out_shape);
  }
  out_shape = tshape;
  out_shape.insert(out_shape.end(), sshape.begin(), sshape.end());
  if (columns.empty()) return ops::zeros(out_shape, src_value.dtype());
  return ops::reshape(ops::concat(columns, 0), out_shape);
}

std::vector<Tensor> Tape::gradient_impl(const std::vector<Tensor>& targets, const std::vector<Source>& sources,
                                        const std::vector<Tensor>& output_grads, bool unconnected_zero,
                                        bool consume) {
  TG_CHECK(output_grads.empty() || output_grads.size() == targets.size(), ValueError,
           "output_gradients has ", output_grads.size(), " entries but there are ", targets.size(), " targets");
  PauseTape pause(this);

  // Ids each source stands for (a variable: every value read while watched).
  std::vector<std::vector<int64_t>> source_ids(sources.size());
  std::unordered_set<int64_t> reachable;
  for (size_t i = 0; i < sources.size(); ++i) {
    const Source& s = sources[i];
    if (s.variable) {
      auto it = variable_reads_.find(s.variable->id());
      // Only reads made while this tape watched the variable count: an
      // unwatched variable has no gradient, as in TensorFlow.
      if (it != variable_reads_.end()) source_ids[i] = it->second;
    } else {
      TG_CHECK(s.tensor.defined(), ValueError, "GradientTape.gradient: a source is None");
      source_ids[i].push_back(s.tensor.id());
    }
    // Gradients flow only from sources this tape watches (tape.watch, a
    // watched variable's reads, or a value a recorded op produced). An
    // unwatched tensor that merely feeds a recorded op gets None, as in
    // TensorFlow; if it is itself a target it still gets that target's seed
    // below (TF's sources_that_are_targets).
    for (int64_t id : source_ids[i])
      if (is_watched(id)) reachable.insert(id);
  }
  // Forward sweep: which recorded values depend on a source.
  std::vector<char> node_live(nodes_.size(), 0);
  for (size_t n = 0; n < nodes_.size(); ++n) {
    const Node& node = nodes_[n];
    for (size_t k = 0; k < node.inputs.size(); ++k)
      if (differentiable(node.input_dtypes[k]) && reachable.count(node.inputs[k])) { node_live[n] = 1; break; }
    if (node_live[n])
      for (int64_t id : node.outputs) reachable.insert(id);
  }

  std::unordered_map<int64_t, Tensor> grads;
  for (size_t i = 0; i < targets.size(); ++i) {
    const Tensor& t = targets[i];
    TG_CHECK(t.defined(), ValueError, "GradientTape.gradient: target is None");
    if (!differentiable(t.dtype())) continue;
    Tensor seed;
    if (!output_grads.empty() && output_grads[i].defined()) {
      seed = output_grads[i];
      TG_CHECK(seed.shape() == t.shape(), ValueError, "output_gradients[", i, "] has shape ", seed.shape(),
               " but the target has shape ", t.shape());
      if (seed.dtype() != t.dtype()) seed = ops::cast(seed, t.dtype());
    } else {
      seed = ops::ones_like(t);
    }
    grads[t.id()] = accumulate(grads[t.id()], seed);
  }

  std::unordered_set<int64_t> keep;  // gradients the caller asked for
  for (auto& ids : source_ids)
    for (int64_t id : ids) keep.insert(id);

  for (size_t n = nodes_.size(); n-- > 0;) {
    if (!node_live[n]) continue;
    Node& node = nodes_[n];
    Grads out_grads(node.outputs.size());
    bool any = false;
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      auto it = grads.find(node.outputs[k]);
      if (it != grads.end() && it->second.defined()) {
        out_grads[k] = it->second;
        any = true;
        if (!keep.count(node.outputs[k])) grads.erase(it);
      }
    }
    if (!any) continue;
    std::vector<bool> needs(node.inputs.size());
    for (size_t k = 0; k < node.inputs.size(); ++k)
      needs[k] = differentiable(node.input_dtypes[k]) && reachable.count(node.inputs[k]);
    Grads in_grads = node.grad(out_grads, needs);
    TG_CHECK(in_grads.size() == node.inputs.size(), RuntimeError, "gradient rule of ", node.op, " returned ",
             in_grads.size(), " gradients for ", node.inputs.size(), " inputs");
    for (size_t k = 0; k < node.inputs.size(); ++k) {
      if (!needs[k] || !in_grads[k].defined()) continue;
      Tensor& slot = grads[node.inputs[k]];
      slot = accumulate(slot, in_grads[k]);
    }
    if (consume) node.grad = nullptr;  // frees the saved tensors as soon as they are used
  }

  std::vector<Tensor> result(sources.size());
  for (size_t i = 0; i < sources.size(); ++i) {
    const Source& s = sources[i];
    DType dt = s.variable ? s.variable->dtype() : s.tensor.dtype();
    Tensor g;
    if (differentiable(dt)) {
      for (int64_t id : source_ids[i]) {
        auto it = grads.find(id);
        if (it != grads.end()) g = accumulate(g, it->second);
      }
    }
    if (!g.defined() && unconnected_zero) {
      g = s.variable ? ops::zeros_like(s.variable->value()) : ops::zeros_like(s.tensor);
    }
    result[i] = g;
  }
  return result;
}

bool should_record(std::initializer_list<const Tensor*> inputs) {
  auto& s = tape_stack();
  if (s.empty()) return false;
  for (auto& tape : s) {
    if (!tape->recording()) continue;
    for (const Tensor* t : inputs)
      if (t->defined() && tape->is_watched(t->id())) return true;
  }
  return false;
}

bool should_record(const std::vector<Tensor>& inputs) {
  auto& s = tape_stack();
  if (s.empty()) return false;
  for (auto& tape : s) {
    if (!tape->recording()) continue;
    for (const Tensor& t : inputs)
      if (t.defined() && tape->is_watched(t.id())) return true;
  }
  return false;
}

void record(const char* op, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs, GradFn grad) {
  Node proto;
  proto.op = op;
  for (auto& t : inputs) {
    proto.inputs.push_back(t.defined() ? t.id() : -1);
    proto.input_dtypes.push_back(t.defined() ? t.dtype() : DType::Bool);
  }
  for (auto& t : outputs) {
    proto.outputs.push_back(t.id());
    proto.output_shapes.push_back(t.shape());
    proto.output_dtypes.push_back(t.dtype());
  }
  proto.grad = std::move(grad);
  auto& s = tape_stack();
  // Find the tapes that watch an input; the last one takes the node by move.
  std::vector<Tape*> takers;
  for (auto& tape : s) {
    if (!tape->recording()) continue;
    for (auto& t : inputs)
      if (t.defined() && tape->is_watched(t.id())) { takers.push_back(tape.get()); break; }
  }
  for (size_t i = 0; i < takers.size(); ++i) {
    if (i + 1 == takers.size()) takers[i]->record(std::move(proto));
    else takers[i]->record(proto);
  }
}

void note_variable_read(const std::shared_ptr<Variable>& v, const Tensor& value) {
  for (auto& tape : tape_stack()) {
    if (!tape->recording()) continue;
    auto it = tape->variable_reads_.find(v->id());
    bool watched = it != tape->variable_reads_.end();
    if (!watched && !(tape->watch_accessed_variables() && v->trainable())) continue;
    tape->watch(v);
  }
}

NoRecordScope::NoRecordScope() {
  for (auto& t : tape_stack()) {
    saved_.emplace_back(t.get(), t->recording());
    t->set_recording(false);
  }
}

NoRecordScope::~NoRecordScope() {
  for (auto& [t, was] : saved_) t->set_recording(was);
}

}  // namespace tg::autograd

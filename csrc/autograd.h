// Reverse-mode autodiff with TensorFlow's GradientTape semantics.
//
// Each thread has a stack of active tapes. An op is recorded on a tape only
// when one of its inputs is watched by that tape; its outputs then become
// watched too. A record keeps the op's gradient rule (a closure over the
// tensors it saved), which is written with ordinary public ops: when a
// gradient is computed inside an outer tape's scope, the outer tape records
// those ops like any others, and second-order gradients need no special code.
#pragma once
#include <functional>
#include <initializer_list>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "tensor.h"

namespace tg {

class Variable;

namespace autograd {

// The rule of an op: given the gradients of its outputs (an undefined Tensor
// stands for zeros when an op has several outputs), return one gradient per
// input (undefined = no gradient). needs[i] says whether input i's gradient
// is wanted at all; a rule may skip work for the others.
using Grads = std::vector<Tensor>;
using GradFn = std::function<Grads(const Grads& out_grads, const std::vector<bool>& needs)>;

struct Node {
  const char* op;
  std::vector<int64_t> inputs;
  std::vector<DType> input_dtypes;
  std::vector<int64_t> outputs;
  std::vector<Shape> output_shapes;
  std::vector<DType> output_dtypes;
  GradFn grad;
};

class Tape : public std::enable_shared_from_this<Tape> {
 public:
  Tape(bool persistent, bool watch_accessed_variables)
      : persistent_(persistent), watch_accessed_variables_(watch_accessed_variables) {}

  void watch(const Tensor& t);
  void watch(const std::shared_ptr<Variable>& v);
  bool is_watched(int64_t id) const { return watched_.count(id) != 0; }
  bool persistent() const { return persistent_; }
  bool watch_accessed_variables() const { return watch_accessed_variables_; }
  bool recording() const { return recording_; }
  void set_recording(bool r) { recording_ = r; }
  bool released() const { return released_; }
  // Variables watched so far (TF's tape.watched_variables()).
  std::vector<std::shared_ptr<Variable>> watched_variables() const;

  void record(Node node);

  // The sources: tensors (by id) or variables (every read of them counts).
  struct Source {
    Tensor tensor;
    std::shared_ptr<Variable> variable;
  };
  // Gradient of sum(targets[i] * output_grads[i]) with respect to each source.
  // Undefined output_grads entries mean ones. Unconnected sources give an
  // undefined tensor, or zeros when unconnected_zero.
  std::vector<Tensor> gradient(const std::vector<Tensor>& targets, const std::vector<Source>& sources,
                               const std::vector<Tensor>& output_grads, bool unconnected_zero);

  // d target / d source, shaped target.shape + source.shape (TF's jacobian).
  // batch: target and source share a leading batch dimension whose rows are
  // independent; the result is [batch] + target.shape[1:] + source.shape[1:].
  std::vector<Tensor> jacobian(const Tensor& target, const std::vector<Source>& sources, bool unconnected_zero,
                               bool batch);

  size_t num_nodes() const { return nodes_.size(); }

 private:
  friend void note_variable_read(const std::shared_ptr<Variable>& v, const Tensor& value);
  std::vector<Tensor> gradient_impl(const std::vector<Tensor>& targets, const std::vector<Source>& sources,
                                    const std::vector<Tensor>& output_grads, bool unconnected_zero,
                                    bool consume);
  Tensor jacobian_one(const Tensor& target, const Source& source, bool unconnected_zero, bool batch);
  void release();

  bool persistent_;
  bool watch_accessed_variables_;
  bool recording_ = true;
  bool released_ = false;
  std::unordered_set<int64_t> watched_;
  // variable id -> ids of the tensors its reads produced on this tape
  std::unordered_map<int64_t, std::vector<int64_t>> variable_reads_;
  std::vector<std::weak_ptr<Variable>> variables_;
  std::vector<Node> nodes_;
};

// The thread's active tapes, innermost last.
std::vector<std::shared_ptr<Tape>>& tape_stack();
void push_tape(const std::shared_ptr<Tape>& t);
void pop_tape(const std::shared_ptr<Tape>& t);  // RuntimeError if it is not on this thread's stack

// Cheap test made by every op before it builds a record.
inline bool any_tape_active() { return !tape_stack().empty(); }
bool should_record(std::initializer_list<const Tensor*> inputs);
bool should_record(const std::vector<Tensor>& inputs);

// Records the op on every active, recording tape that watches one of its inputs.
void record(const char* op, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs, GradFn grad);

// Called when a Variable's value is read by an op while tapes are active.
void note_variable_read(const std::shared_ptr<Variable>& v, const Tensor& value);

// Pauses recording on every tape of this thread while alive (stop_gradient-like
// scopes, optimizer updates).
class NoRecordScope {
 public:
  NoRecordScope();
  ~NoRecordScope();
 private:
  std::vector<std::pair<Tape*, bool>> saved_;
};

}  // namespace autograd

// Helper used by op definitions:
//   if (autograd::should_record({&a, &b})) autograd::record("mul", {a, b}, {out}, [a, b](...) {...});
}  // namespace tg

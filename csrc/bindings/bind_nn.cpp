// Python functions of the neural-network kernels (exposed under tg.nn with
// TensorFlow's names and keywords).
#include "bindings/common.h"

namespace tg::py_bind {

namespace {
// TF: axis None means the last axis.
int64_t class_axis(py::handle axis) { return axis.is_none() ? -1 : axis.attr("__index__")().cast<int64_t>(); }

template <Tensor (*Op)(const Tensor&, int64_t)>
Tensor softmax_like(const Tensor& logits, py::handle axis, py::object) {
  const int64_t ax = class_axis(axis);
  MaybeReleaseGil gil(logits.numel());
  return Op(logits, ax);
}
RnnCell rnn_cell(const std::string& name) {
  if (name == "lstm") return RnnCell::Lstm;
  if (name == "gru") return RnnCell::Gru;
  if (name == "simple_tanh") return RnnCell::SimpleTanh;
  if (name == "simple_relu") return RnnCell::SimpleRelu;
  throw ValueError("rnn_sequence: cell must be 'lstm', 'gru', 'simple_tanh' or 'simple_relu', got '" + name + "'");
}
}  // namespace

void bind_nn(py::module_& m) {
  using namespace pybind11::literals;
  // The normalizations' forwards: (y, and the two statistics the op hands back).
  using NormForward = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, double, Tensor*, Tensor*);
  auto bind_norm = [&](const char* name, NormForward fn, const char* doc) {
    m.def(name, [fn](const Tensor& x, const Tensor& gamma, const Tensor& beta, double epsilon) {
      Tensor y, first, second;
      {
        MaybeReleaseGil gil(x.numel());
        y = fn(x, gamma, beta, epsilon, &first, &second);
      }
      return py::make_tuple(y, first, second);  // with the GIL held again
    }, "x"_a, "gamma"_a, "beta"_a, "epsilon"_a, doc);
  };
  bind_norm("batch_norm", &ops::batch_norm,
            "Batch normalization over the last axis in training mode (TF's FusedBatchNorm): (y, the batch's mean, "
            "its biased variance); no gradient flows through the two statistics");
  bind_norm("layer_norm", &ops::layer_norm,
            "Layer normalization over the last axis: (y, each row's mean, each row's 1 / sqrt(var + epsilon))");
  m.def("batch_norm_grad", [](const Tensor& x, const Tensor& gamma, const Tensor& mean, const Tensor& variance,
                              const Tensor& dy, double epsilon) {
    Tensor dx, dgamma, dbeta;
    {
      MaybeReleaseGil gil(x.numel());
      dx = ops::batch_norm_grad(x, gamma, mean, variance, dy, epsilon, &dgamma, &dbeta);
    }
    return py::make_tuple(dx, dgamma, dbeta);  // with the GIL held again
  }, "x"_a, "gamma"_a, "mean"_a, "variance"_a, "dy"_a, "epsilon"_a, "batch_norm's fused backward: (dx, dgamma, dbeta)");
  m.def("layer_norm_grad", [](const Tensor& x, const Tensor& gamma, const Tensor& mean, const Tensor& rstd,
                              const Tensor& dy) {
    Tensor dx, dgamma, dbeta;
    {
      MaybeReleaseGil gil(x.numel());
      dx = ops::layer_norm_grad(x, gamma, mean, rstd, dy, &dgamma, &dbeta);
    }
    return py::make_tuple(dx, dgamma, dbeta);  // with the GIL held again
  }, "x"_a, "gamma"_a, "mean"_a, "rstd"_a, "dy"_a, "layer_norm's fused backward: (dx, dgamma, dbeta)");
  m.def("rnn_sequence", [](const std::string& cell, const Tensor& xp, const Tensor& state0, const Tensor& kernel,
                           const Tensor& bias, std::optional<Tensor> mask, bool go_backwards) {
    Tensor states, saved;
    {
      MaybeReleaseGil gil(xp.numel());
      states = ops::rnn_sequence(rnn_cell(cell), xp, state0, kernel, bias, mask ? &*mask : nullptr, go_backwards, &saved);
    }
    return py::make_tuple(states, saved);  // with the GIL held again
  }, "cell"_a, "xp"_a, "state0"_a, "recurrent_kernel"_a, "recurrent_bias"_a, "mask"_a = py::none(),
     "go_backwards"_a = false,
     "A recurrent layer's recurrence over a sequence (cell 'lstm', 'gru', 'simple_tanh' or 'simple_relu'): "
     "(states [B, T + 1, S, U] with states[:, 0] = state0, the gates its backward reads)");
  m.def("rnn_sequence_grad", [](const std::string& cell, const Tensor& dstates, const Tensor& states,
                                const Tensor& saved, const Tensor& kernel, std::optional<Tensor> mask,
                                bool go_backwards) {
    Tensor dxp, drec, dstate0;
    {
      MaybeReleaseGil gil(states.numel());
      dxp = ops::rnn_sequence_grad(rnn_cell(cell), dstates, states, saved, kernel, mask ? &*mask : nullptr,
                                   go_backwards, &drec, &dstate0);
    }
    return py::make_tuple(dxp, drec, dstate0);  // with the GIL held again
  }, "cell"_a, "dstates"_a, "states"_a, "saved"_a, "recurrent_kernel"_a, "mask"_a = py::none(),
     "go_backwards"_a = false, "rnn_sequence's backward through time: (dxp, drec in step order, dstate0)");
  m.def("softmax", &softmax_like<&ops::softmax>, "logits"_a, "axis"_a = py::none(), "name"_a = py::none());
  m.def("log_softmax", &softmax_like<&ops::log_softmax>, "logits"_a, "axis"_a = py::none(), "name"_a = py::none());
  m.def("masked_softmax", [](const Tensor& logits, const Tensor& mask, py::handle axis, const std::string& all_masked,
                             py::object) {
    TG_CHECK(all_masked == "zeros" || all_masked == "uniform", ValueError,
             "masked_softmax: all_masked must be 'zeros' or 'uniform', got '", all_masked, "'");
    const int64_t ax = class_axis(axis);
    MaybeReleaseGil gil(logits.numel());
    return ops::masked_softmax(logits, mask, ax, all_masked == "uniform");
  }, "logits"_a, "mask"_a, "axis"_a = -1, "all_masked"_a = "zeros", "name"_a = py::none(),
     "Softmax over `axis` giving no weight where `mask` is false (Keras's Softmax layer); a row with no true "
     "entry gives zeros, or equal weights with all_masked='uniform' (Keras's dot_product_attention)");
  m.def("sparse_softmax_cross_entropy_with_logits", [](const Tensor& labels, const Tensor& logits, py::object) {
    MaybeReleaseGil gil(logits.numel());
    return ops::sparse_softmax_cross_entropy_with_logits(labels, logits);
  }, "labels"_a, "logits"_a, "name"_a = py::none());
  m.def("softmax_cross_entropy_with_logits", [](const Tensor& labels, const Tensor& logits, py::handle axis, py::object) {
    const int64_t ax = class_axis(axis);
    MaybeReleaseGil gil(logits.numel());
    return ops::softmax_cross_entropy_with_logits(labels, logits, ax);
  }, "labels"_a, "logits"_a, "axis"_a = -1, "name"_a = py::none());
  m.def("sigmoid_cross_entropy_with_logits", [](const Tensor& labels, const Tensor& logits, py::object) {
    MaybeReleaseGil gil(logits.numel());
    return ops::sigmoid_cross_entropy_with_logits(labels, logits);
  }, "labels"_a, "logits"_a, "name"_a = py::none());
}

}  // namespace tg::py_bind

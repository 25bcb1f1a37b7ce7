// Fused optimizer updates: one pass over memory per variable that reads the
// gradient and writes the variable and its slot variables (momentum, second
// moments, ...) in place. The arithmetic follows Keras 3's update_step of each
// optimizer exactly, so trajectories match Keras's step for step.
//
// Each function takes parallel lists (one entry per variable) so that a whole
// optimizer step is one call from Python. A slot list may be empty when the
// option that needs it is off (no momentum, not centered, no amsgrad).
// `weight_decay` > 0 applies Keras's decoupled decay first:
//   w -= w * weight_decay * lr.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "variable.h"

namespace tg::optim {

using VarList = std::vector<std::shared_ptr<Variable>>;
using TensorList = std::vector<Tensor>;

// momentum == 0: w -= lr*g. Otherwise m = momentum*m - lr*g, then
// w += m (or, nesterov, w += momentum*m - lr*g).
void sgd_update(const VarList& vars, const TensorList& grads, const VarList& momentums, double lr,
                double momentum, bool nesterov, double weight_decay);

// v = rho*v + (1-rho)*g^2; centered: a = rho*a + (1-rho)*g, denom = v - a^2 + eps,
// else denom = v + eps; inc = lr*g/sqrt(denom); momentum: m = momentum*m + inc,
// w -= m; else w -= inc.
void rmsprop_update(const VarList& vars, const TensorList& grads, const VarList& velocities,
                    const VarList& average_grads, const VarList& momentums, double lr, double rho,
                    double momentum, double epsilon, bool centered, double weight_decay);

// step is the 1-based count of this update (Keras: iterations + 1).
// m += (g-m)(1-b1); v += (g^2-v)(1-b2); amsgrad: vh = max(vh, v), v := vh;
// w -= m * lr*sqrt(1-b2^t)/(1-b1^t) / (sqrt(v) + eps).
// AdamW is this with weight_decay > 0.
void adam_update(const VarList& vars, const TensorList& grads, const VarList& ms, const VarList& vs,
                 const VarList& v_hats, double lr, double beta_1, double beta_2, double epsilon, int64_t step,
                 double weight_decay);

// acc += g^2; w -= lr*g/sqrt(acc + eps).
void adagrad_update(const VarList& vars, const TensorList& grads, const VarList& accumulators, double lr,
                    double epsilon, double weight_decay);

// ag = rho*ag + (1-rho)*g^2; d = -sqrt(ad+eps)/sqrt(ag+eps)*g;
// ad = rho*ad + (1-rho)*d^2; w += lr*d.
void adadelta_update(const VarList& vars, const TensorList& grads, const VarList& accumulated_grads,
                     const VarList& accumulated_deltas, double lr, double rho, double epsilon,
                     double weight_decay);

// Elements per chunk when an update is split over the thread pool (<= 0: the
// default). For benchmarks.
void set_parallel_elems(int64_t n);
int64_t parallel_elems();

}  // namespace tg::optim

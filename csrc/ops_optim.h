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

// Nadam (Keras 3): u_t = beta_1 * (1 - 0.5 * 0.96^t); u_product is the product
// of u_1..u_t (this step's included; the caller keeps it). m and v as Adam;
// m_hat = u_{t+1} m / (1 - u_product u_{t+1}) + (1 - u_t) g / (1 - u_product);
// v_hat = v / (1 - beta_2^t); w -= lr * m_hat / (sqrt(v_hat) + eps).
void nadam_update(const VarList& vars, const TensorList& grads, const VarList& ms, const VarList& vs, double lr,
                  double beta_1, double beta_2, double epsilon, int64_t step, double u_product,
                  double weight_decay);

// Adamax: m += (g-m)(1-b1); u = max(b2*u, |g|); w -= lr*m / ((1-b1^t)(u+eps)).
void adamax_update(const VarList& vars, const TensorList& grads, const VarList& ms, const VarList& us, double lr,
                   double beta_1, double beta_2, double epsilon, int64_t step, double weight_decay);

// Lion: w -= lr*sign(b1*m + (1-b1)*g); m = b2*m + (1-b2)*g.
void lion_update(const VarList& vars, const TensorList& grads, const VarList& ms, double lr, double beta_1,
                 double beta_2, double weight_decay);

// Ftrl (Keras 3, McMahan et al. 2013), with p = -learning_rate_power:
// g' = g + 2*l2_shrinkage*w; n' = n + g^2; z += g' - (n'^p - n^p)/lr * w;
// w = (clip(z, -l1, l1) - z) / (n'^p/lr + 2*(l2 + beta/(2 lr))); n = n'.
void ftrl_update(const VarList& vars, const TensorList& grads, const VarList& accumulators,
                 const VarList& linears, double lr, double learning_rate_power, double l1, double l2,
                 double l2_shrinkage, double beta, double weight_decay);

// The moving average of the model's weights (the optimizers' use_ema):
// average = momentum*average + (1-momentum)*value, for each (average, value).
void ema_update(const VarList& averages, const TensorList& values, double momentum);

// Elements per chunk when an update is split over the thread pool (<= 0: the
// default). For benchmarks.
void set_parallel_elems(int64_t n);
int64_t parallel_elems();

}  // namespace tg::optim

"""Adamax: Adam with the infinity norm in place of the second moment."""

from tensorgear._C import optim

from .nadam import _check_beta
from .optimizer import Optimizer


class Adamax(Optimizer):
    """m += (g-m)(1-b1); u = max(b2*u, |g|); w -= lr*m / ((1-b1^t)(u+eps)).

    The base optimizer's arguments (weight_decay, clipnorm, ...) are taken by keyword."""

    _slot_names = ("momentum", "norm")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="adamax", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _check_beta("beta_1", beta_1)
        self.beta_2 = _check_beta("beta_2", beta_2)
        self.epsilon = float(epsilon)

    def _update_fused(self, variables, grads, slots, lr, weight_decay, step):
        optim.adamax_update(variables, grads, slots["momentum"], slots["norm"], lr, self.beta_1, self.beta_2,
                            self.epsilon, step, weight_decay)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config

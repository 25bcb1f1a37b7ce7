"""Nadam: Adam with Nesterov momentum, on Dozat's momentum schedule (Keras 3's rule)."""

import tensorgear as tg
from tensorgear._C import optim

from .optimizer import Optimizer


def _check_beta(arg, value):
    if not 0.0 <= value < 1.0:
        raise ValueError(f"`{arg}` must be in [0, 1). Received: {arg}={value}")
    return float(value)


class Nadam(Optimizer):
    """u_t = b1*(1 - 0.5*0.96^t); m, v as Adam; w -= lr * m_hat / (sqrt(v_hat) + eps), where m_hat mixes
    the momentum and the gradient by the schedule's running product (see _C.optim.nadam_update).

    The base optimizer's arguments (weight_decay, clipnorm, clipvalue, global_clipnorm, ...) are taken
    by keyword."""

    _slot_names = ("momentum", "velocity")

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, name="nadam", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        self.beta_1 = _check_beta("beta_1", beta_1)
        self.beta_2 = _check_beta("beta_2", beta_2)
        self.epsilon = float(epsilon)
        self._u_product = None  # the schedule's product u_1..u_t, a variable as in Keras (saved with the state)

    def build(self, var_list):
        super().build(var_list)
        self._ensure_u_product(var_list)

    def _ensure_u_product(self, var_list):
        if self._u_product is None:
            dtype = var_list[0].dtype if var_list else "float32"
            self._u_product = tg.Variable(tg.constant(1.0, dtype=dtype), trainable=False, name="u_product")

    def _extra_variables(self):
        return [self._u_product] if self._u_product is not None else []

    def _apply_plan(self, plan, grads):
        self._ensure_u_product(plan.variables)
        t = self._iterations + 1
        product = float(self._u_product) * self.beta_1 * (1.0 - 0.5 * 0.96 ** t)
        self._u_product.assign(tg.constant(product, dtype=self._u_product.dtype))
        self._u_product_now = float(self._u_product)  # at the variable's precision, as Keras reads it
        super()._apply_plan(plan, grads)

    def _update_fused(self, variables, grads, slots, lr, weight_decay, step):
        optim.nadam_update(variables, grads, slots["momentum"], slots["velocity"], lr, self.beta_1, self.beta_2,
                           self.epsilon, step, self._u_product_now, weight_decay)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config

"""Adagrad: per-parameter learning rates scaled by the sum of past squared gradients."""

import tensorgear as tg
from tensorgear._C import optim

from .optimizer import Optimizer


class Adagrad(Optimizer):
    """acc += g^2; w -= lr * g / sqrt(acc + eps); acc starts at initial_accumulator_value."""

    _slot_names = ("accumulator",)

    def __init__(self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-07, weight_decay=None,
                 clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="adagrad", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if initial_accumulator_value < 0:
            raise ValueError(f"`initial_accumulator_value` must be >= 0. Received: {initial_accumulator_value}")
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def _slot_initial_value(self, slot_name, var):
        return tg.fill(tuple(var.shape), tg.constant(self.initial_accumulator_value, dtype=var.dtype))

    def _update_fused(self, variables, grads, slots, lr, weight_decay, step):
        optim.adagrad_update(variables, grads, slots["accumulator"], lr, self.epsilon, weight_decay)

    def get_config(self):
        config = super().get_config()
        config.update({"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon})
        return config

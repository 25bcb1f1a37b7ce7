"""Ftrl: Follow The Regularized Leader (McMahan et al., 2013), with Keras 3's online L2 and
shrinkage-type L2."""

import tensorgear as tg
from tensorgear._C import optim

from .optimizer import Optimizer


class Ftrl(Optimizer):
    """n' = n + g^2; z += g' - (n'^p - n^p)/lr * w; w = (clip(z, -l1, l1) - z) / (n'^p/lr + 2*l2'),
    with p = -learning_rate_power, g' = g + 2*l2_shrinkage*w and l2' = l2 + beta/(2 lr).

    The base optimizer's arguments (weight_decay, clipnorm, ...) are taken by keyword."""

    _slot_names = ("accumulator", "linear")

    def __init__(self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 l2_shrinkage_regularization_strength=0.0, beta=0.0, name="ftrl", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        for arg, value in (("initial_accumulator_value", initial_accumulator_value),
                           ("l1_regularization_strength", l1_regularization_strength),
                           ("l2_regularization_strength", l2_regularization_strength),
                           ("l2_shrinkage_regularization_strength", l2_shrinkage_regularization_strength)):
            if value < 0.0:
                raise ValueError(f"`{arg}` needs to be positive or zero. Received: {arg}={value}.")
        if learning_rate_power > 0.0:
            raise ValueError("`learning_rate_power` needs to be negative or zero. Received: "
                             f"learning_rate_power={learning_rate_power}.")
        self.learning_rate_power = float(learning_rate_power)
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.l1_regularization_strength = float(l1_regularization_strength)
        self.l2_regularization_strength = float(l2_regularization_strength)
        self.l2_shrinkage_regularization_strength = float(l2_shrinkage_regularization_strength)
        self.beta = float(beta)

    def _slot_initial_value(self, slot_name, var):
        if slot_name == "accumulator":
            return tg.fill(tuple(var.shape), tg.constant(self.initial_accumulator_value, dtype=var.dtype))
        return super()._slot_initial_value(slot_name, var)

    def _update_fused(self, variables, grads, slots, lr, weight_decay, step):
        optim.ftrl_update(variables, grads, slots["accumulator"], slots["linear"], lr, self.learning_rate_power,
                          self.l1_regularization_strength, self.l2_regularization_strength,
                          self.l2_shrinkage_regularization_strength, self.beta, weight_decay)

    def get_config(self):
        config = super().get_config()
        config.update({"learning_rate_power": self.learning_rate_power,
                       "initial_accumulator_value": self.initial_accumulator_value,
                       "l1_regularization_strength": self.l1_regularization_strength,
                       "l2_regularization_strength": self.l2_regularization_strength,
                       "l2_shrinkage_regularization_strength": self.l2_shrinkage_regularization_strength,
                       "beta": self.beta})
        return config

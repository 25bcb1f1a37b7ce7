"""Lion (Chen et al., 2023): the sign of an interpolated momentum, one slot per variable."""

from tensorgear._C import optim

from .optimizer import Optimizer


class Lion(Optimizer):
    """w -= lr * sign(b1*m + (1-b1)*g); m = b2*m + (1-b2)*g.

    The base optimizer's arguments (weight_decay, clipnorm, ...) are taken by keyword."""

    _slot_names = ("momentum",)

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, name="lion", **kwargs):
        super().__init__(learning_rate=learning_rate, name=name, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError("Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                             f"degenerates to SignSGD. Received: beta_1={beta_1}.")
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)

    def _update_fused(self, variables, grads, slots, lr, weight_decay, step):
        optim.lion_update(variables, grads, slots["momentum"], lr, self.beta_1, self.beta_2, weight_decay)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config

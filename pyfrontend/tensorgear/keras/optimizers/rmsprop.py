"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from tensorgear._C import optim

from .optimizer import Optimizer


class RMSprop(Optimizer):
    """v = rho*v + (1-rho)*g^2; w -= lr*g/sqrt(v + eps) (centered: subtract the mean gradient^2;
    momentum: accumulate the increments)."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07, centered=False,
                 weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None, use_ema=False,
                 ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name="rmsprop", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"`rho` must be in [0, 1]. Received: rho={rho}")
        if momentum < 0:
            raise ValueError(f"`momentum` must be >= 0. Received: momentum={momentum}")
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.centered = bool(centered)

    _keras_slot_groups = (("velocity",), ("momentum",), ("average_gradient",))

    def _active_slot_names(self):
        names = ("velocity",)
        if self.momentum > 0:
            names += ("momentum",)
        if self.centered:
            names += ("average_gradient",)
        return names

    def _update_fused(self, variables, grads, slots, lr, weight_decay, step):
        optim.rmsprop_update(variables, grads, slots["velocity"], slots.get("average_gradient", []),
                             slots.get("momentum", []), lr, self.rho, self.momentum, self.epsilon,
                             self.centered, weight_decay)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon,
                       "centered": self.centered})
        return config

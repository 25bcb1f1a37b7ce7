"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

from tensorgear._C import optim

from .optimizer import Optimizer


class Adadelta(Optimizer):
    """ag = rho*ag + (1-rho)*g^2; d = -sqrt(ad+eps)/sqrt(ag+eps)*g; ad = rho*ad + (1-rho)*d^2; w += lr*d."""

    _slot_names = ("accumulated_grad", "accumulated_delta_var")

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-07, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="adadelta", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        self.rho = float(rho)
        self.epsilon = float(epsilon)

    def _update_fused(self, variables, grads, slots, lr, weight_decay, step):
        optim.adadelta_update(variables, grads, slots["accumulated_grad"], slots["accumulated_delta_var"],
                              lr, self.rho, self.epsilon, weight_decay)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config

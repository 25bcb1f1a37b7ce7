"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

import tensorgear as tg

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
        self._fused.adadelta_update(variables, grads, slots["accumulated_grad"], slots["accumulated_delta_var"],
                                    lr, self.rho, self.epsilon, weight_decay)

    def _update_with_ops(self, variables, grads, slots, lr, weight_decay, step):
        rho, eps = self.rho, self.epsilon
        for i, (var, g) in enumerate(zip(variables, grads)):
            self._decay_with_ops(var, lr, weight_decay)
            g = tg.cast(g, var.dtype)
            ag, ad = slots["accumulated_grad"][i], slots["accumulated_delta_var"][i]
            ag.assign(rho * ag + (1 - rho) * tg.square(g))
            delta = -(tg.sqrt(ad + eps) * g) / tg.sqrt(ag + eps)
            ad.assign(rho * ad + (1 - rho) * tg.square(delta))
            var.assign_add(lr * delta)

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config

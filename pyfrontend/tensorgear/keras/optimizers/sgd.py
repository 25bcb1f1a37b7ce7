"""SGD: plain gradient descent, with optional (Nesterov) momentum."""

from tensorgear._C import optim

from .optimizer import Optimizer


class SGD(Optimizer):
    """w -= lr * g; with momentum m = momentum*m - lr*g and w += m (Nesterov: w += momentum*m - lr*g)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, weight_decay=None, clipnorm=None,
                 clipvalue=None, global_clipnorm=None, use_ema=False, ema_momentum=0.99,
                 ema_overwrite_frequency=None, loss_scale_factor=None, gradient_accumulation_steps=None,
                 name="SGD", **kwargs):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, clipnorm=clipnorm,
                         clipvalue=clipvalue, global_clipnorm=global_clipnorm, use_ema=use_ema,
                         ema_momentum=ema_momentum, ema_overwrite_frequency=ema_overwrite_frequency,
                         loss_scale_factor=loss_scale_factor,
                         gradient_accumulation_steps=gradient_accumulation_steps, name=name, **kwargs)
        if not isinstance(momentum, (int, float)) or momentum < 0 or momentum > 1:
            raise ValueError(f"`momentum` must be a float between [0, 1]. Received: momentum={momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _active_slot_names(self):
        return ("momentum",) if self.momentum != 0 else ()

    def _update_fused(self, variables, grads, slots, lr, weight_decay, step):
        optim.sgd_update(variables, grads, slots.get("momentum", []), lr, self.momentum, self.nesterov,
                         weight_decay)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config

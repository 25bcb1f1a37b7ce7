"""LearningRateScheduler and ReduceLROnPlateau: change the learning rate between epochs."""

import math
import operator
import warnings

from .callback import Callback
from .monitor import monitor_op


def _current_lr(model):
    opt = getattr(model, "optimizer", None)
    if opt is None or not hasattr(opt, "learning_rate"):
        raise ValueError('The model must have an optimizer with a "learning_rate" attribute')
    lr = opt.learning_rate
    return float(lr.numpy() if hasattr(lr, "numpy") else lr)


class LearningRateScheduler(Callback):
    """At each epoch start sets lr = schedule(epoch, lr) (or schedule(epoch))."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        lr = _current_lr(self.model)
        try:
            lr = self.schedule(epoch, lr)
        except TypeError:
            lr = self.schedule(epoch)
        lr = float(lr.numpy() if hasattr(lr, "numpy") else lr)
        if not math.isfinite(lr):
            raise ValueError(f'The output of the "schedule" function should be a finite float. Got: {lr}')
        self.model.optimizer.learning_rate = lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = _current_lr(self.model)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by `factor` after `patience` epochs without improvement."""

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0.0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received factor={factor}")
        self.monitor, self.factor, self.patience, self.verbose = monitor, float(factor), patience, verbose
        self.mode, self.min_delta, self.cooldown, self.min_lr = mode, min_delta, cooldown, min_lr
        self.wait = 0
        self.cooldown_counter = 0
        self.best = None
        self.monitor_op = None

    def on_train_begin(self, logs=None):
        self.monitor_op = None
        self.wait = 0
        self.cooldown_counter = 0

    def _resolve_monitor(self):
        op = monitor_op(self.mode, self.monitor, self.model, "ReduceLROnPlateau")
        if op is operator.lt:
            self.monitor_op = lambda a, b: a < b - self.min_delta
            self.best = math.inf
        else:
            self.monitor_op = lambda a, b: a > b + self.min_delta
            self.best = -math.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["learning_rate"] = _current_lr(self.model)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs.keys())}.", stacklevel=2)
            return
        if self.monitor_op is None:
            self._resolve_monitor()
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self.monitor_op(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old_lr = _current_lr(self.model)
                if old_lr > self.min_lr:
                    new_lr = max(old_lr * self.factor, self.min_lr)
                    self.model.optimizer.learning_rate = new_lr
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
                    self.cooldown_counter = self.cooldown
                    self.wait = 0

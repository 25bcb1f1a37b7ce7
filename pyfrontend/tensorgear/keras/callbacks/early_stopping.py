"""EarlyStopping: stop when a monitored value has stopped improving."""

import operator
import warnings

from .callback import Callback
from .monitor import monitor_op


class EarlyStopping(Callback):
    """Stops after `patience` epochs without an improvement of more than `min_delta` in
    `monitor`; with restore_best_weights, the weights of the best epoch are put back."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False, start_from_epoch=0):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.mode = mode
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.monitor_op = None
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0
        self.monitor_op = None  # resolved at the first epoch end, once the metrics exist

    def _is_improvement(self, value, reference):
        if reference is None:
            return True
        delta = -self.min_delta if self.monitor_op is operator.lt else self.min_delta
        return self.monitor_op(value - delta, reference)

    def on_epoch_end(self, epoch, logs=None):
        current = (logs or {}).get(self.monitor)
        if current is None:
            warnings.warn(
                f"Early stopping conditioned on metric `{self.monitor}` which is not available. Available "
                f"metrics are: {','.join((logs or {}).keys())}", stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.monitor_op is None:
            self.monitor_op = monitor_op(self.mode, self.monitor, self.model, "EarlyStopping")
        if self.restore_best_weights and self.best_weights is None:
            # the current weights are the best seen so far
            self.best_weights = self.model.get_weights()
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

"""ModelCheckpoint: save the model (or its weights) during training."""

import math
import operator
import warnings

from .callback import Callback
from .monitor import monitor_op


class ModelCheckpoint(Callback):
    """Saves at the end of every epoch (or every `save_freq` batches). `filepath` may hold
    format fields: ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. With save_best_only, a save
    happens only when `monitor` improves on the best value so far."""

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", save_freq="epoch", initial_value_threshold=None):
        super().__init__()
        self.filepath = str(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.mode = mode
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected 'epoch' or a positive integer")
        self.save_freq = save_freq
        self.initial_value_threshold = initial_value_threshold
        self.best = None
        self.monitor_op = None
        self._batches_seen = 0
        self._current_epoch = 0

    def _resolve_monitor(self):
        self.monitor_op = monitor_op(self.mode, self.monitor, self.model, "ModelCheckpoint")
        if self.best is None:
            if self.initial_value_threshold is not None:
                self.best = float(self.initial_value_threshold)
            else:
                self.best = math.inf if self.monitor_op is operator.lt else -math.inf

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def _implements_train_batch_hooks(self):
        return self.save_freq != "epoch"

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_seen += 1
        if self._batches_seen % self.save_freq == 0:
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _path(self, epoch, batch, logs):
        try:
            if batch is None:
                return self.filepath.format(epoch=epoch + 1, **(logs or {}))
            return self.filepath.format(epoch=epoch + 1, batch=batch + 1, **(logs or {}))
        except KeyError as exc:
            raise KeyError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: {exc}') from exc

    def _write(self, filepath):
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)

    def _save(self, epoch, batch, logs):
        logs = logs or {}
        filepath = self._path(epoch, batch, logs)
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            self._write(filepath)
            return
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available, skipping.", stacklevel=2)
            return
        if self.monitor_op is None:
            self._resolve_monitor()
        if self.monitor_op(current, self.best):
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {self.best:.5f} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
            self._write(filepath)
        elif self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {self.best:.5f}")

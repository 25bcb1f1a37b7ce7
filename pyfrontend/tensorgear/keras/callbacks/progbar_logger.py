"""ProgbarLogger: prints the Keras progress bar during fit / evaluate / predict."""

from ..utils.progbar import Progbar
from .callback import Callback


class ProgbarLogger(Callback):
    def __init__(self):
        super().__init__()
        self.verbose = 1
        self.epochs = 1
        self.target = None
        self.progbar = None
        self._called_in_fit = False
        self._seen = 0

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs", 1)
        self.target = params.get("steps")

    def _new_bar(self, target=None):
        self.progbar = Progbar(target=target if target is not None else self.target, verbose=self.verbose,
                               stateful_metrics="all", unit_name="step")
        self._seen = 0

    def wants_update(self, step):
        """Called every step by the loops: counts steps, says whether a redraw is due."""
        self._seen = step
        bar = self.progbar
        if bar is None:
            return False
        if step == 1 and bar._time_after_first_step is None:
            import time

            bar._time_after_first_step = time.time()
        return bar.wants_update(step)

    def on_train_begin(self, logs=None):
        self._called_in_fit = True

    def on_train_end(self, logs=None):
        self._called_in_fit = False

    def on_epoch_begin(self, epoch, logs=None):
        self._new_bar()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self.progbar is not None:
            self.progbar.update(batch + 1, logs, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.progbar is None:
            return
        steps = self._seen if self.target is None else self.target
        if self.target is None:
            self.progbar.target = steps
        self.progbar.update(steps, logs, finalize=True)

    def on_test_begin(self, logs=None):
        if not self._called_in_fit:
            self._new_bar(self.params.get("steps"))

    def on_test_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if not self._called_in_fit and self.progbar is not None:
            self.progbar.update(batch + 1, logs, finalize=False)

    def on_test_end(self, logs=None):
        if not self._called_in_fit and self.progbar is not None:
            steps = self.progbar.target if self.progbar.target is not None else self._seen
            self.progbar.target = steps
            self.progbar.update(steps, logs, finalize=True)

    def on_predict_begin(self, logs=None):
        self._new_bar(self.params.get("steps"))

    def on_predict_batch_end(self, batch, logs=None):
        self._seen = batch + 1
        if self.progbar is not None:
            self.progbar.update(batch + 1, None, finalize=False)

    def on_predict_end(self, logs=None):
        if self.progbar is not None:
            steps = self.progbar.target if self.progbar.target is not None else self._seen
            self.progbar.target = steps
            self.progbar.update(steps, None, finalize=True)

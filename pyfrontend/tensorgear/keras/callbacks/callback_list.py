"""CallbackList: fans each hook out to a list of callbacks.

The training loop asks for per-batch logs lazily (a function): they are built
only when some callback really has a per-batch hook, or when the progress bar is
about to redraw. Building them means reading every metric's result, which is
work the hot loop should not do on every step for nothing.
"""

from .callback import Callback
from .history import History
from .progbar_logger import ProgbarLogger


class CallbackList(Callback):
    def __init__(self, callbacks=None, add_history=False, add_progbar=False, model=None, **params):
        super().__init__()
        self.callbacks = _flatten(callbacks)
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be keras.callbacks.Callback instances; got {cb!r}")
        self._history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self._progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if add_history and self._history is None:
            self._history = History()
            self.callbacks.append(self._history)
        if add_progbar and self._progbar is None:
            self._progbar = ProgbarLogger()
            self.callbacks.append(self._progbar)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        others = [cb for cb in self.callbacks if cb is not self._progbar]
        self._train_batch_cbs = [cb for cb in others if cb._implements_train_batch_hooks()]
        self._test_batch_cbs = [cb for cb in others if cb._implements_test_batch_hooks()]
        self._predict_batch_cbs = [cb for cb in others if cb._implements_predict_batch_hooks()]

    @property
    def history(self):
        return self._history

    def set_model(self, model):
        super().set_model(model)
        for cb in self.callbacks:
            cb.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        for cb in self.callbacks:
            cb.set_params(params)

    def _each(self, hook, *args):
        for cb in self.callbacks:
            getattr(cb, hook)(*args)

    # ---- epoch / loop hooks ----------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._each("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._each("on_train_end", logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._each("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._each("on_epoch_end", epoch, logs)

    def on_test_begin(self, logs=None):
        self._each("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._each("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._each("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._each("on_predict_end", logs)

    # ---- batch hooks with lazily built logs ----------------------------------------------
    def train_batch_begin(self, batch):
        for cb in self._train_batch_cbs:
            cb.on_train_batch_begin(batch, None)

    def train_batch_end(self, batch, logs_fn):
        progbar = self._progbar
        if self._train_batch_cbs:
            logs = logs_fn()
            for cb in self._train_batch_cbs:
                cb.on_train_batch_end(batch, logs)
            if progbar is not None:
                progbar.on_train_batch_end(batch, logs)
        elif progbar is not None and progbar.wants_update(batch + 1):
            progbar.on_train_batch_end(batch, logs_fn())

    def test_batch_begin(self, batch):
        for cb in self._test_batch_cbs:
            cb.on_test_batch_begin(batch, None)

    def test_batch_end(self, batch, logs_fn):
        progbar = self._progbar
        if self._test_batch_cbs:
            logs = logs_fn()
            for cb in self._test_batch_cbs:
                cb.on_test_batch_end(batch, logs)
            if progbar is not None:
                progbar.on_test_batch_end(batch, logs)
        elif progbar is not None and progbar.wants_update(batch + 1) and not progbar._called_in_fit:
            progbar.on_test_batch_end(batch, logs_fn())

    def predict_batch_begin(self, batch):
        for cb in self._predict_batch_cbs:
            cb.on_predict_batch_begin(batch, None)

    def predict_batch_end(self, batch, outputs):
        for cb in self._predict_batch_cbs:
            cb.on_predict_batch_end(batch, {"outputs": outputs})
        progbar = self._progbar
        if progbar is not None and progbar.wants_update(batch + 1):
            progbar.on_predict_batch_end(batch, None)

    # Keras-compatible eager versions (for code that drives a CallbackList itself)
    def on_train_batch_begin(self, batch, logs=None):
        self._each("on_train_batch_begin", batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self._each("on_train_batch_end", batch, logs)

    def on_test_batch_begin(self, batch, logs=None):
        self._each("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._each("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._each("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._each("on_predict_batch_end", batch, logs)

    def __iter__(self):
        return iter(self.callbacks)


def _flatten(callbacks):
    if callbacks is None:
        return []
    if isinstance(callbacks, Callback) and not isinstance(callbacks, CallbackList):
        return [callbacks]
    if isinstance(callbacks, CallbackList):
        return list(callbacks.callbacks)
    out = []
    for cb in callbacks:
        out.extend(_flatten(cb))
    return out

"""The Callback base class: hooks called by fit / evaluate / predict."""


class Callback:
    """Override any of the ``on_*`` hooks. ``self.model`` is the model being trained and
    ``self.params`` holds {'verbose', 'epochs', 'steps'}. Setting
    ``self.model.stop_training = True`` ends training after the current batch."""

    def __init__(self):
        self.params = {}
        self._model = None

    def set_params(self, params):
        self.params = params

    def set_model(self, model):
        self._model = model

    @property
    def model(self):
        return self._model

    @model.setter
    def model(self, model):
        self._model = model

    # Keras 2 names of the training batch hooks; the train hooks forward to them.
    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch, logs=None):
        pass

    def on_test_batch_end(self, batch, logs=None):
        pass

    def on_predict_batch_begin(self, batch, logs=None):
        pass

    def on_predict_batch_end(self, batch, logs=None):
        pass

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_test_begin(self, logs=None):
        pass

    def on_test_end(self, logs=None):
        pass

    def on_predict_begin(self, logs=None):
        pass

    def on_predict_end(self, logs=None):
        pass

    # Which per-batch hooks a callback really uses: the loops skip building
    # per-batch logs when no callback wants them.
    def _overrides(self, *names):
        for name in names:
            if name in self.__dict__:
                return True
            if getattr(type(self), name) is not getattr(Callback, name):
                return True
        return False

    def _implements_train_batch_hooks(self):
        return self._overrides("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end")

    def _implements_test_batch_hooks(self):
        return self._overrides("on_test_batch_begin", "on_test_batch_end")

    def _implements_predict_batch_hooks(self):
        return self._overrides("on_predict_batch_begin", "on_predict_batch_end")

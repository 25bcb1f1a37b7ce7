"""LambdaCallback: a callback built from plain functions."""

from .callback import Callback

_HOOKS = ("on_epoch_begin", "on_epoch_end", "on_train_begin", "on_train_end", "on_train_batch_begin",
          "on_train_batch_end", "on_batch_begin", "on_batch_end", "on_test_begin", "on_test_end",
          "on_test_batch_begin", "on_test_batch_end", "on_predict_begin", "on_predict_end",
          "on_predict_batch_begin", "on_predict_batch_end")


class LambdaCallback(Callback):
    """Each given function replaces the hook of the same name:
    ``LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs))``."""

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None, on_train_end=None,
                 on_train_batch_begin=None, on_train_batch_end=None, **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end)
        for name, fn in kwargs.items():
            if name not in _HOOKS:
                raise TypeError(f"LambdaCallback got an unknown hook {name!r}; valid hooks: {list(_HOOKS)}")
            given[name] = fn
        for name, fn in given.items():
            if fn is not None:
                if not callable(fn):
                    raise TypeError(f"LambdaCallback: {name} must be callable, got {fn!r}")
                setattr(self, name, fn)

"""History: records every epoch's logs; fit() returns it."""

from .callback import Callback


class History(Callback):
    """``history.history`` maps each logged name ('loss', 'accuracy', 'val_loss', ...) to
    the list of its per-epoch values; ``history.epoch`` lists the epoch indices."""

    def __init__(self):
        super().__init__()
        self.history = {}
        self.epoch = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self

    def __repr__(self):
        return f"<History epochs={len(self.epoch)} keys={list(self.history)}>"

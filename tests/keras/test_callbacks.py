"""keras.callbacks: hook order, History, EarlyStopping (restore_best_weights), ModelCheckpoint
(save_best_only), CSVLogger, LambdaCallback, LearningRateScheduler, ReduceLROnPlateau."""

import csv

import numpy as np
import pytest

from tensorgear import keras
from tensorgear.keras import callbacks, layers

from keras_testdata import synthetic_digits


def small_model():
    model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture
def data():
    return synthetic_digits(400, features=12)


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(f"epoch_begin {epoch}")

    def on_train_batch_begin(self, batch, logs=None):
        self.events.append(f"batch_begin {batch}")

    def on_train_batch_end(self, batch, logs=None):
        self.events.append(f"batch_end {batch} {sorted(logs)}")

    def on_test_begin(self, logs=None):
        self.events.append("test_begin")

    def on_test_end(self, logs=None):
        self.events.append(f"test_end {sorted(logs)}")

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(f"epoch_end {epoch} {sorted(logs)}")

    def on_train_end(self, logs=None):
        self.events.append("train_end")


def test_hook_order_and_logs(data):
    x, y = data
    rec = Recorder()
    model = small_model()
    model.fit(x[:200], y[:200], batch_size=100, epochs=2, validation_data=(x[200:], y[200:]), verbose=0,
              callbacks=[rec])
    assert rec.model is model
    assert rec.params == {"verbose": 0, "epochs": 2, "steps": 2}
    assert rec.events[:4] == ["train_begin", "epoch_begin 0", "batch_begin 0", "batch_end 0 ['accuracy', 'loss']"]
    assert "test_begin" in rec.events and "test_end ['accuracy', 'loss']" in rec.events
    assert "epoch_end 0 ['accuracy', 'loss', 'val_accuracy', 'val_loss']" in rec.events
    assert rec.events[-1] == "train_end"


def test_keras2_on_batch_end_alias(data):
    x, y = data
    seen = []

    class Old(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            seen.append(batch)

    small_model().fit(x, y, batch_size=100, epochs=1, verbose=0, callbacks=[Old()])
    assert seen == [0, 1, 2, 3]


def test_history_callback(data):
    x, y = data
    model = small_model()
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.epoch == [0, 1, 2]
    assert sorted(history.history) == ["accuracy", "loss"]
    assert history.model is model


def test_early_stopping_restores_best_weights(data):
    x, y = data

    class Scripted(callbacks.Callback):
        """Overwrites val_loss with a script so the best epoch is known (epoch index 1)."""
        values = [1.0, 0.5, 0.7, 0.8, 0.9, 1.0]

        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = self.values[epoch]
            if epoch == 1:
                self.best = self.model.get_weights()

    scripted = Scripted()
    stop = callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True, verbose=1)
    model = small_model()
    h = model.fit(x, y, epochs=6, verbose=0, validation_split=0.2, callbacks=[scripted, stop])
    assert len(h.epoch) == 4 and stop.stopped_epoch == 3 and stop.best_epoch == 1
    for got, want in zip(model.get_weights(), scripted.best):
        np.testing.assert_array_equal(got, want)


def test_early_stopping_mode_auto_maximizes_accuracy(data):
    x, y = data
    stop = callbacks.EarlyStopping(monitor="accuracy", patience=0)
    model = small_model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[stop])
    assert stop.monitor_op(0.9, 0.8)


def test_early_stopping_missing_metric_warns(data):
    x, y = data
    with pytest.warns(UserWarning, match="not available"):
        small_model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.EarlyStopping(monitor="val_nothing")])


def test_model_checkpoint_save_best_only(tmp_path, data):
    x, y = data
    path = tmp_path / "best.weights.h5"

    class Scripted(callbacks.Callback):
        values = [0.5, 0.9, 0.3, 0.4]

        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = self.values[epoch]
            self.model.snapshot = getattr(self.model, "snapshot", {})
            self.model.snapshot[epoch] = self.model.get_weights()

    ckpt = callbacks.ModelCheckpoint(str(path), monitor="val_loss", save_best_only=True, save_weights_only=True,
                                     verbose=1)
    model = small_model()
    model.fit(x, y, epochs=4, verbose=0, validation_split=0.25, callbacks=[Scripted(), ckpt])
    assert ckpt.best == 0.3
    restored = small_model()
    restored.build((None, 12))
    restored.load_weights(str(path))
    for got, want in zip(restored.get_weights(), model.snapshot[2]):
        np.testing.assert_array_equal(got, want)


def test_model_checkpoint_every_epoch_with_formatted_name(tmp_path, data):
    x, y = data
    pattern = str(tmp_path / "model-{epoch:02d}.keras")
    small_model().fit(x, y, epochs=2, verbose=0, callbacks=[callbacks.ModelCheckpoint(pattern)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model-01.keras", "model-02.keras"]
    loaded = keras.models.load_model(tmp_path / "model-02.keras")
    assert loaded.predict(x[:3], verbose=0).shape == (3, 10)


def test_csv_logger(tmp_path, data):
    x, y = data
    path = tmp_path / "log.csv"
    small_model().fit(x, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[callbacks.CSVLogger(str(path))])
    rows = list(csv.reader(open(path)))
    assert rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    assert [r[0] for r in rows[1:]] == ["0", "1", "2"]
    assert all(float(v) >= 0 for r in rows[1:] for v in r[1:])
    small_model().fit(x, y, epochs=1, verbose=0, callbacks=[callbacks.CSVLogger(str(path), append=True)])
    rows = list(csv.reader(open(path)))
    assert len(rows) == 5


def test_lambda_callback(data):
    x, y = data
    log = []
    cb = callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: log.append((epoch, round(logs["loss"], 6))),
                                  on_train_end=lambda logs: log.append("end"))
    small_model().fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    assert [e[0] for e in log[:2]] == [0, 1] and log[-1] == "end"
    with pytest.raises(TypeError, match="unknown hook"):
        callbacks.LambdaCallback(on_everything=print)


def test_learning_rate_scheduler_and_reduce_on_plateau(data):
    x, y = data
    model = small_model()
    sched = callbacks.LearningRateScheduler(lambda epoch, lr: 0.01 * (epoch + 1))
    h = model.fit(x, y, epochs=3, verbose=0, callbacks=[sched])
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.03)
    assert h.history["learning_rate"] == pytest.approx([0.01, 0.02, 0.03])

    class Flat(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = 1.0

    model = small_model()
    model.optimizer.learning_rate = 0.1
    plateau = callbacks.ReduceLROnPlateau(factor=0.5, patience=1, min_lr=0.02)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[Flat(), plateau])
    # 0.1 -> 0.05 -> 0.025 -> 0.02 (clamped at min_lr), then no further change
    assert float(model.optimizer.learning_rate.numpy()) == pytest.approx(0.02)


# ---- BackupAndRestore --------------------------------------------------------------------------

def _backup_run(backup_dir, stop_at_epoch=None, epochs=4):
    """fit() of a fresh model with BackupAndRestore; raises at the end of `stop_at_epoch` (a crash)."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(96, 5)).astype(np.float64), rng.integers(0, 3, 96)
    keras.backend.set_floatx("float64")
    try:
        keras.utils.set_random_seed(4)
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(7, activation="relu"),
                                  keras.layers.Dense(3, activation="softmax")])
        model.compile(keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy")

        class Crash(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                if epoch == stop_at_epoch:
                    raise RuntimeError("crash")

        callbacks = [] if backup_dir is None else [keras.callbacks.BackupAndRestore(backup_dir)]
        history = model.fit(x, y, batch_size=16, epochs=epochs, shuffle=True, verbose=0,
                            callbacks=callbacks + [Crash()])
        return model.get_weights(), history.history
    finally:
        keras.backend.set_floatx("float32")


def test_backup_and_restore_resumes_to_the_uninterrupted_result(tmp_path):
    expected, _ = _backup_run(None)
    with pytest.raises(RuntimeError, match="crash"):
        _backup_run(tmp_path / "backup", stop_at_epoch=1)
    assert (tmp_path / "backup" / "backup.tgbackup").exists()
    weights, history = _backup_run(tmp_path / "backup")
    assert len(history["loss"]) == 2  # epochs 3 and 4 only
    for w, e in zip(weights, expected):
        np.testing.assert_allclose(w, e, rtol=1e-12, atol=1e-14)
    assert not (tmp_path / "backup" / "backup.tgbackup").exists()  # deleted once training finished


def test_backup_and_restore_arguments_and_corrupt_backup(tmp_path):
    with pytest.raises(ValueError, match="backup_dir"):
        keras.callbacks.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        keras.callbacks.BackupAndRestore(tmp_path, save_freq=10)
    (tmp_path / "backup.tgbackup").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="corrupt"):
        _backup_run(tmp_path)
    assert (tmp_path / "backup.tgbackup").read_bytes() == b"not a zip"  # nothing lost

"""keras.callbacks.TensorBoard: the event files a fit writes, read back by TensorBoard's own
event reader (skipped when tensorboard or tensorboardX is not installed)."""

import numpy as np
import pytest

from tensorgear import keras

pytest.importorskip("tensorboardX")
event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


def _read(path):
    acc = event_accumulator.EventAccumulator(str(path), size_guidance={"histograms": 0, "scalars": 0})
    acc.Reload()
    return acc


def test_fit_writes_scalars_histograms_and_the_graph(tmp_path):
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype(np.float32)
    y = (x.sum(1) > 0).astype(np.int32)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu", name="hidden"),
                              keras.layers.Dense(2, activation="softmax", name="out")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    cb = keras.callbacks.TensorBoard(tmp_path, histogram_freq=1, update_freq=2)
    history = model.fit(x, y, epochs=3, batch_size=16, validation_split=0.25, callbacks=[cb], verbose=0)
    train, val = _read(tmp_path / "train"), _read(tmp_path / "validation")
    tags = train.Tags()
    assert {"epoch_loss", "epoch_accuracy", "epoch_learning_rate", "batch_loss"} <= set(tags["scalars"])
    np.testing.assert_allclose([e.value for e in train.Scalars("epoch_loss")], history.history["loss"], rtol=1e-6)
    assert [e.step for e in train.Scalars("epoch_loss")] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in val.Scalars("epoch_loss")], history.history["val_loss"], rtol=1e-6)
    assert len(train.Scalars("batch_loss")) == 3 * 3 // 2  # 3 batches an epoch, every second one
    assert {"hidden/kernel", "hidden/bias", "out/kernel", "out/bias"} <= set(tags["histograms"])
    hist = train.Histograms("hidden/kernel")
    assert len(hist) == 3 and hist[-1].histogram_value.num == 4 * 8
    graph = train.Graph()
    names = {n.name: n for n in graph.node}
    assert names["out"].op == "Dense" and list(names["out"].input) == ["hidden"]


def test_bad_arguments():
    with pytest.raises(ValueError, match="update_freq"):
        keras.callbacks.TensorBoard(update_freq="sometimes")

"""save_weights / load_weights and model.save / keras.models.load_model: round trips for
Sequential, functional and subclassed models, atomic writes, and clear errors for files
with mismatched shapes or corrupt contents."""

import os
import zipfile

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras
from tensorgear.keras import layers

from keras_testdata import synthetic_digits


def trained_sequential():
    model = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = synthetic_digits(300, features=8)
    model.fit(x, y, epochs=2, verbose=0)
    return model, x, y


def test_save_and_load_weights_round_trip(tmp_path):
    model, x, _ = trained_sequential()
    path = tmp_path / "model.weights.h5"
    model.save_weights(str(path))
    fresh = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(10, activation="softmax")])
    fresh.build((None, 8))
    fresh.load_weights(str(path))
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_load_weights_builds_an_unbuilt_model(tmp_path):
    model, x, _ = trained_sequential()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    fresh = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(10, activation="softmax")])
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))


def test_load_weights_with_mismatched_shapes_names_the_weight(tmp_path):
    model, _, _ = trained_sequential()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    other = keras.Sequential([layers.Dense(16, activation="relu"), layers.Dense(3, activation="softmax")])
    other.build((None, 8))
    before = other.get_weights()
    with pytest.raises(ValueError, match=r"Layer 'dense_\d+' weight 'kernel' \(number 0\) has shape \(16, 3\).*\(16, 10\)"):
        other.load_weights(path)
    for got, want in zip(other.get_weights(), before):  # nothing was assigned
        np.testing.assert_array_equal(got, want)
    fewer = keras.Sequential([layers.Dense(16)])
    fewer.build((None, 8))
    with pytest.raises(ValueError, match="Weight count mismatch"):
        fewer.load_weights(path)


@pytest.mark.parametrize("content", [b"", b"not a zip file at all", b"PK\x03\x04garbage"])
def test_corrupt_weights_file_is_a_value_error(tmp_path, content):
    model, _, _ = trained_sequential()
    path = tmp_path / "bad.weights.h5"
    path.write_bytes(content)
    with pytest.raises(ValueError, match="corrupt"):
        model.load_weights(path)


def test_truncated_weights_file_is_a_value_error(tmp_path):
    model, _, _ = trained_sequential()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt"):
        model.load_weights(path)


def test_missing_file_is_file_not_found(tmp_path):
    model, _, _ = trained_sequential()
    with pytest.raises(FileNotFoundError):
        model.load_weights(tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError):
        keras.models.load_model(tmp_path / "nope.keras")


def test_writes_are_atomic(tmp_path):
    model, _, _ = trained_sequential()
    path = tmp_path / "w.weights.h5"
    model.save_weights(path)
    original = path.read_bytes()
    from tensorgear.keras.saving import weights_io

    def half_then_crash(f):
        f.write(original[:100])
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        weights_io.atomic_write(path, half_then_crash)
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["w.weights.h5"]  # no temporary file left behind


def test_model_save_and_load_model_round_trip(tmp_path):
    model, x, y = trained_sequential()
    path = tmp_path / "model.keras"
    model.save(path)
    assert zipfile.is_zipfile(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, keras.Sequential)
    assert [type(layer).__name__ for layer in loaded.layers] == ["Dense", "Dense"]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert isinstance(loaded.optimizer, keras.optimizers.RMSprop)
    assert loaded.metrics_names == ["loss", "accuracy"]
    assert int(loaded.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy())
    np.testing.assert_allclose(loaded.evaluate(x, y, verbose=0), model.evaluate(x, y, verbose=0), rtol=1e-6)
    # training continues from the saved optimizer state identically
    h1 = model.fit(x, y, epochs=1, shuffle=False, verbose=0)
    h2 = loaded.fit(x, y, epochs=1, shuffle=False, verbose=0)
    np.testing.assert_allclose(h1.history["loss"], h2.history["loss"], rtol=1e-5)


def test_functional_model_save_and_load(tmp_path):
    inputs = keras.Input(shape=(8,))
    h = layers.Dense(6, activation="tanh")(inputs)
    outputs = layers.Dense(2)(h)
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "mse")
    path = tmp_path / "f.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    x = np.random.rand(5, 8).astype(np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


class Scaler(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, inputs):
        return inputs * self.w * self.factor

    def get_config(self):
        config = super().get_config()
        config["factor"] = self.factor
        return config


class TinyModel(keras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.scale = Scaler(3.0)
        self.dense = layers.Dense(units)

    def call(self, inputs):
        return self.dense(self.scale(inputs))


def test_subclassed_model_save_and_load(tmp_path):
    model = TinyModel(units=5)
    x = np.random.rand(3, 7).astype(np.float32)
    want = model(x).numpy()
    path = tmp_path / "tiny.keras"
    model.save(path)
    loaded = keras.models.load_model(path, custom_objects={"TinyModel": TinyModel, "Scaler": Scaler})
    assert isinstance(loaded, TinyModel) and loaded.units == 5 and loaded.scale.factor == 3.0
    np.testing.assert_allclose(loaded(x).numpy(), want, rtol=1e-6)


def test_load_model_of_corrupt_file(tmp_path):
    path = tmp_path / "broken.keras"
    path.write_bytes(b"PK\x03\x04 this is not a model")
    with pytest.raises(ValueError, match="corrupt"):
        keras.models.load_model(path)
    model, _, _ = trained_sequential()
    good = tmp_path / "good.keras"
    model.save(good)
    with zipfile.ZipFile(good) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    with zipfile.ZipFile(path, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data if n != "model.weights.h5" else data[:100])
    with pytest.raises(ValueError, match="corrupt"):
        keras.models.load_model(path)


def test_save_without_overwrite(tmp_path):
    model, _, _ = trained_sequential()
    path = tmp_path / "m.keras"
    model.save(path)
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)


def test_get_set_weights_checks_shapes():
    model, _, _ = trained_sequential()
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(8, 16), (16,), (16, 10), (10,)]
    model.set_weights([w * 0 for w in weights])
    assert all(np.all(w == 0) for w in model.get_weights())
    with pytest.raises(ValueError, match="weight shape"):
        model.set_weights([np.zeros((2, 2))] + weights[1:])
    with pytest.raises(ValueError, match="expecting 4 weights"):
        model.set_weights(weights[:2])

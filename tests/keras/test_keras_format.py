"""Keras 3's file formats: files written by Keras load in tensorgear, and tensorgear's load in Keras.

The fixtures (tests/keras/fixtures/keras_*) were written by Keras 3.15 with
make_saving_fixture.py; keras_expected.npz holds Keras's predictions on them. The test
that has Keras itself read tensorgear's files runs when TENSORGEAR_KERAS_PYTHON names a
Python with Keras 3 installed (skipped otherwise).
"""

import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest

from tensorgear import keras
from tensorgear.keras import layers

import saving_fixture_models as models

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
EXPECTED = np.load(os.path.join(FIXTURES, "keras_expected.npz"))


def fixture(name):
    return os.path.join(FIXTURES, name)


def cnn():
    return models.cnn(keras)


TwoLayers = models.two_layers_class(keras)


def test_keras_weights_file_loads_into_the_same_model_built_here():
    model = cnn()
    model.load_weights(fixture("keras_cnn.weights.h5"))
    np.testing.assert_allclose(model.predict(EXPECTED["cnn_x"], verbose=0), EXPECTED["cnn_pred"], atol=1e-6)


def test_keras_model_file_loads_compiled_with_its_weights():
    model = keras.models.load_model(fixture("keras_cnn.keras"))
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D", "BatchNormalization", "MaxPooling2D", "Flatten", "Dropout", "Dense"]
    np.testing.assert_allclose(model.predict(EXPECTED["cnn_x"], verbose=0), EXPECTED["cnn_pred"], atol=1e-6)
    assert type(model.optimizer).__name__ == "RMSprop" and model.optimizer.iterations.numpy() == 4
    assert model.metrics_names == ["loss", "accuracy"]


def test_keras_optimizer_state_resumes_training_exactly():
    """One more Adam step from the saved state gives Keras's weights: the slots, their order and
    the step count (bias correction) were all restored."""
    model = keras.models.load_model(fixture("keras_mlp.keras"))
    np.testing.assert_allclose(model.predict(EXPECTED["mlp_x"], verbose=0), EXPECTED["mlp_pred"], atol=1e-5)
    model.train_on_batch(EXPECTED["mlp_x"], EXPECTED["mlp_y"])
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, EXPECTED[f"mlp_after_step_w{i}"], rtol=1e-4, atol=1e-5)


def test_keras_functional_model_with_branches_and_two_outputs():
    model = keras.models.load_model(fixture("keras_branching.keras"))
    assert model.output_names == ["p", "q"]
    p, q = model.predict([EXPECTED["branching_x0"], EXPECTED["branching_x1"]], verbose=0)
    np.testing.assert_allclose(p, EXPECTED["branching_p"], atol=1e-5)
    np.testing.assert_allclose(q, EXPECTED["branching_q"], atol=1e-5)
    history = model.fit([EXPECTED["branching_x0"], EXPECTED["branching_x1"]],
                        [EXPECTED["branching_p"], EXPECTED["branching_q"]], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "p_loss", "q_loss"}


def test_keras_subclassed_weights_load_by_attribute_name():
    model = TwoLayers()
    model(EXPECTED["mlp_x"])
    model.load_weights(fixture("keras_subclassed.weights.h5"))
    np.testing.assert_allclose(model.predict(EXPECTED["mlp_x"], verbose=0), EXPECTED["subclassed_pred"],
                               atol=1e-6)


def test_files_written_here_use_keras_layout(tmp_path):
    model = cnn()
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(EXPECTED["cnn_x"], np.arange(16) % 3, epochs=1, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(zf.read("config.json"))
        weights = zf.read("model.weights.h5")
    assert config["class_name"] == "Functional" and config["config"]["input_layers"] == ["image", 0, 0]
    assert config["compile_config"]["optimizer"]["class_name"] == "RMSprop"
    import h5py
    import io

    with h5py.File(io.BytesIO(weights), "r") as f:
        assert f["layers/conv2d/vars/0"].shape == (3, 3, 1, 4)
        assert f["layers/batch_normalization/vars"].attrs["name"] == model.layers[1].name
        assert len(f["layers/batch_normalization/vars"]) == 4
        assert len(f["optimizer/vars"]) == 2 + 6  # iterations, learning rate, a velocity per trainable weight
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(EXPECTED["cnn_x"], verbose=0),
                                  model.predict(EXPECTED["cnn_x"], verbose=0))
    assert loaded.optimizer.iterations.numpy() == model.optimizer.iterations.numpy()


def _rewrite_config(src, dst, edit):
    with zipfile.ZipFile(src) as zf:
        entries = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(entries["config.json"])
    edit(config)
    entries["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(dst, "w") as zf:
        for n, data in entries.items():
            zf.writestr(n, data)


def test_a_layer_tensorgear_lacks_is_named(tmp_path):
    path = tmp_path / "fancy.keras"

    def edit(config):
        config["config"]["layers"][2]["class_name"] = "FancyNormalization"

    _rewrite_config(fixture("keras_cnn.keras"), path, edit)
    with pytest.raises(ValueError, match="FancyNormalization"):
        keras.models.load_model(path)


def test_a_keras_argument_tensorgear_lacks_is_named_when_it_is_on(tmp_path):
    path = tmp_path / "renorm.keras"

    def edit(config):
        config["config"]["layers"][2]["config"]["renorm"] = True

    _rewrite_config(fixture("keras_cnn.keras"), path, edit)
    with pytest.raises(ValueError, match="renorm=True"):
        keras.models.load_model(path)


@pytest.mark.parametrize("cut", [0.1, 0.5, 0.9])
def test_a_truncated_keras_weights_file_is_a_clear_error(tmp_path, cut):
    data = open(fixture("keras_cnn.weights.h5"), "rb").read()
    path = tmp_path / "cut.weights.h5"
    path.write_bytes(data[:int(len(data) * cut)])
    model = cnn()
    before = model.get_weights()
    with pytest.raises(ValueError, match="cut.weights.h5"):
        model.load_weights(path)
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


def test_weights_of_another_model_are_refused_before_any_assignment():
    model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(3)])
    before = model.get_weights()
    with pytest.raises(ValueError, match="different model|expects|has shape"):
        model.load_weights(fixture("keras_cnn.weights.h5"))
    for got, want in zip(model.get_weights(), before):
        np.testing.assert_array_equal(got, want)


KERAS_PYTHON = os.environ.get("TENSORGEAR_KERAS_PYTHON")


@pytest.mark.skipif(not KERAS_PYTHON, reason="set TENSORGEAR_KERAS_PYTHON to a Python with Keras 3 to run")
def test_keras_loads_what_tensorgear_writes(tmp_path):
    model = cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(EXPECTED["cnn_x"], np.arange(16) % 3, epochs=1, verbose=0)
    model.save(tmp_path / "tg.keras")
    model.save_weights(tmp_path / "tg.weights.h5")
    np.save(tmp_path / "pred.npy", model.predict(EXPECTED["cnn_x"], verbose=0))
    np.save(tmp_path / "x.npy", EXPECTED["cnn_x"])
    script = textwrap.dedent(f"""
        import numpy as np, keras
        d = {str(tmp_path)!r}
        x, want = np.load(d + "/x.npy"), np.load(d + "/pred.npy")
        m = keras.models.load_model(d + "/tg.keras")
        np.testing.assert_allclose(m.predict(x, verbose=0), want, atol=1e-5)
        assert int(m.optimizer.iterations.numpy()) == 1, m.optimizer.iterations
        m2 = keras.models.clone_model(m)
        m2.load_weights(d + "/tg.weights.h5")
        np.testing.assert_allclose(m2.predict(x, verbose=0), want, atol=1e-5)
        print("ok")
    """)
    result = subprocess.run([KERAS_PYTHON, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr[-3000:]

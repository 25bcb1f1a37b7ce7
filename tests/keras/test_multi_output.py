"""compile / fit / evaluate for models with several outputs, as Keras 3 does them.

Each loss is recomputed here with NumPy from the model's own predictions, so the
per-output values in the logs and their weighted sum are checked, not only their names.
"""

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras
from tensorgear.keras import layers


def _two_output_model(dict_outputs=False):
    inp = keras.Input((4,), name="x")
    h = layers.Dense(8, activation="relu")(inp)
    p = layers.Dense(3, activation="softmax", name="p")(h)
    q = layers.Dense(1, name="q")(h)
    return keras.Model(inp, {"a": p, "b": q} if dict_outputs else [p, q])


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype(np.float32)
    yp = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5)
    yq = (x[:, 2:3] * 0.5 - x[:, 3:4]).astype(np.float32)
    return x, yp, yq


def _sparse_ce(y, probs):
    probs = np.clip(probs.astype(np.float64), 1e-7, 1 - 1e-7)
    return float(np.mean(-np.log(probs[np.arange(len(y)), y])))


def _mse(y, pred):
    return float(np.mean((y.astype(np.float64) - pred) ** 2))


def test_output_names_of_functional_and_sequential_models():
    assert _two_output_model().output_names == ["p", "q"]
    seq = keras.Sequential([keras.Input((3,)), layers.Dense(2, name="last")])
    assert seq.output_names == ["last"]


def test_dict_losses_weights_and_metrics_give_keras_names_and_values():
    model = _two_output_model()
    model.compile("rmsprop", loss={"p": "sparse_categorical_crossentropy", "q": "mse"},
                  loss_weights={"p": 1.0, "q": 0.5}, metrics={"p": ["accuracy"], "q": ["mae"]})
    x, yp, yq = _data()
    history = model.fit(x, {"p": yp, "q": yq}, epochs=2, batch_size=16, verbose=0)
    assert set(history.history) == {"loss", "p_loss", "q_loss", "p_accuracy", "q_mae"}
    assert model.metrics_names == ["loss", "p_loss", "q_loss", "p_accuracy", "q_mae"]

    result = model.evaluate(x, [yp, yq], batch_size=len(x), verbose=0, return_dict=True)
    probs, pred_q = model.predict(x, verbose=0)
    assert result["p_loss"] == pytest.approx(_sparse_ce(yp, probs), rel=1e-5)
    assert result["q_loss"] == pytest.approx(_mse(yq, pred_q), rel=1e-5)
    assert result["loss"] == pytest.approx(result["p_loss"] + 0.5 * result["q_loss"], rel=1e-5)
    assert result["p_accuracy"] == pytest.approx(np.mean(probs.argmax(1) == yp))
    assert result["q_mae"] == pytest.approx(np.mean(np.abs(yq - pred_q)), rel=1e-5)
    as_list = model.evaluate(x, [yp, yq], batch_size=len(x), verbose=0)
    assert as_list == pytest.approx([result[k] for k in model.metrics_names])


def test_targets_as_a_list_or_a_dict_train_identically():
    x, yp, yq = _data()
    runs = []
    for targets in ([yp, yq], {"q": yq, "p": yp}, (yp, yq)):
        keras.utils.set_random_seed(7)
        model = _two_output_model()
        model.compile("sgd", loss=["sparse_categorical_crossentropy", "mse"], loss_weights=[0.3, 2.0])
        history = model.fit(x, targets, epochs=2, batch_size=16, shuffle=False, verbose=0)
        runs.append((history.history, [w.numpy() for w in model.weights]))
    for history, weights in runs[1:]:
        assert history == runs[0][0]
        for a, b in zip(weights, runs[0][1]):
            np.testing.assert_array_equal(a, b)


def test_one_loss_applies_to_every_output():
    model = _two_output_model()
    model.compile("rmsprop", loss="mse")
    x, yp, yq = _data()
    onehot = np.eye(3, dtype=np.float32)[yp]
    result = model.evaluate(x, [onehot, yq], batch_size=len(x), verbose=0, return_dict=True)
    probs, pred_q = model.predict(x, verbose=0)
    assert set(result) == {"loss", "p_loss", "q_loss"}
    assert result["p_loss"] == pytest.approx(_mse(onehot, probs), rel=1e-5)
    assert result["loss"] == pytest.approx(result["p_loss"] + result["q_loss"], rel=1e-5)


def test_an_output_without_a_loss_is_not_trained():
    model = _two_output_model()
    model.compile("sgd", loss=["sparse_categorical_crossentropy", None])
    x, yp, yq = _data()
    before = model.get_layer("q").kernel.numpy().copy()
    history = model.fit(x, [yp, yq], epochs=1, verbose=0)
    assert set(history.history) == {"loss"}  # one loss: no per-output entries, as in Keras
    np.testing.assert_array_equal(model.get_layer("q").kernel.numpy(), before)


def test_metrics_as_a_list_of_one_entry_per_output():
    model = _two_output_model()
    model.compile("rmsprop", loss=["sparse_categorical_crossentropy", "mse"], metrics=["accuracy", ["mae", "mse"]])
    x, yp, yq = _data()
    history = model.fit(x, [yp, yq], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "p_loss", "q_loss", "p_accuracy", "q_mae", "q_mse"}


def test_sample_weights_shared_or_per_output():
    model = _two_output_model()
    model.compile("rmsprop", loss=["sparse_categorical_crossentropy", "mse"])
    x, yp, yq = _data()
    sw = np.linspace(0.1, 2.0, len(x)).astype(np.float32)
    shared = model.evaluate(x, [yp, yq], sample_weight=sw, batch_size=len(x), verbose=0, return_dict=True)
    probs, pred_q = model.predict(x, verbose=0)
    ce = -np.log(np.clip(probs[np.arange(len(x)), yp], 1e-7, 1 - 1e-7))
    assert shared["p_loss"] == pytest.approx(np.mean(ce * sw), rel=1e-5)
    assert shared["q_loss"] == pytest.approx(np.mean((yq[:, 0] - pred_q[:, 0]) ** 2 * sw), rel=1e-5)
    ones = np.ones_like(sw)
    per_output = model.evaluate(x, {"p": yp, "q": yq}, sample_weight={"p": sw, "q": ones}, batch_size=len(x),
                                verbose=0, return_dict=True)
    assert per_output["p_loss"] == pytest.approx(shared["p_loss"], rel=1e-6)
    assert per_output["q_loss"] == pytest.approx(_mse(yq, pred_q), rel=1e-5)


def test_a_model_returning_a_dict_is_keyed_by_its_dict_keys():
    model = _two_output_model(dict_outputs=True)
    model.compile("rmsprop", loss={"a": "sparse_categorical_crossentropy", "b": "mse"}, metrics={"a": "accuracy"})
    x, yp, yq = _data()
    history = model.fit(x, {"a": yp, "b": yq}, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "a_loss", "b_loss", "a_accuracy"}
    out = model.predict(x, verbose=0)
    assert set(out) == {"a", "b"} and out["a"].shape == (len(x), 3)


def test_both_outputs_learn():
    model = _two_output_model()
    model.compile(keras.optimizers.Adam(0.02), loss=["sparse_categorical_crossentropy", "mse"],
                  metrics=[["accuracy"], []])
    x, yp, yq = _data(n=256, seed=3)
    history = model.fit(x, [yp, yq], epochs=30, batch_size=32, verbose=0).history
    assert history["p_loss"][-1] < 0.5 * history["p_loss"][0]
    assert history["q_loss"][-1] < 0.2 * history["q_loss"][0]
    assert history["p_accuracy"][-1] > 0.9


def test_validation_and_datasets_with_dict_targets():
    model = _two_output_model()
    model.compile("rmsprop", loss={"p": "sparse_categorical_crossentropy", "q": "mse"})
    x, yp, yq = _data()
    ds = tf.data.Dataset.from_tensor_slices((x, {"p": yp, "q": yq})).batch(16)
    history = model.fit(ds, validation_data=(x, {"p": yp, "q": yq}), epochs=1, verbose=0)
    assert set(history.history) == {"loss", "p_loss", "q_loss", "val_loss", "val_p_loss", "val_q_loss"}
    from_ds = model.evaluate(ds, verbose=0, return_dict=True)
    from_arrays = model.evaluate(x, [yp, yq], batch_size=16, verbose=0, return_dict=True)
    assert from_ds == pytest.approx(from_arrays, rel=1e-6)


def test_train_and_test_on_batch():
    model = _two_output_model()
    model.compile("rmsprop", loss=["sparse_categorical_crossentropy", "mse"])
    x, yp, yq = _data()
    logs = model.train_on_batch(x, [yp, yq], return_dict=True)
    assert set(logs) == {"loss", "p_loss", "q_loss"}
    values = model.test_on_batch(x, {"p": yp, "q": yq})
    assert len(values) == 3 and values[0] == pytest.approx(values[1] + values[2], rel=1e-6)


class _TwoHeads(keras.Model):
    def __init__(self):
        super().__init__()
        self.body = layers.Dense(8, activation="relu")
        self.head1 = layers.Dense(3, activation="softmax")
        self.head2 = layers.Dense(1)

    def call(self, x):
        h = self.body(x)
        return [self.head1(h), self.head2(h)]


def test_a_subclassed_model_names_its_outputs_output_1_output_2():
    model = _TwoHeads()
    model.compile("rmsprop", loss=["sparse_categorical_crossentropy", "mse"], metrics=[["accuracy"], None])
    x, yp, yq = _data()
    history = model.fit(x, [yp, yq], epochs=1, verbose=0)
    assert set(history.history) == {"loss", "output_1_loss", "output_2_loss", "output_1_accuracy"}


@pytest.mark.parametrize("kwargs, message", [
    ({"loss": ["mse"]}, "1 entries, but the model has 2 outputs"),
    ({"loss": {"p": "mse", "zz": "mse"}}, "zz"),
    ({"loss": ["mse", "mse"], "metrics": ["accuracy"]}, "one entry"),
    ({"loss": ["mse", "mse"], "metrics": "accuracy"}, "must be a list or a dict"),
    ({"loss": ["mse", "mse"], "loss_weights": [1.0]}, "loss_weights"),
])
def test_compile_arguments_that_do_not_fit_the_outputs_raise(kwargs, message):
    with pytest.raises(ValueError, match=message):
        _two_output_model().compile("rmsprop", **kwargs)


def test_targets_that_do_not_fit_the_outputs_raise():
    model = _two_output_model()
    model.compile("rmsprop", loss=["sparse_categorical_crossentropy", "mse"])
    x, yp, yq = _data()
    with pytest.raises(ValueError, match=r"no entry for the output\(s\) \['q'\]"):
        model.fit(x, {"p": yp}, verbose=0)
    with pytest.raises(ValueError, match="expected 2 entries"):
        model.fit(x, [yp], verbose=0)
    with pytest.raises(ValueError, match="give a list"):
        model.fit(x, yp, verbose=0)


def test_one_output_model_accepts_a_loss_dict_keyed_by_its_name():
    inp = keras.Input((4,))
    out = layers.Dense(3, activation="softmax", name="probs")(inp)
    model = keras.Model(inp, out)
    model.compile("rmsprop", loss={"probs": "sparse_categorical_crossentropy"}, metrics={"probs": ["accuracy"]})
    x, yp, _ = _data()
    history = model.fit(x, yp, epochs=1, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}  # one output: Keras names the metrics plainly

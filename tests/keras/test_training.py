"""compile / fit / evaluate / predict / train_on_batch / test_on_batch: Keras's return values,
History keys, metric-name resolution, validation, datasets, and bad input."""

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras
from tensorgear.keras import layers

from keras_testdata import synthetic_digits, two_class_points


def classifier(hidden=32, classes=10, activation="softmax"):
    return keras.Sequential([layers.Dense(hidden, activation="relu"), layers.Dense(classes, activation=activation)])


@pytest.fixture
def digits():
    x, y = synthetic_digits(600, features=20)
    return x, y


# ---- compile --------------------------------------------------------------------------------

def test_compile_accepts_names_case_insensitively(digits):
    x, y = digits
    model = classifier()
    model.compile(optimizer="RMSprop", loss="Sparse_Categorical_Crossentropy", metrics=["Accuracy"])
    history = model.fit(x, y, epochs=1, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss"]
    assert isinstance(model.optimizer, keras.optimizers.RMSprop)


@pytest.mark.parametrize("kwargs,match", [
    ({"optimizer": "rmsprp", "loss": "mse"}, "rmsprop"),
    ({"optimizer": "sgd", "loss": "mean_squared_eror"}, "mean_squared_error"),
    ({"optimizer": "sgd", "loss": "mse", "metrics": ["acuracy"]}, "accuracy"),
])
def test_compile_unknown_names_list_the_valid_ones(kwargs, match):
    with pytest.raises(ValueError, match=match):
        classifier().compile(**kwargs)


def test_methods_before_compile_raise():
    model = classifier()
    with pytest.raises(ValueError, match="compile"):
        model.fit(np.zeros((4, 3)), np.zeros(4), verbose=0)
    with pytest.raises(ValueError, match="compile"):
        model.evaluate(np.zeros((4, 3)), np.zeros(4), verbose=0)


# ---- accuracy resolution and history keys ---------------------------------------------------

def test_accuracy_resolves_by_loss_and_shapes(digits):
    x, y = digits
    model = classifier()
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    assert isinstance(model.metrics[1], keras.metrics.SparseCategoricalAccuracy)
    assert model.metrics_names == ["loss", "accuracy"]

    model = classifier()
    model.compile("rmsprop", "categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, keras.utils.to_categorical(y, 10), epochs=1, verbose=0)
    assert isinstance(model.metrics[1], keras.metrics.CategoricalAccuracy)

    inputs, targets = two_class_points(200)
    model = keras.Sequential([layers.Dense(1, activation="sigmoid")])
    model.compile("rmsprop", "binary_crossentropy", metrics=["accuracy"])
    h = model.fit(inputs, targets, epochs=1, verbose=0)
    assert isinstance(model.metrics[1], keras.metrics.BinaryAccuracy)
    assert sorted(h.history) == ["accuracy", "loss"]


def test_history_keys_use_keras_names(digits):
    x, y = digits
    model = classifier()
    model.compile("adam", "sparse_categorical_crossentropy",
                  metrics=[keras.metrics.SparseCategoricalAccuracy(), "sparse_top_k_categorical_accuracy"])
    h = model.fit(x, y, epochs=2, validation_split=0.2, verbose=0)
    assert sorted(h.history) == sorted(["loss", "sparse_categorical_accuracy", "sparse_top_k_categorical_accuracy",
                                        "val_loss", "val_sparse_categorical_accuracy",
                                        "val_sparse_top_k_categorical_accuracy"])
    assert h.epoch == [0, 1] and model.history is h
    assert all(len(v) == 2 for v in h.history.values())


# ---- return values ----------------------------------------------------------------------------

def test_evaluate_returns_scalar_without_metrics_and_list_with(digits):
    x, y = digits
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, float)
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 2
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(as_dict) == ["accuracy", "loss"]
    np.testing.assert_allclose(as_dict["loss"], result[0], rtol=1e-6)


def test_evaluate_loss_matches_the_loss_on_all_data(digits):
    x, y = digits
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, acc = model.evaluate(x, y, batch_size=64, verbose=0)
    probs = model.predict(x, verbose=0)
    want = -np.log(np.clip(probs[np.arange(len(y)), y], 1e-7, 1)).mean()
    np.testing.assert_allclose(loss, want, rtol=1e-4)
    np.testing.assert_allclose(acc, np.mean(probs.argmax(1) == y), rtol=1e-6)


def test_predict_returns_numpy_in_batches(digits):
    x, _ = digits
    model = classifier()
    out = model.predict(x, batch_size=64, verbose=0)
    assert isinstance(out, np.ndarray) and out.shape == (600, 10) and out.dtype == np.float32
    np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-5, atol=1e-6)
    out_ds = model.predict(tf.data.Dataset.from_tensor_slices(x).batch(100), verbose=0)
    np.testing.assert_allclose(out_ds, out, rtol=1e-5, atol=1e-6)


def test_train_and_test_on_batch(digits):
    x, y = digits
    model = classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    first = model.train_on_batch(x[:64], y[:64])
    assert isinstance(first, list) and len(first) == 2
    for _ in range(20):
        logs = model.train_on_batch(x[:64], y[:64], return_dict=True)
    assert sorted(logs) == ["accuracy", "loss"]
    model.reset_metrics()
    loss_after = model.test_on_batch(x[:64], y[:64])[0]
    assert loss_after < first[0]
    model.compile("adam", "sparse_categorical_crossentropy")
    assert isinstance(model.train_on_batch(x[:8], y[:8]), float)


def test_fit_returns_history_and_learns(digits):
    x, y = digits
    model = classifier()
    model.compile(keras.optimizers.RMSprop(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    assert isinstance(history, keras.callbacks.History)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.9


def test_array_inputs_are_borrowed_not_copied(digits):
    """fit/evaluate/predict read float32 C-ordered inputs in place (no second copy of the data)."""
    from tensorgear.keras.trainers import data_adapter
    x, y = digits
    x = np.ascontiguousarray(x, dtype=np.float32)
    before = x.copy()
    batches = data_adapter.ArrayBatches(x, y, batch_size=32, shuffle=True, target_kind="sparse")
    assert np.shares_memory(np.asarray(batches.x), x)
    first = next(iter(batches))
    assert not np.shares_memory(np.asarray(first[0]), x)  # a shuffled batch is its own gather
    unshuffled = np.asarray(next(iter(data_adapter.ArrayBatches(x, y, batch_size=32)))[0])
    np.testing.assert_array_equal(unshuffled, x[:32])
    model = classifier()
    model.compile("rmsprop", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    np.testing.assert_array_equal(x, before)
    # Other dtypes or layouts are converted (a copy), as before.
    strided = data_adapter.ArrayBatches(np.asfortranarray(x), y, batch_size=32)
    assert not np.shares_memory(np.asarray(strided.x), x)


def test_fit_with_tensors_and_dataset(digits):
    x, y = digits
    model = classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(tf.constant(x), tf.constant(y.astype(np.int64)), epochs=1, verbose=0)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(600).batch(50)
    h = model.fit(ds, epochs=2, validation_data=ds, verbose=0)
    assert sorted(h.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    result = model.evaluate(ds, verbose=0)
    assert len(result) == 2


def test_fit_with_a_python_generator(digits):
    x, y = digits

    def batches():
        for i in range(0, 600, 100):
            yield x[i:i + 100], y[i:i + 100]

    model = classifier()
    model.compile("adam", "sparse_categorical_crossentropy")
    h = model.fit(batches(), epochs=1, verbose=0)
    assert len(h.history["loss"]) == 1


def test_validation_split_uses_the_last_samples(digits):
    x, y = digits
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, epochs=1, validation_split=0.25, shuffle=False, verbose=0)
    val_loss = model.evaluate(x[450:], y[450:], verbose=0)[0]
    np.testing.assert_allclose(h.history["val_loss"][0], val_loss, rtol=1e-5)


def test_sample_weight_and_class_weight(digits):
    x, y = digits
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    zero = np.zeros(len(y), np.float32)
    before = [w.numpy().copy() for w in model.weights] if model.built else None
    model.fit(x, y, sample_weight=zero, epochs=1, verbose=0)
    h = model.fit(x, y, class_weight={i: 1.0 for i in range(10)}, epochs=1, verbose=0)
    assert np.isfinite(h.history["loss"][0])
    del before


def _carrying_models(activation):
    """A model of each kind whose output comes from keras's `activation` (and so carries logits)."""
    seq = keras.Sequential([layers.Dense(3, activation=activation)])
    stacked = keras.Sequential([layers.Dense(3), layers.Activation(activation)])
    inputs = keras.Input(shape=(4,))
    functional = keras.Model(inputs, layers.Dense(3, activation=activation)(layers.Dense(5)(inputs)))

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3)

        def call(self, x):
            return keras.activations.get(activation)(self.dense(x))

    models = [seq, stacked, functional, Subclassed()]
    if activation == "softmax":
        models.append(keras.Sequential([layers.Dense(3), layers.Softmax()]))
    return models


@pytest.mark.parametrize("activation", ["softmax", "sigmoid"])
def test_activation_output_carries_its_logits_in_every_model_kind(activation):
    x = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    apply = {"softmax": tf.nn.softmax, "sigmoid": tf.nn.sigmoid}[activation]
    for model in _carrying_models(activation):
        out = model(x)
        logits = getattr(out, "_keras_logits", None)
        assert logits is not None, type(model).__name__
        np.testing.assert_allclose(apply(logits).numpy(), out.numpy(), rtol=1e-6)


def test_tf_nn_activations_given_to_a_layer_carry_logits_too():
    x = np.ones((2, 4), np.float32)
    for fn in (tf.nn.softmax, tf.nn.sigmoid):
        layer = layers.Dense(3, activation=fn)
        assert hasattr(layer(x), "_keras_logits")
        assert layer.get_config()["activation"] == fn.__name__


def test_softmax_over_another_axis_carries_no_logits():
    x = tf.constant(np.ones((2, 3, 4), np.float32))
    assert not hasattr(keras.activations.softmax(x, axis=1), "_keras_logits")
    assert hasattr(keras.activations.softmax(x, axis=2), "_keras_logits")


@pytest.mark.parametrize("loss, activation, y", [
    (keras.losses.SparseCategoricalCrossentropy(), "softmax", np.array([2, 0])),
    (keras.losses.CategoricalCrossentropy(), "softmax", np.array([[0, 0, 1], [1, 0, 0]], np.float32)),
    (keras.losses.BinaryCrossentropy(), "sigmoid", np.array([[0, 1, 1], [1, 0, 0]], np.float32)),
])
def test_crossentropy_computes_from_carried_logits(loss, activation, y):
    # Logits this far apart saturate the probabilities: from them, the clipped formula gives a
    # different (wrong) value, so an exact match shows the logits were used.
    z = tf.constant(np.array([[40.0, 0.0, -40.0], [-30.0, 5.0, 30.0]], np.float32))
    probs = keras.activations.get(activation)(z)
    exact = type(loss)(from_logits=True)(y, z).numpy()
    np.testing.assert_allclose(loss(y, probs).numpy(), exact, rtol=1e-6)
    plain = {"softmax": tf.nn.softmax, "sigmoid": tf.nn.sigmoid}[activation](z)  # carries nothing
    assert abs(loss(y, plain).numpy() - exact) > 1.0
    with tf.GradientTape() as tape:
        tape.watch(z)
        value = loss(y, keras.activations.get(activation)(z))
    with tf.GradientTape() as tape2:
        tape2.watch(z)
        reference = type(loss)(from_logits=True)(y, z)
    np.testing.assert_allclose(tape.gradient(value, z).numpy(), tape2.gradient(reference, z).numpy(), rtol=1e-6)


def test_training_on_carried_logits_matches_training_from_logits(digits):
    """A softmax model trained on probabilities follows the same path as the same model
    trained from_logits on its logits: the loss reads the carried logits."""
    x, y = digits
    results = []
    for from_logits in (False, True):
        keras.utils.set_random_seed(5)
        model = classifier(activation="linear" if from_logits else "softmax")
        model.compile(keras.optimizers.SGD(0.1), keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits),
                      metrics=["accuracy"])
        model.build((None, 20))
        if results:
            model.set_weights(weights)
        weights = model.get_weights()
        h = model.fit(x, y, epochs=2, batch_size=50, shuffle=False, verbose=0)
        results.append(h.history)
    np.testing.assert_allclose(results[0]["loss"], results[1]["loss"], rtol=1e-5)
    np.testing.assert_allclose(results[0]["accuracy"], results[1]["accuracy"], rtol=1e-6)


# ---- bad input ----------------------------------------------------------------------------------

def test_x_y_length_mismatch():
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=r"(?s)Data cardinality is ambiguous.*'x' sizes: 10.*'y' sizes: 9"):
        model.fit(np.zeros((10, 3), np.float32), np.zeros(9), verbose=0)


@pytest.mark.cpu  # the CPU checks labels; a GPU does not read them back (nor do TensorFlow's GPU kernels)
def test_labels_out_of_range_for_sparse_loss():
    model = classifier(classes=3)
    model.compile("sgd", "sparse_categorical_crossentropy")
    x = np.zeros((10, 4), np.float32)
    with pytest.raises(ValueError, match=r"label value of 3.*\[0, 3\)"):
        model.fit(x, np.array([0, 1, 2, 3, 0, 1, 2, 0, 1, 2]), verbose=0)
    with pytest.raises(ValueError, match=r"label value of -1"):
        model.fit(x, -np.ones(10), verbose=0)
    ds = tf.data.Dataset.from_tensor_slices((x, np.full(10, 7))).batch(5)
    with pytest.raises(ValueError, match="7"):
        model.fit(ds, verbose=0)


def test_wrong_input_width_for_a_built_model():
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(np.zeros((8, 4), np.float32), np.zeros(8), verbose=0)
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 4"):
        model.fit(np.zeros((8, 5), np.float32), np.zeros(8), verbose=0)
    with pytest.raises(ValueError, match=r"value 4"):
        model.predict(np.zeros((2, 6), np.float32), verbose=0)


def test_nan_loss_stops_training_with_a_message(capsys):
    x = np.ones((64, 3), np.float32)
    y = np.ones((64, 1), np.float32)
    model = keras.Sequential([layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1e6), "mse")
    h = model.fit(x, y, epochs=10, verbose=0)
    assert len(h.history["loss"]) < 10
    assert "stopping training" in capsys.readouterr().out


def test_terminate_on_nan_stops_within_the_epoch(capsys):
    x = np.ones((640, 3), np.float32)
    y = np.ones((640, 1), np.float32)
    model = keras.Sequential([layers.Dense(1)])
    model.compile(keras.optimizers.SGD(1e8), "mse")
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: seen.append(batch))
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN(), cb])
    assert "Invalid loss, terminating training" in capsys.readouterr().out
    assert len(seen) < 20


def test_missing_y_and_missing_loss():
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match="y"):
        model.fit(np.zeros((4, 3), np.float32), verbose=0)
    model.compile("sgd")
    with pytest.raises(ValueError, match="loss"):
        model.fit(np.zeros((4, 3), np.float32), np.zeros(4), verbose=0)


# ---- models -----------------------------------------------------------------------------------

def test_sequential_summary_format(capsys):
    model = keras.Sequential([layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")])
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    model.build((None, 784))
    model.summary()
    out = capsys.readouterr().out.splitlines()
    assert out[0] == 'Model: "sequential"'
    assert out[1] == "_" * 65
    assert out[2].rstrip() == " Layer (type)                Output Shape              Param #"
    assert out[3] == "=" * 65
    assert out[4].rstrip() == " dense (Dense)               (None, 512)               401920"
    assert out[6].rstrip() == " dense_1 (Dense)             (None, 10)                5130"
    assert "Total params: 407050 (1.55 MB)" in out
    assert "Trainable params: 407050 (1.55 MB)" in out
    assert "Non-trainable params: 0 (0.00 Byte)" in out


def test_sequential_add_pop_get_layer_and_input_shapes():
    model = keras.Sequential()
    model.add(keras.Input(shape=(8,)))
    model.add(layers.Dense(4, name="a"))
    assert model.built and model.get_layer("a").kernel.shape == (8, 4)
    model.add(layers.Dense(2, name="b"))
    assert model.layers[1].kernel.shape == (4, 2)
    assert model.get_layer(index=0).name == "a"
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(2, name="b"))
    with pytest.raises(TypeError, match="keras.Layer"):
        model.add("dense")
    assert model.pop().name == "b" and len(model.layers) == 1
    m2 = keras.Sequential([layers.Dense(3, input_shape=(5,))])
    assert m2.built and m2.layers[0].kernel.shape == (5, 3)


def test_functional_model():
    inputs = keras.Input(shape=(6,))
    h = layers.Dense(8, activation="relu")(inputs)
    outputs = layers.Dense(3, activation="softmax")(h)
    model = keras.Model(inputs=inputs, outputs=outputs, name="func")
    assert isinstance(model, keras.Model) and model.name == "func"
    assert len(model.weights) == 4
    out = model(np.ones((2, 6), np.float32))
    assert out.shape == (2, 3)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = synthetic_digits(200, classes=3, features=6)
    h = model.fit(x, y, epochs=2, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_subclassed_model_with_custom_train_step(digits):
    x, y = digits

    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(10, activation="softmax")
            self.steps = 0

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            self.steps += 1
            return super().train_step(data)

    model = Custom()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, batch_size=100, epochs=1, verbose=0)
    assert model.steps == 6 and sorted(h.history) == ["accuracy", "loss"]


def test_step_functions_are_built_once_per_compile(digits):
    x, y = digits
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    train_function = model.train_function
    assert train_function is not None and model.make_train_function() is train_function
    assert model.test_function is None  # no validation yet
    model.fit(x, y, epochs=1, verbose=0, validation_data=(x[:50], y[:50]))
    test_function = model.test_function
    model.train_on_batch(x[:10], y[:10])
    model.evaluate(x, y, verbose=0)
    model.test_on_batch(x[:10], y[:10])
    assert model.train_function is train_function and model.test_function is test_function
    assert model.make_train_function(force=True) is not train_function
    model.compile("adam", "sparse_categorical_crossentropy")
    assert model.train_function is None and model.test_function is None and model.predict_function is None
    model.fit(x, y, epochs=1, verbose=0)
    assert model.train_function is not train_function


def test_cached_step_follows_trainable_changes_and_new_layers(digits):
    x, y = digits
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    model.layers[0].trainable = False
    frozen = model.layers[0].get_weights()
    trained = model.layers[1].get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for before, after in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(before, after)
    assert any(np.any(b != a) for b, a in zip(trained, model.layers[1].get_weights()))
    model.layers[0].trainable = True
    model.train_on_batch(x[:32], y[:32])
    assert any(np.any(b != a) for b, a in zip(frozen, model.layers[0].get_weights()))


def test_overridden_steps_are_called_by_every_loop(digits):
    x, y = digits
    calls = {"train": 0, "test": 0, "predict": 0}

    class Custom(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(10, activation="softmax")

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, data):
            calls["train"] += 1
            x, y = data
            assert isinstance(x, tf.Tensor) and isinstance(y, tf.Tensor)
            return super().train_step(data)

        def test_step(self, data):
            calls["test"] += 1
            return super().test_step(data)

        def predict_step(self, data):
            calls["predict"] += 1
            return super().predict_step(data)

    model = Custom()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=100, epochs=1, verbose=0, validation_data=(x[:200], y[:200]))
    assert calls == {"train": 6, "test": 2, "predict": 0}
    logs = model.train_on_batch(x[:10], y[:10], return_dict=True)
    assert sorted(logs) == ["accuracy", "loss"] and isinstance(logs["loss"], float)
    model.test_on_batch(x[:10], y[:10])
    model.evaluate(x, y, batch_size=300, verbose=0)
    model.predict(x, batch_size=300, verbose=0)
    model.predict_on_batch(x[:5])
    assert calls == {"train": 7, "test": 5, "predict": 3}


def test_default_train_step_called_directly(digits):
    x, y = digits
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    logs = model.train_step((x[:50], y[:50]))
    assert sorted(logs) == ["accuracy", "loss"] and np.isfinite(logs["loss"])
    logs = model.test_step((x[:50], y[:50], np.ones(50, np.float32)))
    assert np.isfinite(logs["loss"])
    with pytest.raises(ValueError, match="length 4"):
        model.train_step((x, y, None, None))


def test_functional_and_subclassed_summaries(capsys):
    inputs = keras.Input(shape=(784,))
    outputs = layers.Dense(10, activation="softmax")(layers.Dense(64, activation="relu")(inputs))
    keras.Model(inputs, outputs).summary()
    out = capsys.readouterr().out
    assert 'Model: "functional' in out or 'Model: "model' in out
    assert "(InputLayer)" in out and "[(None, 784)]" in out and "(None, 64)" in out
    assert "Total params: 50890" in out

    class Sub(keras.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.d1 = layers.Dense(5)
            self.d2 = layers.Dense(2)

        def call(self, x):
            return self.d2(self.d1(x))

    model = Sub()
    model.build((None, 3))
    model.summary()
    out = capsys.readouterr().out
    assert 'Model: "sub"' in out and "(None, 5)" in out and "Total params: 32" in out


def test_fit_after_dataset_leaves_the_model_built():
    x, y = synthetic_digits(100, features=5)
    model = classifier()
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(20), verbose=0)
    assert model.built
    model.summary(print_fn=lambda line: None)


def test_initial_epoch_steps_per_epoch_and_validation_freq(capsys):
    x, y = synthetic_digits(320, features=5)
    model = classifier()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    h = model.fit(x, y, epochs=4, initial_epoch=2, batch_size=32)
    assert h.epoch == [2, 3]
    out = capsys.readouterr().out
    assert "Epoch 3/4" in out and "Epoch 4/4" in out and "Epoch 1/4" not in out
    h = model.fit(x, y, epochs=1, batch_size=32, steps_per_epoch=3, verbose=0)
    assert len(h.history["loss"]) == 1
    h = model.fit(x, y, epochs=4, batch_size=32, validation_split=0.25, validation_freq=2, verbose=0)
    assert len(h.history["loss"]) == 4 and len(h.history["val_loss"]) == 2


def test_dropout_is_active_only_in_training():
    x = np.ones((64, 10), np.float32)
    model = keras.Sequential([layers.Dropout(0.5), layers.Dense(1, kernel_initializer="ones", use_bias=False)])
    model.compile("sgd", "mse")
    out = model.predict(x, verbose=0)
    np.testing.assert_allclose(out, 10.0)
    noisy = model(x, training=True).numpy()
    assert noisy.std() > 0.5


def test_multi_input_functional_model():
    a = keras.Input(shape=(3,))
    b = keras.Input(shape=(2,))
    ha = layers.Dense(4)(a)
    hb = layers.Dense(4)(b)
    merged = layers.Lambda(lambda t: t[0] + t[1])([ha, hb])
    out = layers.Dense(1)(merged)
    model = keras.Model(inputs=[a, b], outputs=out)
    xa, xb = np.random.rand(16, 3).astype(np.float32), np.random.rand(16, 2).astype(np.float32)
    assert model([xa, xb]).shape == (16, 1)
    model.compile("sgd", "mse")
    h = model.fit([xa, xb], np.zeros((16, 1), np.float32), epochs=2, batch_size=8, verbose=0)
    assert len(h.history["loss"]) == 2
    assert model.predict([xa, xb], verbose=0).shape == (16, 1)


# ---- dict inputs: matched to the model's inputs by name ---------------------------------------
# The inputs are declared x then a, so sorted keys (a, x) would swap them; x - 3a
# is not symmetric, so a swap changes every result.

def _named_two_input_model(activation=None, seed=7):
    keras.utils.set_random_seed(seed)
    x_in = keras.Input(shape=(3,), name="x")
    a_in = keras.Input(shape=(3,), name="a")
    h = layers.Lambda(lambda t: t[0] - 3.0 * t[1])([x_in, a_in])
    out = layers.Dense(1, activation=activation)(h)
    return keras.Model(inputs=[x_in, a_in], outputs=out)


@pytest.fixture
def named_data():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((32, 3)).astype(np.float32)
    a = rng.standard_normal((32, 3)).astype(np.float32)
    y = (x[:, :1] - a[:, 1:2] > 0).astype(np.float32)
    return x, a, y


def test_dict_inputs_call_and_predict_match_by_name(named_data):
    x, a, _ = named_data
    model = _named_two_input_model()
    want = model([x, a]).numpy()
    assert not np.allclose(model([a, x]).numpy(), want)  # a swap shows
    np.testing.assert_allclose(model({"x": x, "a": a}).numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(model({"a": a, "x": x}, training=False).numpy(), want, rtol=1e-6)
    np.testing.assert_allclose(model.predict({"x": x, "a": a}, batch_size=8, verbose=0), want, rtol=1e-6)
    np.testing.assert_allclose(model.predict_on_batch({"x": x, "a": a}), want, rtol=1e-6)
    ds = tf.data.Dataset.from_tensor_slices({"x": x, "a": a}).batch(10)
    np.testing.assert_allclose(model.predict(ds, verbose=0), want, rtol=1e-6)


@pytest.mark.parametrize("activation, loss", [(None, "mse"), ("sigmoid", "binary_crossentropy")])
def test_dict_inputs_evaluate_and_test_on_batch_match_list_form(named_data, activation, loss):
    # sigmoid + binary_crossentropy takes the fused logits path of the trainer
    x, a, y = named_data
    model = _named_two_input_model(activation)
    model.compile("sgd", loss)
    want = model.evaluate([x, a], y, batch_size=8, verbose=0)
    assert not np.isclose(model.evaluate([a, x], y, batch_size=8, verbose=0), want)
    assert model.evaluate({"x": x, "a": a}, y, batch_size=8, verbose=0) == pytest.approx(want, rel=1e-6)
    ds = tf.data.Dataset.from_tensor_slices(({"x": x, "a": a}, y)).batch(8)
    assert model.evaluate(ds, verbose=0) == pytest.approx(want, rel=1e-6)
    want_batch = model.test_on_batch([x, a], y)
    assert model.test_on_batch({"x": x, "a": a}, y) == pytest.approx(want_batch, rel=1e-6)


def _trained_weights(activation, loss, train):
    model = _named_two_input_model(activation)
    model.compile(keras.optimizers.SGD(0.1), loss)
    history = train(model)
    return [w for w in model.get_weights()], history


@pytest.mark.parametrize("activation, loss", [(None, "mse"), ("sigmoid", "binary_crossentropy")])
def test_dict_inputs_train_like_the_list_form(named_data, activation, loss):
    x, a, y = named_data
    by_list, h_list = _trained_weights(activation, loss, lambda m: m.fit(
        [x, a], y, batch_size=8, epochs=2, shuffle=False, validation_data=([x, a], y), verbose=0))
    swapped, _ = _trained_weights(activation, loss, lambda m: m.fit(
        [a, x], y, batch_size=8, epochs=2, shuffle=False, verbose=0))
    assert not all(np.allclose(u, v) for u, v in zip(by_list, swapped))

    def same_as_list(weights):
        for u, v in zip(weights, by_list):
            np.testing.assert_allclose(u, v, rtol=1e-5, atol=1e-6)

    by_dict, h_dict = _trained_weights(activation, loss, lambda m: m.fit(
        {"x": x, "a": a}, y, batch_size=8, epochs=2, shuffle=False, validation_data=({"a": a, "x": x}, y),
        verbose=0))
    same_as_list(by_dict)
    np.testing.assert_allclose(h_dict.history["loss"], h_list.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(h_dict.history["val_loss"], h_list.history["val_loss"], rtol=1e-5)
    ds = tf.data.Dataset.from_tensor_slices(({"x": x, "a": a}, y)).batch(8)
    by_dataset, _ = _trained_weights(activation, loss, lambda m: m.fit(ds, epochs=2, verbose=0))
    same_as_list(by_dataset)

    def on_batches(m):
        for _ in range(2):
            for i in range(0, 32, 8):
                m.train_on_batch({"x": x[i:i + 8], "a": a[i:i + 8]}, y[i:i + 8])

    by_batches, _ = _trained_weights(activation, loss, on_batches)
    same_as_list(by_batches)


def test_dict_inputs_validation_split(named_data):
    x, a, y = named_data
    h_list = _named_two_input_model()
    h_list.compile("sgd", "mse")
    want = h_list.fit([x, a], y, validation_split=0.25, shuffle=False, verbose=0).history
    h_dict = _named_two_input_model()
    h_dict.compile("sgd", "mse")
    got = h_dict.fit({"x": x, "a": a}, y, validation_split=0.25, shuffle=False, verbose=0).history
    np.testing.assert_allclose(got["loss"], want["loss"], rtol=1e-5)
    np.testing.assert_allclose(got["val_loss"], want["val_loss"], rtol=1e-5)


def test_dict_inputs_missing_and_unknown_keys(named_data):
    x, a, y = named_data
    model = _named_two_input_model()
    model.compile("sgd", "mse")
    for call in (lambda d: model(d), lambda d: model.predict(d, verbose=0),
                 lambda d: model.fit(d, y, verbose=0), lambda d: model.evaluate(d, y, verbose=0),
                 lambda d: model.train_on_batch(d, y)):
        with pytest.raises(ValueError, match=r"missing.*'a'.*expects the inputs \['x', 'a'\].*got the keys \['x', 'b'\]"):
            call({"x": x, "b": a})
    # Keras 3: keys that name no input are ignored when every input is present.
    want = model([x, a]).numpy()
    np.testing.assert_allclose(model({"x": x, "a": a, "extra": y}).numpy(), want, rtol=1e-6)


def test_single_named_input_takes_a_dict():
    keras.utils.set_random_seed(1)
    inp = keras.Input(shape=(2,), name="features")
    model = keras.Model(inp, layers.Dense(1)(inp))
    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    np.testing.assert_allclose(model({"features": x}).numpy(), model(x).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"missing.*'features'"):
        model({"x": x})


def test_dict_structured_inputs_match_by_key(named_data):
    x, a, _ = named_data
    keras.utils.set_random_seed(7)
    x_in = keras.Input(shape=(3,), name="x")
    a_in = keras.Input(shape=(3,), name="a")
    out = layers.Dense(1)(layers.Lambda(lambda t: t["x"] - 3.0 * t["a"])({"x": x_in, "a": a_in}))
    model = keras.Model(inputs={"x": x_in, "a": a_in}, outputs=out)
    want = (x - 3.0 * a) @ model.layers[-1].get_weights()[0] + model.layers[-1].get_weights()[1]
    np.testing.assert_allclose(model({"a": a, "x": x}).numpy(), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict({"x": x, "a": a}, verbose=0), want, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"missing.*'x'"):
        model({"a": a})
    # A list cannot say which key is which when the keys were not declared in sorted order (Keras 3).
    with pytest.raises(ValueError, match=r"inputs were declared as a dict"):
        model([x, a])


def test_python_lists_are_accepted_as_arrays():
    model = keras.Sequential([layers.Dense(1)])
    model.compile("sgd", "mse")
    h = model.fit([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1.0, 2.0, 3.0], epochs=2, verbose=0)
    assert len(h.history["loss"]) == 2
    assert model.predict([[1.0, 2.0]], verbose=0).shape == (1, 1)


def test_compile_without_loss_when_train_step_computes_its_own():
    class OwnLoss(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(self(x) - y))
            grads = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(grads, self.trainable_variables)
            return {"loss": loss}

    x = np.random.default_rng(0).random((64, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)
    model = OwnLoss()
    model.compile(keras.optimizers.SGD(0.1))
    history = model.fit(x, y, epochs=4, verbose=0).history["loss"]
    assert history[-1] < history[0]
    with pytest.raises(ValueError, match="No loss to compute"):
        model.evaluate(x, y, verbose=0)


def test_train_step_replaced_on_the_instance_is_used(digits):
    x, y = digits
    model = classifier()
    model.compile("sgd", "sparse_categorical_crossentropy")
    seen = []
    model.train_step = lambda data: seen.append(len(data)) or {"loss": 0.5}
    history = model.fit(x, y, batch_size=200, epochs=1, verbose=0)
    assert seen == [2, 2, 2] and history.history["loss"] == [0.5]
    with pytest.raises(ValueError, match=r"compile\(\).*train_step"):
        classifier().train_step((x[:4], y[:4]))

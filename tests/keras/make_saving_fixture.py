"""Writes the Keras-3 files test_keras_format.py loads (run with TensorFlow 2.21 / Keras 3 installed):

    python tests/keras/make_saving_fixture.py

Each model is small, trained a little (so optimizer slots and BatchNormalization's moving
statistics are not their initial values) and saved with Keras's own save / save_weights.
``keras_expected.npz`` holds the inputs, each model's predictions, and for the Sequential
model the weights after one more train_on_batch from the saved state (the optimizer's
state must load for those to match).
"""

import os

import numpy as np

import keras
import saving_fixture_models as models

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")


def cnn():
    return models.cnn(keras)


def mlp():
    return models.mlp(keras)


def branching():
    return models.branching(keras)


TwoLayers = keras.saving.register_keras_serializable(package="fixture")(models.two_layers_class(keras))


def main():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    out = {}

    x_img = rng.normal(size=(16, 8, 8, 1)).astype("float32")
    y_img = rng.integers(0, 3, 16)
    model = cnn()
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_img, y_img, epochs=2, batch_size=8, verbose=0)
    model.save(os.path.join(HERE, "keras_cnn.keras"))
    model.save_weights(os.path.join(HERE, "keras_cnn.weights.h5"))
    out["cnn_x"], out["cnn_pred"] = x_img, model.predict(x_img, verbose=0)

    x = rng.normal(size=(12, 5)).astype("float32")
    y = rng.normal(size=(12, 2)).astype("float32")
    model = mlp()
    model.compile(keras.optimizers.Adam(0.01), "mse")
    model.fit(x, y, epochs=3, batch_size=4, verbose=0)
    model.save(os.path.join(HERE, "keras_mlp.keras"))
    out["mlp_x"], out["mlp_y"], out["mlp_pred"] = x, y, model.predict(x, verbose=0)
    model.train_on_batch(x, y)
    for i, w in enumerate(model.get_weights()):
        out[f"mlp_after_step_w{i}"] = w

    xs = [rng.normal(size=(6, 4)).astype("float32"), rng.normal(size=(6, 2)).astype("float32")]
    model = branching()
    model.compile("sgd", ["mse", "mse"])
    model.fit(xs, [rng.normal(size=(6, 2)), rng.normal(size=(6, 1))], epochs=1, verbose=0)
    model.save(os.path.join(HERE, "keras_branching.keras"))
    out["branching_x0"], out["branching_x1"] = xs
    out["branching_p"], out["branching_q"] = model.predict(xs, verbose=0)

    model = TwoLayers()
    model(x)
    model.save_weights(os.path.join(HERE, "keras_subclassed.weights.h5"))
    out["subclassed_pred"] = model.predict(x, verbose=0)
    np.savez(os.path.join(HERE, "keras_expected.npz"), **out)


if __name__ == "__main__":
    main()

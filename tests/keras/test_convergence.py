"""End-to-end training that must converge: the linear classifier of Listings 3.13-3.21 through
Keras, and the seeds' MNIST model on a 10k subset of the real data (skipped when MNIST is not
available offline)."""

import time

import numpy as np

from tensorgear import keras
from tensorgear.keras import layers

from keras_testdata import synthetic_digits, two_class_points


def test_linear_classifier_through_keras_fit():
    inputs, targets = two_class_points()
    model = keras.Sequential([layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    history = model.fit(inputs, targets, epochs=40, batch_size=2000, verbose=0)
    assert history.history["loss"][-1] < 0.05


def test_mnist_subset_reaches_high_accuracy(mnist):
    (x_train, y_train), (x_test, y_test) = mnist
    x_train = x_train[:10000].reshape(10000, 28 * 28).astype("float32") / 255
    y_train = y_train[:10000]
    x_test = x_test[:2000].reshape(2000, 28 * 28).astype("float32") / 255
    y_test = y_test[:2000]
    model = keras.Sequential([layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=5, batch_size=128, verbose=0)
    elapsed = time.perf_counter() - start
    test_loss, test_acc = model.evaluate(x_test, y_test, verbose=0)
    # a NumPy transcription of the same model reaches ~0.85 test accuracy after 3 epochs
    assert history.history["accuracy"][-1] > 0.95
    assert test_acc > 0.9, (test_loss, test_acc)
    assert elapsed < 120


def test_synthetic_classifier_with_every_optimizer():
    x, y = synthetic_digits(800, features=16)
    for name in ("sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "nadam", "adamax", "lion", "ftrl"):
        keras.utils.set_random_seed(0)
        opt = keras.optimizers.get(name)
        if name in ("sgd", "adagrad"):
            opt.learning_rate = 0.1
        if name in ("rmsprop", "adam", "adamw", "nadam", "adamax"):
            opt.learning_rate = 0.01
        if name == "ftrl":  # its step shrinks with the root of the summed squared gradients
            opt.learning_rate = 0.5
        if name == "lion":  # a sign step: a few times smaller than Adam's
            opt.learning_rate = 0.003
        if name == "adadelta":
            opt.learning_rate = 1.0
        model = keras.Sequential([layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")])
        model.compile(opt, "sparse_categorical_crossentropy", metrics=["accuracy"])
        h = model.fit(x, y, epochs=6, batch_size=32, verbose=0)
        assert h.history["accuracy"][-1] > 0.85, (name, h.history)

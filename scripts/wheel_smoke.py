"""The install check's short run (scripts/check_wheel.sh): imports tensorgear from wherever
Python finds it, trains a small float64 model for a fixed number of steps from fixed weights, and
prints one JSON line (version, final loss, a checksum of the predictions). The check runs it with
the repaired wheel and with the source build and compares the two lines."""

import json

import numpy as np

import tensorgear as tf
from tensorgear import keras


def main():
    r = np.random.default_rng(0)
    x = r.normal(size=(256, 8))
    y = (x @ r.normal(size=(8, 1)) > 0).astype(np.float64)
    keras.utils.set_random_seed(0)
    keras.backend.set_floatx("float64")
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    weights = [r.normal(scale=0.3, size=w.shape) for w in model.get_weights()]
    model.set_weights(weights)
    model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy")
    history = model.fit(x, y, epochs=3, batch_size=32, shuffle=False, verbose=0)
    pred = model.predict(x, verbose=0)
    print(json.dumps({"version": tf.__version__, "loss": history.history["loss"][-1],
                      "predictions": float(np.round(pred.sum(), 9))}))


if __name__ == "__main__":
    main()

"""``tensorgear.keras``: Keras's API on the tensorgear engine.

    from tensorgear import keras
    from tensorgear.keras import layers

    model = keras.Sequential([layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(train_images, train_labels, epochs=5, batch_size=128)
"""

from . import (  # noqa: F401
    activations, backend, callbacks, constraints, datasets, initializers, layers, losses, metrics, models, ops,
    optimizers, random, regularizers, saving, utils,
)
from .backend.keras_tensor import KerasTensor  # noqa: F401
from .layers import Input, Layer  # noqa: F401
from .models import Model, Sequential  # noqa: F401
from .saving import load_model  # noqa: F401

__version__ = "3.0.0-tensorgear"

__all__ = ["Sequential", "Model", "Input", "Layer", "KerasTensor", "layers", "models", "optimizers", "losses",
           "metrics", "callbacks", "datasets", "initializers", "activations", "regularizers", "constraints",
           "backend", "utils", "saving", "load_model", "ops", "random"]

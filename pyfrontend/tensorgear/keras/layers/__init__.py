"""``keras.layers``: the base Layer class and the built-in layers."""

from .activation_layers import ELU, LeakyReLU, ReLU, Softmax
from .core import Activation, Dense, Identity, Input, InputLayer, Lambda
from .layer import Layer
from .regularization import Dropout
from .reshaping import Flatten, Reshape

__all__ = [
    "Layer", "Dense", "Activation", "Identity", "Lambda", "Input", "InputLayer", "Flatten", "Reshape",
    "Dropout", "ReLU", "Softmax", "LeakyReLU", "ELU",
]


def serialize(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config, custom_objects=None):
    from ..saving.object_registry import get_registered_object

    cls = get_registered_object(config["class_name"], custom_objects)
    return cls.from_config(config["config"])

"""``keras.layers``: the base Layer class and the built-in layers."""

from .activation_layers import ELU, LeakyReLU, ReLU, Softmax
from .convolutional import Conv1D, Conv2D, DepthwiseConv2D
from .core import Activation, Dense, Identity, Input, InputLayer, Lambda
from .embedding import Embedding
from .layer import Layer
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                      concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from .preprocessing import Normalization, Rescaling
from .regularization import Dropout, GaussianNoise
from .reshaping import Flatten, Permute, RepeatVector, Reshape

__all__ = [
    "Layer", "Dense", "Activation", "Identity", "Lambda", "Input", "InputLayer", "Flatten", "Reshape",
    "RepeatVector", "Permute", "Dropout", "GaussianNoise", "ReLU", "Softmax", "LeakyReLU", "ELU", "Embedding",
    "BatchNormalization", "LayerNormalization", "Rescaling", "Normalization",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
    "Conv1D", "Conv2D", "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
]
# Keras's aliases
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
Convolution1D, Convolution2D = Conv1D, Conv2D


def serialize(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config, custom_objects=None):
    from ..saving.object_registry import get_registered_object

    cls = get_registered_object(config["class_name"], custom_objects)
    return cls.from_config(config["config"])

"""``keras.layers``: the base Layer class and the built-in layers."""

from .activation_layers import ELU, LeakyReLU, ReLU, Softmax
from .attention import AdditiveAttention, Attention
from .conv_variants import Conv2DTranspose, SeparableConv2D
from .convolutional import Conv1D, Conv2D, DepthwiseConv2D
from .core import Activation, Dense, Identity, Input, InputLayer, Lambda
from .einsum_dense import EinsumDense
from .embedding import Embedding
from .hashing import Hashing
from .image_preprocessing import (CenterCrop, RandomContrast, RandomFlip, RandomRotation, RandomTranslation,
                                  RandomZoom, Resizing)
from .layer import Layer
from .lookup import IntegerLookup, StringLookup
from .masking import Masking
from .multi_head_attention import MultiHeadAttention
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average,
                      concatenate, dot, maximum, minimum, multiply, subtract)
from .normalization import BatchNormalization, LayerNormalization
from .pooling import (AveragePooling1D, AveragePooling2D, GlobalAveragePooling1D, GlobalAveragePooling2D,
                      GlobalMaxPooling1D, GlobalMaxPooling2D, MaxPooling1D, MaxPooling2D)
from .preprocessing import CategoryEncoding, Normalization, Rescaling
from .regularization import Dropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D
from .rnn import (GRU, LSTM, RNN, Bidirectional, GRUCell, LSTMCell, SimpleRNN, SimpleRNNCell,
                  StackedRNNCells)
from .reshaping import Flatten, Permute, RepeatVector, Reshape
from .spatial_reshaping import Cropping1D, Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D
from .text_vectorization import TextVectorization
from .wrappers import TimeDistributed, Wrapper

__all__ = [
    "Layer", "Dense", "Activation", "Identity", "Lambda", "Input", "InputLayer", "Flatten", "Reshape",
    "RepeatVector", "Permute", "Dropout", "GaussianNoise", "ReLU", "Softmax", "LeakyReLU", "ELU", "Embedding",
    "BatchNormalization", "LayerNormalization", "Rescaling", "Normalization",
    "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot",
    "add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate", "dot",
    "Conv1D", "Conv2D", "DepthwiseConv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "Conv2DTranspose", "SeparableConv2D", "SpatialDropout1D", "SpatialDropout2D", "CategoryEncoding",
    "ZeroPadding1D", "ZeroPadding2D", "Cropping1D", "Cropping2D", "UpSampling1D", "UpSampling2D",
    "Masking", "Wrapper", "TimeDistributed", "RNN", "SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell",
    "GRUCell", "StackedRNNCells", "Bidirectional",
    "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomContrast",
    "EinsumDense", "Attention", "AdditiveAttention", "MultiHeadAttention",
    "Hashing", "StringLookup", "IntegerLookup", "TextVectorization",
]
# Keras's aliases
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = MaxPooling1D, MaxPooling2D, AveragePooling1D, AveragePooling2D
Convolution1D, Convolution2D = Conv1D, Conv2D
Convolution2DTranspose, SeparableConvolution2D = Conv2DTranspose, SeparableConv2D


def serialize(layer):
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config, custom_objects=None):
    from ..saving.object_registry import get_registered_object

    cls = get_registered_object(config["class_name"], custom_objects)
    return cls.from_config(config["config"])

"""Convolution layers: Conv1D, Conv2D, DepthwiseConv2D (Keras 3's arguments
and defaults; the kernel is (*kernel_size, in_channels // groups, filters),
channels last unless data_format="channels_first")."""

import tensorgear as tg

from .. import activations, constraints, initializers, regularizers
from .core import _positive_int, weight_config
from .layer import Layer

_TF_FORMAT = {(1, "channels_last"): "NWC", (1, "channels_first"): "NCW",
              (2, "channels_last"): "NHWC", (2, "channels_first"): "NCHW"}


def _tuple(value, rank, arg, layer):
    values = (value,) * rank if isinstance(value, int) else tuple(value)
    if len(values) != rank or any(not isinstance(v, int) or v <= 0 for v in values):
        raise ValueError(f"{layer}: `{arg}` must be an int or a tuple of {rank} positive ints. "
                         f"Received: {arg}={value!r}")
    return values


def _data_format(value, layer):
    value = value or "channels_last"
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"{layer}: `data_format` must be 'channels_last' or 'channels_first'. "
                         f"Received: data_format={value!r}")
    return value


def _padding(value, layer, allowed=("valid", "same")):
    p = str(value).lower()
    if p not in allowed:
        raise ValueError(f"{layer}: `padding` must be one of {allowed}. Received: padding={value!r}")
    return p


class _Conv(Layer):
    rank = 2
    _kernel_prefix = "kernel"  # the config's name for the kernel's initializer, regularizer, constraint

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        name = type(self).__name__
        self.filters = _positive_int(filters, "filters", name) if filters is not None else None
        self.kernel_size = _tuple(kernel_size, self.rank, "kernel_size", name)
        self.strides = _tuple(strides, self.rank, "strides", name)
        self.padding = _padding(padding, name)
        self.data_format = _data_format(data_format, name)
        self.dilation_rate = _tuple(dilation_rate, self.rank, "dilation_rate", name)
        self.groups = _positive_int(groups, "groups", name)
        if self.filters is not None and self.filters % self.groups:
            raise ValueError(f"{name}: the number of filters must be evenly divisible by the number of groups. "
                             f"Received: groups={self.groups}, filters={self.filters}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)

    def _channels(self, input_shape):
        axis = -1 if self.data_format == "channels_last" else 1
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"Input 0 of layer '{self.name}' ({type(self).__name__}) is incompatible with the "
                             f"layer: expected ndim={self.rank + 2}, found ndim={len(input_shape)}. Full shape "
                             f"received: {tuple(input_shape)}")
        c = input_shape[axis]
        if c is None:
            raise ValueError(f"{type(self).__name__}: the channel dimension of the input should be defined. "
                             f"Received input shape {tuple(input_shape)}")
        if c % self.groups:
            raise ValueError(f"{type(self).__name__}: the number of input channels must be evenly divisible by "
                             f"the number of groups. Received groups={self.groups}, input shape {tuple(input_shape)}")
        return int(c)

    def build(self, input_shape):
        c = self._channels(input_shape)
        self._add_weights(self.kernel_size + (c // self.groups, self.filters))

    def _add_weights(self, kernel_shape):
        self.kernel = self.add_weight(shape=kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                    name="bias") if self.use_bias else None

    def _convolve(self, inputs):
        fmt = _TF_FORMAT[(self.rank, self.data_format)]
        fn = tg.nn.conv2d if self.rank == 2 else tg.nn.conv1d
        return fn(inputs, self.kernel, self.strides, self.padding.upper(), data_format=fmt,
                  dilations=self.dilation_rate)

    def call(self, inputs):
        x = self._convolve(inputs)
        if self.bias is not None:
            if self.data_format == "channels_last":
                x = x + self.bias
            else:
                x = x + tg.reshape(self.bias, (1, -1) + (1,) * self.rank)
        return self.activation(x) if self.activation is not activations.linear else x

    def get_config(self):
        config = super().get_config()
        config.update({
            "filters": self.filters, "kernel_size": list(self.kernel_size), "strides": list(self.strides),
            "padding": self.padding, "data_format": self.data_format, "dilation_rate": list(self.dilation_rate),
            "groups": self.groups, "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            **weight_config(self, self._kernel_prefix),
        })
        return config


class Conv2D(_Conv):
    """2-D convolution over (batch, height, width, channels) images."""

    rank = 2


class Conv1D(_Conv):
    """1-D convolution over (batch, steps, channels) sequences ("causal" padding: left-padded)."""

    rank = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", **kwargs):
        causal = str(padding).lower() == "causal"
        super().__init__(filters, kernel_size, strides=strides, padding="valid" if causal else padding, **kwargs)
        self.padding = "causal" if causal else self.padding

    def _convolve(self, inputs):
        if self.padding != "causal":
            return super()._convolve(inputs)
        left = self.dilation_rate[0] * (self.kernel_size[0] - 1)
        pads = [[0, 0], [left, 0], [0, 0]] if self.data_format == "channels_last" else [[0, 0], [0, 0], [left, 0]]
        fmt = _TF_FORMAT[(1, self.data_format)]
        return tg.nn.conv1d(inputs, self.kernel, self.strides, pads, data_format=fmt, dilations=self.dilation_rate)


class DepthwiseConv2D(_Conv):
    """Each input channel convolved with its own `depth_multiplier` filters:
    kernel (kh, kw, channels, depth_multiplier), output channels * multiplier."""

    rank = 2
    _kernel_prefix = "depthwise"

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(None, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier", "DepthwiseConv2D")

    def build(self, input_shape):
        c = self._channels(input_shape)
        self.filters = c * self.depth_multiplier
        self._add_weights(self.kernel_size + (c, self.depth_multiplier))

    def _convolve(self, inputs):
        return tg.nn.depthwise_conv2d(inputs, self.kernel, self.strides, self.padding.upper(),
                                      data_format=_TF_FORMAT[(2, self.data_format)], dilations=self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        for k in ("filters", "groups"):
            config.pop(k)
        config["depth_multiplier"] = self.depth_multiplier
        return config

"""Conv2DTranspose and SeparableConv2D (Keras 3's arguments and weights):
the transposed convolution is conv2d's input gradient, the separable one a
depthwise conv2d followed by a 1x1 conv2d."""

import tensorgear as tg

from .. import constraints, initializers, regularizers
from .convolutional import _TF_FORMAT, _Conv
from .core import _positive_int


def conv_transpose_length(length, kernel, padding, output_padding, stride, dilation):
    """The output length of a transposed convolution (Keras's rule)."""
    if length is None:
        return None
    kernel = kernel + (kernel - 1) * (dilation - 1)
    if output_padding is None:
        return length * stride + max(kernel - stride, 0) if padding == "valid" else length * stride
    pad = kernel // 2 if padding == "same" else 0
    return (length - 1) * stride + kernel - 2 * pad + output_padding


class Conv2DTranspose(_Conv):
    """The transposed convolution (the gradient of Conv2D with respect to its
    input): kernel (kh, kw, filters, in_channels); "valid" grows each spatial
    size to size * stride + max(kernel - stride, 0), "same" to size * stride."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
        if output_padding is not None:
            output_padding = (output_padding,) * 2 if isinstance(output_padding, int) else tuple(output_padding)
            if len(output_padding) != 2 or any(not isinstance(p, int) or p < 0 for p in output_padding):
                raise ValueError(f"Conv2DTranspose: `output_padding` must be an int or a tuple of 2 non-negative "
                                 f"ints. Received: output_padding={output_padding!r}")
            for p, s in zip(output_padding, self.strides):
                if p >= s:
                    raise ValueError(f"Conv2DTranspose: each `output_padding` must be smaller than its stride. "
                                     f"Received: output_padding={output_padding}, strides={self.strides}")
        self.output_padding = output_padding

    def build(self, input_shape):
        c = self._channels(input_shape)
        self._add_weights(self.kernel_size + (self.filters, c))

    def _spatial_out(self, sizes):
        pads = self.output_padding or (None, None)
        return tuple(conv_transpose_length(n, k, self.padding, p, s, d) for n, k, p, s, d in
                     zip(sizes, self.kernel_size, pads, self.strides, self.dilation_rate))

    def _convolve(self, inputs):
        last = self.data_format == "channels_last"
        h, w = (inputs.shape[1], inputs.shape[2]) if last else (inputs.shape[2], inputs.shape[3])
        oh, ow = self._spatial_out((h, w))
        n = inputs.shape[0]
        out_shape = (n, oh, ow, self.filters) if last else (n, self.filters, oh, ow)
        return tg.nn.conv2d_transpose(inputs, self.kernel, out_shape, self.strides, self.padding.upper(),
                                      data_format=_TF_FORMAT[(2, self.data_format)], dilations=self.dilation_rate)

    def compute_output_shape(self, input_shape):
        self._channels(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0],) + self._spatial_out(input_shape[1:3]) + (self.filters,)
        return (input_shape[0], self.filters) + self._spatial_out(input_shape[2:4])

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = list(self.output_padding) if self.output_padding else None
        return config


class SeparableConv2D(_Conv):
    """A depthwise convolution (depthwise_kernel (kh, kw, channels,
    depth_multiplier)) followed by a pointwise one (pointwise_kernel
    (1, 1, channels * depth_multiplier, filters)), then the bias."""

    rank = 2
    _kernel_prefix = "depthwise"

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=depthwise_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=depthwise_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, kernel_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = _positive_int(depth_multiplier, "depth_multiplier", "SeparableConv2D")
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def build(self, input_shape):
        c = self._channels(input_shape)
        self.depthwise_kernel = self.add_weight(
            shape=self.kernel_size + (c, self.depth_multiplier), initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint, name="depthwise_kernel")
        self.pointwise_kernel = self.add_weight(
            shape=(1, 1, c * self.depth_multiplier, self.filters), initializer=self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint, name="pointwise_kernel")
        self.bias = self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                    name="bias") if self.use_bias else None

    def _convolve(self, inputs):
        return tg.nn.separable_conv2d(inputs, self.depthwise_kernel, self.pointwise_kernel, self.strides,
                                      self.padding.upper(), data_format=_TF_FORMAT[(2, self.data_format)],
                                      dilations=self.dilation_rate)

    def get_config(self):
        config = super().get_config()
        config.pop("groups")
        config.update({
            "depth_multiplier": self.depth_multiplier,
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        })
        return config

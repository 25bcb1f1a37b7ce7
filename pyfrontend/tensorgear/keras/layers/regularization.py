"""Regularization layers: Dropout, SpatialDropout1D/2D and GaussianNoise (active only in training)."""

import tensorgear as tg

from .layer import Layer


class Dropout(Layer):
    """In training, zeroes a fraction `rate` of inputs and scales the rest by 1/(1-rate).

    At inference (``training`` False or not given) it is the identity.
    """

    _passes_masks = True

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = tuple(noise_shape) if noise_shape is not None else None
        self.seed = seed

    def call(self, inputs, training=False):
        if not training or self.rate == 0.0:
            return inputs
        if self.rate == 1.0:
            return inputs * 0.0
        return tg.nn.dropout(inputs, rate=self.rate, noise_shape=self._noise_shape(inputs), seed=self.seed)

    def _noise_shape(self, inputs):
        return self.noise_shape

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"rate": self.rate, "noise_shape": list(self.noise_shape) if self.noise_shape else None,
                       "seed": self.seed})
        return config


class _SpatialDropout(Dropout):
    """Drops whole feature maps: one keep/drop decision per (sample, channel)."""

    rank = 2

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)
        data_format = data_format or "channels_last"
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{type(self).__name__}: `data_format` must be 'channels_last' or 'channels_first'. "
                             f"Received: data_format={data_format!r}")
        self.data_format = data_format

    def call(self, inputs, training=False):
        if inputs.ndim != self.rank + 2:
            raise ValueError(f"Input 0 of layer '{self.name}' ({type(self).__name__}) is incompatible with the "
                             f"layer: expected ndim={self.rank + 2}, found ndim={inputs.ndim}")
        return super().call(inputs, training=training)

    def _noise_shape(self, inputs):
        shape = tuple(inputs.shape)
        if self.data_format == "channels_last":
            return (shape[0],) + (1,) * self.rank + (shape[-1],)
        return shape[:2] + (1,) * self.rank

    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape")
        if self.rank == 2:
            config["data_format"] = self.data_format
        return config


class SpatialDropout1D(_SpatialDropout):
    """Dropout of whole channels of (batch, steps, channels) sequences."""

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, seed=seed, **kwargs)


class SpatialDropout2D(_SpatialDropout):
    """Dropout of whole feature maps of images."""

    rank = 2


class GaussianNoise(Layer):
    """In training, adds zero-mean normal noise of standard deviation `stddev`."""

    _passes_masks = True

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(f"Invalid value received for argument `stddev`. Expected a float value >= 0. "
                             f"Received: stddev={stddev!r}")
        self.stddev = float(stddev)
        self.seed = seed

    def call(self, inputs, training=False):
        if not training or self.stddev == 0.0:
            return inputs
        return inputs + tg.random.normal(tuple(inputs.shape), stddev=self.stddev, dtype=inputs.dtype, seed=self.seed)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"stddev": self.stddev, "seed": self.seed})
        return config

"""Pooling layers: MaxPooling1D/2D, AveragePooling1D/2D (windows), and
GlobalMaxPooling1D/2D, GlobalAveragePooling1D/2D (reductions over space)."""

import tensorgear as tg

from .convolutional import _TF_FORMAT, _data_format, _padding, _tuple
from .layer import Layer


class _Pooling(Layer):
    rank = 2
    _fn = None  # tg.nn's pooling function, by rank

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.pool_size = _tuple(pool_size, self.rank, "pool_size", name)
        self.strides = _tuple(strides, self.rank, "strides", name) if strides is not None else self.pool_size
        self.padding = _padding(padding, name)
        self.data_format = _data_format(data_format, name)

    def call(self, inputs):
        if len(inputs.shape) != self.rank + 2:
            raise ValueError(f"Input 0 of layer '{self.name}' ({type(self).__name__}) is incompatible with the "
                             f"layer: expected ndim={self.rank + 2}, found ndim={len(inputs.shape)}. Full shape "
                             f"received: {tuple(inputs.shape)}")
        return type(self)._fn(inputs, self.pool_size, self.strides, self.padding.upper(),
                              data_format=_TF_FORMAT[(self.rank, self.data_format)])

    def get_config(self):
        config = super().get_config()
        config.update({"pool_size": list(self.pool_size), "strides": list(self.strides), "padding": self.padding,
                       "data_format": self.data_format})
        return config


class MaxPooling2D(_Pooling):
    rank = 2
    _fn = staticmethod(tg.nn.max_pool2d)


class AveragePooling2D(_Pooling):
    rank = 2
    _fn = staticmethod(tg.nn.avg_pool2d)


class MaxPooling1D(_Pooling):
    rank = 1
    _fn = staticmethod(tg.nn.max_pool1d)


class AveragePooling1D(_Pooling):
    rank = 1
    _fn = staticmethod(tg.nn.avg_pool1d)


class _GlobalPooling(Layer):
    rank = 2
    _reduce = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)

    def call(self, inputs):
        if len(inputs.shape) != self.rank + 2:
            raise ValueError(f"{type(self).__name__} expects inputs of rank {self.rank + 2}; got shape "
                             f"{tuple(inputs.shape)}")
        first = 1 if self.data_format == "channels_last" else 2
        axes = list(range(first, first + self.rank))
        return type(self)._reduce(inputs, axis=axes, keepdims=self.keepdims)

    def get_config(self):
        config = super().get_config()
        config.update({"data_format": self.data_format, "keepdims": self.keepdims})
        return config


class GlobalAveragePooling2D(_GlobalPooling):
    rank = 2
    _reduce = staticmethod(tg.reduce_mean)


class GlobalMaxPooling2D(_GlobalPooling):
    rank = 2
    _reduce = staticmethod(tg.reduce_max)


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over the steps; with a mask (Keras 3), the mean over the unmasked steps."""

    rank = 1
    _reduce = staticmethod(tg.reduce_mean)

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        if len(inputs.shape) != 3:
            raise ValueError(f"GlobalAveragePooling1D expects inputs of rank 3; got shape {tuple(inputs.shape)}")
        steps = 1 if self.data_format == "channels_last" else 2
        keep = tg.expand_dims(tg.cast(mask, tg.bool), 2 if steps == 1 else 1)
        weights = tg.cast(keep, inputs.dtype)
        total = tg.reduce_sum(tg.where(keep, inputs, tg.zeros_like(inputs)), axis=steps, keepdims=self.keepdims)
        return total / tg.reduce_sum(weights, axis=steps, keepdims=self.keepdims)

    def compute_mask(self, inputs, mask=None):
        return None


class GlobalMaxPooling1D(_GlobalPooling):
    rank = 1
    _reduce = staticmethod(tg.reduce_max)

"""Preprocessing layers that are arithmetic on the input: Rescaling,
Normalization (with `adapt`) and CategoryEncoding."""

import numpy as np

import tensorgear as tg

from .layer import Layer


def _count_weights_column(count_weights, dtype):
    """count_weights[..., None]: a tensor's view, or Python data that joins the encoding's device."""
    if hasattr(count_weights, "device"):
        return tg.expand_dims(tg.cast(count_weights, dtype), -1)
    return tg._C._operand(np.expand_dims(np.asarray(count_weights), -1), dtype=dtype)


class Rescaling(Layer):
    """inputs * scale + offset, in the layer's float dtype (e.g. scale=1/255)."""

    _passes_masks = True

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def call(self, inputs):
        x = tg.cast(inputs, self.dtype) if inputs.dtype != tg.as_dtype(self.dtype) else inputs
        # numbers convert at the layer's precision, not through float32
        return x * tg._C._operand(self.scale, dtype=self.dtype) + tg._C._operand(self.offset, dtype=self.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": _plain(self.scale), "offset": _plain(self.offset)})
        return config


def _plain(v):
    return np.asarray(v).tolist() if not isinstance(v, (int, float)) else v


class Normalization(Layer):
    """(x - mean) / sqrt(variance), per feature along `axis` (the last by
    default); mean and variance are given or learnt from data by adapt().
    invert=True maps normalised values back."""

    _passes_masks = True

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        self.axis = (int(axis),) if isinstance(axis, int) else tuple(int(a) for a in axis)
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization: set both `mean` and `variance`, or neither. "
                             f"Received: mean={mean!r}, variance={variance!r}")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self._adapted = mean is not None

    def _stat_shape(self, input_shape):
        rank = len(input_shape)
        axes = sorted(a % rank for a in self.axis)
        for a in axes:
            if input_shape[a] is None:
                raise ValueError(f"Normalization: axis {a} of input shape {tuple(input_shape)} must be known")
        self._kept = axes
        self._reduce = [a for a in range(rank) if a not in axes]
        return tuple(input_shape[a] if a in axes else 1 for a in range(rank))

    def build(self, input_shape):
        shape = self._stat_shape(input_shape)
        self.mean = self.add_weight(shape=shape, initializer="zeros", trainable=False, name="mean")
        self.variance = self.add_weight(shape=shape, initializer="ones", trainable=False, name="variance")
        if self.input_mean is not None:
            self.mean.assign(np.broadcast_to(np.asarray(self.input_mean, self.dtype), shape))
            self.variance.assign(np.broadcast_to(np.asarray(self.input_variance, self.dtype), shape))

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the mean and variance of `data` (an array, a tensor, or a
        tg.data Dataset of batches), in float64, one pass."""
        batches = _batches_of(data, steps)
        count, total, total_sq = 0, None, None
        for batch in batches:
            x = tg.cast(tg.convert_to_tensor(batch), tg.float64)
            if not self.built:
                self.build((None,) + tuple(x.shape)[1:])
                self.built = True
            n = 1
            for a in self._reduce:
                n *= x.shape[a]
            s = tg.reduce_sum(x, axis=self._reduce, keepdims=True)
            sq = tg.reduce_sum(tg.square(x), axis=self._reduce, keepdims=True)
            total = s if total is None else total + s
            total_sq = sq if total_sq is None else total_sq + sq
            count += n
        if count == 0:
            raise ValueError("Normalization.adapt: the data is empty")
        mean = total / float(count)
        variance = tg.maximum(total_sq / float(count) - tg.square(mean), 0.0)
        self.mean.assign(tg.cast(mean, self.dtype))
        self.variance.assign(tg.cast(variance, self.dtype))
        self._adapted = True

    def call(self, inputs):
        x = tg.cast(inputs, self.dtype) if inputs.dtype != tg.as_dtype(self.dtype) else inputs
        std = tg.maximum(tg.sqrt(self.variance), 1e-7)
        if self.invert:
            return x * std + self.mean
        return (x - self.mean) / std

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"axis": list(self.axis), "invert": self.invert,
                       "mean": _plain(self.input_mean) if self.input_mean is not None else None,
                       "variance": _plain(self.input_variance) if self.input_variance is not None else None})
        return config


def _batches_of(data, steps):
    """The batches adapt() reads: a Dataset's elements (their first component
    when they are tuples), or the whole array as one batch."""
    if hasattr(data, "__iter__") and not isinstance(data, (np.ndarray, tg.Tensor, list, tuple)):
        for i, element in enumerate(data):
            if steps is not None and i >= steps:
                return
            yield element[0] if isinstance(element, tuple) else element
        return
    yield data


class CategoryEncoding(Layer):
    """Integer token ids to vectors of length num_tokens: "one_hot" (one vector
    per id; a trailing axis of 1 is dropped), "multi_hot" (1 at every id of a
    sample, the ids along the last axis; a rank-1 input is one sample) or
    "count" (how often each id occurs, weighted by count_weights)."""

    _MODES = ("one_hot", "multi_hot", "count")

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(num_tokens, int) or isinstance(num_tokens, bool) or num_tokens < 1:
            raise ValueError(f"CategoryEncoding: `num_tokens` must be a positive int. Received: "
                             f"num_tokens={num_tokens!r}")
        if output_mode not in self._MODES:
            raise ValueError(f"CategoryEncoding: `output_mode` must be one of {self._MODES}. Received: "
                             f"output_mode={output_mode!r}")
        if sparse:
            raise ValueError("CategoryEncoding: sparse=True is not supported (tensorgear has no sparse tensors)")
        self.num_tokens, self.output_mode, self.sparse = num_tokens, output_mode, False

    def call(self, inputs, count_weights=None):
        x = tg.convert_to_tensor(inputs)
        if x.dtype.is_floating:
            x = tg.cast(x, tg.int64)
        if x.ndim == 0:
            x = tg.reshape(x, (1,))
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f"CategoryEncoding: `count_weights` is only used when output_mode='count'. "
                             f"Received: count_weights with output_mode={self.output_mode!r}")
        if x.shape[-1] != 0 and tg.size(x).numpy() > 0:
            low, high = int(tg.reduce_min(x).numpy()), int(tg.reduce_max(x).numpy())
            if low < 0 or high >= self.num_tokens:
                raise ValueError(f"Layer '{self.name}' (CategoryEncoding): input values must be in the range "
                                 f"0 <= values < num_tokens ({self.num_tokens}); got values from {low} to {high}")
        if self.output_mode == "one_hot":
            if x.ndim > 1 and x.shape[-1] == 1:
                x = tg.reshape(x, tuple(x.shape[:-1]))
            return tg.one_hot(x, self.num_tokens, dtype=self.dtype)
        encoded = tg.one_hot(x, self.num_tokens, dtype=self.dtype)
        if self.output_mode == "multi_hot":
            return tg.reduce_max(encoded, axis=-2)
        if count_weights is not None:
            encoded = encoded * _count_weights_column(count_weights, self.dtype)
        return tg.reduce_sum(encoded, axis=-2)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if not shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot":
            return (shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape) + (self.num_tokens,)
        return shape[:-1] + (self.num_tokens,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_tokens": self.num_tokens, "output_mode": self.output_mode, "sparse": self.sparse})
        return config

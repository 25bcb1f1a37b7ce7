"""Reshaping layers: Flatten, Reshape, RepeatVector and Permute (the batch axis is always kept)."""

import tensorgear as tg

from .layer import Layer


class Flatten(Layer):
    """(batch, d1, d2, ...) -> (batch, d1*d2*...); a 1-D input becomes (batch, 1)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format

    def call(self, inputs):
        shape = inputs.shape
        if len(shape) == 2:
            return inputs
        return tg.reshape(inputs, (shape[0], -1))

    def compute_output_shape(self, input_shape):
        n = 1
        for d in input_shape[1:]:
            if d is None:
                return (input_shape[0], None)
            n *= d
        return (input_shape[0], n)

    def get_config(self):
        config = super().get_config()
        config["data_format"] = self.data_format
        return config


class Reshape(Layer):
    """Reshapes each sample to `target_shape` (one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(1 for d in self.target_shape if d == -1) > 1:
            raise ValueError(f"Reshape: at most one -1 is allowed in target_shape, got {self.target_shape}")

    def call(self, inputs):
        shape = inputs.shape
        per_sample = 1
        for d in shape[1:]:
            per_sample *= d
        known = 1
        for d in self.target_shape:
            if d != -1:
                known *= d
        if (-1 not in self.target_shape and known != per_sample) or (known == 0 or per_sample % known):
            raise ValueError(
                f"Layer '{self.name}': cannot reshape a sample of shape {tuple(shape[1:])} "
                f"({per_sample} values) to target_shape {self.target_shape}")
        return tg.reshape(inputs, (shape[0],) + self.target_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self.target_shape

    def get_config(self):
        config = super().get_config()
        config["target_shape"] = list(self.target_shape)
        return config


class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features)."""

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)
        if self.n < 0 or self.n != n:
            raise ValueError(f"RepeatVector: `n` must be a non-negative integer. Received: n={n!r}")

    def call(self, inputs):
        if len(inputs.shape) != 2:
            raise ValueError(f"RepeatVector expects a rank-2 input (batch, features); got shape {tuple(inputs.shape)}")
        return tg.tile(tg.expand_dims(inputs, 1), [1, self.n, 1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        config = super().get_config()
        config["n"] = self.n
        return config


class Permute(Layer):
    """Permutes the non-batch axes: `dims` is a permutation of 1..rank-1."""

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of indices in `dims` "
                             f"must be consecutive and start from 1. Received dims={self.dims}")

    def call(self, inputs):
        if len(inputs.shape) != len(self.dims) + 1:
            raise ValueError(f"Permute{self.dims} expects inputs of rank {len(self.dims) + 1}; "
                             f"got shape {tuple(inputs.shape)}")
        return tg.transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        config = super().get_config()
        config["dims"] = list(self.dims)
        return config

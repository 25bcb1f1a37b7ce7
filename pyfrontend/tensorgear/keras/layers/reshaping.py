"""Reshaping layers: Flatten and Reshape (the batch axis is always kept)."""

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

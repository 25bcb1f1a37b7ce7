"""Masking: marks the timesteps whose features all equal `mask_value` as padding."""

import tensorgear as tg

from ..backend import masking
from .layer import Layer


class Masking(Layer):
    """(batch, steps, features) -> the same with masked steps zeroed; the output's mask keeps the
    steps where any feature differs from `mask_value` (Keras 3)."""

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(mask_value, (int, float)) or isinstance(mask_value, bool):
            raise TypeError(f"Masking: mask_value must be a number, got {mask_value!r}")
        self.mask_value = mask_value

    def _keep(self, inputs, keepdims):
        return tg.reduce_any(tg.not_equal(inputs, tg.constant(self.mask_value, dtype=inputs.dtype)),
                             axis=-1, keepdims=keepdims)

    def call(self, inputs):
        keep = self._keep(inputs, keepdims=True)
        outputs = inputs * tg.cast(keep, inputs.dtype)
        masking.set_keras_mask(outputs, tg.squeeze(keep, axis=-1))
        return outputs

    def compute_mask(self, inputs, mask=None):
        return self._keep(inputs, keepdims=False)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["mask_value"] = self.mask_value
        return config

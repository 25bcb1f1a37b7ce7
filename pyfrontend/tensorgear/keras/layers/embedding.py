"""Embedding: integer ids to dense vectors (a gather whose gradient is a scatter-add)."""

import tensorgear as tg

from .. import constraints, initializers, regularizers
from .core import _positive_int
from .layer import Layer


class Embedding(Layer):
    """ids of any shape -> ids.shape + (output_dim,), rows of the `embeddings` weight.

    With mask_zero=True, id 0 is padding: compute_mask gives the positions of
    the other ids, and input_dim must leave room for it (as Keras)."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, **kwargs):
        kwargs.pop("input_length", None)  # Keras 2's argument, ignored by Keras 3 too
        super().__init__(**kwargs)
        self.input_dim = _positive_int(input_dim, "input_dim", "Embedding")
        self.output_dim = _positive_int(output_dim, "output_dim", "Embedding")
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self._cast_numpy_inputs = False  # ids stay integers

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, name="embeddings")

    def call(self, inputs):
        ids = tg.convert_to_tensor(inputs)
        if ids.dtype.is_floating or ids.dtype == tg.bool:
            ids = tg.cast(ids, tg.int64)
        return tg.gather(self.embeddings, ids)

    def compute_mask(self, inputs, mask=None):
        return tg.not_equal(inputs, 0) if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "input_dim": self.input_dim, "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        })
        return config

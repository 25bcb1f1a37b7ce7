"""Layers that wrap another layer: the Wrapper base and TimeDistributed (Bidirectional is in
``rnn/``). The wrapped layer is the attribute ``layer``, which is also its path in Keras's
weight files (``.../time_distributed/layer/vars``)."""

import tensorgear as tg

from .layer import Layer


class Wrapper(Layer):
    """Holds one layer (`layer`) and serializes it inside its own config."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `{type(self).__name__}` layer with a `keras.layers.Layer` "
                             f"instance. Received: {layer!r}")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.__dict__["built"] = True

    def get_config(self):
        from ..saving import keras_config

        config = super().get_config()
        config["layer"] = keras_config.serialize_layer(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving import keras_config

        config = dict(config)
        config["layer"] = keras_config.deserialize_layer(config["layer"], custom_objects)
        return cls(**config)


class TimeDistributed(Wrapper):
    """Applies `layer` to every timestep: (batch, steps, ...) -> (batch, steps, ...layer's output).

    The steps are folded into the batch, so the wrapped layer runs once on (batch * steps, ...)
    (one GEMM for a Dense); Keras 3 loops over the steps, which gives the same result for every
    layer whose output for one sample does not depend on the others in the batch (all but
    BatchNormalization in training, whose statistics here cover all steps at once)."""

    _passes_masks = True

    def _child_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with at least 3 "
                             f"dimensions, received: {input_shape}")
        return (None if input_shape[0] is None or input_shape[1] is None else input_shape[0] * input_shape[1],
                *input_shape[2:])

    def build(self, input_shape=None):
        super().build(self._child_shape(tuple(input_shape)))

    def compute_output_shape(self, input_shape):
        child = self.layer.compute_output_shape(self._child_shape(tuple(input_shape)))
        return (input_shape[0], input_shape[1], *child[1:])

    def call(self, inputs, training=None, mask=None):
        shape = tuple(inputs.shape)
        if len(shape) < 3:
            raise ValueError(f"TimeDistributed expects inputs of rank >= 3 (batch, steps, ...); got shape {shape}")
        batch, steps = shape[0], shape[1]
        kwargs = {}
        if mask is not None:
            mask_shape = tuple(mask.shape)
            if len(mask_shape) < 2 or mask_shape[:2] != (batch, steps):
                raise ValueError(f"The `mask` passed to the `TimeDistributed` layer has a shape {mask_shape} that is "
                                 f"incompatible with the input shape {shape}. Expected mask shape prefix: "
                                 f"({batch}, {steps}).")
            if self.layer._call_signature.mask:
                kwargs["mask"] = tg.reshape(mask, (batch * steps,) + mask_shape[2:])
        if self.layer._call_signature.training:
            kwargs["training"] = training
        out = self.layer(tg.reshape(inputs, (batch * steps,) + shape[2:]), **kwargs)
        return tg.reshape(out, (batch, steps) + tuple(out.shape)[1:])

"""Bidirectional: a recurrent layer run forwards and a copy run backwards over the same sequence,
their outputs merged ("concat", "sum", "ave", "mul", or None for both)."""

import tensorgear as tg

from ..layer import Layer

MERGE_MODES = ("sum", "mul", "ave", "concat", None)


def _copy_layer(layer, **overrides):
    from ...saving import keras_config

    entry = keras_config.serialize_layer(layer)
    entry["config"].update(overrides)
    entry.pop("build_config", None)
    return keras_config.deserialize_layer(entry)


def _strip(prefix, name):
    return name[len(prefix):] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Wraps a recurrent layer: `forward_layer` is a copy of it, `backward_layer` a copy with
    go_backwards (or the given one); with return_sequences the backward outputs are put back in
    time order before merging. Masked steps give zero outputs in both (Keras 3 sets
    zero_output_for_mask on both layers when they return sequences)."""

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(f"Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                             f"Received: {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(f"`backward_layer` need to be a `keras.layers.Layer` instance. Received: {backward_layer!r}")
        if merge_mode not in MERGE_MODES:
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should be one of "
                             '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        self.forward_layer = _copy_layer(layer, name=f"forward_{_strip('forward_', layer.name)}")
        if backward_layer is None:
            backward_layer = _copy_layer(layer, name=f"backward_{_strip('backward_', layer.name)}",
                                         go_backwards=not layer.go_backwards)
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Forward layer and backward layer should have different `go_backwards` value. Received: "
                             f"forward_layer.go_backwards {self.forward_layer.go_backwards}, "
                             f"backward_layer.go_backwards={self.backward_layer.go_backwards}")
        for attr in ("stateful", "return_sequences", "return_state"):
            if getattr(self.forward_layer, attr) != getattr(self.backward_layer, attr):
                raise ValueError(f'Forward layer and backward layer are expected to have the same value for attribute '
                                 f'"{attr}", got "{getattr(self.forward_layer, attr)}" for forward layer and '
                                 f'"{getattr(self.backward_layer, attr)}" for backward layer')
        for sub in (self.forward_layer, self.backward_layer):
            if getattr(sub, "zero_output_for_mask", None) is not None:
                sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.__dict__["_initial_weights"] = list(weights) if weights else None

    def build(self, sequences_shape, initial_state_shape=None):
        for sub in (self.forward_layer, self.backward_layer):
            if not sub.built:
                sub.build(sequences_shape)
                sub.__dict__["built"] = True
        if self._initial_weights:
            half = len(self._initial_weights) // 2
            self.forward_layer.set_weights(self._initial_weights[:half])
            self.backward_layer.set_weights(self._initial_weights[half:])
            self.__dict__["_initial_weights"] = None

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(sequences_shape)
        states = ()
        if self.return_state:
            shape, states = shape[0], tuple(shape[1:])
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (None if shape[-1] is None else 2 * shape[-1],)
        elif self.merge_mode is None:
            shape = [shape, shape]
        if self.return_state:
            if self.merge_mode is None:
                return tuple(shape) + states + states
            return (shape,) + states + states
        return shape

    def compute_mask(self, inputs, mask=None):
        from .... import nest

        mask = nest.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.merge_mode is None:
            output_mask = [output_mask, output_mask]
        if self.return_state:
            states = [None] * (2 * len(self.forward_layer.state_size))
            return (output_mask if isinstance(output_mask, list) else [output_mask]) + states
        return output_mask

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {"training": training}
        if mask is not None:
            kwargs["mask"] = mask
        forward_state = backward_state = None
        if initial_state is not None:
            initial_state = list(initial_state)
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, **kwargs)
        states = ()
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = y_rev[:, ::-1]
        if self.merge_mode == "concat":
            output = tg.concat([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2.0
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = [y, y_rev]
        if self.return_state:
            return (list(output) if self.merge_mode is None else [output]) + list(states)
        return output

    def reset_state(self):
        self.forward_layer.reset_state()
        self.backward_layer.reset_state()

    reset_states = reset_state

    def get_config(self):
        from ...saving import keras_config

        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = keras_config.serialize_layer(self.forward_layer)
        config["backward_layer"] = keras_config.serialize_layer(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...saving import keras_config

        config = dict(config)
        config["layer"] = keras_config.deserialize_layer(config["layer"], custom_objects)
        backward = config.pop("backward_layer", None)
        if backward is not None:
            config["backward_layer"] = keras_config.deserialize_layer(backward, custom_objects)
        return cls(**config)

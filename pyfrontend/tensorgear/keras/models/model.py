"""``keras.Model``: a Layer with the training API (compile / fit / evaluate / predict),
summary(), and saving.

Subclass it and define ``call`` (layers assigned as attributes are tracked), or
call ``keras.Model(inputs, outputs)`` on symbolic tensors from ``keras.Input``
to get a functional model.
"""

import tensorgear as tg

from ..backend.call_context import inference_mode
from ..backend.keras_tensor import any_keras_tensor
from ..backend.tensor_utils import shape_structure
from ..layers.core import InputLayer
from ..layers.layer import Layer
from ..trainers.trainer import Trainer
from .summary import print_summary


class Model(Trainer, Layer):
    def __new__(cls, *args, **kwargs):
        if cls is Model and (("inputs" in kwargs and "outputs" in kwargs) or
                             (len(args) >= 2 and any_keras_tensor(args[0])) or
                             (args and any_keras_tensor(args[0]))):
            from .functional import Functional

            return Functional.__new__(Functional, *args, **kwargs)
        return super().__new__(cls, *args, **kwargs)

    def __init__(self, *args, **kwargs):
        if args or "inputs" in kwargs:
            # Model(inputs, outputs) reached a subclass that does not accept them
            raise TypeError(
                f"{type(self).__name__}.__init__ got positional arguments {args!r}: to build a functional model "
                f"call keras.Model(inputs=..., outputs=...); a subclass takes only name/trainable/dtype here")
        Layer.__init__(self, **kwargs)
        self._init_trainer()

    # ---- structure ----------------------------------------------------------------------

    @property
    def layers(self):
        """The model's direct sublayers, in the order they were tracked (keras.ops nodes are
        operations, not layers, as in Keras 3)."""
        return [layer for layer in self._layers
                if not isinstance(layer, InputLayer) and not getattr(layer, "_keras_operation", False)]

    def get_layer(self, name=None, index=None):
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has "
                                 f"{len(layers)} layers.")
            return layers[index]
        if name is not None:
            for layer in layers:
                if layer.name == name:
                    return layer
            raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.")
        raise ValueError("Provide either a layer name or layer index at `get_layer`.")

    def build(self, input_shape=None):
        """Builds a subclassed model by calling it on zeros of `input_shape` (None -> 1)."""
        if self.built:
            return
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument to build().")
        if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(input_shape[0], (list, tuple)):
            dummy = [tg.zeros(tuple(1 if d is None else d for d in s), dtype=self.dtype) for s in input_shape]
        else:
            dummy = tg.zeros(tuple(1 if d is None else d for d in input_shape), dtype=self.dtype)
        with inference_mode():
            self(dummy, training=False)
        self.__dict__["_build_input_shape"] = input_shape

    def _build_on_call(self, inputs):
        # A model that defines build() gets it; otherwise its sublayers build themselves
        # as call() runs.
        if type(self).build is not Model.build:
            Layer._build_on_call(self, inputs)
            return
        d = self.__dict__
        d["built"] = True
        if d.get("_build_input_shape") is None:
            shape = shape_structure(inputs)
            if isinstance(shape, tuple) and shape:
                shape = (None,) + shape[1:]
            d["_build_input_shape"] = shape

    def call(self, inputs, training=None):
        raise NotImplementedError(
            f"Model {self.name} ({type(self).__name__}) has no call() method: subclasses of keras.Model must "
            f"define call(self, inputs), or use keras.Model(inputs, outputs) / keras.Sequential.")

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Prints layers, output shapes and parameter counts (tf.keras's format)."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)

    # ---- saving -------------------------------------------------------------------------------

    def _writes_files(self):
        """Whether this process writes the model's files: under a multi-rank strategy, rank 0 only
        (every rank holds the same weights)."""
        strategy = self.distribute_strategy
        return not strategy.distributed or strategy.world.rank == 0

    def save_weights(self, filepath, overwrite=True):
        from ..saving.weights_io import save_weights

        if self._writes_files():
            save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs):
        from ..saving.weights_io import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch)

    def save(self, filepath, overwrite=True, **kwargs):
        from ..saving.saving_api import save_model

        if self._writes_files():
            save_model(self, filepath, overwrite=overwrite, **kwargs)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional config (layers and input/output refs) makes a functional model, as in Keras;
        any other config goes to the class's constructor."""
        if "input_layers" in config and "layers" in config:
            from .functional import Functional

            return Functional.from_config(config, custom_objects=custom_objects)
        return cls(**config)

    def to_json(self, **kwargs):
        import json

        from ..saving.serialization import serialize_keras_object

        return json.dumps(serialize_keras_object(self), **kwargs)

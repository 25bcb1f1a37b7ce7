"""``keras.Sequential``: a plain stack of layers, each feeding the next.

The model builds as soon as it knows its input shape (from ``keras.Input``,
an ``InputLayer``, an ``input_shape=`` argument of the first layer, ``build()``,
or the first batch), inferring every layer's shape in turn.
"""

from ..backend.keras_tensor import KerasTensor
from ..backend.tensor_utils import is_string_array
from ..layers.core import Input, InputLayer
from ..layers.layer import Layer
from .model import Model


class Sequential(Model):
    def __init__(self, layers=None, trainable=True, name=None, **kwargs):
        super().__init__(trainable=trainable, name=name, **kwargs)
        d = self.__dict__
        d["_stack"] = []               # the layers, in order (InputLayer excluded)
        d["_input_batch_shape"] = None
        d["_input_dtype"] = None       # "string" for text inputs; else the symbolic input has the model's dtype
        if layers is not None:
            if isinstance(layers, Layer) or not hasattr(layers, "__iter__"):
                layers = [layers]
            for layer in layers:
                self.add(layer, rebuild=False)
            self._maybe_build()

    @property
    def layers(self):
        return list(self._stack)

    def add(self, layer, rebuild=True):
        """Appends a layer (or a keras.Input / InputLayer that fixes the input shape)."""
        if isinstance(layer, KerasTensor):
            history = layer._keras_history
            if history is None or not isinstance(history[0], InputLayer):
                raise ValueError("Only the output of keras.Input can be added to a Sequential model; got a "
                                 "KerasTensor produced by another layer")
            layer = history[0]
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Only instances of `keras.Layer` can be added to a Sequential model. Received: {layer!r} "
                f"(of type {type(layer).__name__})")
        if isinstance(layer, InputLayer):
            if self._stack:
                raise ValueError("An InputLayer (or keras.Input) can only be the first entry of a Sequential model")
            self.__dict__["_input_batch_shape"] = layer.batch_shape
            if layer.dtype == "string":
                self.__dict__["_input_dtype"] = "string"
            self._track(layer)
            if rebuild:
                self._maybe_build()
            return
        for existing in self._stack:
            if existing.name == layer.name:
                raise ValueError(
                    f"All layers added to a Sequential model should have unique names. Name '{layer.name}' is "
                    f"already the name of a layer in this model. Update the `name` argument to pass a unique name.")
        if not self._stack and self._input_batch_shape is None:
            shape = layer.__dict__.get("_batch_input_shape")
            if shape is not None:
                self.__dict__["_input_batch_shape"] = tuple(shape)
        self._stack.append(layer)
        self._track(layer)
        if self.built:
            self._build_new_layer(layer)
        elif rebuild:
            self._maybe_build()

    def pop(self):
        if not self._stack:
            raise TypeError("There are no layers in the model.")
        layer = self._stack.pop()
        self._layers.remove(layer)
        self._layer_ids.discard(id(layer))
        Layer.structure_version += 1
        return layer

    def _maybe_build(self):
        if self._input_batch_shape is not None and not self.built and self._stack:
            self.build(self._input_batch_shape)

    def _build_new_layer(self, layer):
        previous = self._stack[-2] if len(self._stack) > 1 else None
        if previous is not None and previous._inbound_nodes:
            x = previous.output  # the graph of the first build goes on, so model.outputs follows the stack
        else:
            shape = previous._output_shape if previous is not None else self._input_batch_shape
            if shape is None:
                return
            x = KerasTensor((None,) + tuple(shape)[1:], dtype=layer.dtype)
        layer(x)
        self.__dict__["_output_shape"] = layer._output_shape

    def build(self, input_shape=None):
        """Infers every layer's shape from the input shape (batch dimension may be None)."""
        if input_shape is None:
            input_shape = self._input_batch_shape
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument to build() a Sequential model.")
        input_shape = tuple(input_shape)
        x = Input(batch_shape=(None,) + input_shape[1:], dtype=self._input_dtype or self.dtype)
        for layer in self._stack:
            x = layer(x)
        d = self.__dict__
        d["_input_batch_shape"] = (None,) + input_shape[1:]
        d["_build_input_shape"] = d["_input_batch_shape"]
        d["_output_shape"] = x.shape if isinstance(x, KerasTensor) else None
        d["built"] = True

    # ---- the symbolic graph of the first build: inputs, outputs (Keras's feature-extractor idiom)

    def _graph_end(self, what):
        if not self.built or not self._stack or not self._stack[0]._inbound_nodes:
            raise AttributeError(f"Sequential model '{self.name}' has no defined {what}: it is not built yet "
                                 f"(give it a keras.Input or call build() / the model first)")

    @property
    def inputs(self):
        self._graph_end("inputs")
        return [self._stack[0].input]

    @property
    def outputs(self):
        self._graph_end("outputs")
        return [self._stack[-1].output]

    @property
    def output_names(self):
        """[the last layer's name]: a Sequential model has one output."""
        if not self._stack:
            raise AttributeError(f"Sequential model '{self.name}' has no layers, hence no outputs")
        return [self._stack[-1].name]

    @property
    def input(self):
        return self.inputs[0]

    @property
    def output(self):
        return self.outputs[0]

    @property
    def input_shape(self):
        return tuple(self.input.shape)

    @property
    def output_shape(self):
        return tuple(self.output.shape)

    def _build_on_call(self, inputs):
        shape = tuple(inputs.shape) if hasattr(inputs, "shape") else None
        if shape is None:
            raise ValueError(f"Sequential model {self.name} needs tensor inputs; got {type(inputs).__name__}")
        if self._input_dtype is None and is_string_array(inputs):
            self.__dict__["_input_dtype"] = "string"
        self.build(shape)

    def call(self, inputs, training=None, mask=None):
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x

    def _keras_layer_order(self):
        return list(self.layers)

    def get_config(self):
        """Keras 3's Sequential config: the InputLayer (when the model has one) and each layer as
        {"module", "class_name", "config", "registered_name", "build_config"}."""
        from ..saving import keras_config

        entries = [keras_config.serialize_layer(layer) for layer in self._layers if isinstance(layer, InputLayer)]
        entries += [keras_config.serialize_layer(layer) for layer in self._stack]
        config = {"name": self.name, "trainable": self.trainable, "dtype": keras_config.dtype_policy(self.dtype),
                  "layers": entries}
        if self._input_batch_shape is not None:
            config["build_input_shape"] = list(self._input_batch_shape)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving import keras_config

        config = dict(config)
        layer_configs = config.pop("layers", [])
        build_input_shape = config.pop("build_input_shape", None)
        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for entry in layer_configs:
            model.add(keras_config.deserialize_layer(entry, custom_objects), rebuild=False)
        if build_input_shape is not None and not model.built:
            model.build(tuple(build_input_shape))
        return model

"""Core layers: Dense, Activation, Identity, Lambda, and the model input (InputLayer / Input)."""

import tensorgear as tg

from .. import activations, constraints, initializers, regularizers
from ..backend import floatx
from ..backend.keras_tensor import KerasTensor
from ..backend.tensor_utils import dtype_name
from ..backend.node import Node
from .layer import Layer


def _positive_int(value, arg, layer):
    try:
        ivalue = int(value)
    except (TypeError, ValueError):
        ivalue = None
    if ivalue is None or ivalue != value or ivalue <= 0:
        raise ValueError(
            f"Received an invalid value for `{arg}` of {layer}, expected a positive integer. "
            f"Received: {arg}={value!r}")
    return ivalue


def weight_config(layer, prefix="kernel"):
    """The config entries of a layer's kernel and bias: initializers,
    regularizers and constraints (and the activity regularizer), by Keras's
    names; `prefix` names the kernel's ("depthwise" for DepthwiseConv2D)."""
    return {
        f"{prefix}_initializer": initializers.serialize(layer.kernel_initializer),
        "bias_initializer": initializers.serialize(layer.bias_initializer),
        f"{prefix}_regularizer": regularizers.serialize(layer.kernel_regularizer),
        "bias_regularizer": regularizers.serialize(layer.bias_regularizer),
        "activity_regularizer": regularizers.serialize(layer.activity_regularizer),
        f"{prefix}_constraint": constraints.serialize(layer.kernel_constraint),
        "bias_constraint": constraints.serialize(layer.bias_constraint),
    }


class Dense(Layer):
    """output = activation(dot(input, kernel) + bias)."""

    _passes_masks = True

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = _positive_int(units, "units", "Dense")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        # None when linear: the hot path skips the call entirely
        self._activation_fn = None if self.activation is activations.linear else self.activation
        # relu and linear fold into the engine's fused Dense op (GEMM, bias and
        # activation in one pass; its backward reuses the saved output)
        self._fused_activation = ("relu" if self.activation in (activations.relu, tg.nn.relu)
                                  else "linear" if self._activation_fn is None else None)

    def build(self, input_shape):
        input_dim = input_shape[-1] if input_shape else None
        if input_dim is None:
            raise ValueError(
                f"Layer '{self.name}' (Dense) needs a known last input dimension; got input shape {input_shape}")
        self.kernel = self.add_weight(shape=(int(input_dim), self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
                                      name="kernel")
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint,
                                        name="bias")
        else:
            self.bias = None

    def _check_width(self, inputs, exc):
        """Re-raises a failed product as Keras's message when the input width is wrong."""
        shape = tuple(inputs.shape)
        expected = tuple(self.kernel.shape)[0]
        if shape and shape[-1] != expected:
            raise ValueError(
                f'Input 0 of layer "{self.name}" is incompatible with the layer: expected axis -1 of '
                f"input shape to have value {expected}, but received input with shape {shape}") from exc

    def _linear(self, inputs):
        try:
            x = tg.matmul(inputs, self.kernel)
        except ValueError as exc:
            self._check_width(inputs, exc)
            raise
        if self.bias is not None:
            x = x + self.bias
        return x

    def call(self, inputs):
        if (self._fused_activation is not None and isinstance(inputs, tg.Tensor)
                and inputs.ndim >= 1 and inputs.dtype == self.kernel.dtype):
            try:
                return tg._C.dense(inputs, self.kernel, self.bias, self._fused_activation)
            except ValueError as exc:
                self._check_width(inputs, exc)
                raise
        x = self._linear(inputs)
        if self._activation_fn is not None:
            x = self._activation_fn(x)
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)[:-1] + (self.units,)

    def get_config(self):
        config = super().get_config()
        config.update({
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            **weight_config(self),
        })
        return config


class Activation(Layer):
    """Applies an activation function (by name or callable) to its input."""

    _passes_masks = True

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Identity(Layer):
    """Returns its input unchanged."""

    _passes_masks = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Lambda(Layer):
    """Wraps an arbitrary function of tensors as a layer (not serializable to config)."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda needs a callable, got {type(function).__name__}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._given_output_shape = output_shape
        # Keras 3: a mask (a callable like compute_mask, or a fixed mask) makes the layer mask its output
        self.mask = mask
        self.supports_masking = mask is not None

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def compute_mask(self, inputs, mask=None):
        return self.mask(inputs, mask) if callable(self.mask) else self.mask

    def get_config(self):
        config = super().get_config()
        config["function"] = getattr(self.function, "__name__", "<lambda>")
        return config

    @classmethod
    def from_config(cls, config):
        raise ValueError(
            f"Lambda layer '{config.get('name')}' wraps Python code that is not saved in the config; "
            f"rebuild the model in code and use load_weights() instead.")


class InputLayer(Layer):
    """The entry point of a model: holds the input's shape (without the batch axis)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, **kwargs):
        input_shape = kwargs.pop("input_shape", None)
        if batch_shape is None and "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        if shape is None and input_shape is not None:
            shape = input_shape
        super().__init__(name=name, dtype=dtype, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("InputLayer needs `shape` (the shape of one sample) or `batch_shape`")
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.__dict__["_batch_input_shape"] = self.batch_shape
        kt = KerasTensor(self.batch_shape, dtype=self.dtype, name=self.name)
        node = Node(self, (), {}, kt)  # the layer's `output` (Layer.output reads its first node)
        self._inbound_nodes.append(node)
        kt._keras_history = (self, node, 0)
        self.__dict__["built"] = True
        self.__dict__["_build_input_shape"] = self.batch_shape
        self.__dict__["_output_shape"] = self.batch_shape

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None, tensor=None,
          optional=False):
    """A symbolic input for the functional API: ``keras.Input(shape=(784,))``."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype or floatx(), batch_shape=batch_shape,
                       name=name)
    return layer.output


del dtype_name

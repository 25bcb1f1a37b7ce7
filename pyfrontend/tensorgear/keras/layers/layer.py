"""``keras.layers.Layer``: the base of every layer and model.

A layer owns state (weights, made by ``add_weight`` or assigned as tg.Variables)
and a computation (``call``). Its weights are created lazily: the first call
runs ``build(input_shape)`` with the shape of the first inputs it sees, which is
how Keras layers infer their input sizes.

Attribute tracking: assigning a Layer or a tg.Variable (or a list/tuple/dict of
them) as an attribute registers it, in assignment order, so ``weights`` of an
outer layer or model includes everything nested inside it.

``__call__`` is on the training hot path (every layer of every step), so it does
only what it must: convert non-tensor inputs, build on the first call, and keep
the ``training`` flag flowing to nested layers that did not get one explicitly.
"""

import functools
import inspect
import warnings
import numpy as np

import tensorgear as tg

from ... import nest
from .. import backend, constraints, initializers, regularizers
from ..backend import masking
from ..backend.call_context import CALL_CONTEXT
from ..backend.keras_tensor import KerasTensor, any_keras_tensor
from ..backend.tensor_utils import dtype_name, is_float_dtype, is_string_array, shape_structure
from ..backend.node import Node
from ..saving import object_registry
from ..utils.naming import to_snake_case


_SIGNATURES = {}


class _CallSignature:
    """What ``__call__`` needs to know about a class's ``call``: whether it takes `training`
    and `mask`, its positional parameter names, and the `<arg>_mask` parameters (Keras 3 fills
    those from the masks of the tensors given as `<arg>` when a call takes several tensors)."""

    __slots__ = ("training", "mask", "names", "arg_masks")

    def __init__(self, cls):
        try:
            params = inspect.signature(cls.call).parameters
        except (TypeError, ValueError):
            params = {}
        self.training = "training" in params
        self.mask = "mask" in params
        self.names = [n for n, p in params.items() if n != "self" and p.kind in (
            inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
        self.arg_masks = [(n, f"{n}_mask") for n in params if f"{n}_mask" in params]


def _call_signature(cls):
    info = _SIGNATURES.get(cls)
    if info is None:
        info = _SIGNATURES[cls] = _CallSignature(cls)
    return info


def _defines_compute_mask(cls):
    return cls.compute_mask is not Layer.compute_mask


def _holds_tensors(value):
    """A tensor, or a non-empty list/tuple/dict of them (Keras's tensor arguments)."""
    if isinstance(value, (tg.Tensor, KerasTensor)):
        return True
    if isinstance(value, (list, tuple, dict)) and value:
        return all(isinstance(v, (tg.Tensor, KerasTensor)) for v in nest.flatten(value))
    return False


def _capture_init_args(cls, args, kwargs):
    """Constructor arguments by name (Keras 3's auto-config), or None."""
    try:
        sig = inspect.signature(cls.__init__)
        bound = sig.bind(None, *args, **kwargs)
    except (TypeError, ValueError):
        return None
    config = {}
    params = list(sig.parameters.values())
    for i, (name, value) in enumerate(bound.arguments.items()):
        if i == 0:
            continue  # self
        kind = sig.parameters[name].kind
        if kind is inspect.Parameter.VAR_KEYWORD:
            config.update(value)
        elif kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        else:
            config[name] = value
    del params
    return config


def _is_json_like(v):
    if v is None or isinstance(v, (bool, int, float, str)):
        return True
    if isinstance(v, (list, tuple)):
        return all(_is_json_like(e) for e in v)
    if isinstance(v, dict):
        return all(isinstance(k, str) and _is_json_like(e) for k, e in v.items())
    return False


def _wrap_build(build):
    """Marks the layer built (and remembers the shape) whenever build() finishes."""

    @functools.wraps(build)
    def build_wrapper(self, *args, **kwargs):
        result = build(self, *args, **kwargs)
        d = self.__dict__
        d["built"] = True
        if d.get("_build_input_shape") is None:
            shape = args[0] if args else kwargs.get("input_shape")
            if shape is not None:
                d["_build_input_shape"] = shape
        return result

    build_wrapper._tg_build_wrapper = True
    return build_wrapper


class Layer:
    """Base class of layers: state in ``build``, computation in ``call``."""

    # numpy inputs of any numeric dtype are converted to the layer's float dtype
    _cast_numpy_inputs = True
    # element-wise layers over the feature axis keep their input's mask on the output
    _passes_masks = False
    # False: call() gets its inputs as the caller gave them (the text layers read strings and
    # NumPy arrays themselves); symbolic calls then use compute_output_spec
    _convert_inputs = True
    # Counts changes to any layer's structure (sublayers, weights, trainable flags, losses), so the
    # trainer's cached step re-reads its variable list only when something changed.
    structure_version = 0

    def __new__(cls, *args, **kwargs):
        obj = super().__new__(cls)
        object.__setattr__(obj, "_auto_config", _capture_init_args(cls, args, kwargs))
        return obj

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        object_registry.record_class(cls)
        build = cls.__dict__.get("build")
        if build is not None and not getattr(build, "_tg_build_wrapper", False):
            cls.build = _wrap_build(build)

    def __init__(self, *, activity_regularizer=None, trainable=True, dtype=None, autocast=True, name=None,
                 **kwargs):
        self._init_tracking()
        input_shape = kwargs.pop("input_shape", None)
        input_dim = kwargs.pop("input_dim", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        batch_size = kwargs.pop("batch_size", None)
        kwargs.pop("input_length", None)
        if kwargs:
            raise TypeError(
                f"Unrecognized keyword arguments passed to {type(self).__name__}: {kwargs}")
        d = self.__dict__
        if name is None:
            name = backend.unique_name(to_snake_case(type(self).__name__))
        elif not isinstance(name, str):
            raise TypeError(f"Layer name must be a string, got {type(name).__name__}: {name!r}")
        d["name"] = name
        d["_trainable"] = bool(trainable)
        d["dtype"] = dtype_name(dtype) if dtype is not None else backend.floatx()
        d["_dtype_obj"] = None  # the tg dtype, looked up on first use
        d["_autocast"] = bool(autocast)
        d["activity_regularizer"] = regularizers.get(activity_regularizer)
        # Keras 3: a layer that defines compute_mask supports masking; others opt in (in
        # __init__, or by the class attribute `_passes_masks`: the mask goes through unchanged)
        d["supports_masking"] = type(self)._passes_masks or _defines_compute_mask(type(self))
        # An input shape given at construction (Keras 2 style) lets Sequential build early.
        if batch_input_shape is not None:
            d["_batch_input_shape"] = tuple(batch_input_shape)
        elif input_shape is not None:
            d["_batch_input_shape"] = (batch_size,) + tuple(input_shape)
        elif input_dim is not None:
            d["_batch_input_shape"] = (batch_size, int(input_dim))

    # ---- tracking ---------------------------------------------------------------

    def _init_tracking(self):
        d = self.__dict__
        if "_layers" in d:
            return
        d["_layers"] = []
        d["_layer_ids"] = set()
        d["_own_variables"] = []
        d["_variable_ids"] = set()
        d["_variable_names"] = {}
        d["_weight_regularizers"] = []
        d["_constraints"] = []
        d["_losses"] = []
        d["_inbound_nodes"] = []
        d.setdefault("built", False)
        d.setdefault("_build_input_shape", None)
        d.setdefault("_output_shape", None)
        d.setdefault("_trainable", True)
        d.setdefault("dtype", backend.floatx())
        d.setdefault("_dtype_obj", None)
        d.setdefault("_autocast", True)
        d.setdefault("activity_regularizer", None)
        sig = _call_signature(type(self))
        d["_call_has_training"] = sig.training
        d["_call_signature"] = sig

    def __setattr__(self, name, value):
        if "_layers" not in self.__dict__:
            self._init_tracking()
        if name in ("activity_regularizer", "built", "dtype", "_autocast"):
            self.__dict__["_fast_call"] = False
            Layer.structure_version += 1
        if not name.startswith("__"):
            self._track(value)
        object.__setattr__(self, name, value)

    def _track(self, value):
        if isinstance(value, Layer):
            if value is not self and id(value) not in self._layer_ids:
                self._layer_ids.add(id(value))
                self._layers.append(value)
                Layer.structure_version += 1
        elif isinstance(value, tg.Variable):
            self._track_variable(value)
        elif isinstance(value, (list, tuple)):
            for v in value:
                if isinstance(v, (Layer, tg.Variable, list, tuple, dict)):
                    self._track(v)
        elif isinstance(value, dict):
            for v in value.values():
                if isinstance(v, (Layer, tg.Variable, list, tuple, dict)):
                    self._track(v)

    def _track_variable(self, var, name=None):
        if id(var) not in self._variable_ids:
            self._variable_ids.add(id(var))
            self._own_variables.append(var)
            Layer.structure_version += 1
            if name is None:
                name = getattr(var, "name", None) or "variable"
                name = name.split("/")[-1].split(":")[0]
            self._variable_names[id(var)] = name

    def _flatten_layers(self, include_self=True, recursive=True):
        seen = set()
        out = []

        def visit(layer):
            if id(layer) in seen:
                return
            seen.add(id(layer))
            out.append(layer)
            if recursive or layer is self:
                for sub in layer._layers:
                    visit(sub)

        visit(self)
        return out if include_self else out[1:]

    # ---- weights --------------------------------------------------------------

    def _collect_weights(self, out, seen):
        for v in self._own_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            layer._collect_weights(out, seen)

    @property
    def weights(self):
        """All weights: this layer's own (in creation order), then its sublayers'."""
        out = []
        self._collect_weights(out, set())
        return out

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        out = []
        seen = set()
        for v in self._own_variables:
            if v.trainable and id(v) not in seen:
                seen.add(id(v))
                out.append(v)
        for layer in self._layers:
            for v in layer.trainable_weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def non_trainable_weights(self):
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self.__dict__["_trainable"] = value
        Layer.structure_version += 1
        for layer in self._layers:
            layer.trainable = value

    def _weight_path(self, var):
        return f"{self.name}/{self._variable_names.get(id(var), 'variable')}"

    def get_weights(self):
        """The weights as a list of NumPy arrays (same order as ``weights``)."""
        return [v.numpy() for v in self.weights]

    def set_weights(self, weights):
        params = self.weights
        weights = list(weights)
        if len(params) != len(weights):
            raise ValueError(
                f"You called `set_weights(weights)` on layer '{self.name}' with a weight list of "
                f"length {len(weights)}, but the layer was expecting {len(params)} weights.")
        for v, w in zip(params, weights):
            w = np.asarray(w.numpy() if hasattr(w, "numpy") else w)
            if tuple(v.shape) != tuple(w.shape):
                raise ValueError(
                    f"Layer '{self.name}' weight shape {tuple(v.shape)} is not compatible with "
                    f"provided weight shape {tuple(w.shape)}.")
        for v, w in zip(params, weights):
            w = np.asarray(w.numpy() if hasattr(w, "numpy") else w)
            v.assign(tg.convert_to_tensor(np.asarray(w, dtype=dtype_name(v.dtype), order="C")))

    def count_params(self):
        if not self.built:
            raise ValueError(
                f"You tried to call `count_params` on layer '{self.name}', but the layer isn't built. "
                f"You can build it manually via: `layer.build(input_shape)`.")
        total = 0
        for v in self.weights:
            n = 1
            for d in v.shape:
                n *= int(d)
            total += n
        return total

    def add_weight(self, shape=None, initializer=None, dtype=None, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", name=None, **kwargs):
        """Creates a tg.Variable owned by this layer (Keras 3 argument order)."""
        if isinstance(shape, str):  # Keras 2 order: add_weight(name, shape, dtype, initializer)
            name, shape, initializer = shape, initializer, kwargs.pop("initializer", None)
        if "use_resource" in kwargs or "synchronization" in kwargs:
            kwargs.pop("use_resource", None)
            kwargs.pop("synchronization", None)
        if kwargs:
            raise TypeError(f"add_weight() got unexpected keyword arguments: {sorted(kwargs)}")
        if "_layers" not in self.__dict__:
            self._init_tracking()
        shape = () if shape is None else tuple(shape)
        for d in shape:
            if d is None or int(d) < 0:
                raise ValueError(
                    f"Layer '{self.name}': cannot create weight '{name or 'variable'}' with shape {shape}; "
                    f"every dimension must be a known non-negative integer.")
        shape = tuple(int(d) for d in shape)
        dtype = dtype_name(dtype) if dtype is not None else self.dtype
        if initializer is None:
            initializer = "glorot_uniform" if is_float_dtype(dtype) else "zeros"
        init = initializers.get(initializer)
        value = init(shape, dtype=dtype)
        if not isinstance(value, tg.Tensor):
            value = tg.convert_to_tensor(np.asarray(value, dtype=dtype))
        elif dtype_name(value.dtype) != dtype:
            value = tg.cast(value, dtype)
        var = tg.Variable(value, trainable=bool(trainable), name=name or "variable")
        self._track_variable(var, name or "variable")
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._weight_regularizers.append((var, reg))
        con = constraints.get(constraint)
        if con is not None:
            self._constraints.append((var, con))
        return var

    # ---- losses -----------------------------------------------------------------

    def add_loss(self, loss):
        """Adds a loss tensor (e.g. an activity penalty) to this layer's ``losses``."""
        if not CALL_CONTEXT.add_loss_used:
            CALL_CONTEXT.add_loss_used = True
            Layer.structure_version += 1
        self._losses.append(loss)

    @property
    def losses(self):
        """Regularization penalties of all weights plus losses added in the last call."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._losses)
            for var, reg in layer._weight_regularizers:
                out.append(reg(var))
        return out

    def _clear_losses(self):
        for layer in self._flatten_layers():
            layer._losses.clear()

    def _has_regularization(self):
        return any(layer._weight_regularizers or layer.activity_regularizer is not None or layer._losses
                   for layer in self._flatten_layers()) or CALL_CONTEXT.add_loss_used

    # ---- building and calling -------------------------------------------------------

    def build(self, input_shape=None):
        """Creates the weights once the input shape is known (override in subclasses)."""
        self.__dict__["built"] = True
        if input_shape is not None and self.__dict__.get("_build_input_shape") is None:
            self.__dict__["_build_input_shape"] = input_shape

    def call(self, inputs, *args, **kwargs):
        return inputs

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the outputs (Keras 3: the input's mask, for layers that support masking)."""
        return previous_mask

    def _tg_dtype(self):
        dt = self._dtype_obj
        if dt is None:
            dt = tg.as_dtype(self.dtype)
            self.__dict__["_dtype_obj"] = dt
        return dt

    def _convert_input(self, x):
        if isinstance(x, np.ndarray):
            if is_string_array(x):  # text stays host data for the first (text) layer
                return x
            if self._cast_numpy_inputs and x.dtype.kind in "biuf" and is_float_dtype(self.dtype):
                return tg.convert_to_tensor(np.asarray(x, dtype=self.dtype, order="C"))
            return tg.convert_to_tensor(x)
        if isinstance(x, tg.Variable):
            return tg.convert_to_tensor(x)
        if isinstance(x, (list, tuple)):
            if x and all(isinstance(e, (int, float)) for e in x):
                return self._convert_input(np.asarray(x))
            return type(x)(self._convert_input(e) for e in x)
        if isinstance(x, dict):
            return {k: self._convert_input(v) for k, v in x.items()}
        if isinstance(x, (int, float, np.generic)):
            return self._convert_input(np.asarray(x))
        return x

    def __call__(self, *args, **kwargs):
        # Fast path (most calls in a training step): a built layer called on one tensor of
        # its own dtype, with no keyword argument but `training`. Nothing to convert or build.
        if len(args) == 1 and (not kwargs or (len(kwargs) == 1 and "training" in kwargs)):
            d = self.__dict__
            x = args[0]
            ctx = CALL_CONTEXT
            if d.get("_fast_call") and type(x) is tg.Tensor and x.dtype is d["_dtype_obj"] \
                    and not ctx.add_loss_used and (not masking.IN_USE or x.__dict__.get("_keras_mask") is None):
                if not kwargs:
                    # the enclosing call's training flag stays in force for nested layers as it is
                    if d["_call_has_training"] and ctx.training is not None:
                        return self.call(x, training=ctx.training)
                    return self.call(x)
                training = kwargs["training"]
                if training is None:
                    training = ctx.training
                prev = ctx.training
                ctx.training = training
                try:
                    if d["_call_has_training"]:
                        return self.call(x, training=training)
                    return self.call(x)
                finally:
                    ctx.training = prev
        return self._call(args, kwargs)

    def _call(self, args, kwargs):
        if args:
            inputs = args[0]
        elif "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
            args = (inputs,)
        else:
            raise TypeError(f"Layer '{self.name}' was called without inputs")
        # read before the inputs are converted (a cast makes a new tensor without the mask)
        previous_mask = self._fill_masks(args, kwargs) if masking.IN_USE else None
        if type(inputs) is tg.Tensor:
            if self._autocast and inputs.dtype is not (self._dtype_obj or self._tg_dtype()):
                if is_float_dtype(inputs.dtype):
                    args = (tg.cast(inputs, self._dtype_obj),) + args[1:]
        elif any_keras_tensor(inputs):
            return self._symbolic_call(args, kwargs)
        elif self._convert_inputs:
            args = (self._convert_input(inputs),) + args[1:]

        ctx = CALL_CONTEXT
        if self._call_has_training:
            training = kwargs.get("training")
            if training is None:
                training = ctx.training
                if training is not None:
                    kwargs["training"] = training
        else:
            training = kwargs.pop("training", None)
            if training is None:
                training = ctx.training
        if ctx.depth == 0 and CALL_CONTEXT.add_loss_used:
            self._clear_losses()
        prev_training = ctx.training
        ctx.training = training
        ctx.depth += 1
        try:
            if not self.built:
                self._build_on_call(args[0])
                outputs = self.call(*args, **kwargs)
                self.__dict__["_output_shape"] = shape_structure(outputs)
            else:
                outputs = self.call(*args, **kwargs)
        finally:
            ctx.training = prev_training
            ctx.depth -= 1
        if self.supports_masking:
            if previous_mask is not None or _defines_compute_mask(type(self)):
                masking.attach_masks(outputs, self.compute_mask(args[0], previous_mask))
        elif previous_mask is not None and not self.__dict__.get("_warned_mask"):
            self.__dict__["_warned_mask"] = True
            warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed an input with a mask "
                          "attached to it. However, this layer does not support masking and will therefore "
                          "destroy the mask information. Downstream layers will not see the mask.", stacklevel=3)
        if self.activity_regularizer is not None:
            for out in nest.flatten(outputs):
                self.add_loss(self.activity_regularizer(out))
        else:
            d = self.__dict__
            # a layer that makes masks of its own (Embedding, Masking) always takes the full path
            d["_fast_call"] = self.built and d["_dtype_obj"] is not None and not _defines_compute_mask(type(self))
        return outputs

    def _fill_masks(self, args, kwargs):
        """Keras 3's mask arguments: when the call gets one tensor argument, `mask` from its masks;
        when it gets several, only each `<arg>_mask` from the masks of `<arg>` (so an RNN given an
        initial_state does not receive its sequence's mask, as in Keras 3). Returns the previous
        mask (the one compute_mask receives: `mask`, else the first argument's)."""
        sig = self._call_signature
        given = dict(zip(sig.names, args))
        given.update((k, v) for k, v in kwargs.items() if k not in ("mask", "training"))
        tensors = {name: value for name, value in given.items()
                   if not name.endswith("_mask") and _holds_tensors(value)}
        if len(tensors) == 1:
            if sig.mask and kwargs.get("mask") is None:
                mask = masking.mask_of(next(iter(tensors.values())))
                if mask is not None:
                    kwargs["mask"] = mask
        elif sig.arg_masks:
            for name, mask_name in sig.arg_masks:
                if given.get(mask_name) is None and name in tensors:
                    mask = masking.mask_of(tensors[name])
                    if mask is not None:
                        kwargs[mask_name] = mask
        mask = kwargs.get("mask")
        return mask if mask is not None else masking.mask_of(args[0])

    def _build_on_call(self, inputs):
        shape = shape_structure(inputs)
        self.build(shape)
        d = self.__dict__
        d["built"] = True
        if d.get("_build_input_shape") is None:
            d["_build_input_shape"] = shape

    # ---- functional API (symbolic calls on KerasTensors) ------------------------------------

    def _symbolic_call(self, args, kwargs):
        inputs = args[0]
        batch_unknown = any(kt.shape and kt.shape[0] is None for kt in nest.flatten(inputs)
                            if isinstance(kt, KerasTensor))

        def concrete(x):
            if isinstance(x, KerasTensor):
                shape = tuple(1 if d is None else d for d in x.shape)
                return tg.zeros(shape, dtype=x.dtype)
            return x

        if not self.built:
            self.build(nest.map_structure(lambda t: tuple(t.shape) if hasattr(t, "shape") else None, inputs))
            self.__dict__["built"] = True
        if not self._convert_inputs:
            # a layer that reads raw data (strings) says its output itself, as Keras's layers do
            out_kts = self.compute_output_spec(inputs)
        else:
            out_kts = self._infer_on_zeros(args, kwargs, concrete, batch_unknown)
        self.__dict__["_output_shape"] = nest.map_structure(lambda kt: kt.shape, out_kts)
        node = Node(self, args, kwargs, out_kts)
        self._inbound_nodes.append(node)
        for i, kt in enumerate(nest.flatten(out_kts)):
            kt._keras_history = (self, node, i)
            if kt.name is None:
                kt.name = f"{self.name}_output_{i}" if i else f"{self.name}_output"
        return out_kts

    def _infer_on_zeros(self, args, kwargs, concrete, batch_unknown):
        """The output KerasTensors, found by running the layer on a zero batch of one sample."""
        call_kwargs = {k: nest.map_structure(concrete, v) for k, v in kwargs.items() if k != "training"}
        if self._call_has_training:
            call_kwargs["training"] = False
        dummy_args = tuple(nest.map_structure(concrete, a) for a in args)
        prev = CALL_CONTEXT.training
        CALL_CONTEXT.training = False
        try:
            outputs = self.call(*dummy_args, **call_kwargs)
        finally:
            CALL_CONTEXT.training = prev

        def symbolic(t):
            shape = tuple(t.shape)
            if batch_unknown and shape:
                shape = (None,) + shape[1:]
            return KerasTensor(shape, dtype=dtype_name(t.dtype))

        return nest.map_structure(symbolic, outputs)

    def compute_output_spec(self, inputs):
        """The output KerasTensor(s) for symbolic inputs; layers that set _convert_inputs = False
        define it (the others are run on zeros instead)."""
        raise NotImplementedError(f"Layer {type(self).__name__} does not define compute_output_spec()")

    # ---- the symbolic input and output of the first call (the functional API) ----------

    def _first_node(self, what):
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no defined {what}.")
        return self._inbound_nodes[0]

    @property
    def input(self):
        """The KerasTensor(s) the layer was first called on (an InputLayer's: its own output)."""
        node = self._first_node("input")
        if not node.call_args:
            return node.outputs
        return node.call_args[0]

    @property
    def output(self):
        """The KerasTensor(s) of the layer's first call, e.g. for keras.Model(model.inputs, layer.output)."""
        return self._first_node("output").outputs

    @property
    def input_shape(self):
        return nest.map_structure(lambda t: tuple(t.shape), self.input)

    @property
    def output_shape(self):
        return nest.map_structure(lambda t: tuple(t.shape), self.output)

    def compute_output_shape(self, input_shape):
        """The output shape for an input shape, found by running the layer on zeros."""
        kt = _keras_tensors_of_shapes(input_shape, self.dtype)
        saved_nodes = list(self._inbound_nodes)
        out = self._symbolic_call((kt,), {})
        self.__dict__["_inbound_nodes"] = saved_nodes
        return nest.map_structure(lambda t: t.shape, out)

    # ---- config ---------------------------------------------------------------------

    def get_config(self):
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        batch_input_shape = self.__dict__.get("_batch_input_shape")
        if batch_input_shape is not None:
            config["batch_input_shape"] = list(batch_input_shape)
        if type(self).get_config is Layer.get_config and self._auto_config:
            for k, v in self._auto_config.items():
                if k not in config and _is_json_like(v):
                    config[k] = v
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _keras_tensors_of_shapes(shapes, dtype):
    """KerasTensors for a shape, or for a list/tuple/dict of shapes."""
    if isinstance(shapes, tuple) and all(d is None or isinstance(d, int) for d in shapes):
        return KerasTensor(shapes, dtype=dtype)
    if isinstance(shapes, (list, tuple)):
        return type(shapes)(_keras_tensors_of_shapes(s, dtype) for s in shapes)
    if isinstance(shapes, dict):
        return {k: _keras_tensors_of_shapes(s, dtype) for k, s in shapes.items()}
    return KerasTensor(tuple(shapes), dtype=dtype)

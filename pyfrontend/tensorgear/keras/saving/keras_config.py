"""Configs in Keras 3's ``config.json`` dialect, both ways.

Keras 3 writes every object as ``{"module", "class_name", "config",
"registered_name"}`` (layers add ``build_config``; a functional model's layers
add ``name`` and ``inbound_nodes``), a layer's dtype as a ``DTypePolicy``
object, and some arguments tensorgear does not have (``renorm``,
``quantization_config``, ...). Writing, tensorgear's configs gain the wrapper
and the policy; reading, they lose them again, and an argument tensorgear does
not take is dropped when it holds Keras's "off" value (None, False, its
default) and is an error naming the layer and the argument otherwise.
"""

import inspect

from .. import constraints, initializers, losses, metrics, optimizers, regularizers
from ..layers.layer import Layer

# Arguments Keras 3 writes that tensorgear's classes do not take, with the value that means "not used".
KERAS_ONLY_DEFAULTS = {
    "renorm": False, "renorm_clipping": None, "renorm_momentum": 0.99, "synchronized": False,
    "quantization_config": None, "lora_rank": None, "lora_alpha": None, "input_axes": None,
    "output_axes": None, "optional": False, "ragged": False, "sparse": False,
}

_CATALOGUE_MODULES = {"initializers": initializers, "regularizers": regularizers, "constraints": constraints,
                      "optimizers": optimizers, "losses": losses, "metrics": metrics}
_CATALOGUES = tuple(_CATALOGUE_MODULES)


def _catalogue(module_name):
    return _CATALOGUE_MODULES[module_name]._LOOKUP


def _class_in_catalogues(class_name, module=None):
    """(catalogue name, class) for a class named in a config, or (None, None)."""
    wanted = [module.rsplit(".", 1)[-1]] if module and module.rsplit(".", 1)[-1] in _CATALOGUES else _CATALOGUES
    for name in wanted:
        cls = _catalogue(name).classes.get(class_name)
        if cls is not None:
            return name, cls
    return None, None


def _is_object(value):
    return isinstance(value, dict) and "class_name" in value and "config" in value


# ---- writing --------------------------------------------------------------------------------

def dtype_policy(name):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}


def to_keras(value):
    """A tensorgear config value in Keras's dialect (nested objects wrapped)."""
    if _is_object(value):
        if "module" in value:  # already Keras's (a layer entry inside a model's config)
            return {**value, "config": to_keras(value["config"])}
        catalogue, _ = _class_in_catalogues(value["class_name"])
        module = f"keras.{catalogue}" if catalogue else "keras.layers"
        return {"module": module, "class_name": value["class_name"], "config": to_keras(value["config"]),
                "registered_name": None}
    if isinstance(value, dict):
        return {k: to_keras(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_keras(v) for v in value]
    return value


def layer_config(layer):
    """A layer's get_config() in Keras's dialect."""
    config = to_keras(layer.get_config())
    if isinstance(config.get("dtype"), str) and type(layer).__name__ != "InputLayer":
        config["dtype"] = dtype_policy(config["dtype"])
    return config


def registered_name(obj):
    from .object_registry import registered_key

    return registered_key(type(obj))


def serialize_layer(layer):
    """{"module", "class_name", "config", "registered_name", "build_config"} for a layer or model."""
    keras_entry = getattr(layer, "keras_entry", None)
    if keras_entry is not None:  # a Keras operation of a loaded graph
        return keras_entry()
    cls = type(layer)
    builtin = cls.__module__.startswith("tensorgear.keras.")
    entry = {"module": "keras.layers" if builtin else cls.__module__, "class_name": cls.__name__,
             "config": layer_config(layer), "registered_name": None if builtin else registered_name(layer)}
    shape = getattr(layer, "_build_input_shape", None)
    if cls.__name__ != "InputLayer" and layer.built:
        # a layer built from several shapes (MultiHeadAttention) says so, as in Keras
        own = getattr(layer, "get_build_config", None)
        entry["build_config"] = own() if own is not None else {"input_shape": _jsonable_shape(shape)}
    return entry


def _jsonable_shape(shape):
    if shape is None:
        return None
    if isinstance(shape, dict):
        return {k: _jsonable_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple, dict)):
        return [_jsonable_shape(s) for s in shape]
    return list(shape)


# ---- reading --------------------------------------------------------------------------------

def _accepted_arguments(cls):
    """The keyword arguments cls() takes (None: any)."""
    names = set()
    # a layer class passing **kwargs up takes what the classes above it take (LSTMCell -> its base)
    klasses = [k for k in cls.__mro__ if issubclass(k, Layer) and "__init__" in k.__dict__] \
        if issubclass(cls, Layer) else [cls]
    for klass in klasses:
        params = inspect.signature(klass.__init__).parameters.values()
        names.update(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        if not issubclass(cls, Layer) and any(p.kind == p.VAR_KEYWORD for p in params):
            return None
    if issubclass(cls, Layer):
        names.update(("input_shape", "input_dim", "batch_input_shape", "batch_size", "input_length"))
    return names


def from_keras(value):
    """Nested objects and dtype policies of a Keras config, in tensorgear's dialect."""
    if _is_object(value):
        if value["class_name"] == "DTypePolicy" or value["class_name"] == "FloatDTypePolicy":
            return value["config"]["name"]
        config = from_keras(value["config"])
        if str(value.get("module", "")).startswith("keras.src.ops"):  # an op node (deserialize_layer reads it)
            return {**value, "config": config}
        _, cls = _class_in_catalogues(value["class_name"], value.get("module"))
        if cls is None:  # a layer entry (deserialize_layer reads it) or a custom object: keep its keys
            return {**value, "config": config}
        if isinstance(config, dict):
            config = filter_arguments(cls, config, value["class_name"])
        return {"class_name": value["class_name"], "config": config}
    if isinstance(value, dict):
        return {k: from_keras(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [from_keras(v) for v in value]
    return value


def filter_arguments(cls, config, what):
    """`config` without the Keras-only arguments cls does not take; ValueError for one that is on."""
    accepted = _accepted_arguments(cls)
    if accepted is None:
        return config
    out = {}
    for key, value in config.items():
        if key in accepted:
            out[key] = value
        elif value is None or value is False or KERAS_ONLY_DEFAULTS.get(key, object()) == value:
            continue
        else:
            raise ValueError(f"{what}: tensorgear's {cls.__name__} does not support the argument "
                             f"{key}={value!r} of this Keras file")
    return out


def deserialize_layer(entry, custom_objects=None):
    """The layer (or model) for a Keras entry {"class_name", "config", ...}."""
    from .object_registry import get_registered_object

    if str(entry.get("module", "")).startswith("keras.src.ops"):  # an operation between layers
        from ..layers.operation import KerasOperation

        config = dict(entry.get("config") or {})
        return KerasOperation(entry["class_name"], module=entry["module"], **config)
    name = entry.get("registered_name") or entry["class_name"]
    try:
        cls = get_registered_object(name, custom_objects)
    except ValueError:
        if name == entry["class_name"]:
            raise
        cls = get_registered_object(entry["class_name"], custom_objects)
    config = from_keras(entry["config"])
    if getattr(cls.from_config, "__func__", None) is Layer.from_config.__func__:
        config = filter_arguments(cls, config, f"Layer '{config.get('name', entry['class_name'])}'")
    try:
        return cls.from_config(config, custom_objects=custom_objects)
    except TypeError as exc:
        if "custom_objects" not in str(exc):
            raise
        return cls.from_config(config)


def build_from_entry(layer, entry):
    """Builds a layer from the entry's build_config (as Keras does before loading weights)."""
    build_config = entry.get("build_config") or {}
    shape = build_config.get("input_shape")
    if layer.built:
        return
    if shape is None and build_config.get("shapes_dict"):  # build(query_shape=..., value_shape=...)
        layer.build(**{k: _tuple_shape(v) for k, v in build_config["shapes_dict"].items()})
        return
    if shape is None:
        return
    layer.build(_tuple_shape(shape))


def _tuple_shape(shape):
    if isinstance(shape, dict):
        return {k: _tuple_shape(v) for k, v in shape.items()}
    if isinstance(shape, list) and shape and isinstance(shape[0], (list, dict)):
        return [_tuple_shape(s) for s in shape]
    return tuple(shape)

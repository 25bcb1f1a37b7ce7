"""Weights in Keras 3's HDF5 layout (``.weights.h5``, and ``model.weights.h5`` inside ``.keras``).

Keras 3 stores each object's own variables under the path of that object in
the model, ``<path>/vars/0``, ``<path>/vars/1``, ..., the group carrying the
object's name as an attribute. Paths are not layer names (those vary between
two instances of one model) but:

- ``layers/<snake_case class name>[_<n>]`` for the layers of a Sequential or
  Functional model, counted in the order Keras lists them (``keras_layers``);
- the attribute name for a layer held by another layer or a subclassed model
  (``body``, ``head``), attributes visited in sorted order, private ones last;
  a list or dict of layers is a container listed like ``layers``;
- ``optimizer`` for the model's optimizer: iterations, the learning rate,
  then its slots in Keras's order (``Optimizer._keras_slot_groups``);
- ``vars`` (empty) for the model itself.

A layer's own variables come trainable first, then non-trainable, each in
creation order (Keras's ``save_own_variables``). A layer that defines
``save_own_variables(store)`` / ``load_own_variables(store)`` itself (the
lookup layers: their idf weights under the key "idf_weights") writes and reads
its group's datasets by its own keys, as in Keras. Everything is read and
checked before any variable is assigned, so a file that does not fit loses
nothing and says which object did not fit.
"""

import io
import json

import numpy as np

import tensorgear as tg

from ..backend.tensor_utils import dtype_name
from ..layers.layer import Layer
from ..utils.naming import to_snake_case

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def _h5py():
    try:
        import h5py
    except ImportError as exc:  # a dependency of the package; only a broken install lacks it
        raise ImportError("Reading and writing Keras weight files needs h5py (pip install h5py)") from exc
    return h5py


def is_hdf5(path_or_bytes):
    if isinstance(path_or_bytes, (bytes, bytearray)):
        return bytes(path_or_bytes[:8]) == HDF5_SIGNATURE
    with open(path_or_bytes, "rb") as f:
        return f.read(8) == HDF5_SIGNATURE


# ---- the objects and their paths ------------------------------------------------------------

def keras_layers(model):
    """A Sequential or Functional model's layers in the order Keras 3 lists them (what numbers
    the ``layers/dense``, ``layers/dense_1`` paths); None for other layers and models. The models
    say it themselves (``_keras_layer_order``) so that saving never imports the models."""
    order = getattr(model, "_keras_layer_order", None)
    if order is None:
        return None
    # Keras's operations between layers (keras.ops calls in the graph) are not layers of the file
    return [layer for layer in order() if not getattr(layer, "_keras_operation", False)]


_BASE_ATTRIBUTES = {}
_MODEL_MODULE = __name__.rsplit(".", 2)[0] + ".models.model"


def _internal_attributes(obj):
    """The attributes every tensorgear Layer/Model sets itself (not a user's sublayers)."""
    # Model by name rather than by import: the models import saving, not the other way round
    kind = next((c for c in type(obj).__mro__ if c.__name__ == "Model" and c.__module__ == _MODEL_MODULE), Layer)
    if kind not in _BASE_ATTRIBUTES:
        _BASE_ATTRIBUTES[kind] = set(kind(name="__probe__").__dict__) - {"optimizer"}
    return _BASE_ATTRIBUTES[kind]


def _sort_key(name):
    return "~" + name if name.startswith("_") else name


def _unique(name, used):
    if name in used:
        used[name] += 1
        return f"{name}_{used[name]}"
    used[name] = 0
    return name


def own_variables(layer):
    variables = list(layer._own_variables)
    return [v for v in variables if v.trainable] + [v for v in variables if not v.trainable]


def walk(model):
    """[(path, object)] for every layer (and the optimizer) that has a group in the file."""
    out, seen = [], set()

    def visit(obj, path):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        out.append((path, obj))
        if not isinstance(obj, Layer):
            return
        listed = keras_layers(obj)
        if listed is not None:
            container(listed, join(path, "layers"))
        internal = _internal_attributes(obj)
        for name in sorted(obj.__dict__, key=_sort_key):
            if name in internal or name.startswith("__"):
                continue
            value = obj.__dict__[name]
            child_path = join(path, name)
            if isinstance(value, Layer) or _is_optimizer(value):
                visit(value, child_path)
            elif isinstance(value, (list, tuple, dict)):
                container(value, child_path)

    def container(values, path, visited=None):
        visited = visited if visited is not None else set()
        if id(values) in visited:
            return
        visited.add(id(values))
        used = {}
        for value in (values.values() if isinstance(values, dict) else values):
            if isinstance(value, Layer) or _is_optimizer(value):
                visit(value, join(path, _unique(to_snake_case(type(value).__name__), used)))
            elif isinstance(value, (list, tuple, dict)):
                container(value, join(path, _unique("container", used)), visited)

    visit(model, "")
    return out


def _stores_itself(obj):
    """Whether a layer writes its own group (Keras's save_own_variables / load_own_variables)."""
    return isinstance(obj, Layer) and hasattr(obj, "save_own_variables") and hasattr(obj, "load_own_variables")


def join(a, b):
    return f"{a}/{b}" if a else b


def _is_optimizer(value):
    from ..optimizers.optimizer import Optimizer

    return isinstance(value, Optimizer)


def variables_of(obj, model):
    """The variables an object stores, in Keras's order."""
    if _is_optimizer(obj):
        return obj._keras_variables(model.trainable_weights)
    return own_variables(obj)


# ---- writing ----------------------------------------------------------------------------------

def write_h5(model, fileobj, include_optimizer=True):
    """Writes `model`'s weights (and its optimizer's state, once it has one) in Keras's layout."""
    h5py = _h5py()
    with h5py.File(fileobj, "w") as f:
        for path, obj in walk(model):
            if _is_optimizer(obj) and (not include_optimizer or not obj._slot_order):
                continue
            group = f.create_group(join(path, "vars"))
            name = getattr(obj, "name", None)
            if isinstance(name, str):
                group.attrs["name"] = name
            if obj is model and getattr(model, "_build_input_shape", None) is not None:
                # lets load_weights build a model that was not built (Keras ignores the attribute)
                group.attrs["build_input_shape"] = json.dumps(_shape_to_json(model._build_input_shape))
            if _stores_itself(obj):
                store = {}
                obj.save_own_variables(store)
                for key, value in store.items():
                    group.create_dataset(key, data=np.asarray(value))
                continue
            for i, v in enumerate(variables_of(obj, model)):
                group.create_dataset(str(i), data=np.asarray(v.numpy()))


def h5_bytes(model, include_optimizer=True):
    buf = io.BytesIO()
    write_h5(model, buf, include_optimizer)
    return buf.getvalue()


# ---- reading ----------------------------------------------------------------------------------

def shape_mismatch(message, skip_mismatch):
    """A weight whose shape differs from the file's: a ValueError, or with skip_mismatch a warning
    (the weight keeps its value)."""
    if not skip_mismatch:
        raise ValueError(message)
    import warnings

    warnings.warn("Skipping mismatched weight: " + message, stacklevel=4)


def read_h5(model, source, label, skip_mismatch=False, load_optimizer=True):
    """Assigns the weights in `source` (a path or bytes) to `model`; ValueError naming the object
    and the file when they do not fit, before anything is assigned."""
    h5py = _h5py()
    handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else source
    pending = []
    try:
        with h5py.File(handle, "r") as f:
            if not model.built and "vars" in f and "build_input_shape" in f["vars"].attrs:
                model.build(_shape_from_json(json.loads(f["vars"].attrs["build_input_shape"])))
            for path, obj in walk(model):
                if _is_optimizer(obj):
                    if load_optimizer:
                        pending.extend(_optimizer_values(obj, model, f, path, label))
                    continue
                key = join(path, "vars")
                if _stores_itself(obj):
                    store = {name: value[()] for name, value in f[key].items()} if key in f else {}
                    pending.append((None, lambda obj=obj, store=store: obj.load_own_variables(store)))
                    continue
                variables = own_variables(obj)
                if key not in f:
                    if variables:
                        raise ValueError(f"{label} has no weights for layer '{obj.name}' (path '{key}'): it "
                                         f"was saved from a different model")
                    continue
                group = f[key]
                if len(group.keys()) != len(variables):
                    raise ValueError(
                        f"Layer '{obj.name}' expects {len(variables)} variables, but {label} holds "
                        f"{len(group.keys())} at '{key}'")
                for i, var in enumerate(variables):
                    value = _dataset(group, str(i), key, label)
                    if tuple(value.shape) != tuple(var.shape):
                        shape_mismatch(f"Layer '{obj.name}' weight '{_var_name(var)}' (number {i}) has shape "
                                       f"{tuple(var.shape)} in the model but {tuple(value.shape)} in {label}",
                                       skip_mismatch)
                        continue
                    pending.append((var, value))
            _check_nothing_left(f, {join(path, "vars") for path, _ in walk(model)}, label)
    except (OSError, KeyError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"Cannot read weights from {label}: the file is corrupt or truncated "
                         f"({type(exc).__name__}: {exc})") from exc
    for var, value in pending:
        if var is None:  # the optimizer's step count
            value()
            continue
        var.assign(tg.convert_to_tensor(np.asarray(value, dtype=dtype_name(var.dtype), order="C")))


def _check_nothing_left(f, read, label):
    """A file with weights for objects the model lacks was saved from another model."""
    left = []

    def visit(name, obj):
        if name.endswith("/vars") or name == "vars":
            if name not in read and len(obj.keys()) and not name.startswith("optimizer"):
                left.append(name[:-len("/vars")])

    f.visititems(visit)
    if left:
        raise ValueError(f"Weight count mismatch: {label} holds weights for {sorted(left)}, which the model "
                         f"lacks: it was saved from a different model")


def _shape_to_json(shape):
    if isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        return [list(s) for s in shape]
    return list(shape)


def _shape_from_json(shape):
    if shape and isinstance(shape[0], list):
        return [tuple(s) for s in shape]
    return tuple(shape)


def _var_name(var):
    return getattr(var, "name", None) or "variable"


def _dataset(group, name, key, label):
    if name not in group:
        raise ValueError(f"{label} is missing '{key}/{name}'")
    return group[name][()]


def _optimizer_values(opt, model, f, path, label):
    key = join(path, "vars")
    if key not in f:
        return []
    variables = model.trainable_weights
    if not variables:
        return []
    opt.build(variables)
    current = opt._keras_variables(variables)
    group = f[key]
    if len(group.keys()) != len(current):
        import warnings

        warnings.warn(f"The optimizer state in {label} has {len(group.keys())} variables, this optimizer "
                      f"{len(current)}: it starts fresh", stacklevel=4)
        return []
    values = [_dataset(group, str(i), key, label) for i in range(len(current))]
    for var, value in zip(current, values):
        if tuple(np.shape(value)) != tuple(var.shape):
            import warnings

            warnings.warn(f"The optimizer state in {label} does not fit this optimizer's variables; it starts "
                          f"fresh", stacklevel=4)
            return []
    steps = int(np.asarray(values[0]))
    pending = [(None, lambda: setattr(opt, "iterations", steps))]
    pending.extend(zip(current[1:], values[1:]))
    return pending

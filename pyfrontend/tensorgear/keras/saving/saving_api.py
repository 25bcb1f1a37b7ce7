"""model.save() / keras.models.load_model(): config, weights and optimizer state in one file.

The file is a zip archive (Keras's ``.keras`` layout): ``config.json`` (the
model's class and config, its build shape and compile arguments),
``metadata.json``, ``model.weights.npz`` (as save_weights writes it) and,
when the model was compiled and trained, ``optimizer.npz``. It is written to a
temporary file and renamed into place.
"""

import datetime
import io
import json
import os
import warnings
import zipfile

import numpy as np

import tensorgear as tg

from ..backend.tensor_utils import dtype_name
from .object_registry import get_registered_object
from .serialization import deserialize_compile_args, serialize_keras_object
from .weights_io import assign_weights, atomic_write, read_weights_archive, weights_archive_bytes


def optimizer_state_bytes(model):
    """The optimizer's variables as .npz bytes (None before its first update)."""
    opt = getattr(model, "optimizer", None)
    if opt is None or not opt._slot_order:
        return None
    arrays = {f"v{i:05d}": np.asarray(v.numpy(), order="C") for i, v in enumerate(opt.variables)}
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def save_model(model, filepath, overwrite=True, zipped=True, **kwargs):
    """Writes the whole model (architecture, weights, compile state) to `filepath`."""
    config = serialize_keras_object(model)
    config["compile_config"] = model.get_compile_config() if hasattr(model, "get_compile_config") else None
    metadata = {"keras_version": "3 (tensorgear)", "tensorgear_version": tg.__version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = weights_archive_bytes(model)
    optimizer = optimizer_state_bytes(model)

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr("metadata.json", json.dumps(metadata))
            zf.writestr("config.json", json.dumps(config))
            zf.writestr("model.weights.npz", weights)
            if optimizer is not None:
                zf.writestr("optimizer.npz", optimizer)

    atomic_write(filepath, write, overwrite=overwrite)


def _read_archive(filepath):
    try:
        with zipfile.ZipFile(filepath) as zf:
            names = set(zf.namelist())
            if "config.json" not in names or "model.weights.npz" not in names:
                raise ValueError(f"missing entries (found {sorted(names)})")
            config = json.loads(zf.read("config.json").decode("utf-8"))
            weights = zf.read("model.weights.npz")
            optimizer = zf.read("optimizer.npz") if "optimizer.npz" in names else None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError, UnicodeDecodeError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(f"Cannot load a model from '{filepath}': the file is corrupt or is not a model saved by "
                         f"model.save() ({type(exc).__name__}: {exc})") from exc
    return config, weights, optimizer


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuilds a model saved with model.save(): architecture, weights and (if compile) training setup."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No model file at '{filepath}'")
    config, weights, optimizer = _read_archive(filepath)
    try:
        cls = get_registered_object(config["class_name"], custom_objects)
        layer_config = config["config"]
        if hasattr(cls, "from_config"):
            try:
                model = cls.from_config(layer_config, custom_objects=custom_objects)
            except TypeError:
                model = cls.from_config(layer_config)
        else:
            model = cls(**layer_config)
    except (KeyError, TypeError) as exc:
        raise ValueError(f"Cannot rebuild the model saved in '{filepath}' from its config "
                         f"({type(exc).__name__}: {exc})") from exc
    build_shape = (config.get("build_config") or {}).get("input_shape")
    if not model.built and build_shape is not None:
        shape = [tuple(s) for s in build_shape] if build_shape and isinstance(build_shape[0], list) else \
            tuple(build_shape)
        model.build(shape)
    meta, arrays = read_weights_archive(weights, f"'{filepath}'")
    assign_weights(model, meta, arrays, f"'{filepath}'")
    compile_config = config.get("compile_config")
    if compile and compile_config:
        try:
            model.compile(**deserialize_compile_args(compile_config, custom_objects))
        except ValueError as exc:
            warnings.warn(f"The loaded model was not compiled: {exc}", stacklevel=2)
            return model
        if optimizer is not None:
            restore_optimizer_state(model, optimizer, filepath)
    return model


def restore_optimizer_state(model, data, filepath):
    """Assigns the optimizer state saved by optimizer_state_bytes (a warning if it does not fit)."""
    opt = model.optimizer
    variables = model.trainable_weights
    if not variables:
        return
    opt._plan_for(variables)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            saved = [archive[k] for k in sorted(archive.files)]
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        raise ValueError(f"Cannot read the optimizer state in '{filepath}': {exc}") from exc
    current = opt.variables
    if len(saved) != len(current) or any(tuple(a.shape) != tuple(v.shape) for a, v in zip(saved, current)):
        warnings.warn(f"The optimizer state in '{filepath}' does not match the optimizer; it starts fresh",
                      stacklevel=3)
        return
    opt.iterations = int(saved[0])
    for var, value in zip(current[1:], saved[1:]):
        var.assign(tg.convert_to_tensor(np.asarray(value, dtype=dtype_name(var.dtype), order="C")))

"""model.save() / keras.models.load_model(): Keras 3's ``.keras`` files.

The file is a zip archive: ``config.json`` (the model's class and config in
Keras's dialect, keras_config.py; its build shape and compile arguments),
``metadata.json``, ``model.weights.h5`` (keras_weights.py: weights and
optimizer state) and ``assets/``: the files of layers that define
``save_assets(dir)`` / ``load_assets(dir)`` (a lookup layer's vocabulary.txt),
each under its object's path (``assets/layers/text_vectorization/``). Keras 3 reads what this writes and this reads what Keras 3
writes, for the layers both have. Archives from older tensorgear releases
(``model.weights.npz`` and ``optimizer.npz``) still load.
"""

import datetime
import io
import json
import os
import tempfile
import warnings
import zipfile

import numpy as np

import tensorgear as tg

from ..backend.tensor_utils import dtype_name
from . import keras_config, keras_weights
from .serialization import deserialize_compile_args, serialize_keras_object
from .weights_io import assign_weights, atomic_write, read_weights_archive

# The Keras release whose file format this writes (Keras reads the files of its own major version).
KERAS_FORMAT_VERSION = "3.15.1"


def save_model(model, filepath, overwrite=True, zipped=True, **kwargs):
    """Writes the whole model to `filepath` as Keras 3 does: a zip of ``config.json`` (the
    architecture and compile arguments), ``metadata.json`` and ``model.weights.h5`` (weights and
    optimizer state, see keras_weights.py). Written to a temporary file, then renamed into place."""
    filepath = os.fspath(filepath)
    if not filepath.endswith(".keras"):
        raise ValueError(f"The filename must end in `.keras` (Keras 3's format); received filepath={filepath}. "
                         f"For weights only, use save_weights() with a `.weights.h5` filename.")
    config = serialize_keras_object(model)
    config["compile_config"] = model.get_compile_config() if hasattr(model, "get_compile_config") else None
    metadata = {"keras_version": KERAS_FORMAT_VERSION, "tensorgear_version": tg.__version__,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = keras_weights.h5_bytes(model)
    assets = _asset_files(model)

    def write(f):
        with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr("metadata.json", json.dumps(metadata))
            zf.writestr("config.json", json.dumps(config))
            zf.writestr("model.weights.h5", weights)
            for name, data in assets:
                zf.writestr(name, data)

    atomic_write(filepath, write, overwrite=overwrite)


def _asset_files(model):
    """[(name in the zip, bytes)] of every layer's save_assets(dir), Keras's assets/<path>/ layout."""
    files = []
    with tempfile.TemporaryDirectory() as tmp:
        for path, obj in keras_weights.walk(model):
            if not hasattr(obj, "save_assets"):
                continue
            folder = os.path.join(tmp, *path.split("/")) if path else tmp
            os.makedirs(folder, exist_ok=True)
            obj.save_assets(folder)
            for name in sorted(os.listdir(folder)):
                full = os.path.join(folder, name)
                if os.path.isfile(full):
                    with open(full, "rb") as f:
                        files.append((f"assets/{path}/{name}" if path else f"assets/{name}", f.read()))
    return files


def _load_assets(model, filepath):
    """Hands each layer that defines load_assets(dir) the folder of its files in the archive."""
    owners = [(path, obj) for path, obj in keras_weights.walk(model) if hasattr(obj, "load_assets")]
    if not owners:
        return
    with zipfile.ZipFile(filepath) as zf, tempfile.TemporaryDirectory() as tmp:
        for name in zf.namelist():
            if not name.startswith("assets/") or name.endswith("/"):
                continue
            parts = name.split("/")[1:]
            if any(p in ("", ".", "..") for p in parts):
                raise ValueError(f"Cannot load '{filepath}': the asset name '{name}' leaves the assets folder")
            target = os.path.join(tmp, *parts)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as f:
                f.write(zf.read(name))
        for path, obj in owners:
            folder = os.path.join(tmp, *path.split("/")) if path else tmp
            if os.path.isdir(folder):
                obj.load_assets(folder)


def _read_archive(filepath):
    """(config, weights bytes, weights kind "h5" | "npz", legacy optimizer bytes or None)."""
    try:
        with zipfile.ZipFile(filepath) as zf:
            names = set(zf.namelist())
            if "config.json" not in names:
                raise ValueError(f"no config.json (found {sorted(names)})")
            config = json.loads(zf.read("config.json").decode("utf-8"))
            if not isinstance(config, dict) or "class_name" not in config or "config" not in config:
                raise ValueError("config.json does not describe a model")
            if "model.weights.h5" in names:
                return config, zf.read("model.weights.h5"), "h5", None
            if "model.weights.npz" in names:  # what tensorgear wrote before it wrote Keras's format
                optimizer = zf.read("optimizer.npz") if "optimizer.npz" in names else None
                return config, zf.read("model.weights.npz"), "npz", optimizer
            raise ValueError(f"no model.weights.h5 (found {sorted(names)})")
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"Cannot load a model from '{filepath}': the file is corrupt or is not a Keras model "
                         f"file ({type(exc).__name__}: {exc})") from exc


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Rebuilds a model saved by model.save() (tensorgear's or Keras 3's): architecture, weights
    and, with `compile`, the training set-up and the optimizer's state."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No model file at '{filepath}'")
    config, weights, kind, optimizer = _read_archive(filepath)
    try:
        model = keras_config.deserialize_layer(config, custom_objects)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"Cannot rebuild the model saved in '{filepath}' from its config "
                         f"({type(exc).__name__}: {exc})") from exc
    keras_config.build_from_entry(model, config)
    compile_config = config.get("compile_config")
    compiled = False
    if compile and compile_config:
        try:
            model.compile(**deserialize_compile_args(compile_config, custom_objects))
            compiled = True
        except (ValueError, TypeError) as exc:
            warnings.warn(f"The loaded model was not compiled: {exc}", stacklevel=2)
    label = f"'{filepath}'"
    if kind == "h5":
        keras_weights.read_h5(model, weights, label, load_optimizer=compiled)
        _load_assets(model, filepath)  # after the weights, as Keras (a tf_idf vocabulary needs its idf weights)
        return model
    meta, arrays = read_weights_archive(weights, label)
    assign_weights(model, meta, arrays, label)
    if compiled and optimizer is not None:
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

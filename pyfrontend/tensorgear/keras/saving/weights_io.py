"""save_weights / load_weights, and the atomic write every saved file goes through.

save_weights writes Keras 3's ``.weights.h5`` (keras_weights.py). The rest of
this module reads the .npz archives older tensorgear releases wrote. Their
layout: one array per weight (keys w00000, w00001, ... in ``model.weights``
order) and ``__meta__``, a JSON document (stored as bytes) listing each weight's
path ("dense/kernel"), shape and dtype, plus the model's build input shape.

Writes are atomic: the archive goes to a temporary file in the same folder,
which is flushed and then renamed over the target, so a crash never leaves a
half-written weights file behind. Loading checks the archive and every shape
before assigning anything, and names the offending layer/weight.
"""

import io
import json
import os
import tempfile
import zipfile

import numpy as np

import tensorgear as tg

from ..backend.tensor_utils import dtype_name
from . import keras_weights

FORMAT = "tensorgear-weights"


def weight_entries(model):
    """[(variable, owning layer, path)] in ``model.weights`` order; paths look like
    "sequential/dense/kernel" (for messages: loading matches weights by position)."""
    owner = {}

    def visit(layer, prefix):
        for v in layer._own_variables:
            if id(v) not in owner:
                owner[id(v)] = (layer, prefix + layer._variable_names.get(id(v), "variable"))
        for sub in layer._layers:
            visit(sub, f"{prefix}{sub.name}/")

    visit(model, f"{model.name}/")
    return [(v, owner[id(v)][0], owner[id(v)][1]) for v in model.weights]


def atomic_write(filepath, write_fn, overwrite=True):
    """Calls write_fn(file object) on a temporary file, then renames it to filepath."""
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"'{filepath}' exists and overwrite=False")
    directory = os.path.dirname(os.path.abspath(filepath))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(filepath) + "-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            write_fn(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, filepath)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_weights(model, filepath, overwrite=True):
    """Keras 3's ``.weights.h5``: HDF5 in Keras's layout (keras_weights.py)."""
    path = os.fspath(filepath)
    if not path.endswith(".h5"):
        raise ValueError(f"The filename must end in `.weights.h5` (Keras 3's weights format); received "
                         f"filepath={path}")
    atomic_write(path, lambda f: keras_weights.write_h5(model, f), overwrite=overwrite)


def read_weights_archive(source, label):
    """(meta dict, {key: array}) from a path or bytes; ValueError when unreadable."""
    try:
        handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else os.fspath(source)
        with np.load(handle, allow_pickle=False) as archive:
            files = set(archive.files)
            if "__meta__" not in files:
                raise ValueError("no '__meta__' entry")
            meta = json.loads(bytes(archive["__meta__"]).decode("utf-8"))
            if meta.get("format") != FORMAT:
                raise ValueError(f"format is {meta.get('format')!r}, expected {FORMAT!r}")
            arrays = {}
            for entry in meta["weights"]:
                if entry["key"] not in files:
                    raise ValueError(f"missing array {entry['key']!r} for weight {entry.get('path')!r}")
                arrays[entry["key"]] = archive[entry["key"]]
    except FileNotFoundError:
        raise
    except (OSError, EOFError, KeyError, TypeError, ValueError, zipfile.BadZipFile, json.JSONDecodeError,
            UnicodeDecodeError) as exc:
        raise ValueError(f"Cannot read weights from {label}: the file is corrupt or is not a tensorgear weights "
                         f"file ({type(exc).__name__}: {exc})") from exc
    return meta, arrays


def assign_weights(model, meta, arrays, label, skip_mismatch=False):
    if not model.built and meta.get("build_input_shape") is not None:
        shape = meta["build_input_shape"]
        if shape and isinstance(shape[0], list):
            shape = [tuple(s) for s in shape]
        else:
            shape = tuple(shape)
        model.build(shape)
    entries = weight_entries(model)
    saved = meta["weights"]
    if len(entries) != len(saved):
        raise ValueError(
            f"Weight count mismatch loading {label} into model '{model.name}': the model has {len(entries)} "
            f"weights ({[p for _, _, p in entries]}) but the file has {len(saved)} "
            f"({[e['path'] for e in saved]}). Was the model built (called on data) before load_weights()?")
    pending = []
    for (var, layer, path), entry in zip(entries, saved):
        value = arrays[entry["key"]]
        if tuple(var.shape) != tuple(value.shape):
            keras_weights.shape_mismatch(f"Layer '{layer.name}' weight '{path}' has shape {tuple(var.shape)} in the "
                                         f"model but {tuple(value.shape)} in {label} (saved as '{entry['path']}')",
                                         skip_mismatch)
            continue
        pending.append((var, value))
    for var, value in pending:
        var.assign(tg.convert_to_tensor(np.asarray(value, dtype=dtype_name(var.dtype), order="C")))


def load_weights(model, filepath, skip_mismatch=False):
    """Weights from a ``.weights.h5`` (Keras 3's or tensorgear's), a ``.keras`` archive, or the
    ``.npz`` archives older tensorgear releases wrote; the content decides, not the name."""
    filepath = os.fspath(filepath)
    if not os.path.exists(filepath):
        raise FileNotFoundError(f"No weights file at '{filepath}'")
    label = f"'{filepath}'"
    if keras_weights.is_hdf5(filepath):
        keras_weights.read_h5(model, filepath, label, skip_mismatch=skip_mismatch,
                              load_optimizer=model.__dict__.get("optimizer") is not None)
        return
    if zipfile.is_zipfile(filepath):
        with zipfile.ZipFile(filepath) as zf:
            names = zf.namelist()
            if "model.weights.h5" in names:  # a whole-model .keras archive
                keras_weights.read_h5(model, zf.read("model.weights.h5"), label, skip_mismatch=skip_mismatch,
                                      load_optimizer=False)
                return
            if "model.weights.npz" in names:
                meta, arrays = read_weights_archive(zf.read("model.weights.npz"), label)
                assign_weights(model, meta, arrays, label, skip_mismatch)
                return
    meta, arrays = read_weights_archive(filepath, label)
    assign_weights(model, meta, arrays, label, skip_mismatch)

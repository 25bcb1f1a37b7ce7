"""CIFAR-10 and CIFAR-100, as ``keras.datasets.cifar10`` / ``cifar100``: 50k training and 10k
test 32x32 colour images (uint8, channels last, as Keras's default image format), labels of
shape (n, 1). Files: the python-version batches Keras extracts (``cifar-10-batches-py`` /
``cifar-100-python``, under Keras's cache or its ``*-target`` folder) or the .tar.gz archive.
The batches are pickles: they are read with an unpickler that builds NumPy arrays and nothing
else.
"""

import os

import numpy as np

from . import files
from .mnist import _NumpyArrayUnpickler

_SETS = {
    "cifar10": ("cifar-10-batches-py", "cifar-10-python.tar.gz",
                "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"),
    "cifar100": ("cifar-100-python", "cifar-100-python.tar.gz",
                 "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz",
                 "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"),
}


def _load_batch(path, label_key):
    with open(path, "rb") as f:
        d = _NumpyArrayUnpickler(f, encoding="bytes").load()  # dicts of lists, bytes and arrays only
    d = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in d.items()}
    data = np.asarray(d["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
    return data, np.asarray(d[label_key], dtype=np.uint8)


def _batches_dir(name, path):
    folder, archive, origin, sha256 = _SETS[name]
    roots = [os.path.expanduser(os.fspath(path))] if path is not None else []
    roots += [files.keras_cache_dir(), os.path.join(files.keras_cache_dir(), f"{folder}-target")]
    for root in roots:
        for candidate in (os.path.join(root, folder), root):
            if os.path.isdir(candidate) and os.path.exists(os.path.join(candidate, "test" if name == "cifar100"
                                                                         else "test_batch")):
                return candidate
    local = files.locate(name, archive, origin, sha256, None)
    target = os.path.join(files.keras_cache_dir(), f"{folder}-target")
    files.extract_tar(local, target)
    return os.path.join(target, folder)


def _channels_last(x):
    return x.transpose(0, 2, 3, 1)


def load_cifar10(path=None):
    d = _batches_dir("cifar10", path)
    parts = [_load_batch(os.path.join(d, f"data_batch_{i}"), "labels") for i in range(1, 6)]
    x_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts]).reshape(-1, 1)
    x_test, y_test = _load_batch(os.path.join(d, "test_batch"), "labels")
    return (_channels_last(x_train), y_train), (_channels_last(x_test), y_test.reshape(-1, 1))


def load_cifar100(label_mode="fine", path=None):
    if label_mode not in ("fine", "coarse"):
        raise ValueError(f'`label_mode` must be one of `"fine"`, `"coarse"`. Received: label_mode={label_mode}.')
    d = _batches_dir("cifar100", path)
    key = label_mode + "_labels"
    x_train, y_train = _load_batch(os.path.join(d, "train"), key)
    x_test, y_test = _load_batch(os.path.join(d, "test"), key)
    return (_channels_last(x_train), y_train.reshape(-1, 1)), (_channels_last(x_test), y_test.reshape(-1, 1))


__all__ = ["load_cifar10", "load_cifar100"]

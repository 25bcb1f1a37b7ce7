"""``keras.utils``: seeding, one-hot labels, padded sequences, the progress bar, datasets from
arrays and directories, and plot_model."""

import random as _random

import numpy as np

import tensorgear as tg

from .dataset_utils import split_dataset, timeseries_dataset_from_array  # noqa: F401
from .directory_datasets import image_dataset_from_directory, text_dataset_from_directory  # noqa: F401
from .model_visualization import model_to_dot, plot_model  # noqa: F401
from .progbar import Progbar  # noqa: F401
from .sequence_utils import pad_sequences  # noqa: F401


def set_random_seed(seed):
    """Seeds Python's `random`, NumPy and tensorgear's random ops in one call."""
    if not isinstance(seed, (int, np.integer)):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed!r} "
                         f"(of type {type(seed).__name__})")
    _random.seed(int(seed))
    np.random.seed(int(seed) % (2 ** 32))
    tg.random.set_seed(int(seed))


def to_categorical(x, num_classes=None):
    """Integer class ids -> one-hot float32 NumPy array (a trailing 1 axis is dropped)."""
    x = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    if x.ndim > 1 and x.shape[-1] == 1:
        x = x.reshape(x.shape[:-1])
    if x.size and (np.any(x < 0) or np.any(x != np.round(x))):
        raise ValueError(f"to_categorical expects non-negative integer class ids; got values such as "
                         f"{x.ravel()[np.argmax((x.ravel() < 0) | (x.ravel() != np.round(x.ravel())))]!r}")
    x = x.astype(np.int64)
    if num_classes is None:
        num_classes = int(x.max()) + 1 if x.size else 0
    elif x.size and int(x.max()) >= num_classes:
        raise ValueError(f"to_categorical: class id {int(x.max())} is out of range for num_classes={num_classes}")
    return tg.one_hot(tg.convert_to_tensor(x), int(num_classes), dtype="float32").numpy()


def normalize(x, axis=-1, order=2):
    """x divided by its L-`order` norm along `axis` (NumPy in, NumPy out)."""
    x_t = tg.convert_to_tensor(np.asarray(x, dtype=np.float32))
    if order == 2:
        norm = tg.sqrt(tg.reduce_sum(tg.square(x_t), axis=axis, keepdims=True))
    else:
        norm = tg.reduce_sum(tg.abs(x_t) ** order, axis=axis, keepdims=True) ** (1.0 / order)
    return (x_t / tg.maximum(norm, tg.constant(1e-12))).numpy()

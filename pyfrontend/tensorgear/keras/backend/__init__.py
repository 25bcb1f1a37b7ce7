"""``keras.backend``: global Keras settings (float type, epsilon) and session state.

Keras names layers ``dense``, ``dense_1``, ... from per-prefix counters that live
for the whole process; ``clear_session()`` starts them again from zero, which is
what scripts call for reproducible names (the course deck does this first).
"""

import collections

from .keras_tensor import KerasTensor, is_keras_tensor  # noqa: F401

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_NAME_COUNTERS = collections.defaultdict(int)


def floatx():
    """The default float dtype of layers and weights, as a string ('float32')."""
    return _FLOATX


def set_floatx(value):
    global _FLOATX
    value = str(value)
    if value not in ("float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value!r}; expected 'float32' or 'float64'")
    _FLOATX = value


def epsilon():
    """The fuzz factor Keras uses in numeric expressions (1e-7)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    global _IMAGE_DATA_FORMAT
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format: {data_format!r}")
    _IMAGE_DATA_FORMAT = data_format


def unique_name(prefix):
    """Keras's automatic object names: 'dense', then 'dense_1', 'dense_2', ..."""
    count = _NAME_COUNTERS[prefix]
    _NAME_COUNTERS[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session(free_memory=True):
    """Resets the naming counters (and so the global Keras state) to a fresh start."""
    _NAME_COUNTERS.clear()
    import gc

    if free_memory:
        gc.collect()


def backend():
    return "tensorgear"

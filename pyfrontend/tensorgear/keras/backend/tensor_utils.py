"""Small conversions shared by the Keras modules: values to tensors, dtype names.

tensorgear imports keras from its own __init__, so these helpers look the engine
up at call time (``tg.X`` inside functions), never at import time.
"""

import numpy as np

import tensorgear as tg

_FLOAT_NAMES = ("float32", "float64", "float16", "bfloat16")


def dtype_name(dtype):
    """'float32' for tg.float32, np.float32, np.dtype('float32') or 'float32'."""
    if dtype is None:
        return None
    if isinstance(dtype, str):
        return dtype
    name = getattr(dtype, "name", None)
    if isinstance(name, str):
        return name
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype)


def is_float_dtype(dtype):
    return dtype_name(dtype) in _FLOAT_NAMES


def is_int_dtype(dtype):
    n = dtype_name(dtype)
    return n is not None and (n.startswith("int") or n.startswith("uint"))


def is_tensor(x):
    return isinstance(x, (tg.Tensor, tg.Variable))


def to_tensor(x, dtype=None):
    """A tg.Tensor holding x (a Tensor, Variable, NumPy array, list or scalar).

    Floating NumPy data keeps its precision unless ``dtype`` says otherwise;
    Python floats become float32 as in TensorFlow.
    """
    if isinstance(x, tg.Tensor):
        if dtype is not None and dtype_name(x.dtype) != dtype_name(dtype):
            return tg.cast(x, dtype)
        return x
    if isinstance(x, tg.Variable):
        t = tg.convert_to_tensor(x)
        return tg.cast(t, dtype) if dtype is not None and dtype_name(t.dtype) != dtype_name(dtype) else t
    if dtype is not None:
        return tg.convert_to_tensor(np.asarray(x, dtype=dtype_name(dtype)) if not np.isscalar(x) else x,
                                    dtype=dtype)
    return tg.convert_to_tensor(x)


def to_numpy(x):
    """x as a NumPy array (tensors and variables through .numpy())."""
    if isinstance(x, np.ndarray):
        return x
    numpy = getattr(x, "numpy", None)
    if callable(numpy):
        return np.asarray(numpy())
    return np.asarray(x)


def shape_structure(x):
    """The shapes of a tensor or a nest of them, as build() receives them: a tuple for
    one tensor, a list for a list or tuple of several, a dict for a dict."""
    if isinstance(x, (list, tuple)):
        return [shape_structure(e) for e in x]
    if isinstance(x, dict):
        return {k: shape_structure(v) for k, v in x.items()}
    shape = getattr(x, "shape", None)
    return tuple(shape) if shape is not None else None


def is_string_array(x):
    """True for text data that stays on the host (a NumPy str_/bytes_ array, or an object array
    of str/bytes): the model and the data adapter pass it to the first layer as it is."""
    if not isinstance(x, np.ndarray):
        return False
    if x.dtype.kind in "US":
        return True
    if x.dtype.kind == "O":
        return x.size == 0 or isinstance(x.flat[0], (str, bytes))
    return False

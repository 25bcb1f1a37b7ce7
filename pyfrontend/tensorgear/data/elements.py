"""Elements between NumPy and tensorgear.

Inside a pipeline an element is a structure (tuples, namedtuples, dicts; a list
is one tensor, tf.data's rule) of NumPy arrays; elements become tensors only
where they leave it: at the iterator and when passed to user functions.

Strings are no tensor dtype: a string component is a NumPy object array of
``bytes`` (what ``.numpy()`` of a tf.string tensor gives; str is encoded as
UTF-8) everywhere, user functions and iterators included, and the text layers
(TextVectorization, StringLookup, Hashing) read it as it is.
"""

import numpy as np

from .. import _C
from .. import nest


to_tensor = _C.convert_to_tensor


def is_strings(a: np.ndarray) -> bool:
    """True for a string component (an object array of bytes, as to_numpy makes them)."""
    return a.dtype.kind == "O"


def _strings(a: np.ndarray) -> np.ndarray:
    """A str_/bytes_/object array of text as an object array of UTF-8 bytes (same shape)."""
    flat = a.ravel().tolist()
    for i, v in enumerate(flat):
        if isinstance(v, str):
            flat[i] = v.encode("utf-8")
        elif not isinstance(v, bytes):
            raise TypeError(f"tg.data: an object array must hold strings; element {i} is a "
                            f"{type(v).__name__} ({v!r})")
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(a.shape)


def _holds_strings(x) -> bool:
    while isinstance(x, (list, tuple)) and x:
        x = x[0]
    return isinstance(x, (str, bytes))


def to_numpy(x) -> np.ndarray:
    """A leaf as a NumPy array; Python scalars/lists take tensorgear's default dtypes; text
    becomes an object array of bytes."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "USO" and not (x.dtype.kind == "O" and all(type(v) is bytes for v in x.flat)):
            return _strings(x)
        return x
    if isinstance(x, (str, bytes, np.str_, np.bytes_)) or (isinstance(x, list) and _holds_strings(x)):
        try:
            return _strings(np.array(x, dtype=object))
        except ValueError as exc:
            raise ValueError(f"tg.data: the string lists must be rectangular: {exc}") from None
    if isinstance(x, np.generic):
        return np.asarray(x)
    if isinstance(x, (bool, int, float, list)):
        # tf.data converts Python values with TF's defaults (float32 for floats);
        # tensorgear's convert_to_tensor applies the library's defaults.
        return to_numpy(to_tensor(x))
    numpy = getattr(x, "numpy", None)
    if callable(numpy):
        return np.asarray(numpy())
    try:
        return to_numpy(to_tensor(x))
    except Exception as exc:  # pragma: no cover - depends on the core's error
        raise TypeError(f"tg.data: cannot convert {type(x).__name__} to a tensor: {exc}") from exc


def check_dtype(a: np.ndarray) -> None:
    if a.dtype.kind in "USV" or (a.dtype.kind == "O" and not all(type(v) is bytes for v in a.flat)):
        raise TypeError(
            f"tg.data: unsupported element dtype {a.dtype} (numeric, bool and string arrays only)")


def element_to_numpy(elem):
    return nest.map_structure(to_numpy, elem, lists=False)


def _leaf_to_tensor(x):
    if isinstance(x, np.ndarray) and x.dtype.kind == "O":
        return x  # strings stay host data
    if isinstance(x, bytes):  # one string of a source's rows
        return np.array(x, dtype=object)
    return to_tensor(x)


def element_to_tensors(elem):
    return nest.map_structure(_leaf_to_tensor, elem, lists=False)


def fresh_numpy(a: np.ndarray):
    """What as_numpy_iterator yields: a writable array that aliases nothing of ours,
    or a NumPy scalar for 0-d values (as ``tensor.numpy()`` does)."""
    if isinstance(a, bytes):  # one string of a source's rows, as tf.data yields it
        return a
    if a.ndim == 0:
        return a[()]
    if a.base is not None or not a.flags.writeable:
        return np.array(a)
    return a


def call_with_element(fn, elem):
    """``fn`` applied to an element as tf.data does: a tuple (not a namedtuple) is
    unpacked into positional arguments."""
    if isinstance(elem, tuple) and not hasattr(type(elem), "_fields"):
        return fn(*elem)
    return fn(elem)

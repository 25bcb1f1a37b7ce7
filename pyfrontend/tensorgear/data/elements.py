"""Elements between NumPy and tensorgear.

Inside a pipeline an element is a structure (tuples, namedtuples, dicts; a list
is one tensor, tf.data's rule) of NumPy arrays; elements become tensors only
where they leave it: at the iterator and when passed to user functions.
"""

import numpy as np

from .. import _C
from .. import nest


to_tensor = _C.convert_to_tensor


def to_numpy(x) -> np.ndarray:
    """A leaf as a NumPy array; Python scalars/lists take tensorgear's default dtypes."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, np.generic):
        return np.asarray(x)
    if isinstance(x, (bool, int, float, list)):
        # tf.data converts Python values with TF's defaults (float32 for floats);
        # tensorgear's convert_to_tensor applies the library's defaults.
        return to_numpy(to_tensor(x))
    numpy = getattr(x, "numpy", None)
    if callable(numpy):
        return np.asarray(numpy())
    if isinstance(x, (str, bytes)):
        raise TypeError(f"tg.data: string elements are not supported (got {x!r})")
    try:
        return to_numpy(to_tensor(x))
    except Exception as exc:  # pragma: no cover - depends on the core's error
        raise TypeError(f"tg.data: cannot convert {type(x).__name__} to a tensor: {exc}") from exc


def check_dtype(a: np.ndarray) -> None:
    if a.dtype.kind in "OUSV":
        raise TypeError(
            f"tg.data: unsupported element dtype {a.dtype} (numeric and bool arrays only)")


def element_to_numpy(elem):
    return nest.map_structure(to_numpy, elem, lists=False)


def element_to_tensors(elem):
    return nest.map_structure(to_tensor, elem, lists=False)


def fresh_numpy(a: np.ndarray):
    """What as_numpy_iterator yields: a writable array that aliases nothing of ours,
    or a NumPy scalar for 0-d values (as ``tensor.numpy()`` does)."""
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

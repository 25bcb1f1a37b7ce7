"""The inputs of the text and lookup layers, as host arrays.

TensorFlow holds a string as its bytes (``tf.string``); these layers do the
same: strings become NumPy object arrays of ``bytes`` (str is encoded as
UTF-8, as ``tf.constant`` does), of the input's shape. Python str, nested
lists, NumPy ``str_``/``bytes_``/object arrays are accepted. Integer inputs
(IntegerLookup, Hashing) become int64 arrays; tensors are read once
(``numpy()``), as the layers' work (hashing, vocabulary lookups) is on the host.
"""

import numpy as np

import tensorgear as tg

from ..backend.keras_tensor import KerasTensor


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"a NumPy array of dtype {x.dtype} and shape {x.shape}"
    if isinstance(x, tg.Tensor):
        return f"a tensor of dtype {x.dtype.name} and shape {tuple(x.shape)}"
    return f"a {type(x).__name__}"


def _object_array(x, layer):
    """Nested lists/tuples as an object array of their leaves (ValueError when ragged)."""
    try:
        a = np.array(x, dtype=object)
    except ValueError as exc:
        raise ValueError(f"{layer}: the input lists must be rectangular (ragged inputs are not supported): "
                         f"{exc}") from None
    if a.dtype == object and any(isinstance(e, (list, tuple, np.ndarray)) for e in a.flat):
        raise ValueError(f"{layer}: the input lists must be rectangular (ragged inputs are not supported)")
    return a


def is_text(x):
    """True for data these layers read as strings."""
    if isinstance(x, (str, bytes, np.str_, np.bytes_)):
        return True
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "US":
            return True
        return x.dtype.kind == "O" and x.size > 0 and isinstance(x.flat[0], (str, bytes))
    if isinstance(x, (list, tuple)):
        first = x
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        return isinstance(first, (str, bytes))
    return False


def to_bytes(x, layer):
    """x (str, bytes, nested lists of them, a NumPy str_/bytes_/object array) as an object
    array of bytes of the same shape; TypeError for anything that is not text."""
    if isinstance(x, (str, np.str_)):
        return np.array(str(x).encode("utf-8"), dtype=object)
    if isinstance(x, (bytes, np.bytes_)):
        return np.array(bytes(x), dtype=object)
    if isinstance(x, (list, tuple)):
        x = _object_array(x, layer)
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{layer} expects strings (str, bytes, lists of them or a NumPy string array); "
                        f"got {_describe(x)}")
    kind = x.dtype.kind
    if kind == "S":
        flat = x.ravel().tolist()
    elif kind == "U":
        flat = [s.encode("utf-8") for s in x.ravel().tolist()]
    elif kind == "O":
        flat = x.ravel().tolist()
        for i, s in enumerate(flat):
            if isinstance(s, str):
                flat[i] = s.encode("utf-8")
            elif not isinstance(s, bytes):
                raise TypeError(f"{layer} expects strings; element {i} of the input is a "
                                f"{type(s).__name__} ({s!r})")
    else:
        raise TypeError(f"{layer} expects strings (str, bytes, lists of them or a NumPy string array); "
                        f"got {_describe(x)}")
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(x.shape)


def to_numbers(x, layer):
    """x (a tensor, a NumPy array, Python numbers or nested lists of them) as a NumPy array of
    its own kind (bool, integer or float); TypeError for strings and other objects."""
    if isinstance(x, KerasTensor):
        raise TypeError(f"{layer}: a symbolic input has no values")
    if isinstance(x, (tg.Tensor, tg.Variable)):
        a = np.asarray(tg.convert_to_tensor(x).numpy())
    elif isinstance(x, np.ndarray):
        a = x
    else:
        if is_text(x):
            raise TypeError(f"{layer} expects integers; got strings ({_describe(x)})")
        try:
            a = np.asarray(x)
        except ValueError as exc:
            raise ValueError(f"{layer}: the input lists must be rectangular: {exc}") from None
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{layer} expects integers; got {_describe(a)}")
    return a


def to_int64(x, layer):
    """x as an int64 array; floats must hold whole numbers (ValueError naming one that does not)."""
    a = to_numbers(x, layer)
    if a.dtype.kind == "f":
        whole = np.isfinite(a) & (a == np.round(a))
        if not whole.all():
            bad = a[~whole].flat[0]
            raise ValueError(f"{layer} expects integer values; got the float {bad!r}")
    return a.astype(np.int64, copy=False)


def decimal_strings(a):
    """Integers as TensorFlow's tf.strings.as_string writes them ("-12"), as bytes."""
    flat = [b"%d" % v for v in a.ravel().tolist()]
    out = np.empty(len(flat), dtype=object)
    out[:] = flat
    return out.reshape(a.shape)

"""``tg.data.TensorSpec``: the shape and dtype of one component of an element."""

import numpy as np

from .. import _C, nest
from .elements import to_numpy


def dtype_name(dtype) -> str:
    """NumPy's name for a tensorgear dtype, a NumPy dtype or a dtype name; "string" for text
    (tf.string, "string", or a NumPy str_/bytes_/object dtype)."""
    if isinstance(dtype, np.dtype):
        d = dtype
    else:
        name = getattr(dtype, "name", None)
        if not isinstance(name, str):
            name = dtype if isinstance(dtype, str) else None
        if name == "string":
            return "string"
        d = np.dtype(name if name is not None else dtype)
    return "string" if d.kind in "USO" else d.name


def _tg_dtype(name: str):
    if name == "string":
        from .._string_dtype import string

        return string
    # dtypes the core lacks (int8, float16, ...) stay NumPy dtypes
    dtype = getattr(_C, name, None)
    return dtype if dtype is not None else np.dtype(name)


class TensorSpec:
    """Describes one component of a dataset element: ``shape`` (None = unknown dim)
    and ``dtype`` (a tensorgear dtype), like ``tf.TensorSpec``."""

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype=None, name=None):
        self.shape = None if shape is None else tuple(None if d is None else int(d) for d in shape)
        self.dtype = _tg_dtype("float32" if dtype is None else dtype_name(dtype))
        self.name = name

    def __repr__(self):
        dt = self.dtype
        dname = getattr(dt, "name", str(dt))
        return f"TensorSpec(shape={self.shape}, dtype=tensorgear.{dname}, name={self.name!r})"

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self.shape == other.shape
                and dtype_name(self.dtype) == dtype_name(other.dtype))

    def __hash__(self):
        return hash((self.shape, dtype_name(self.dtype)))

    def is_compatible_with(self, value) -> bool:
        a = to_numpy(value)
        if dtype_name(self.dtype) != dtype_name(a.dtype):
            return False
        if self.shape is None:
            return True
        return len(self.shape) == a.ndim and all(
            s is None or s == d for s, d in zip(self.shape, a.shape))


def spec_of_array(a: np.ndarray, drop_leading: bool = False) -> TensorSpec:
    """The spec of ``a``, or with ``drop_leading`` of one of its slices."""
    shape = a.shape[1:] if drop_leading else a.shape
    return TensorSpec(shape, dtype_name(a.dtype))


def spec_of_first_element(elements, what):
    """The spec of the first element an iterator yields (how a dataset whose elements are
    computed learns its element_spec); ValueError naming `what` when it yields none."""
    for elem in elements:
        return nest.map_structure(spec_of_array, elem, lists=False)
    raise ValueError(f"element_spec of {what} is unknown")

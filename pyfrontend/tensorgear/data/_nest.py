"""Minimal nested-structure helpers for tg.data (the subset of tf.nest it needs).

Structures are tuples, namedtuples and dicts (nested arbitrarily).  Like tf.data,
a *list* is not a structure: ``from_tensor_slices([[1, 2], [3, 4]])`` treats the
list as one tensor.  Everything that is not a tuple or a dict is a leaf.
"""

from __future__ import annotations

from typing import Any, Callable, List


def is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_structure(x: Any) -> bool:
    return isinstance(x, (tuple, dict))


def flatten(struct: Any) -> List[Any]:
    """Leaves of ``struct`` in a deterministic order (dict insertion order)."""
    out: List[Any] = []
    _flatten_into(struct, out)
    return out


def _flatten_into(struct: Any, out: List[Any]) -> None:
    if isinstance(struct, dict):
        for k in struct:
            _flatten_into(struct[k], out)
    elif isinstance(struct, tuple):
        for v in struct:
            _flatten_into(v, out)
    else:
        out.append(struct)


def pack_as(template: Any, leaves: List[Any]) -> Any:
    """Inverse of :func:`flatten`: rebuild ``template``'s structure around ``leaves``."""
    return _pack(template, iter(leaves))


def _pack(template: Any, it) -> Any:
    if isinstance(template, dict):
        items = [(k, _pack(template[k], it)) for k in template]
        return dict(items) if type(template) is dict else type(template)(items)
    if is_namedtuple(template):
        return type(template)(*[_pack(v, it) for v in template])
    if isinstance(template, tuple):
        return tuple(_pack(v, it) for v in template)
    return next(it)


def map_structure(fn: Callable[[Any], Any], struct: Any) -> Any:
    if isinstance(struct, dict):
        items = [(k, map_structure(fn, v)) for k, v in struct.items()]
        return dict(items) if type(struct) is dict else type(struct)(items)
    if is_namedtuple(struct):
        return type(struct)(*[map_structure(fn, v) for v in struct])
    if isinstance(struct, tuple):
        return tuple(map_structure(fn, v) for v in struct)
    return fn(struct)


def same_structure(a: Any, b: Any) -> bool:
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or list(a) != list(b):
            return False
        return all(same_structure(a[k], b[k]) for k in a)
    if isinstance(a, tuple) or isinstance(b, tuple):
        if not (isinstance(a, tuple) and isinstance(b, tuple)) or len(a) != len(b):
            return False
        return all(same_structure(x, y) for x, y in zip(a, b))
    return True


def lists_to_tuples(struct: Any) -> Any:
    """Map-function outputs: a returned list is treated as a tuple (as tf.data does)."""
    if isinstance(struct, list):
        return tuple(lists_to_tuples(v) for v in struct)
    if isinstance(struct, dict):
        items = [(k, lists_to_tuples(v)) for k, v in struct.items()]
        return dict(items) if type(struct) is dict else type(struct)(items)
    if is_namedtuple(struct):
        return type(struct)(*[lists_to_tuples(v) for v in struct])
    if isinstance(struct, tuple):
        return tuple(lists_to_tuples(v) for v in struct)
    return struct

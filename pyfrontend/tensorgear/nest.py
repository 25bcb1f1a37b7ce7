"""``tg.nest``: walking nested structures of tensors (tf.nest's names).

The one walker of the package: Keras layers and models, the trainer's data
adapter, ``tg.data`` and ``GradientTape.gradient`` all use it, so nesting
means the same thing everywhere.

A structure is a tuple (namedtuples included), a list or a dict, nested
arbitrarily; anything else is a leaf. Dict values are visited in sorted-key
order, as tf.nest does (insertion order when the keys cannot be sorted), and
a rebuilt dict keeps the key order of the one it copies.

``lists=False`` makes lists leaves: that is tf.data's rule, under which
``Dataset.from_tensor_slices([[1, 2], [3, 4]])`` is one tensor, not two.
"""

__all__ = ["is_nested", "flatten", "map_structure", "pack_sequence_as", "assert_same_structure",
           "lists_to_tuples"]


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(type(x), "_fields")


def is_nested(x, *, lists: bool = True):
    """True for a tuple, a dict, or (with ``lists``) a list."""
    return isinstance(x, (tuple, dict)) or (lists and isinstance(x, list))


def _keys(d: dict) -> list:
    try:
        return sorted(d)
    except TypeError:  # keys of mixed types: no order to sort by
        return list(d)


def _sequence_like(template, values):
    """A container of template's type holding ``values`` (dict values in sorted-key order)."""
    if isinstance(template, dict):
        by_key = dict(zip(_keys(template), values))
        items = [(k, by_key[k]) for k in template]
        return dict(items) if type(template) is dict else type(template)(items)
    if _is_namedtuple(template):
        return type(template)(*values)
    if isinstance(template, tuple):
        return tuple(values)
    return list(values)


def flatten(structure, *, lists: bool = True):
    """The leaves of ``structure``, depth first; a leaf alone gives ``[leaf]``."""
    out = []
    _flatten_into(structure, out, lists)
    return out


def _flatten_into(x, out, lists):
    if isinstance(x, (tuple, list)) and (lists or not isinstance(x, list)):
        for e in x:
            _flatten_into(e, out, lists)
    elif isinstance(x, dict):
        for k in _keys(x):
            _flatten_into(x[k], out, lists)
    else:
        out.append(x)


def map_structure(fn, *structures, lists: bool = True):
    """``fn`` applied to the leaves (of several structures of one shape, in step),
    in a structure like the first."""
    if not structures:
        raise TypeError("map_structure() needs at least one structure")
    if len(structures) == 1:
        return _map1(fn, structures[0], lists)
    first = structures[0]
    for other in structures[1:]:
        assert_same_structure(first, other, lists=lists)
    flats = [flatten(s, lists=lists) for s in structures]
    return pack_sequence_as(first, [fn(*leaves) for leaves in zip(*flats)], lists=lists)


def _map1(fn, x, lists):
    if isinstance(x, list):
        return [_map1(fn, e, lists) for e in x] if lists else fn(x)
    if isinstance(x, tuple):
        values = [_map1(fn, e, lists) for e in x]
        return type(x)(*values) if _is_namedtuple(x) else tuple(values)
    if isinstance(x, dict):
        items = [(k, _map1(fn, v, lists)) for k, v in x.items()]
        return dict(items) if type(x) is dict else type(x)(items)
    return fn(x)


def pack_sequence_as(structure, flat_sequence, *, lists: bool = True):
    """The inverse of :func:`flatten`: ``structure``'s nesting around ``flat_sequence``."""
    flat_sequence = list(flat_sequence)
    it = iter(flat_sequence)
    try:
        out = _pack(structure, it, lists)
    except StopIteration:
        raise ValueError(f"pack_sequence_as: the structure has {len(flatten(structure, lists=lists))} leaves, but "
                         f"{len(flat_sequence)} values were given") from None
    if next(it, _END) is not _END:
        raise ValueError(f"pack_sequence_as: the structure has {len(flatten(structure, lists=lists))} leaves, but "
                         f"{len(flat_sequence)} values were given")
    return out


_END = object()


def _pack(template, it, lists):
    if is_nested(template, lists=lists):
        children = [template[k] for k in _keys(template)] if isinstance(template, dict) else template
        return _sequence_like(template, [_pack(c, it, lists) for c in children])
    return next(it)


def assert_same_structure(a, b, check_types: bool = True, *, lists: bool = True):
    """ValueError (TypeError for differing container types) unless a and b nest alike."""
    if not _same(a, b, check_types, lists):
        raise ValueError(f"The two structures don't have the same nested structure.\n\nFirst structure: {a!r}\n\n"
                         f"Second structure: {b!r}")


def _same(a, b, check_types, lists):
    na, nb = is_nested(a, lists=lists), is_nested(b, lists=lists)
    if not (na or nb):
        return True
    if na != nb:
        return False
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            return False
        return all(_same(a[k], b[k], check_types, lists) for k in a)
    if check_types and type(a) is not type(b):
        raise TypeError(f"The two structures don't have the same sequence type: {type(a).__name__} and "
                        f"{type(b).__name__}")
    return len(a) == len(b) and all(_same(x, y, check_types, lists) for x, y in zip(a, b))


def lists_to_tuples(structure):
    """Every list in ``structure`` turned into a tuple (tf.data's reading of a map function's list)."""
    if isinstance(structure, list):
        return tuple(lists_to_tuples(v) for v in structure)
    if isinstance(structure, tuple):
        values = [lists_to_tuples(v) for v in structure]
        return type(structure)(*values) if _is_namedtuple(structure) else tuple(values)
    if isinstance(structure, dict):
        items = [(k, lists_to_tuples(v)) for k, v in structure.items()]
        return dict(items) if type(structure) is dict else type(structure)(items)
    return structure

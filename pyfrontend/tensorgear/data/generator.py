"""The node of ``Dataset.from_generator``: elements from a Python generator,
checked against a signature when one is given."""

import numpy as np

from .. import nest
from .elements import element_to_numpy, is_strings, to_numpy
from .nodes import Node
from .spec import TensorSpec, dtype_name, spec_of_first_element


class Generator(Node):
    def __init__(self, generator, args, output_types, output_shapes, output_signature):
        self._gen, self._args = generator, args
        if output_signature is None and output_types is not None:
            output_signature = _signature(output_types, output_shapes)
        self._signature = output_signature
        self._spec_cache = None

    def elements(self):
        sig = self._signature
        nested = nest.is_nested(sig, lists=False)
        flat_sig = None if sig is None else nest.flatten(sig, lists=False)
        dtypes = None if sig is None else [dtype_name(spec.dtype) for spec in flat_sig]
        for raw in self._gen(*self._args):
            raw = nest.lists_to_tuples(raw) if isinstance(raw, (tuple, dict)) else raw
            if sig is None:
                yield element_to_numpy(raw)
                continue
            leaves = nest.flatten(raw, lists=False) if nested else [raw]
            if len(leaves) != len(flat_sig):
                raise TypeError(
                    f"from_generator: the generator yielded {len(leaves)} components, "
                    f"the signature has {len(flat_sig)}")
            out = []
            for leaf, spec, dtype in zip(leaves, flat_sig, dtypes):
                if dtype == "string":
                    a = to_numpy(leaf)
                    if not is_strings(a):
                        raise TypeError(f"from_generator: yielded {a.dtype} data where the signature "
                                        f"says string")
                else:
                    a = to_numpy(leaf) if not isinstance(leaf, (int, float, bool, list)) else \
                        np.asarray(leaf)
                    a = a.astype(dtype, copy=False)
                if spec.shape is not None and (a.ndim != len(spec.shape) or any(
                        s is not None and s != d for s, d in zip(spec.shape, a.shape))):
                    raise ValueError(
                        f"from_generator: yielded an element of shape {a.shape}, which does "
                        f"not match the expected shape {spec.shape}")
                out.append(a)
            yield nest.pack_sequence_as(sig, out, lists=False) if nested else out[0]

    def spec(self):
        if self._signature is not None:
            return self._signature
        if self._spec_cache is None:
            self._spec_cache = spec_of_first_element(self.elements(), "an empty generator dataset")
        return self._spec_cache


def _signature(types, shapes):
    """TensorSpecs from the older ``output_types``/``output_shapes`` arguments, in
    the structure of ``types``."""
    return nest.pack_sequence_as(types, nest.flatten(_specs(types, shapes), lists=False),
                                 lists=False)


def _specs(types, shapes):
    # shapes mirror types, except that a shape (a tuple or list of dims) is itself
    # a leaf, so the two are walked together here rather than flattened apart
    if isinstance(types, dict):
        return {k: _specs(t, None if shapes is None else shapes[k]) for k, t in types.items()}
    if isinstance(types, tuple):
        shapes = (None,) * len(types) if shapes is None else shapes
        return tuple(_specs(t, s) for t, s in zip(types, shapes))
    return TensorSpec(None if shapes is None else tuple(shapes), types)

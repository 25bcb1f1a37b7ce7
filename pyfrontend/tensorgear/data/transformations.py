"""The transformations that compute elements: batch, unbatch, map, flat_map,
filter, and the combinations of several datasets, concatenate and zip.

They work element by element, except ``batch`` over an index plan, which
gathers each batch from the source arrays.
"""

import numpy as np

from .. import nest
from .cardinality import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, add_cardinalities
from .elements import call_with_element, element_to_numpy, element_to_tensors, to_numpy
from .nodes import Node, Unary
from .spec import TensorSpec, dtype_name, spec_of_first_element


class Batch(Unary):
    def __init__(self, input_node, batch_size, drop_remainder):
        super().__init__(input_node)
        batch_size = int(batch_size)
        if batch_size <= 0:
            raise ValueError(f"batch: batch_size must be greater than zero, got {batch_size}")
        self._batch_size = batch_size
        self._drop = bool(drop_remainder)

    def cardinality(self):
        n = self.input.cardinality()
        if n < 0:
            return n
        return n // self._batch_size if self._drop else -(-n // self._batch_size)

    def spec(self):
        b = self._batch_size if self._drop else None
        return nest.map_structure(
            lambda s: TensorSpec(None if s.shape is None else (b,) + s.shape, s.dtype),
            self.input.spec(), lists=False)

    def elements(self):
        plan = self.input.plan()
        if plan is not None:
            return plan.batches(self._batch_size, self._drop)
        return self._stack_batches()

    def _stack_batches(self):
        bs = self._batch_size
        buf = []
        for elem in self.input.elements():
            buf.append(elem)
            if len(buf) == bs:
                yield _stack(buf)
                buf = []
        if buf and not self._drop:
            yield _stack(buf)


def _stack(elems):
    flat = [nest.flatten(e, lists=False) for e in elems]
    out = []
    for k in range(len(flat[0])):
        comps = [np.asarray(f[k]) if isinstance(f[k], np.ndarray) else to_numpy(f[k]) for f in flat]
        shape0 = comps[0].shape
        for j, c in enumerate(comps):
            if c.shape != shape0:
                raise ValueError(
                    f"Cannot batch tensors with different shapes in component {k}. First "
                    f"element had shape {list(shape0)} and element {j} had shape {list(c.shape)}.")
        out.append(np.stack(comps))
    return nest.pack_sequence_as(elems[0], out, lists=False)


class Unbatch(Unary):
    def cardinality(self):
        n = self.input.cardinality()
        return n if n in (0, INFINITE_CARDINALITY) else UNKNOWN_CARDINALITY

    def spec(self):
        return nest.map_structure(
            lambda s: TensorSpec(None if s.shape is None else s.shape[1:], s.dtype),
            self.input.spec(), lists=False)

    def elements(self):
        for elem in self.input.elements():
            leaves = [to_numpy(x) for x in nest.flatten(elem, lists=False)]
            if any(a.ndim == 0 for a in leaves):
                raise ValueError("unbatch: cannot unbatch scalar components")
            n = leaves[0].shape[0]
            if any(a.shape[0] != n for a in leaves):
                raise ValueError("unbatch: components have different leading dimensions")
            for i in range(n):
                yield nest.pack_sequence_as(elem, [a[i] for a in leaves], lists=False)


class Map(Unary):
    def __init__(self, input_node, fn):
        super().__init__(input_node)
        self._fn = fn
        self._spec_cache = None

    def elements(self):
        fn = self._fn
        for elem in self.input.elements():
            out = call_with_element(fn, element_to_tensors(elem))
            yield element_to_numpy(nest.lists_to_tuples(out))

    def spec(self):
        # tf.data traces the function; here the spec is read off the first output.
        if self._spec_cache is None:
            self._spec_cache = spec_of_first_element(self.elements(), "a mapped empty dataset")
        return self._spec_cache


class FlatMap(Unary):
    """``fn`` maps an element (as tensors) to the node whose elements replace it."""

    def __init__(self, input_node, fn):
        super().__init__(input_node)
        self._fn = fn

    def cardinality(self):
        return UNKNOWN_CARDINALITY

    def elements(self):
        for elem in self.input.elements():
            yield from call_with_element(self._fn, element_to_tensors(elem)).elements()

    def spec(self):
        for elem in self.input.elements():
            return call_with_element(self._fn, element_to_tensors(elem)).spec()
        raise ValueError("element_spec of an empty flat_map is unknown")


class Filter(Unary):
    def __init__(self, input_node, predicate):
        super().__init__(input_node)
        self._pred = predicate

    def cardinality(self):
        return UNKNOWN_CARDINALITY  # as tf.data

    def elements(self):
        pred = self._pred
        for elem in self.input.elements():
            keep = call_with_element(pred, element_to_tensors(elem))
            k = to_numpy(keep)
            if k.shape != () or k.dtype != np.bool_:
                raise ValueError(
                    "filter: the predicate must return a scalar boolean, got "
                    f"dtype {k.dtype} and shape {k.shape}")
            if bool(k):
                yield elem


class Concatenate(Node):
    def __init__(self, first: Node, second: Node):
        self._first, self._second = first, second

    def cardinality(self):
        return add_cardinalities(self._first.cardinality(), self._second.cardinality())

    def spec(self):
        sa, sb = self._first.spec(), self._second.spec()
        try:
            nest.assert_same_structure(sa, sb, check_types=False, lists=False)
        except ValueError:
            raise TypeError("concatenate: the datasets have different element structures") from None

        def merge(x, y):
            if dtype_name(x.dtype) != dtype_name(y.dtype):
                raise TypeError(f"concatenate: incompatible dtypes {x.dtype} and {y.dtype}")
            if x.shape is None or y.shape is None or len(x.shape) != len(y.shape):
                return TensorSpec(None, x.dtype)
            return TensorSpec(tuple(p if p == q else None for p, q in zip(x.shape, y.shape)),
                              x.dtype)

        fa, fb = nest.flatten(sa, lists=False), nest.flatten(sb, lists=False)
        merged = [merge(x, y) for x, y in zip(fa, fb)]
        return nest.pack_sequence_as(sa, merged, lists=False)

    def elements(self):
        yield from self._first.elements()
        yield from self._second.elements()


class Zip(Node):
    """Elements of a structure of nodes taken in step, until the shortest ends."""

    def __init__(self, nodes):
        self._nodes = nodes
        self._flat = nest.flatten(nodes, lists=False)

    def cardinality(self):
        cards = [d.cardinality() for d in self._flat]
        if UNKNOWN_CARDINALITY in cards:
            return UNKNOWN_CARDINALITY
        known = [c for c in cards if c >= 0]
        return min(known) if known else INFINITE_CARDINALITY

    def spec(self):
        return nest.pack_sequence_as(self._nodes, [d.spec() for d in self._flat], lists=False)

    def elements(self):
        its = [d.elements() for d in self._flat]
        while True:
            parts = []
            for it in its:
                try:
                    parts.append(next(it))
                except StopIteration:
                    return
            yield nest.pack_sequence_as(self._nodes, parts, lists=False)

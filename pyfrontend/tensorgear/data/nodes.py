"""The nodes a pipeline is built of, and the base classes of its transformations.

``tg.data.Dataset`` (dataset.py) is a facade over one node. A node produces
its elements, structures of NumPy arrays, anew on each call of ``elements()``;
a node that only selects elements of a random-access source also describes
them as an index plan (plans.py), which ``batch`` reads without per-element work.
"""

from typing import Iterator, Optional

from .cardinality import UNKNOWN_CARDINALITY
from .plans import Chunks, Plan


class Node:
    """What every node answers; the element spec is a structure of TensorSpecs."""

    def plan(self) -> Optional[Plan]:
        """The elements as an index plan, or None when they are computed."""
        return None

    def elements(self) -> Iterator:
        raise NotImplementedError

    def cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    def spec(self):
        raise NotImplementedError


class Source(Node):
    """All elements of a random-access source (sources.py), in order."""

    def __init__(self, source):
        self.source = source

    def plan(self):
        return Plan.of(self.source)

    def elements(self):
        return self.source.elements()

    def cardinality(self):
        return self.source.n

    def spec(self):
        return self.source.spec()


class Unary(Node):
    """A transformation of one input; by default it keeps the input's cardinality
    and element spec."""

    def __init__(self, input_node: Node):
        self.input = input_node

    def cardinality(self):
        return self.input.cardinality()

    def spec(self):
        return self.input.spec()


class Selection(Unary):
    """A transformation that selects, reorders or repeats its input's elements and
    computes none: over a planned input it extends the plan, so a ``batch`` after
    it still gathers; over any other input it works element by element.

    Subclasses write the selection for both forms. Each hook takes a factory of
    the input stream (called once per pass it makes) and returns the output:
    ``_select_indices`` over index chunks, ``_select_elements`` over elements.
    """

    def plan(self):
        inner = self.input.plan()
        return None if inner is None else inner.then(self._select_indices)

    def elements(self):
        plan = self.plan()
        if plan is not None:
            return plan.elements()
        return self._select_elements(self.input.elements)

    def _select_indices(self, chunks: Chunks) -> Iterator:
        raise NotImplementedError

    def _select_elements(self, elements) -> Iterator:
        raise NotImplementedError

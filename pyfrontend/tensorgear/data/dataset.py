"""``tg.data.Dataset``: input pipelines with tf.data's names and semantics.

A ``Dataset`` is a facade over one node of a small graph (nodes.py); each
constructor or transformation below returns a new facade over a new node.
Elements are structures of NumPy arrays inside the graph and tensors outside.

The hot path of training input, ``from_tensor_slices -> shuffle -> batch``,
runs as an index plan (plans.py): batches are gathered from the source arrays
with one ``np.take`` per component, no Python work per element.

Semantics follow tf.data: shuffle uses a buffer of ``buffer_size`` elements (a
buffer at least as large as the input gives a uniform permutation), reshuffles on
each iteration unless told otherwise, ``repeat`` re-iterates its input (so a
shuffle before it reshuffles every epoch), ``cache`` freezes the first complete
pass, ``len()`` raises TypeError when the length is infinite or unknown.
"""

import warnings

import numpy as np

from .. import nest
from .cardinality import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Cardinality
from .elements import element_to_numpy, element_to_tensors
from .generator import Generator
from .iterators import DatasetIterator, NumpyIterator
from .nodes import Source
from .options import AUTOTUNE, Options
from .selections import Cache, Repeat, Shard, Shuffle, Skip, Take
from .sources import ArraySource
from .sources import RangeSource as _RangeSource
from .transformations import Batch, Concatenate, Filter, FlatMap, Map, Unbatch, Zip


class Dataset:
    """A sequence of elements, each a tensor or a tuple/dict structure of tensors.

    Build one with the static constructors (``from_tensor_slices``,
    ``from_tensors``, ``range``, ``from_generator``, ``zip``), transform it with
    the chainable methods, iterate over it with ``for``.
    """

    def __init__(self, node):
        # Made by the constructors and transformations below, not by users.
        self._node = node

    # -- iteration --------------------------------------------------------------------
    def __iter__(self):
        return DatasetIterator(self._node)

    def as_numpy_iterator(self):
        """Iterate with NumPy arrays (NumPy scalars for scalar components)."""
        return NumpyIterator(self._node)

    def __len__(self):
        n = self._node.cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self):
        return True  # like tf.data: never falls back on __len__

    def cardinality(self):
        """Number of elements; ``tg.data.INFINITE_CARDINALITY`` (-1) or
        ``tg.data.UNKNOWN_CARDINALITY`` (-2) when it is not a known number."""
        return Cardinality(self._node.cardinality())

    @property
    def element_spec(self):
        return self._node.spec()

    def __repr__(self):
        try:
            spec = self._node.spec()
        except Exception:
            spec = "<unknown>"
        # tf.data's form: <_BatchDataset element_spec=...>
        return f"<_{type(self._node).__name__}Dataset element_spec={spec}>"

    # -- constructors -------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None) -> "Dataset":
        """Slice ``tensors`` (an array/tensor, or a tuple/dict structure of them)
        along their first dimension."""
        return Dataset(Source(ArraySource.from_slices(tensors)))

    @staticmethod
    def from_tensors(tensors, name=None) -> "Dataset":
        """A dataset with a single element, ``tensors``."""
        return Dataset(Source(ArraySource.from_tensors(tensors)))

    @staticmethod
    def range(*args, dtype=None, name=None) -> "Dataset":
        """``range(stop)``, ``range(start, stop[, step])`` as int64 scalars."""
        return Dataset(Source(_RangeSource.from_args(args, dtype)))

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None) -> "Dataset":
        """Elements produced by calling ``generator(*args)`` (a callable returning an
        iterable).  ``output_signature`` (TensorSpecs) fixes dtypes and checks shapes."""
        if not callable(generator):
            raise TypeError("from_generator: `generator` must be a callable returning an iterable")
        return Dataset(Generator(generator, tuple(args or ()), output_types, output_shapes,
                                 output_signature))

    @staticmethod
    def zip(*datasets, name=None) -> "Dataset":
        """Zip datasets (a tuple/dict of datasets, or several as arguments)."""
        datasets = datasets[0] if len(datasets) == 1 else datasets
        for d in nest.flatten(datasets, lists=False):
            if not isinstance(d, Dataset):
                raise TypeError(f"zip: expected Dataset objects, got {type(d).__name__}")
        return Dataset(Zip(nest.map_structure(lambda d: d._node, datasets, lists=False)))

    # -- transformations ------------------------------------------------------------
    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Randomly shuffle with a buffer of ``buffer_size`` elements (a buffer at
        least as large as the dataset gives a uniform permutation)."""
        reshuffle = True if reshuffle_each_iteration is None else reshuffle_each_iteration
        return Dataset(Shuffle(self._node, buffer_size, seed, reshuffle))

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Stack consecutive elements into batches (the last one smaller unless
        ``drop_remainder``)."""
        return Dataset(Batch(self._node, batch_size, drop_remainder))

    def unbatch(self, name=None):
        return Dataset(Unbatch(self._node))

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply ``map_func`` to each element (tuple elements are unpacked into
        positional arguments, as tf.data does)."""
        if not callable(map_func):
            raise TypeError("map: `map_func` must be callable")
        return Dataset(Map(self._node, map_func))

    def flat_map(self, map_func, name=None):
        def node_of_result(*args):
            ds = map_func(*args)
            if not isinstance(ds, Dataset):
                raise TypeError("flat_map: the function must return a Dataset")
            return ds._node

        return Dataset(FlatMap(self._node, node_of_result))

    def filter(self, predicate, name=None):
        """Keep the elements for which ``predicate`` returns True."""
        if not callable(predicate):
            raise TypeError("filter: `predicate` must be callable")
        return Dataset(Filter(self._node, predicate))

    def repeat(self, count=None, name=None):
        """Repeat ``count`` times (forever when None or -1)."""
        return Dataset(Repeat(self._node, count))

    def take(self, count, name=None):
        """The first ``count`` elements (all when -1)."""
        return Dataset(Take(self._node, count))

    def skip(self, count, name=None):
        """All but the first ``count`` elements (none left when -1)."""
        return Dataset(Skip(self._node, count))

    def prefetch(self, buffer_size=AUTOTUNE, name=None):
        """Accepted for compatibility; elements are produced on demand."""
        return Dataset(self._node)

    def cache(self, filename="", name=None):
        """Keep the elements of the first complete pass in memory and replay them."""
        if filename:
            warnings.warn("tg.data.Dataset.cache(filename): caching to a file is not "
                          "implemented; caching in memory instead", stacklevel=2)
        return Dataset(Cache(self._node))

    def concatenate(self, dataset, name=None):
        if not isinstance(dataset, Dataset):
            raise TypeError("concatenate: expected a Dataset")
        return Dataset(Concatenate(self._node, dataset._node))

    def enumerate(self, start=0, name=None):
        return Dataset.zip((Dataset.range(start, np.iinfo(np.int64).max), self))

    def shard(self, num_shards, index, name=None):
        num_shards, index = int(num_shards), int(index)
        if num_shards <= 0:
            raise ValueError(f"shard: num_shards must be > 0, got {num_shards}")
        if not 0 <= index < num_shards:
            raise ValueError(f"shard: index must be in [0, {num_shards}), got {index}")
        return Dataset(Shard(self._node, num_shards, index))

    def apply(self, transformation_func):
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError("apply: the transformation must return a Dataset")
        return out

    def reduce(self, initial_state, reduce_func, name=None):
        state = element_to_tensors(element_to_numpy(initial_state))
        for elem in self:
            state = reduce_func(state, elem)
        return state

    def with_options(self, options, name=None):
        return self

    def options(self):
        return Options()

"""``tg.data.Dataset``: input pipelines with tf.data's names and semantics.

Design
------
Every dataset is a node in a small graph of Python objects.  A node produces its
elements (nested tuples/dicts of NumPy arrays) through ``_elements()``; the public
iterator converts each leaf to a tensorgear tensor with ``tensorgear.convert_to_tensor``.

The hot path of training input is ``from_tensor_slices -> shuffle -> batch``.  For
it, nodes that only *reorder or select* elements of a random-access source
(from_tensor_slices, from_tensors, range, shuffle, repeat, take, skip, cache,
prefetch) also describe themselves as an *index plan*: the source plus a stream of
int64 index chunks.  ``batch`` over such a node gathers each batch from the
contiguous source arrays with one ``np.take`` per component: no Python loop per
element.  Nodes that compute (map, filter, ...) fall back to element-wise iteration.

Semantics follow tf.data: shuffle uses a buffer of ``buffer_size`` elements (a
buffer at least as large as the input gives a uniform permutation), reshuffles on
each iteration unless told otherwise, ``repeat`` re-iterates its input (so a
shuffle before it reshuffles every epoch), ``cache`` freezes the first complete
pass, ``len()`` raises TypeError when the length is infinite or unknown.
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Iterator, List, Optional

import numpy as np

from . import _nest

INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
AUTOTUNE = -1

# Index chunks emitted by sources; bounds memory for huge ranges.
_CHUNK = 1 << 16

# --------------------------------------------------------------------------------
# Conversion helpers (tensorgear is imported lazily: tensorgear/__init__ imports us)
# --------------------------------------------------------------------------------

_convert = None


def _to_tensor(x):
    global _convert
    if _convert is None:
        import tensorgear

        _convert = tensorgear.convert_to_tensor
    return _convert(x)


def _to_numpy(x) -> np.ndarray:
    """A leaf as a NumPy array; Python scalars/lists take tensorgear's default dtypes."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, np.generic):
        return np.asarray(x)
    if isinstance(x, (bool, int, float, list)):
        # tf.data converts Python values with TF's defaults (float32 for floats);
        # tensorgear's convert_to_tensor applies the library's defaults.
        return _to_numpy(_to_tensor(x))
    numpy = getattr(x, "numpy", None)
    if callable(numpy):
        return np.asarray(numpy())
    if isinstance(x, (str, bytes)):
        raise TypeError(f"tg.data: string elements are not supported (got {x!r})")
    try:
        return _to_numpy(_to_tensor(x))
    except Exception as exc:  # pragma: no cover - depends on the core's error
        raise TypeError(f"tg.data: cannot convert {type(x).__name__} to a tensor: {exc}") from exc


def _check_dtype(a: np.ndarray) -> None:
    if a.dtype.kind in "OUSV":
        raise TypeError(
            f"tg.data: unsupported element dtype {a.dtype} (numeric and bool arrays only)")


def _element_to_numpy(elem):
    return _nest.map_structure(_to_numpy, elem)


def _element_to_tensors(elem):
    return _nest.map_structure(_to_tensor, elem)


def _fresh_numpy(a: np.ndarray):
    """What as_numpy_iterator yields: a writable array that aliases nothing of ours,
    or a NumPy scalar for 0-d values (as ``tensor.numpy()`` does)."""
    if a.ndim == 0:
        return a[()]
    if a.base is not None or not a.flags.writeable:
        return np.array(a)
    return a


# --------------------------------------------------------------------------------
# Specs and cardinality
# --------------------------------------------------------------------------------


def _tg_dtype(np_dtype):
    try:
        import tensorgear

        return getattr(tensorgear, np.dtype(np_dtype).name, None) or np.dtype(np_dtype)
    except Exception:
        return np.dtype(np_dtype)


class TensorSpec:
    """Describes one component of a dataset element: ``shape`` (None = unknown dim)
    and ``dtype`` (a tensorgear dtype), like ``tf.TensorSpec``."""

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape, dtype=None, name=None):
        self.shape = None if shape is None else tuple(None if d is None else int(d) for d in shape)
        self.dtype = _tg_dtype("float32" if dtype is None else _dtype_name(dtype))
        self.name = name

    def __repr__(self):
        dt = self.dtype
        dname = getattr(dt, "name", str(dt))
        return f"TensorSpec(shape={self.shape}, dtype=tensorgear.{dname}, name={self.name!r})"

    def __eq__(self, other):
        return (isinstance(other, TensorSpec) and self.shape == other.shape
                and _dtype_name(self.dtype) == _dtype_name(other.dtype))

    def __hash__(self):
        return hash((self.shape, _dtype_name(self.dtype)))

    def is_compatible_with(self, value) -> bool:
        a = _to_numpy(value)
        if _dtype_name(self.dtype) != a.dtype.name:
            return False
        if self.shape is None:
            return True
        return len(self.shape) == a.ndim and all(
            s is None or s == d for s, d in zip(self.shape, a.shape))


def _dtype_name(dtype) -> str:
    name = getattr(dtype, "name", None)
    if isinstance(name, str):
        return np.dtype(name).name
    if isinstance(dtype, str):
        return np.dtype(dtype).name
    return np.dtype(dtype).name


def _spec_of_array(a: np.ndarray, drop_leading: bool = False) -> TensorSpec:
    shape = a.shape[1:] if drop_leading else a.shape
    return TensorSpec(shape, a.dtype.name)


class _Cardinality(int):
    """What ``cardinality()`` returns: an int that also answers ``.numpy()``
    (code written for TF calls ``ds.cardinality().numpy()``)."""

    def numpy(self):
        return np.int64(self)


def _add_card(a: int, b: int) -> int:
    if a == INFINITE_CARDINALITY or b == INFINITE_CARDINALITY:
        return INFINITE_CARDINALITY
    if a == UNKNOWN_CARDINALITY or b == UNKNOWN_CARDINALITY:
        return UNKNOWN_CARDINALITY
    return a + b


# --------------------------------------------------------------------------------
# Random-access sources (the targets of index plans)
# --------------------------------------------------------------------------------


class _ArraySource:
    """Components stored as arrays sharing a leading dimension ``n``."""

    def __init__(self, template, leaves: List[np.ndarray]):
        self.template = template
        self.leaves = leaves
        self.n = int(leaves[0].shape[0])

    def get(self, i: int):
        return _nest.pack_as(self.template, [a[i] for a in self.leaves])

    def gather(self, idx: np.ndarray):
        m = len(idx)
        if m and int(idx[-1]) - int(idx[0]) == m - 1 and (m == 1 or np.all(np.diff(idx) == 1)):
            s = int(idx[0])
            # A run of consecutive indices: a slice; copy so the batch owns its memory.
            parts = [np.array(a[s:s + m]) for a in self.leaves]
        else:
            parts = [a.take(idx, axis=0) for a in self.leaves]
        return _nest.pack_as(self.template, parts)

    def spec(self):
        return _nest.pack_as(self.template, [_spec_of_array(a, True) for a in self.leaves])


class _RangeSource:
    def __init__(self, start: int, stop: int, step: int, dtype):
        self.start, self.step, self.dtype = start, step, np.dtype(dtype)
        self.n = len(range(start, stop, step))
        self.template = None

    def get(self, i: int):
        return np.asarray(self.start + i * self.step, dtype=self.dtype)

    def gather(self, idx: np.ndarray):
        return (self.start + idx.astype(np.int64) * self.step).astype(self.dtype, copy=False)

    def spec(self):
        return TensorSpec((), self.dtype.name)


def _source_chunks(n: int):
    def chunks():
        for s in range(0, n, _CHUNK):
            yield np.arange(s, min(n, s + _CHUNK), dtype=np.int64)
    return chunks


def _index_elements(plan):
    source, chunks = plan
    get = source.get
    for c in chunks():
        for i in c.tolist():
            yield get(i)


# --------------------------------------------------------------------------------
# Dataset
# --------------------------------------------------------------------------------


class Dataset:
    """A sequence of elements, each a tensor or a tuple/dict structure of tensors.

    Build one with the static constructors (``from_tensor_slices``,
    ``from_tensors``, ``range``, ``from_generator``, ``zip``), transform it with
    the chainable methods, iterate over it with ``for``.
    """

    # -- what subclasses implement ------------------------------------------------
    def _plan(self):
        """``(source, chunks_factory)`` when the elements are a re-ordering/selection
        of a random-access source; ``None`` otherwise."""
        return None

    def _elements(self) -> Iterator[Any]:
        plan = self._plan()
        if plan is None:  # pragma: no cover - every subclass overrides one of them
            raise NotImplementedError
        return _index_elements(plan)

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    def _spec(self):
        raise NotImplementedError

    # -- iteration --------------------------------------------------------------------
    def __iter__(self):
        return _DatasetIterator(self)

    def as_numpy_iterator(self):
        """Iterate with NumPy arrays (NumPy scalars for scalar components)."""
        return _NumpyIterator(self)

    def __len__(self):
        n = self._cardinality()
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
        return _Cardinality(self._cardinality())

    @property
    def element_spec(self):
        return self._spec()

    def __repr__(self):
        try:
            spec = self._spec()
        except Exception:
            spec = "<unknown>"
        return f"<{type(self).__name__} element_spec={spec}>"

    # -- constructors -------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors, name=None) -> "Dataset":
        """Slice ``tensors`` (an array/tensor, or a tuple/dict structure of them)
        along their first dimension."""
        leaves = _nest.flatten(tensors)
        if not leaves:
            raise ValueError("from_tensor_slices: the structure has no components")
        arrays = []
        for leaf in leaves:
            a = _to_numpy(leaf)
            _check_dtype(a)
            if a.ndim == 0:
                raise ValueError(
                    "from_tensor_slices: unbatching a tensor is only supported for rank >= 1 "
                    f"(got a scalar of dtype {a.dtype})")
            arrays.append(a)
        n = arrays[0].shape[0]
        if any(a.shape[0] != n for a in arrays):
            shapes = ", ".join(str(tuple(a.shape)) for a in arrays)
            raise ValueError(
                "from_tensor_slices: all components must have the same size in their first "
                f"dimension; got shapes {shapes}")
        # Snapshot (tf.data copies too), C-contiguous for fast gathers, read-only so
        # that yielded per-element views cannot be written through.
        owned = []
        for leaf, a in zip(leaves, arrays):
            if isinstance(leaf, np.ndarray) or not a.flags.c_contiguous:
                a = np.array(a, order="C", copy=True)
            else:
                a = a.view()
            a.flags.writeable = False
            owned.append(a)
        template = _nest.map_structure(lambda _: None, tensors)
        return _SourceDataset(_ArraySource(template, owned))

    @staticmethod
    def from_tensors(tensors, name=None) -> "Dataset":
        """A dataset with a single element, ``tensors``."""
        leaves = _nest.flatten(tensors)
        arrays = []
        for leaf in leaves:
            a = np.array(_to_numpy(leaf), order="C", copy=True)[None]
            _check_dtype(a)
            a.flags.writeable = False
            arrays.append(a)
        if not arrays:
            raise ValueError("from_tensors: the structure has no components")
        template = _nest.map_structure(lambda _: None, tensors)
        return _SourceDataset(_ArraySource(template, arrays))

    @staticmethod
    def range(*args, dtype=None, name=None) -> "Dataset":
        """``range(stop)``, ``range(start, stop[, step])`` as int64 scalars."""
        if not 1 <= len(args) <= 3:
            raise TypeError(f"range() takes 1 to 3 positional arguments ({len(args)} given)")
        ints = [int(a) for a in args]
        if len(ints) == 1:
            start, stop, step = 0, ints[0], 1
        elif len(ints) == 2:
            start, stop, step = ints[0], ints[1], 1
        else:
            start, stop, step = ints
        if step == 0:
            raise ValueError("range(): step must not be 0")
        np_dtype = np.dtype("int64") if dtype is None else np.dtype(_dtype_name(dtype))
        return _SourceDataset(_RangeSource(start, stop, step, np_dtype))

    @staticmethod
    def from_generator(generator, output_types=None, output_shapes=None, args=None,
                       output_signature=None, name=None) -> "Dataset":
        """Elements produced by calling ``generator(*args)`` (a callable returning an
        iterable).  ``output_signature`` (TensorSpecs) fixes dtypes and checks shapes."""
        if not callable(generator):
            raise TypeError("from_generator: `generator` must be a callable returning an iterable")
        return _GeneratorDataset(generator, tuple(args or ()), output_types, output_shapes,
                                 output_signature)

    @staticmethod
    def zip(*datasets, name=None) -> "Dataset":
        """Zip datasets (a tuple/dict of datasets, or several as arguments)."""
        if len(datasets) == 1 and not isinstance(datasets[0], Dataset):
            datasets = datasets[0]
        elif len(datasets) == 1:
            datasets = datasets[0]
        else:
            datasets = tuple(datasets)
        leaves = _nest.flatten(datasets)
        for d in leaves:
            if not isinstance(d, Dataset):
                raise TypeError(f"zip: expected Dataset objects, got {type(d).__name__}")
        return _ZipDataset(datasets)

    # -- transformations ------------------------------------------------------------
    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None, name=None):
        """Randomly shuffle with a buffer of ``buffer_size`` elements (a buffer at
        least as large as the dataset gives a uniform permutation)."""
        return _ShuffleDataset(self, buffer_size, seed,
                               True if reshuffle_each_iteration is None else reshuffle_each_iteration)

    def batch(self, batch_size, drop_remainder=False, num_parallel_calls=None,
              deterministic=None, name=None):
        """Stack consecutive elements into batches (the last one smaller unless
        ``drop_remainder``)."""
        return _BatchDataset(self, batch_size, drop_remainder)

    def unbatch(self, name=None):
        return _UnbatchDataset(self)

    def map(self, map_func, num_parallel_calls=None, deterministic=None, name=None):
        """Apply ``map_func`` to each element (tuple elements are unpacked into
        positional arguments, as tf.data does)."""
        if not callable(map_func):
            raise TypeError("map: `map_func` must be callable")
        return _MapDataset(self, map_func)

    def flat_map(self, map_func, name=None):
        return _FlatMapDataset(self, map_func)

    def filter(self, predicate, name=None):
        """Keep the elements for which ``predicate`` returns True."""
        if not callable(predicate):
            raise TypeError("filter: `predicate` must be callable")
        return _FilterDataset(self, predicate)

    def repeat(self, count=None, name=None):
        """Repeat ``count`` times (forever when None or -1)."""
        return _RepeatDataset(self, count)

    def take(self, count, name=None):
        """The first ``count`` elements (all when -1)."""
        return _TakeDataset(self, count)

    def skip(self, count, name=None):
        """All but the first ``count`` elements (none left when -1)."""
        return _SkipDataset(self, count)

    def prefetch(self, buffer_size=AUTOTUNE, name=None):
        """Accepted for compatibility; elements are produced on demand."""
        return _PassThroughDataset(self)

    def cache(self, filename="", name=None):
        """Keep the elements of the first complete pass in memory and replay them."""
        if filename:
            warnings.warn("tg.data.Dataset.cache(filename): caching to a file is not "
                          "implemented; caching in memory instead", stacklevel=2)
        return _CacheDataset(self)

    def concatenate(self, dataset, name=None):
        if not isinstance(dataset, Dataset):
            raise TypeError("concatenate: expected a Dataset")
        return _ConcatenateDataset(self, dataset)

    def enumerate(self, start=0, name=None):
        return Dataset.zip((Dataset.range(start, np.iinfo(np.int64).max), self))

    def shard(self, num_shards, index, name=None):
        num_shards, index = int(num_shards), int(index)
        if num_shards <= 0:
            raise ValueError(f"shard: num_shards must be > 0, got {num_shards}")
        if not 0 <= index < num_shards:
            raise ValueError(f"shard: index must be in [0, {num_shards}), got {index}")
        return _ShardDataset(self, num_shards, index)

    def apply(self, transformation_func):
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError("apply: the transformation must return a Dataset")
        return out

    def reduce(self, initial_state, reduce_func, name=None):
        state = _element_to_tensors(_element_to_numpy(initial_state))
        for elem in self:
            state = reduce_func(state, elem)
        return state

    def with_options(self, options, name=None):
        return self

    def options(self):
        return Options()


class Options:
    """Accepted for compatibility with ``tf.data.Options``; settings are ignored."""

    def __init__(self):
        self.deterministic = True
        self.experimental_deterministic = True


# --------------------------------------------------------------------------------
# Iterators
# --------------------------------------------------------------------------------


class _DatasetIterator:
    __slots__ = ("_it", "_spec_fn")

    def __init__(self, dataset: Dataset):
        self._it = dataset._elements()
        self._spec_fn = dataset._spec

    def __iter__(self):
        return self

    def __next__(self):
        return _element_to_tensors(next(self._it))

    def get_next(self):
        return next(self)

    @property
    def element_spec(self):
        return self._spec_fn()


class _NumpyIterator:
    __slots__ = ("_it",)

    def __init__(self, dataset: Dataset):
        self._it = dataset._elements()

    def __iter__(self):
        return self

    def __next__(self):
        return _nest.map_structure(_fresh_numpy, next(self._it))

    next = __next__


# --------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------


class _SourceDataset(Dataset):
    def __init__(self, source):
        self._source = source

    def _plan(self):
        return self._source, _source_chunks(self._source.n)

    def _elements(self):
        src = self._source
        if isinstance(src, _ArraySource):
            template, leaves = src.template, src.leaves
            if template is None:
                a = leaves[0]
                return iter(a) if a.ndim > 1 else (a[i] for i in range(src.n))
            return (_nest.pack_as(template, [a[i] for a in leaves]) for i in range(src.n))
        return _index_elements(self._plan())

    def _cardinality(self):
        return self._source.n

    def _spec(self):
        return self._source.spec()


class _UnaryDataset(Dataset):
    def __init__(self, input_dataset: Dataset):
        if not isinstance(input_dataset, Dataset):
            raise TypeError(f"expected a Dataset, got {type(input_dataset).__name__}")
        self._input = input_dataset

    def _cardinality(self):
        return self._input._cardinality()

    def _spec(self):
        return self._input._spec()


class _PassThroughDataset(_UnaryDataset):
    def _plan(self):
        return self._input._plan()

    def _elements(self):
        return self._input._elements()


def _default_seed() -> int:
    """Seed for an unseeded shuffle: from tensorgear's global seed when the core
    exposes one, else from NumPy's global generator (seeded by
    ``keras.utils.set_random_seed``), so a seeded program shuffles reproducibly."""
    try:
        import tensorgear

        getter = getattr(getattr(tensorgear, "random", None), "get_global_seed", None)
        if getter is not None:
            g = getter()
            if g is not None:
                return int(np.random.default_rng([int(g) & 0xFFFFFFFFFFFFFFFF, 0x5EED])
                           .integers(0, 2 ** 63))
    except Exception:
        pass
    return int(np.random.randint(0, 2 ** 31 - 1)) << 31 | int(np.random.randint(0, 2 ** 31 - 1))


class _ShuffleDataset(_UnaryDataset):
    def __init__(self, input_dataset, buffer_size, seed, reshuffle_each_iteration):
        super().__init__(input_dataset)
        buffer_size = int(buffer_size)
        if buffer_size == AUTOTUNE:
            raise ValueError("shuffle: buffer_size=AUTOTUNE is not supported; give a size")
        if buffer_size <= 0:
            raise ValueError(f"shuffle: buffer_size must be greater than zero, got {buffer_size}")
        self._buffer_size = buffer_size
        self._seed = _default_seed() if seed is None else int(seed) & 0xFFFFFFFFFFFFFFFF
        self._reshuffle = bool(reshuffle_each_iteration)
        self._epoch = 0

    def _next_rng(self):
        epoch = self._epoch
        if self._reshuffle:
            self._epoch += 1
        return np.random.default_rng([self._seed, epoch])

    def _plan(self):
        inner = self._input._plan()
        if inner is None:
            return None
        source, chunks = inner
        n = self._input._cardinality()
        buffer_size = self._buffer_size

        def shuffled_chunks():
            rng = self._next_rng()
            if n >= 0 and buffer_size >= n:
                parts = list(chunks())
                idx = np.concatenate(parts) if parts else np.zeros(0, np.int64)
                yield idx[rng.permutation(len(idx))]
                return
            out = []
            for i in _buffer_shuffle((i for c in chunks() for i in c.tolist()), buffer_size, rng):
                out.append(i)
                if len(out) >= _CHUNK:
                    yield np.asarray(out, dtype=np.int64)
                    out = []
            if out:
                yield np.asarray(out, dtype=np.int64)

        return source, shuffled_chunks

    def _elements(self):
        plan = self._plan()
        if plan is not None:
            return _index_elements(plan)
        return _buffer_shuffle(self._input._elements(), self._buffer_size, self._next_rng())


def _buffer_shuffle(items, buffer_size: int, rng):
    """tf.data's shuffle: keep a buffer, emit a uniformly chosen slot, refill it."""
    it = iter(items)
    buf = []
    for x in it:
        buf.append(x)
        if len(buf) >= buffer_size:
            break
    rand = rng.random(4096)
    k = 0
    while buf:
        if k == len(rand):
            rand = rng.random(4096)
            k = 0
        j = int(rand[k] * len(buf))
        k += 1
        out = buf[j]
        try:
            buf[j] = next(it)
        except StopIteration:
            last = buf.pop()
            if j < len(buf):
                buf[j] = last
        yield out


class _BatchDataset(_UnaryDataset):
    def __init__(self, input_dataset, batch_size, drop_remainder):
        super().__init__(input_dataset)
        batch_size = int(batch_size)
        if batch_size <= 0:
            raise ValueError(f"batch: batch_size must be greater than zero, got {batch_size}")
        self._batch_size = batch_size
        self._drop = bool(drop_remainder)

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        return n // self._batch_size if self._drop else -(-n // self._batch_size)

    def _spec(self):
        b = self._batch_size if self._drop else None
        return _nest.map_structure(
            lambda s: TensorSpec(None if s.shape is None else (b,) + s.shape, s.dtype),
            self._input._spec())

    def _elements(self):
        plan = self._input._plan()
        if plan is not None:
            return self._gather_batches(plan)
        return self._stack_batches()

    def _gather_batches(self, plan):
        source, chunks = plan
        bs = self._batch_size
        pending = np.zeros(0, np.int64)
        for c in chunks():
            if len(pending):
                c = np.concatenate([pending, c])
            full = len(c) - len(c) % bs
            for s in range(0, full, bs):
                yield source.gather(c[s:s + bs])
            pending = c[full:]
        if len(pending) and not self._drop:
            yield source.gather(pending)

    def _stack_batches(self):
        bs = self._batch_size
        buf = []
        for elem in self._input._elements():
            buf.append(elem)
            if len(buf) == bs:
                yield _stack(buf)
                buf = []
        if buf and not self._drop:
            yield _stack(buf)


def _stack(elems):
    template = elems[0]
    flat = [_nest.flatten(e) for e in elems]
    out = []
    for k in range(len(flat[0])):
        comps = [np.asarray(f[k]) if isinstance(f[k], np.ndarray) else _to_numpy(f[k]) for f in flat]
        shape0 = comps[0].shape
        for j, c in enumerate(comps):
            if c.shape != shape0:
                raise ValueError(
                    f"Cannot batch tensors with different shapes in component {k}. First "
                    f"element had shape {list(shape0)} and element {j} had shape {list(c.shape)}.")
        out.append(np.stack(comps))
    return _nest.pack_as(template, out)


class _UnbatchDataset(_UnaryDataset):
    def _cardinality(self):
        n = self._input._cardinality()
        return n if n in (0, INFINITE_CARDINALITY) else UNKNOWN_CARDINALITY

    def _spec(self):
        return _nest.map_structure(
            lambda s: TensorSpec(None if s.shape is None else s.shape[1:], s.dtype),
            self._input._spec())

    def _elements(self):
        for elem in self._input._elements():
            leaves = [_to_numpy(x) for x in _nest.flatten(elem)]
            if any(a.ndim == 0 for a in leaves):
                raise ValueError("unbatch: cannot unbatch scalar components")
            n = leaves[0].shape[0]
            if any(a.shape[0] != n for a in leaves):
                raise ValueError("unbatch: components have different leading dimensions")
            for i in range(n):
                yield _nest.pack_as(elem, [a[i] for a in leaves])


def _call_with_element(fn, elem):
    if isinstance(elem, tuple) and not _nest.is_namedtuple(elem):
        return fn(*elem)
    return fn(elem)


class _MapDataset(_UnaryDataset):
    def __init__(self, input_dataset, fn):
        super().__init__(input_dataset)
        self._fn = fn
        self._spec_cache = None

    def _elements(self):
        fn = self._fn
        for elem in self._input._elements():
            out = _call_with_element(fn, _element_to_tensors(elem))
            yield _element_to_numpy(_nest.lists_to_tuples(out))

    def _spec(self):
        # tf.data traces the function; here the spec is read off the first output.
        if self._spec_cache is None:
            for elem in self._elements():
                self._spec_cache = _nest.map_structure(lambda a: _spec_of_array(a), elem)
                break
            else:
                raise ValueError("element_spec of a mapped empty dataset is unknown")
        return self._spec_cache


class _FlatMapDataset(_UnaryDataset):
    def __init__(self, input_dataset, fn):
        super().__init__(input_dataset)
        self._fn = fn

    def _cardinality(self):
        return UNKNOWN_CARDINALITY

    def _elements(self):
        for elem in self._input._elements():
            ds = _call_with_element(self._fn, _element_to_tensors(elem))
            if not isinstance(ds, Dataset):
                raise TypeError("flat_map: the function must return a Dataset")
            yield from ds._elements()

    def _spec(self):
        for elem in self._input._elements():
            return _call_with_element(self._fn, _element_to_tensors(elem))._spec()
        raise ValueError("element_spec of an empty flat_map is unknown")


class _FilterDataset(_UnaryDataset):
    def __init__(self, input_dataset, predicate):
        super().__init__(input_dataset)
        self._pred = predicate

    def _cardinality(self):
        return UNKNOWN_CARDINALITY  # as tf.data

    def _elements(self):
        pred = self._pred
        for elem in self._input._elements():
            keep = _call_with_element(pred, _element_to_tensors(elem))
            k = _to_numpy(keep)
            if k.shape != () or k.dtype != np.bool_:
                raise ValueError(
                    "filter: the predicate must return a scalar boolean, got "
                    f"dtype {k.dtype} and shape {k.shape}")
            if bool(k):
                yield elem


class _RepeatDataset(_UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = -1 if count is None else int(count)

    def _cardinality(self):
        n = self._input._cardinality()
        # tf.data's rule: forever -> infinite unless the input is known to be empty.
        if self._count < 0:
            return 0 if n == 0 else INFINITE_CARDINALITY
        if self._count == 0:
            return 0
        if n < 0:
            return n
        return n * self._count

    def _epochs(self):
        e = 0
        while self._count < 0 or e < self._count:
            yield e
            e += 1

    def _plan(self):
        inner = self._input._plan()
        if inner is None:
            return None
        source, chunks = inner

        def repeated():
            for _ in self._epochs():
                got = False
                for c in chunks():
                    got = got or len(c) > 0
                    yield c
                if not got:  # an empty input would otherwise loop forever
                    return

        return source, repeated

    def _elements(self):
        plan = self._plan()
        if plan is not None:
            return _index_elements(plan)
        return self._generic()

    def _generic(self):
        for _ in self._epochs():
            got = False
            for elem in self._input._elements():
                got = True
                yield elem
            if not got:
                return


class _TakeDataset(_UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = int(count)

    def _cardinality(self):
        n = self._input._cardinality()
        if self._count < 0:
            return n
        if n == INFINITE_CARDINALITY:
            return self._count
        if n == UNKNOWN_CARDINALITY:
            return 0 if self._count == 0 else UNKNOWN_CARDINALITY
        return min(n, self._count)

    def _plan(self):
        inner = self._input._plan()
        if inner is None:
            return None
        source, chunks = inner
        count = self._count

        def taken():
            if count < 0:
                yield from chunks()
                return
            left = count
            if left == 0:
                return
            for c in chunks():
                if len(c) >= left:
                    yield c[:left]
                    return
                left -= len(c)
                yield c

        return source, taken

    def _elements(self):
        plan = self._plan()
        if plan is not None:
            return _index_elements(plan)
        return self._generic()

    def _generic(self):
        if self._count < 0:
            yield from self._input._elements()
            return
        left = self._count
        if left == 0:
            return
        for elem in self._input._elements():
            yield elem
            left -= 1
            if left == 0:
                return


class _SkipDataset(_UnaryDataset):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset)
        self._count = int(count)

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        if self._count < 0:
            return 0
        return max(0, n - self._count)

    def _plan(self):
        inner = self._input._plan()
        if inner is None:
            return None
        source, chunks = inner
        count = self._count

        def skipped():
            if count < 0:
                for _ in chunks():
                    pass
                return
            left = count
            for c in chunks():
                if left:
                    if len(c) <= left:
                        left -= len(c)
                        continue
                    c = c[left:]
                    left = 0
                yield c

        return source, skipped

    def _elements(self):
        plan = self._plan()
        if plan is not None:
            return _index_elements(plan)
        return self._generic()

    def _generic(self):
        it = self._input._elements()
        if self._count < 0:
            for _ in it:
                pass
            return
        for _ in range(self._count):
            try:
                next(it)
            except StopIteration:
                return
        yield from it


class _CacheDataset(_UnaryDataset):
    def __init__(self, input_dataset):
        super().__init__(input_dataset)
        self._cached_idx = None  # for index plans: the first complete pass's indices
        self._cached = None  # otherwise: the elements

    def _plan(self):
        inner = self._input._plan()
        if inner is None:
            return None
        source, chunks = inner

        def cached():
            if self._cached_idx is not None:
                yield from self._cached_idx
                return
            seen = []
            for c in chunks():
                seen.append(c)
                yield c
            self._cached_idx = seen  # reached only after a complete pass

        return source, cached

    def _elements(self):
        plan = self._plan()
        if plan is not None:
            return _index_elements(plan)
        return self._generic()

    def _generic(self):
        if self._cached is not None:
            yield from self._cached
            return
        seen = []
        for elem in self._input._elements():
            seen.append(elem)
            yield elem
        self._cached = seen


class _ShardDataset(_UnaryDataset):
    def __init__(self, input_dataset, num_shards, index):
        super().__init__(input_dataset)
        self._num, self._index = num_shards, index

    def _cardinality(self):
        n = self._input._cardinality()
        if n < 0:
            return n
        return n // self._num + (1 if n % self._num > self._index else 0)

    def _plan(self):
        inner = self._input._plan()
        if inner is None:
            return None
        source, chunks = inner
        num, index = self._num, self._index

        def sharded():
            pos = 0
            for c in chunks():
                first = (index - pos) % num
                yield c[first::num]
                pos += len(c)

        return source, sharded

    def _elements(self):
        plan = self._plan()
        if plan is not None:
            return _index_elements(plan)
        return (e for i, e in enumerate(self._input._elements()) if i % self._num == self._index)


class _ConcatenateDataset(Dataset):
    def __init__(self, a: Dataset, b: Dataset):
        self._a, self._b = a, b

    def _cardinality(self):
        return _add_card(self._a._cardinality(), self._b._cardinality())

    def _spec(self):
        sa, sb = self._a._spec(), self._b._spec()
        if not _nest.same_structure(sa, sb):
            raise TypeError("concatenate: the datasets have different element structures")

        def merge(x, y):
            if _dtype_name(x.dtype) != _dtype_name(y.dtype):
                raise TypeError(f"concatenate: incompatible dtypes {x.dtype} and {y.dtype}")
            if x.shape is None or y.shape is None or len(x.shape) != len(y.shape):
                return TensorSpec(None, x.dtype)
            return TensorSpec(tuple(p if p == q else None for p, q in zip(x.shape, y.shape)),
                              x.dtype)

        fa, fb = _nest.flatten(sa), _nest.flatten(sb)
        return _nest.pack_as(sa, [merge(x, y) for x, y in zip(fa, fb)])

    def _elements(self):
        yield from self._a._elements()
        yield from self._b._elements()


class _ZipDataset(Dataset):
    def __init__(self, datasets):
        self._datasets = datasets
        self._flat = _nest.flatten(datasets)

    def _cardinality(self):
        cards = [d._cardinality() for d in self._flat]
        if UNKNOWN_CARDINALITY in cards:
            return UNKNOWN_CARDINALITY
        known = [c for c in cards if c >= 0]
        return min(known) if known else INFINITE_CARDINALITY

    def _spec(self):
        return _nest.pack_as(self._datasets, [d._spec() for d in self._flat])

    def _elements(self):
        its = [d._elements() for d in self._flat]
        while True:
            parts = []
            for it in its:
                try:
                    parts.append(next(it))
                except StopIteration:
                    return
            yield _nest.pack_as(self._datasets, parts)


class _GeneratorDataset(Dataset):
    def __init__(self, generator, args, output_types, output_shapes, output_signature):
        self._gen, self._args = generator, args
        if output_signature is None and output_types is not None:
            shapes = output_shapes
            if shapes is None:
                shapes = _nest.map_structure(lambda _: None, output_types)
            ft, fs = _nest.flatten(output_types), _flatten_shapes(shapes, output_types)
            output_signature = _nest.pack_as(
                output_types, [TensorSpec(s, t) for t, s in zip(ft, fs)])
        self._signature = output_signature
        self._spec_cache = None

    def _elements(self):
        sig = self._signature
        flat_sig = None if sig is None else _nest.flatten(sig)
        for raw in self._gen(*self._args):
            raw = _nest.lists_to_tuples(raw) if isinstance(raw, (tuple, dict)) else raw
            if sig is None:
                yield _element_to_numpy(raw)
                continue
            leaves = _nest.flatten(raw) if _nest.is_structure(sig) else [raw]
            if len(leaves) != len(flat_sig):
                raise TypeError(
                    f"from_generator: the generator yielded {len(leaves)} components, "
                    f"the signature has {len(flat_sig)}")
            out = []
            for leaf, spec in zip(leaves, flat_sig):
                a = _to_numpy(leaf) if not isinstance(leaf, (int, float, bool, list)) else \
                    np.asarray(leaf)
                a = a.astype(_dtype_name(spec.dtype), copy=False)
                if spec.shape is not None and (a.ndim != len(spec.shape) or any(
                        s is not None and s != d for s, d in zip(spec.shape, a.shape))):
                    raise ValueError(
                        f"from_generator: yielded an element of shape {a.shape}, which does "
                        f"not match the expected shape {spec.shape}")
                out.append(a)
            yield _nest.pack_as(sig, out) if _nest.is_structure(sig) else out[0]

    def _spec(self):
        if self._signature is not None:
            return self._signature
        if self._spec_cache is None:
            for elem in self._elements():
                self._spec_cache = _nest.map_structure(_spec_of_array, elem)
                break
            else:
                raise ValueError("element_spec of an empty generator dataset is unknown")
        return self._spec_cache


def _flatten_shapes(shapes, types):
    """output_shapes mirrors output_types, but a shape (list/tuple of ints) is a leaf."""
    if isinstance(types, dict):
        return [s for k in types for s in _flatten_shapes(shapes[k], types[k])]
    if isinstance(types, tuple):
        return [s for t, sh in zip(types, shapes) for s in _flatten_shapes(sh, t)]
    return [None if shapes is None else tuple(shapes)]


# Public namespace helpers ---------------------------------------------------------


class experimental:  # noqa: N801 - mirrors tf.data.experimental
    AUTOTUNE = AUTOTUNE
    INFINITE_CARDINALITY = INFINITE_CARDINALITY
    UNKNOWN_CARDINALITY = UNKNOWN_CARDINALITY

    @staticmethod
    def cardinality(dataset: Dataset):
        return dataset.cardinality()


__all__ = [
    "Dataset", "TensorSpec", "Options", "AUTOTUNE", "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY", "experimental",
]

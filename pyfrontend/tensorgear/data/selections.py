"""The transformations that select, reorder or repeat elements: shuffle, repeat,
take, skip, cache and shard.

Each is written twice (see ``nodes.Selection``): over index chunks, to extend
an index plan, and over elements, for inputs that have none. The cardinality
rules are tf.data's.
"""

import numpy as np

from .cardinality import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY
from .nodes import Selection
from .options import AUTOTUNE
from .plans import CHUNK


class Shuffle(Selection):
    """tf.data's shuffle: a buffer of ``buffer_size`` elements (one at least as large
    as the input gives a uniform permutation), a new order on each pass unless
    ``reshuffle_each_iteration`` is false."""

    def __init__(self, input_node, buffer_size, seed, reshuffle_each_iteration):
        super().__init__(input_node)
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
        # one generator per pass, a function of (seed, pass number): a seeded
        # pipeline gives the same sequence of orders on every run
        epoch = self._epoch
        if self._reshuffle:
            self._epoch += 1
        return np.random.default_rng([self._seed, epoch])

    def _select_indices(self, chunks):
        rng = self._next_rng()
        n = self.input.cardinality()
        if 0 <= n <= self._buffer_size:
            parts = list(chunks())
            idx = np.concatenate(parts) if parts else np.zeros(0, np.int64)
            yield idx[rng.permutation(len(idx))]
            return
        out = []
        for i in _buffer_shuffle((i for c in chunks() for i in c.tolist()), self._buffer_size, rng):
            out.append(i)
            if len(out) >= CHUNK:
                yield np.asarray(out, dtype=np.int64)
                out = []
        if out:
            yield np.asarray(out, dtype=np.int64)

    def _select_elements(self, elements):
        return _buffer_shuffle(elements(), self._buffer_size, self._next_rng())


def _default_seed() -> int:
    """Seed for an unseeded shuffle, drawn from NumPy's global generator (which
    ``keras.utils.set_random_seed`` seeds), so a seeded program shuffles
    reproducibly."""
    return int(np.random.randint(0, 2 ** 31 - 1)) << 31 | int(np.random.randint(0, 2 ** 31 - 1))


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


class Repeat(Selection):
    """``count`` passes over the input (forever when None or negative)."""

    def __init__(self, input_node, count):
        super().__init__(input_node)
        self._count = -1 if count is None else int(count)

    def cardinality(self):
        n = self.input.cardinality()
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

    # Both forms stop after an empty pass: an empty input would otherwise loop forever.
    def _select_indices(self, chunks):
        for _ in self._epochs():
            got = False
            for c in chunks():
                got = got or len(c) > 0
                yield c
            if not got:
                return

    def _select_elements(self, elements):
        for _ in self._epochs():
            got = False
            for elem in elements():
                got = True
                yield elem
            if not got:
                return


class Take(Selection):
    """The first ``count`` elements (all when negative)."""

    def __init__(self, input_node, count):
        super().__init__(input_node)
        self._count = int(count)

    def cardinality(self):
        n = self.input.cardinality()
        if self._count < 0:
            return n
        if n == INFINITE_CARDINALITY:
            return self._count
        if n == UNKNOWN_CARDINALITY:
            return 0 if self._count == 0 else UNKNOWN_CARDINALITY
        return min(n, self._count)

    def _select_indices(self, chunks):
        if self._count < 0:
            yield from chunks()
            return
        left = self._count
        if left == 0:
            return
        for c in chunks():
            if len(c) >= left:
                yield c[:left]
                return
            left -= len(c)
            yield c

    def _select_elements(self, elements):
        if self._count < 0:
            yield from elements()
            return
        left = self._count
        if left == 0:
            return
        for elem in elements():
            yield elem
            left -= 1
            if left == 0:
                return


class Skip(Selection):
    """All but the first ``count`` elements (none when negative)."""

    def __init__(self, input_node, count):
        super().__init__(input_node)
        self._count = int(count)

    def cardinality(self):
        n = self.input.cardinality()
        if n < 0:
            return n
        if self._count < 0:
            return 0
        return max(0, n - self._count)

    # A negative count still runs through the input, as tf.data does.
    def _select_indices(self, chunks):
        if self._count < 0:
            for _ in chunks():
                pass
            return
        left = self._count
        for c in chunks():
            if left:
                if len(c) <= left:
                    left -= len(c)
                    continue
                c = c[left:]
                left = 0
            yield c

    def _select_elements(self, elements):
        it = elements()
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


class Cache(Selection):
    """The first complete pass, replayed on later passes."""

    def __init__(self, input_node):
        super().__init__(input_node)
        # Index chunks or elements, whichever form this node works in (fixed by
        # its input): the same replay serves both.
        self._pass = None

    def _replay(self, items):
        if self._pass is not None:
            yield from self._pass
            return
        seen = []
        for x in items():
            seen.append(x)
            yield x
        self._pass = seen  # reached only after a complete pass

    _select_indices = _select_elements = _replay


class Shard(Selection):
    """Every ``num_shards``-th element, starting at ``index``."""

    def __init__(self, input_node, num_shards: int, index: int):
        super().__init__(input_node)
        self._num, self._index = num_shards, index

    def cardinality(self):
        n = self.input.cardinality()
        if n < 0:
            return n
        return n // self._num + (1 if n % self._num > self._index else 0)

    def _select_indices(self, chunks):
        pos = 0
        for c in chunks():
            first = (self._index - pos) % self._num
            yield c[first::self._num]
            pos += len(c)

    def _select_elements(self, elements):
        return (e for i, e in enumerate(elements()) if i % self._num == self._index)

"""Turning fit / evaluate / predict inputs into batches of tensors.

Arrays (NumPy or tensors) are converted once, up front, to contiguous
tensorgear tensors of the dtypes the model and loss need (inputs to the float
type; sparse-label targets to int64); inputs that already are C-ordered
arrays of the right dtype are borrowed (a zero-copy view for the duration of
the call), not copied. Each step then takes a batch with one
slice (a view, no copy) or, when shuffling, one gather of the epoch's
permutation: no per-step conversion or copying from NumPy.

tg.data.Dataset objects and other iterables of batches are consumed as they
come, converting only what is not a tensor already.

Text inputs (NumPy str_/bytes_/object arrays of strings, lists of str) are
not tensors: they stay NumPy arrays, sliced (or indexed, when shuffling) per
batch, and reach the model's first layer (TextVectorization, StringLookup,
Hashing) as they are.

The checks made before training starts (the model accepts a sample; sparse
labels are in range), class weights and single batches (``*_on_batch``,
``train_step(data)``) are prepared here too, so the trainer only loops.
"""

import math

import numpy as np

import tensorgear as tg

from ... import nest
from ...distribute.strategy import DistributedDataset, replica_rows
from ..backend import floatx
from ..backend.call_context import inference_mode
from ..backend.tensor_utils import dtype_name, is_float_dtype, is_string_array
from .multi_output import OutputKinds


def _is_array_like(x):
    return isinstance(x, (np.ndarray, tg.Tensor, tg.Variable)) or (
        hasattr(x, "__array__") and not hasattr(x, "__next__") and not isinstance(x, (list, tuple, dict)))


def lists_to_arrays(x):
    """Plain Python lists of numbers (or of such lists) become NumPy arrays, as in Keras;
    a list holding arrays or tensors stays a list of several inputs."""
    if isinstance(x, (list, tuple)) and x and not any(
            isinstance(e, (np.ndarray, tg.Tensor, tg.Variable, dict)) for e in x):
        try:
            arr = np.asarray(x)
        except ValueError:
            return x
        if arr.dtype.kind in "biufUS":  # numbers, or strings (one text input, not several inputs)
            return arr
    return x


def is_array_data(x):
    """True for an array, or a list/tuple/dict of arrays (several model inputs)."""
    if x is None:
        return False
    if isinstance(x, (list, tuple)):
        return len(x) > 0 and all(is_array_data(e) for e in x)
    if isinstance(x, dict):
        return len(x) > 0 and all(is_array_data(e) for e in x.values())
    return _is_array_like(x)


def _length(a):
    shape = getattr(a, "shape", None)
    if shape is None or len(shape) == 0:
        raise ValueError(f"Expected arrays with a batch (first) dimension; got a scalar of type {type(a).__name__}")
    return int(shape[0])


def to_numpy_if_needed(a):
    if isinstance(a, (tg.Tensor, tg.Variable)):
        return a
    if isinstance(a, np.ndarray):
        return a
    return np.asarray(a)


_BORROWABLE = frozenset(["float32", "float64", "int32", "int64", "uint8"])


def _array_to_tensor(a, borrow):
    """A C-ordered ndarray as a tensor: a zero-copy view of it when ``borrow``.

    Borrowing is for the batches of one fit/evaluate/predict call: the data
    are read, never written, while the call runs, and the MNIST training set
    (188 MB as float32) is then not held twice.
    """
    a = np.ascontiguousarray(a)
    if borrow and a.dtype.name in _BORROWABLE:
        # the view is on the host; with a GPU as the default device the data go there once
        return _on_device(tg.from_dlpack(a), tg._C._current_device())
    return tg.convert_to_tensor(a)


def _on_device(t, device):
    """t on `device` (a name such as "GPU:0"): itself when it is there already."""
    return t if t.device.endswith(device) else t.to(device)


def convert_inputs(x, dtype=None, borrow=False):
    """Model inputs as tensors: numbers become the float type (Keras feeds floats to layers)."""
    dtype = dtype or floatx()

    def conv(a):
        if isinstance(a, tg.Variable):
            a = tg.convert_to_tensor(a)
        if isinstance(a, tg.Tensor):
            return a if is_float_dtype(a.dtype) or dtype_name(a.dtype) == "bool" else tg.cast(a, dtype)
        a = np.asarray(a)
        if is_string_array(a):
            return a  # text stays host data for the model's first layer
        if a.dtype.kind in "biuf" and (a.dtype.kind != "f" or a.dtype.itemsize != np.dtype(dtype).itemsize):
            a = a.astype(dtype)
        return _array_to_tensor(a, borrow)

    return nest.map_structure(conv, x)


def convert_targets(y, kind):
    """Targets as tensors. kind: 'sparse' (int64 class ids, a trailing 1 dropped), 'float'
    (the float type), or None (as given)."""
    if y is None:
        return None
    if isinstance(kind, OutputKinds):  # several outputs, each with its own kind
        if isinstance(y, dict):
            return {k: convert_targets(v, kind.by_name(k)) for k, v in y.items()}
        if isinstance(y, (list, tuple)):
            return type(y)(convert_targets(v, kind.by_index(i)) for i, v in enumerate(y))
        return convert_targets(y, kind.by_index(0) if len(kind.kinds) == 1 else None)

    def conv(a):
        if isinstance(a, tg.Variable):
            a = tg.convert_to_tensor(a)
        if kind == "sparse":
            if isinstance(a, tg.Tensor):
                if len(a.shape) == 2 and a.shape[-1] == 1:
                    a = tg.reshape(a, (a.shape[0],))
                return a if dtype_name(a.dtype) == "int64" else tg.cast(a, "int64")
            a = np.asarray(a)
            if a.ndim == 2 and a.shape[-1] == 1:
                a = a.reshape(-1)
            if a.dtype.kind == "f":
                if not np.all(np.isfinite(a)) or np.any(a != np.round(a)):
                    raise ValueError("Sparse categorical labels must be integer class ids; got non-integer "
                                     f"values such as {a[np.argmax(a != np.round(a))]!r}")
            return tg.convert_to_tensor(np.asarray(a, dtype=np.int64, order="C"))
        if kind == "float":
            if isinstance(a, tg.Tensor):
                return a if dtype_name(a.dtype) == floatx() else tg.cast(a, floatx())
            return tg.convert_to_tensor(np.asarray(np.asarray(a), dtype=floatx(), order="C"))
        if isinstance(a, tg.Tensor):
            return a
        return tg.convert_to_tensor(np.asarray(np.asarray(a), order="C"))

    return nest.map_structure(conv, y)


def check_cardinality(x, y, sample_weight):
    """All arrays must have the same number of samples (Keras's message otherwise)."""
    sizes = {}
    for label, data in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        if data is not None:
            sizes[label] = [_length(a) for a in nest.flatten(data)]
    all_sizes = {s for v in sizes.values() for s in v}
    if len(all_sizes) > 1:
        detail = "\n".join(f"'{k}' sizes: {', '.join(str(s) for s in v)}" for k, v in sizes.items())
        raise ValueError(
            "Data cardinality is ambiguous. Make sure all arrays contain the same number of samples.\n" + detail)
    return all_sizes.pop() if all_sizes else 0


def split_for_validation(x, y, sample_weight, validation_split):
    """Keras's validation_split: the last fraction of the samples, taken before shuffling."""
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be in (0, 1), got {validation_split}")
    n = check_cardinality(x, y, sample_weight)
    split_at = int(math.floor(n * (1.0 - validation_split)))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a validation and "
            f"training set as specified by `validation_split={validation_split}`. Either provide more data, or "
            f"a different value for the `validation_split` argument.")

    def head(a):
        return a[:split_at]

    def tail(a):
        return a[split_at:]

    def part(data, fn):
        return None if data is None else nest.map_structure(lambda a: fn(to_numpy_if_needed(a)), data)

    return ((part(x, head), part(y, head), part(sample_weight, head)),
            (part(x, tail), part(y, tail), part(sample_weight, tail)))


class ArrayBatches:
    """Batches from in-memory arrays, converted to tensors once.

    With a process group of several ranks (``world``), ``batch_size`` is the global batch: each
    rank takes its part of every batch's rows, and the shuffled order is rank 0's.
    """

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=False, target_kind=None,
                 steps=None, world=None):
        if batch_size is None:
            batch_size = 32
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"batch_size must be a positive integer, got batch_size={batch_size!r}")
        self.num_samples = check_cardinality(x, y, sample_weight)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.x = convert_inputs(x, borrow=True)
        self.y = convert_targets(y, target_kind)
        self.sample_weight = convert_targets(sample_weight, "float")
        self._single_x = not isinstance(self.x, (list, tuple, dict))
        self._single_y = not isinstance(self.y, (list, tuple, dict))
        n_batches = math.ceil(self.num_samples / self.batch_size) if self.num_samples else 0
        self.num_batches = n_batches if steps is None else min(int(steps), n_batches)
        self.world = world

    def _permutation(self, n):
        order = np.random.permutation(n).astype(np.int64)
        if self.world is not None:
            self.world.broadcast_(order, 0)
        return tg.convert_to_tensor(order)

    def _rows(self, start, stop):
        if self.world is None:
            return start, stop
        return replica_rows(start, stop, self.world.rank, self.world.size)

    def _take(self, data, start, stop, idx):
        if data is None:
            return None
        if idx is None:
            return nest.map_structure(lambda a: a[start:stop], data)
        return nest.map_structure(lambda a: _gather_rows(a, idx), data)

    def __iter__(self):
        bs, n = self.batch_size, self.num_samples
        perm = None
        if self.shuffle and n > 1:
            perm = self._permutation(n)
        x, y, sw = self.x, self.y, self.sample_weight
        single = self._single_x and self._single_y and y is not None and sw is None
        for b in range(self.num_batches):
            start, stop = self._rows(b * bs, min(b * bs + bs, n))
            if perm is None:
                if single:
                    yield x[start:stop], y[start:stop], None, stop - start
                else:
                    yield (self._take(x, start, stop, None), self._take(y, start, stop, None),
                           self._take(sw, start, stop, None), stop - start)
            else:
                idx = perm[start:stop]
                if single:
                    yield _gather_rows(x, idx), tg.gather(y, idx), None, stop - start
                else:
                    yield (self._take(x, start, stop, idx), self._take(y, start, stop, idx),
                           self._take(sw, start, stop, idx), stop - start)

    def first_inputs(self, n=1):
        return nest.map_structure(lambda a: a[:n], self.x)


def _gather_rows(a, idx):
    """The rows `idx` (an int64 tensor) of a tensor, or of a NumPy array of text."""
    if isinstance(a, np.ndarray):
        return a[idx.numpy()]
    return tg.gather(a, idx)


class IterableBatches:
    """Batches from a tg.data.Dataset (or any iterable of batches), as they come.

    Elements are ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.
    """

    def __init__(self, data, target_kind=None, steps=None, world=None):
        self.data = data
        # several ranks: each takes its part of every batch, unless the dataset was distributed already
        self.world = world if world is not None and not isinstance(data, DistributedDataset) else None
        self.target_kind = target_kind
        self.steps = steps
        self._iterator = None
        try:
            n = len(data)
        except TypeError:
            n = None
        if n is not None and n < 0:
            n = None
        self.num_batches = n if steps is None else (int(steps) if n is None else min(int(steps), n))
        # a one-shot iterator (generator) continues across epochs instead of restarting
        self._one_shot = iter(data) is data if hasattr(data, "__iter__") else True

    def __iter__(self):
        if self._one_shot:
            it = self._iterator if self._iterator is not None else iter(self.data)
            self._iterator = it
        else:
            it = iter(self.data)
        count = 0
        while self.steps is None or count < self.steps:
            try:
                element = next(it)
            except StopIteration:
                self._iterator = None
                return
            x, y, sw = unpack_x_y_sample_weight(element)
            batch = _on_current_device(prepare_batch(x, y, sw, self.target_kind))
            if self.world is not None:
                lo, hi = replica_rows(0, batch[3], self.world.rank, self.world.size)
                part = (nest.map_structure(lambda a: a[lo:hi], v) if v is not None else None for v in batch[:3])
                batch = (*part, hi - lo)
            yield batch
            count += 1


def _on_current_device(batch):
    """(x, y, sample_weight, n) with every tensor on the device new tensors go to (a GPU by
    default where there is one): a dataset's batches are made on the host, as in TensorFlow."""
    device = tg._C._current_device()
    if device.startswith("CPU"):
        return batch
    def move(a):
        return a if isinstance(a, np.ndarray) else _on_device(a, device)  # text stays on the host

    return tuple(nest.map_structure(move, v) if v is not None else None for v in batch[:3]) + (batch[3],)


def make_batches(x, y=None, sample_weight=None, batch_size=None, shuffle=False, target_kind=None, steps=None,
                 what="fit", world=None):
    """ArrayBatches for arrays, IterableBatches for datasets / iterables; with `world` (several
    ranks), each rank's part of every global batch."""
    if x is None:
        raise ValueError(f"{what}() needs input data: x is None")
    x, y, sample_weight = lists_to_arrays(x), lists_to_arrays(y), lists_to_arrays(sample_weight)
    if is_array_data(x):
        return ArrayBatches(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle, target_kind=target_kind,
                            steps=steps, world=world)
    if y is not None:
        raise ValueError(f"`y` argument is not supported when using a dataset or an iterable as input to "
                         f"{what}(); the dataset must yield (x, y) pairs. Received: y={type(y).__name__}")
    if sample_weight is not None:
        raise ValueError(f"`sample_weight` argument is not supported when the input to {what}() is a dataset")
    if not hasattr(x, "__iter__"):
        raise TypeError(f"Unrecognized data type for {what}(): x={type(x).__name__}. Pass NumPy arrays, "
                        f"tensors, a tg.data.Dataset or an iterable of (x, y) batches.")
    return IterableBatches(x, target_kind=target_kind, steps=steps, world=world)


def unpack_x_y_sample_weight(data):
    """(x, y, sample_weight) from a batch given as x, (x,), (x, y) or (x, y, sample_weight)."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(f"Data elements must be x, (x,), (x, y) or (x, y, sample_weight); got a "
                     f"{type(data).__name__} of length {len(data)}")


def prepare_batch(x, y, sample_weight, target_kind):
    """One batch as the compiled step takes it: (x, y, sample_weight, batch size), as tensors."""
    x = convert_inputs(x)
    y = convert_targets(y, target_kind)
    sample_weight = convert_targets(sample_weight, "float")
    first = nest.flatten(x)[0]
    return x, y, sample_weight, int(first.shape[0]) if len(first.shape) else 1


def validation_batches(validation_data, batch_size, steps, target_kind, world=None):
    """Batches of fit()'s validation_data: (x, y), (x, y, sample_weight) or a dataset."""
    if isinstance(validation_data, (list, tuple)) and len(validation_data) in (2, 3) and \
            is_array_data(validation_data[0]):
        vx, vy = validation_data[0], validation_data[1]
        vsw = validation_data[2] if len(validation_data) == 3 else None
        return make_batches(vx, vy, vsw, batch_size=batch_size, shuffle=False, target_kind=target_kind,
                            steps=steps, what="fit", world=world)
    if isinstance(validation_data, (list, tuple)):
        raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight), "
                         f"or a dataset; got a {type(validation_data).__name__} of length {len(validation_data)}")
    return make_batches(validation_data, batch_size=batch_size, target_kind=target_kind, steps=steps, what="fit",
                        world=world)


def class_weights_to_sample_weights(y, sample_weight, class_weight):
    """Keras's class_weight: each sample weighted by its class's entry (1 for classes not named)."""
    if y is None or not is_array_data(y) or isinstance(y, (list, tuple, dict)):
        raise ValueError("class_weight is supported only with a single array of targets `y`")
    if sample_weight is not None:
        raise ValueError("You cannot use `class_weight` and `sample_weight` at the same time.")
    y_np = y.numpy() if hasattr(y, "numpy") else np.asarray(y)
    if y_np.ndim == 2 and y_np.shape[1] > 1:
        labels = np.argmax(y_np, axis=1)
    else:
        labels = np.rint(y_np.reshape(len(y_np), -1)[:, 0]).astype(np.int64)
    table = np.ones(int(max(labels.max(), max(class_weight)) + 1), dtype=np.float32)
    for k, w in class_weight.items():
        table[int(k)] = float(w)
    return tg.gather(tg.convert_to_tensor(table), tg.convert_to_tensor(labels)).numpy()


def check_model_accepts(model, batches, what):
    """Builds the model on one sample and checks sparse labels against its output width, so bad
    input fails with a clear message before any update."""
    if not isinstance(batches, ArrayBatches) or batches.num_samples == 0:
        return
    with inference_mode():
        out = model(batches.first_inputs(1), training=False)
    loss = model._compile_loss
    if loss is None or not loss.is_sparse or batches.y is None or isinstance(out, (list, tuple, dict)):
        return
    y = batches.y
    if isinstance(y, (list, tuple, dict)) or len(out.shape) < 1:
        return
    num_classes = int(out.shape[-1])
    y_np = y.numpy()
    if y_np.size == 0:
        return
    lo, hi = int(y_np.min()), int(y_np.max())
    if lo < 0 or hi >= num_classes:
        bad = lo if lo < 0 else hi
        raise ValueError(
            f"{what}(): received a label value of {bad} which is outside the valid range of [0, {num_classes}) "
            f"for the model's {num_classes} outputs (loss '{loss.loss.name}'). Labels must be integer class "
            f"ids from 0 to {num_classes - 1}.")

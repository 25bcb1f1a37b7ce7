"""keras.utils.timeseries_dataset_from_array and split_dataset, returning tensorgear.data
Datasets with Keras 3's arguments, checks and orderings."""

import random

import numpy as np

from ...data import Dataset


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                                  batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None):
    """Windows data[i : i + sequence_length * sampling_rate : sampling_rate] for the start
    positions i = 0, sequence_stride, ... of data[start_index:end_index], with targets[i] when
    targets are given; batched unless batch_size is None. shuffle orders the windows by
    np.random.RandomState(seed), as Keras orders its start positions."""
    for name, value in (("sequence_length", sequence_length), ("sequence_stride", sequence_stride),
                        ("sampling_rate", sampling_rate)):
        if not isinstance(value, (int, np.integer)) or value <= 0:
            raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value}")
    data = np.asarray(data.numpy() if hasattr(data, "numpy") else data)
    n = len(data)
    start_index = 0 if start_index is None else start_index
    if not 0 <= start_index < n:
        raise ValueError(f"`start_index` must be 0 <= start_index < len(data). Received: start_index={start_index} "
                         f"and len(data)={n}")
    end_index = n if end_index is None else end_index
    if not start_index < end_index <= n:
        raise ValueError(f"`end_index` must be start_index < end_index <= len(data). Received: "
                         f"start_index={start_index}, end_index={end_index}, and len(data)={n}")
    num_seqs = end_index - start_index - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets.numpy() if hasattr(targets, "numpy") else targets)
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if shuffle:
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(starts)
    offsets = np.arange(sequence_length, dtype=np.int64) * sampling_rate
    windows = data[start_index:end_index]
    picks = starts[:, None] + offsets[None, :]
    # One gather per element, lazily: the windows overlap, so building them all up front could
    # take sequence_length times the data's memory.
    ds = Dataset.from_tensor_slices(np.arange(len(starts), dtype=np.int64))
    if targets is None:
        ds = ds.map(lambda i: windows[picks[int(i)]])
    else:
        aligned = targets[start_index:]
        ds = ds.map(lambda i: (windows[picks[int(i)]], aligned[starts[int(i)]]))
    return ds if batch_size is None else ds.batch(batch_size)


def _as_rows(dataset):
    """(list of elements, how to rebuild a Dataset from element rows)."""
    if isinstance(dataset, Dataset):
        rows = list(dataset.unbatch().as_numpy_iterator()) if _is_batched(dataset) else \
            list(dataset.as_numpy_iterator())
        return rows, _batch_size(dataset)
    if isinstance(dataset, (tuple, list)):
        arrays = [np.asarray(a) for a in dataset]
        lengths = {len(a) for a in arrays}
        if len(lengths) != 1:
            raise ValueError(f"split_dataset: the arrays have different lengths {sorted(lengths)}")
        return [tuple(a[i] for a in arrays) for i in range(lengths.pop())], None
    array = np.asarray(dataset)
    return [array[i] for i in range(len(array))], None


def _batch_size(dataset):
    """The batch size of a Dataset whose last step is batch(), else None (as Keras detects it)."""
    return getattr(getattr(dataset, "_node", None), "_batch_size", None)


def _is_batched(dataset):
    return _batch_size(dataset) is not None


def _sizes(left_size, right_size, total):
    for name, v in (("left_size", left_size), ("right_size", right_size)):
        if v is not None and type(v) not in (int, float):
            raise TypeError(f"Invalid `{name}` type: it must be an integer or float or None. Received: "
                            f"type({name})={type(v)}")
    if left_size is None and right_size is None:
        raise ValueError("At least one of the `left_size` or `right_size` must be specified. Received: "
                         "left_size=None and right_size=None")
    for name, v in (("left_size", left_size), ("right_size", right_size)):
        if v is not None and ((type(v) is int and not 0 < v < total) or (type(v) is float and not 0 < v < 1)):
            raise ValueError(f"`{name}` should be either a positive integer smaller than {total}, or a float within "
                             f"the range `[0, 1]`. Received: {name}={v}")
    if type(left_size) is float and type(right_size) is float and left_size + right_size > 1:
        raise ValueError("The sum of `left_size` and `right_size` is greater than 1. It must be less than or "
                         "equal to 1.")
    left = round(left_size * total) if type(left_size) is float else left_size
    right = round(right_size * total) if type(right_size) is float else right_size
    left = total - right if left is None else left
    right = total - left if right is None else right
    if left + right > total:
        raise ValueError(f"The sum of `left_size` and `right_size` should be smaller than the {total}. Received: "
                         f"left_size + right_size = {left + right}and total_length = {total}")
    if left == 0 or right == 0:
        raise ValueError(f"With `dataset` of length={total}, `left_size`={left} and `right_size`={right}. Resulting "
                         f"{'left' if left == 0 else 'right'} side dataset split will be empty. Adjust any of the "
                         f"aforementioned parameters")
    return int(left), int(right)


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None, preferred_backend=None):
    """(left, right) Datasets: the first left_size elements and the last right_size ones (ints
    count elements, floats are fractions), after a shuffle by Python's random.Random(seed) as
    Keras shuffles. A batched Dataset gives splits batched the same way."""
    rows, batch = _as_rows(dataset)
    if shuffle:
        random.Random(random.randint(0, int(1e6)) if seed is None else seed).shuffle(rows)
    left, right = _sizes(left_size, right_size, len(rows))

    def rebuild(part):
        if isinstance(part[0], tuple):
            columns = tuple(np.stack([row[k] for row in part]) for k in range(len(part[0])))
        else:
            columns = np.stack(part)
        ds = Dataset.from_tensor_slices(columns)
        return ds.batch(batch) if batch else ds

    return rebuild(rows[:left]), rebuild(rows[-right:])

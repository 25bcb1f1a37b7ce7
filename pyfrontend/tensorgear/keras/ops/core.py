"""keras.ops core functions: conversion, dtypes and shapes, control flow, and the scatter and
slice updates (Keras 3's names and arguments, on tensorgear's ops)."""

import numpy as np

import tensorgear as tg

from ..backend.keras_tensor import KerasTensor
from .symbolic import keras_op


def _python_dtype(x):
    """Keras's dtypes for Python data: ints int32, floats float32 (NumPy data keeps its own)."""
    flat = np.asarray(x)
    if flat.dtype == np.int64:
        return "int32"
    if flat.dtype == np.float64:
        return "float32"
    return None


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A tensor of x (Python ints become int32 and floats float32, as in Keras)."""
    if sparse or ragged:
        raise ValueError("convert_to_tensor: sparse and ragged tensors are not supported")
    if isinstance(x, (tg.Tensor, tg.Variable)):
        return x if dtype is None or tg.as_dtype(dtype) == x.dtype else tg.cast(x, dtype)
    if dtype is None and not isinstance(x, (np.ndarray, np.generic)):
        dtype = _python_dtype(x)  # Python scalars and lists
    return tg.convert_to_tensor(x, dtype=dtype)


def tensors(*xs):
    return [convert_to_tensor(x) for x in xs]


def convert_to_numpy(x):
    return x.numpy() if hasattr(x, "numpy") else np.asarray(x)


def is_tensor(x):
    return isinstance(x, (tg.Tensor, tg.Variable))


@keras_op("Cast", ("x",), "keras.src.ops.core")
def cast(x, dtype):
    return tg.cast(convert_to_tensor(x), dtype)


def shape(x):
    """The shape as a tuple (of Python ints; None for unknown dims of KerasTensors)."""
    return tuple(x.shape)


def dtype(x):
    return convert_to_tensor(x).dtype.name


def stop_gradient(variable):
    return tg.stop_gradient(convert_to_tensor(variable))


def cond(pred, true_fn, false_fn):
    """true_fn() if pred else false_fn() (eager: pred is read as a bool)."""
    if isinstance(pred, KerasTensor):
        raise TypeError("cond: a symbolic predicate is not supported; compute it eagerly")
    return true_fn() if bool(pred) else false_fn()


def fori_loop(lower, upper, body_fun, init_val):
    """val = body_fun(i, val) for i in range(lower, upper)."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """Runs body while cond holds; loop_vars is a tuple/list (passed unpacked) or one value."""
    single = not isinstance(loop_vars, (tuple, list))
    state = (loop_vars,) if single else tuple(loop_vars)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(cond(*state)):
        out = body(*state)
        state = (out,) if single else tuple(out)
        steps += 1
    return state[0] if single else type(loop_vars)(state)


def scatter(indices, values, shape):
    """Zeros of `shape` with values added at the index tuples (repeated tuples add up)."""
    return tg.scatter_nd(indices, convert_to_tensor(values), shape)


def scatter_update(inputs, indices, updates):
    """inputs with the slices at the index tuples replaced by updates."""
    return tg.tensor_scatter_nd_update(convert_to_tensor(inputs), indices, updates)


@keras_op("Slice", ("inputs",), "keras.src.ops.core")
def slice(inputs, start_indices, shape):  # noqa: A001  (Keras's name)
    return tg.slice(convert_to_tensor(inputs), [int(s) for s in start_indices], [int(s) for s in shape])


def slice_update(inputs, start_indices, updates):
    """inputs with the block starting at start_indices replaced by updates."""
    x, u = convert_to_tensor(inputs), convert_to_tensor(updates)
    starts = [int(s) for s in start_indices]
    if len(starts) != x.ndim or u.ndim != x.ndim:
        raise ValueError(f"slice_update: start_indices {starts} and updates of shape {tuple(u.shape)} must match "
                         f"the rank of inputs of shape {tuple(x.shape)}")
    pads = [[s, int(d) - s - int(n)] for s, d, n in zip(starts, x.shape, u.shape)]
    if any(a < 0 or b < 0 for a, b in pads):
        raise ValueError(f"slice_update: updates of shape {tuple(u.shape)} at {starts} do not fit inputs of "
                         f"shape {tuple(x.shape)}")
    inside = tg.pad(tg.ones(tuple(u.shape), dtype="bool"), pads)
    return tg.where(inside, tg.pad(tg.cast(u, x.dtype), pads), x)

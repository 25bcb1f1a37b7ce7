"""Axis validation of every op that takes an axis, from one table.

TensorFlow raises for an axis outside the input's range, a scalar (rank 0)
included: a scalar has no axis 0 or -1 to reduce, softmax, concatenate,
split, gather or reverse along. Ops that insert a dimension (expand_dims,
stack, one_hot) take one more position, so axis 0 of a scalar is valid there.
The errors are ValueError or IndexError naming the axis and the rank.
"""

import re

import numpy as np
import pytest

import tensorgear as tg


def _x(rank, dtype="float32"):
    # size-1 dimensions: every valid axis works for every op (squeeze included)
    return tg.constant(np.full((1,) * rank, 0.5), dtype=dtype)


def _reduction(fn, dtype="float32"):
    return lambda rank, axis: fn(_x(rank, dtype), axis=axis)


def _reduction_list(fn):
    return lambda rank, axis: fn(_x(rank), axis=[axis])


# name -> (call(rank, axis), kind); kind "existing": axis in [-rank, rank);
# "insert": axis in [-rank-1, rank]; "one_hot": axis in [-1, rank].
AXIS_OPS = {
    "reduce_sum": (_reduction(tg.reduce_sum), "existing"),
    "reduce_sum[list]": (_reduction_list(tg.reduce_sum), "existing"),
    "reduce_mean": (_reduction(tg.reduce_mean), "existing"),
    "reduce_max": (_reduction(tg.reduce_max), "existing"),
    "reduce_min": (_reduction(tg.reduce_min), "existing"),
    "reduce_min[list]": (_reduction_list(tg.reduce_min), "existing"),
    "reduce_prod": (_reduction(tg.reduce_prod), "existing"),
    "reduce_any": (_reduction(tg.reduce_any, "bool"), "existing"),
    "reduce_all": (_reduction(tg.reduce_all, "bool"), "existing"),
    "reduce_logsumexp": (_reduction(tg.reduce_logsumexp), "existing"),
    "reduce_variance": (_reduction(tg.reduce_variance), "existing"),
    "reduce_std": (_reduction(tg.reduce_std), "existing"),
    "math.reduce_mean": (_reduction(tg.math.reduce_mean), "existing"),
    "argmax": (lambda r, a: tg.argmax(_x(r), axis=a), "existing"),
    "argmin": (lambda r, a: tg.argmin(_x(r), axis=a), "existing"),
    "math.argmax": (lambda r, a: tg.math.argmax(_x(r), axis=a), "existing"),
    "nn.softmax": (lambda r, a: tg.nn.softmax(_x(r), axis=a), "existing"),
    "nn.log_softmax": (lambda r, a: tg.nn.log_softmax(_x(r), axis=a), "existing"),
    "keras.activations.softmax": (lambda r, a: tg.keras.activations.softmax(_x(r), axis=a), "existing"),
    "nn.softmax_cross_entropy_with_logits": (
        lambda r, a: tg.nn.softmax_cross_entropy_with_logits(_x(r), _x(r), axis=a), "existing"),
    "concat": (lambda r, a: tg.concat([_x(r), _x(r)], axis=a), "existing"),
    "split[num]": (lambda r, a: tg.split(_x(r), 1, axis=a), "existing"),
    "split[sizes]": (lambda r, a: tg.split(_x(r), [1], axis=a), "existing"),
    "unstack": (lambda r, a: tg.unstack(_x(r), axis=a), "existing"),
    "gather": (lambda r, a: tg.gather(_x(r), [0], axis=a), "existing"),
    "squeeze": (lambda r, a: tg.squeeze(_x(r), axis=a), "existing"),
    "reverse": (lambda r, a: tg.reverse(_x(r), axis=[a]), "existing"),
    "boolean_mask": (lambda r, a: tg.boolean_mask(_x(r), tg.constant([True]), axis=a), "existing"),
    "expand_dims": (lambda r, a: tg.expand_dims(_x(r), axis=a), "insert"),
    "stack": (lambda r, a: tg.stack([_x(r), _x(r)], axis=a), "insert"),
    "one_hot": (lambda r, a: tg.one_hot(_x(r, "int64"), 3, axis=a), "one_hot"),
}


def _valid_axes(kind, rank):
    if kind == "existing":
        return range(-rank, rank)
    if kind == "insert":
        return range(-rank - 1, rank + 1)
    return range(-1, rank + 1)


def _check_axes(name, rank):
    """Every valid axis runs; every axis just outside raises naming axis and rank."""
    call, kind = AXIS_OPS[name]
    valid = list(_valid_axes(kind, rank))
    for axis in valid:
        call(rank, axis)
    lo, hi = min(valid, default=0), max(valid, default=-1)
    bad = [lo - 1, lo - 2, hi + 1, hi + 2] if valid else [0, -1, 1, -2]
    for axis in bad:
        with pytest.raises((ValueError, IndexError)) as info:
            call(rank, axis)
        msg = str(info.value)
        assert re.search(rf"axis {axis}\b", msg), f"{name}: the message does not name axis {axis}: {msg!r}"
        assert re.search(rf"rank {rank}\b", msg), f"{name}: the message does not name rank {rank}: {msg!r}"


@pytest.mark.parametrize("name", sorted(AXIS_OPS))
def test_axis_on_rank_0_input(name):
    _check_axes(name, 0)


@pytest.mark.parametrize("name", sorted(AXIS_OPS))
@pytest.mark.parametrize("rank", [1, 2])
def test_axis_out_of_range(name, rank):
    _check_axes(name, rank)


def test_scalar_cases_tensorflow_accepts():
    # A stack of scalars along axis 0 or -1 is a vector; expand_dims of a
    # scalar a vector of one; one_hot of a scalar id a vector of depth.
    np.testing.assert_array_equal(tg.stack([1.0, 2.0], axis=-1).numpy(), [1.0, 2.0])
    assert tg.expand_dims(tg.constant(3.0), 0).shape == (1,)
    np.testing.assert_array_equal(tg.one_hot(tg.constant(1), 3, axis=0).numpy(), [0.0, 1.0, 0.0])
    # Reducing a scalar over all of its (no) axes is allowed: axis=None or [].
    assert float(tg.reduce_min(tg.constant(1.0))) == 1.0
    assert float(tg.reduce_sum(tg.constant(2.0), axis=[])) == 2.0
    assert float(tg.reduce_std(tg.constant(2.0))) == 0.0

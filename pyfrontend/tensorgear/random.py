"""tg.random: seeded, counter-based random tensors (TensorFlow's tf.random names).

The generator is Philox-4x32-10 in the compiled core: every value is a function
of the seeds and of its index only, so the same seeds give the same numbers on
every machine and with any number of threads.

Seeds behave as in TensorFlow 2:

* no global seed and no ``seed=``: fresh numbers on every call;
* ``set_seed(s)`` and no ``seed=``: successive calls differ, and the whole
  sequence repeats after ``set_seed(s)`` again;
* ``seed=`` given: repeated calls with the same seed still give new numbers
  (each (global seed, op seed) pair keeps a call counter, as TF's kernels do),
  and ``set_seed`` starts the counters again. For numbers that depend on the
  seed alone use the ``stateless_*`` functions.

Signatures follow TF: ``normal(shape, mean=0.0, stddev=1.0, dtype=float32,
seed=None, name=None)``; ``uniform(shape, minval=0, maxval=None,
dtype=float32, seed=None, name=None)`` (``maxval`` defaults to 1 for floats and
is required for int32/int64, whose values are uniform in ``[minval,
maxval)``); ``truncated_normal`` redraws values beyond two standard
deviations; ``shuffle`` permutes the first axis.
"""

from ._C import (  # noqa: F401
    random_normal as normal,
    random_uniform as uniform,
    random_truncated_normal as truncated_normal,
    random_shuffle as shuffle,
    random_stateless_normal as stateless_normal,
    random_stateless_uniform as stateless_uniform,
    random_stateless_truncated_normal as stateless_truncated_normal,
    random_set_seed as _set_seed,
)


def set_seed(seed):
    """Sets the global seed (``None`` clears it) and restarts the op counters."""
    _set_seed(seed)


__all__ = [
    "normal", "uniform", "truncated_normal", "shuffle", "set_seed",
    "stateless_normal", "stateless_uniform", "stateless_truncated_normal",
]

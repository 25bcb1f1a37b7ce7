"""The keras.random functions and SeedGenerator (see the package docstring for the seed rules)."""

import numpy as np

import tensorgear as tg


class SeedGenerator:
    """A seed state: each draw takes the next stateless seed (seed, counter)."""

    def __init__(self, seed=None, name=None, **kwargs):
        if seed is None:
            seed = int(np.random.randint(0, 2 ** 31 - 1))
        if not isinstance(seed, (int, np.integer)):
            raise ValueError(f"SeedGenerator: seed must be an int or None, got {seed!r}")
        self._seed = int(seed)
        self._counter = 0
        self.name = name or "seed_generator"

    def next(self, ordered=True):
        pair = [self._seed, self._counter]
        self._counter += 1
        return pair

    def get_config(self):
        return {"seed": self._seed}


def _stateless_seed(seed):
    """The stateless seed pair of an int or SeedGenerator, or None (the global generator)."""
    if seed is None:
        return None
    if isinstance(seed, SeedGenerator):
        return seed.next()
    if isinstance(seed, (int, np.integer)):
        return [int(seed), 0]
    raise ValueError(f"seed must be None, an int or a keras.random.SeedGenerator, got {seed!r}")


def _float_dtype(dtype):
    return "float32" if dtype is None else dtype


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    pair = _stateless_seed(seed)
    if pair is None:
        return tg.random.normal(shape, mean=mean, stddev=stddev, dtype=_float_dtype(dtype))
    return tg.random.stateless_normal(shape, seed=pair, mean=mean, stddev=stddev, dtype=_float_dtype(dtype))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    pair = _stateless_seed(seed)
    if pair is None:
        return tg.random.uniform(shape, minval=minval, maxval=maxval, dtype=_float_dtype(dtype))
    return tg.random.stateless_uniform(shape, seed=pair, minval=minval, maxval=maxval, dtype=_float_dtype(dtype))


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    pair = _stateless_seed(seed)
    if pair is None:
        return tg.random.truncated_normal(shape, mean=mean, stddev=stddev, dtype=_float_dtype(dtype))
    return tg.random.stateless_truncated_normal(shape, seed=pair, mean=mean, stddev=stddev,
                                                dtype=_float_dtype(dtype))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform in [minval, maxval)."""
    if maxval <= minval:
        raise ValueError(f"randint: maxval must be > minval, got minval={minval}, maxval={maxval}")
    pair = _stateless_seed(seed)
    if pair is None:
        return tg.random.uniform(shape, minval=minval, maxval=maxval, dtype=dtype)
    return tg.random.stateless_uniform(shape, seed=pair, minval=minval, maxval=maxval, dtype=dtype)


def dropout(inputs, rate, noise_shape=None, seed=None):
    """inputs with entries zeroed with probability rate and the rest scaled by 1 / (1 - rate)."""
    x = tg.convert_to_tensor(inputs)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    shape = tuple(x.shape) if noise_shape is None else tuple(d if d is not None else x.shape[i]
                                                             for i, d in enumerate(noise_shape))
    keep = uniform(shape, dtype=x.dtype.name if x.dtype.is_floating else "float32", seed=seed) >= rate
    return tg.where(keep, x / (1.0 - rate), tg.zeros_like(x))


def shuffle(x, axis=0, seed=None):
    """x with its entries along axis in a random order."""
    x = tg.convert_to_tensor(x)
    n = int(x.shape[axis])
    keys = uniform([n], dtype="float64", seed=seed)
    return tg.gather(x, tg.argsort(keys, stable=True), axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """num_samples class ids per row of logits (batch, classes), drawn by the Gumbel-max trick."""
    z = tg.convert_to_tensor(logits)
    if z.ndim != 2:
        raise ValueError(f"categorical: logits must be (batch, num_classes), got shape {tuple(z.shape)}")
    b, k = int(z.shape[0]), int(z.shape[1])
    u = uniform([b, num_samples, k], minval=1e-20, maxval=1.0, dtype="float64", seed=seed)
    gumbel = -tg.math.log(-tg.math.log(u))
    return tg.cast(tg.argmax(tg.expand_dims(tg.cast(z, "float64"), 1) + gumbel, axis=-1), dtype)

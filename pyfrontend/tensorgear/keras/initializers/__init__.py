"""``keras.initializers``: how new weights get their first values.

Defaults follow Keras 3 (RandomNormal stddev 0.05, RandomUniform +-0.05, Glorot
uniform for Dense kernels). Random draws come from tg.random, so
``keras.utils.set_random_seed`` (or ``tg.random.set_seed``) makes them repeatable;
an initializer built with an explicit ``seed`` gives the same values every call.
"""

import math

import tensorgear as tg

from ..backend import floatx
from ..utils.lookup import Lookup


def _dtype(dtype):
    return dtype or floatx()


def _draw(kind, shape, seed, dtype, **kwargs):
    """A random tensor from tg.random. With an explicit seed the draw depends on the seed
    alone (the stateless ops), so an initializer built with seed=s gives the same values on
    every call, as Keras's do; without one it follows the global seed sequence."""
    if seed is not None:
        return getattr(tg.random, "stateless_" + kind)(shape, seed=(int(seed), 0), dtype=dtype, **kwargs)
    return getattr(tg.random, kind)(shape, dtype=dtype, **kwargs)


def compute_fans(shape):
    """(fan_in, fan_out) as Keras computes them (kernels: receptive field x channels)."""
    shape = tuple(shape)
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = 1
    for d in shape[:-2]:
        receptive *= d
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    """Base class: ``__call__(shape, dtype=None)`` returns a tensor of that shape."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(shape, dtype=None)")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def clone(self):
        return self.__class__.from_config(self.get_config())


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return tg.zeros(tuple(shape), dtype=_dtype(dtype))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return tg.ones(tuple(shape), dtype=_dtype(dtype))


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return tg.fill(tuple(shape), tg.constant(self.value, dtype=_dtype(dtype)))

    def get_config(self):
        return {"value": self.value}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return _draw("normal", tuple(shape), self.seed, _dtype(dtype), mean=self.mean, stddev=self.stddev)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class TruncatedNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, dtype=None):
        return _draw("truncated_normal", tuple(shape), self.seed, _dtype(dtype), mean=self.mean,
                     stddev=self.stddev)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, dtype=None):
        return _draw("uniform", tuple(shape), self.seed, _dtype(dtype), minval=self.minval, maxval=self.maxval)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class VarianceScaling(Initializer):
    """Draws with variance scale / fan, fan chosen by `mode` (fan_in, fan_out, fan_avg)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        if scale <= 0.0:
            raise ValueError(f"VarianceScaling: `scale` must be positive, got scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"VarianceScaling: invalid mode {mode!r}; expected 'fan_in', 'fan_out' or 'fan_avg'")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"VarianceScaling: invalid distribution {distribution!r}")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, dtype=None):
        return self.draw(shape, dtype, *compute_fans(shape))

    def draw(self, shape, dtype, fan_in, fan_out):
        """Values of `shape` for given fans (EinsumDense counts them over its kernel's input and
        output axes, as Keras 3's `input_axes` / `output_axes`)."""
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, fan)
        dtype = _dtype(dtype)
        shape = tuple(shape)
        if self.distribution == "truncated_normal":
            # 0.879... = stddev of a standard normal truncated to [-2, 2]
            stddev = math.sqrt(scale) / 0.87962566103423978
            return _draw("truncated_normal", shape, self.seed, dtype, mean=0.0, stddev=stddev)
        if self.distribution == "untruncated_normal":
            return _draw("normal", shape, self.seed, dtype, mean=0.0, stddev=math.sqrt(scale))
        limit = math.sqrt(3.0 * scale)
        return _draw("uniform", shape, self.seed, dtype, minval=-limit, maxval=limit)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class GlorotUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(scale=1.0, mode="fan_avg", distribution="uniform", seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(scale=1.0, mode="fan_avg", distribution="truncated_normal", seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class HeNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(scale=2.0, mode="fan_in", distribution="truncated_normal", seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class HeUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(scale=2.0, mode="fan_in", distribution="uniform", seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(scale=1.0, mode="fan_in", distribution="truncated_normal", seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class LecunUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(scale=1.0, mode="fan_in", distribution="uniform", seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer needs a 2D shape, got shape={tuple(shape)}")
        return self.gain * tg.eye(shape[0], shape[1], dtype=_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


class Orthogonal(Initializer):
    """An orthogonal matrix (Keras 3's: Q of the QR decomposition of a normal draw, with the
    signs that make R's diagonal positive), times `gain`; shapes beyond 2-D are flattened to
    (prod of all but the last, last). The recurrent kernels' default.

    Q comes from Gram-Schmidt over the draw's columns in float64 (the Q of that QR), in table
    ops."""

    def __init__(self, gain=1.0, seed=None):
        self.gain = float(gain)
        self.seed = seed

    def __call__(self, shape, dtype=None):
        shape = tuple(int(d) for d in shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. Received: shape={shape}")
        rows = 1
        for d in shape[:-1]:
            rows *= d
        cols = shape[-1]
        tall = (max(rows, cols), min(rows, cols))
        a = _draw("normal", tall, self.seed, "float64")
        q = _orthonormal_columns(a)
        if rows < cols:
            q = tg.transpose(q)
        return tg.cast(tg.reshape(self.gain * q, shape), _dtype(dtype))

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


def _orthonormal_columns(a):
    """The Q of a = QR (n x m, n >= m, R with a positive diagonal), column by column: each
    column minus its projection on the ones before (classical Gram-Schmidt, done twice, which
    is orthogonal to rounding), then normalised."""
    m = int(a.shape[1])
    q = a[:, 0:1] / tg.sqrt(tg.reduce_sum(a[:, 0:1] * a[:, 0:1]))
    for j in range(1, m):
        v = a[:, j:j + 1]
        for _ in range(2):
            v = v - tg.matmul(q, tg.matmul(q, v, transpose_a=True))
        q = tg.concat([q, v / tg.sqrt(tg.reduce_sum(v * v))], axis=1)
    return q


# TensorFlow-style aliases (tf.random_normal_initializer and friends)
zeros = Zeros
ones = Ones
constant = Constant
random_normal = RandomNormal
random_uniform = RandomUniform
truncated_normal = TruncatedNormal
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
he_normal = HeNormal
he_uniform = HeUniform
lecun_normal = LecunNormal
lecun_uniform = LecunUniform
identity = Identity
orthogonal = Orthogonal

_LOOKUP = Lookup("initializer", {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_normal": RandomNormal,
    "random_uniform": RandomUniform, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_normal": HeNormal, "he_uniform": HeUniform, "lecun_normal": LecunNormal,
    "lecun_uniform": LecunUniform, "identity": Identity, "orthogonal": Orthogonal,
    # Keras 3's short aliases (Embedding's default is "uniform")
    "uniform": RandomUniform, "normal": RandomNormal,
}, base=Initializer)
get, serialize, deserialize = _LOOKUP.get, _LOOKUP.serialize, _LOOKUP.deserialize

"""tensorgear: a deep-learning library with a compiled C++ engine.

The tensor functions carry TensorFlow's names, so code written for
``import tensorflow as tf`` runs with ``import tensorgear as tf``.
"""

import os as _os

# Developer builds (tools/devbuild.sh) keep the compiled module in their own
# build folder; TENSORGEAR_BUILD_DIR puts it on the package path.
if _os.environ.get("TENSORGEAR_BUILD_DIR"):
    __path__.insert(0, _os.path.abspath(_os.environ["TENSORGEAR_BUILD_DIR"]))

from . import _C
from ._C import (  # noqa: F401  (re-exported API)
    DType, Tensor, Variable, GradientTape,
    bool, uint8, int32, int64, float32, float64, as_dtype,
    constant, convert_to_tensor, zeros, ones, zeros_like, ones_like, fill, eye, range, linspace,
    cast, identity, stop_gradient,
    add, subtract, multiply, divide, truediv, floordiv, pow, maximum, minimum,
    equal, not_equal, less, less_equal, greater, greater_equal,
    logical_and, logical_or, logical_xor, logical_not,
    negative, abs, sign, square, sqrt, rsqrt, exp, log, sin, cos, tanh, sigmoid,
    clip_by_value, where,
    reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod, reduce_any, reduce_all,
    reduce_logsumexp, reduce_variance, reduce_std, argmax, argmin,
    reshape, broadcast_to, matmul, tensordot,
    transpose, expand_dims, squeeze, concat, stack, split, unstack, tile, pad, gather, one_hot,
    shape, size, rank, slice, strided_slice, boolean_mask, reverse, from_dlpack, sort, argsort,
    cumsum,
)
from ._shape import TensorShape  # noqa: F401
from ._string_dtype import string  # noqa: F401
from .initializers_compat import (  # noqa: F401
    random_normal_initializer, random_uniform_initializer, zeros_initializer, ones_initializer,
    constant_initializer,
)
from . import config, image, linalg, math, nest, nn, random  # noqa: F401
from .einsum import einsum  # noqa: F401
from .printing import print_ as print  # noqa: F401,A001  (tf.print)
from .unique import unique, unique_with_counts  # noqa: F401
from .scatter_nd import (  # noqa: F401
    gather_nd, scatter_nd, tensor_scatter_nd_add, tensor_scatter_nd_sub, tensor_scatter_nd_update,
)
from ._device import device, function  # noqa: F401

__version__ = "0.1.0"

newaxis = None


def __getattr__(name):
    # tf.keras, tf.data and tf.distribute without importing them at `import tensorgear`
    # (keeps import time low); `tensorgear.keras is tensorgear.keras` holds.
    if name in ("keras", "data", "distribute"):
        import importlib

        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    if name == "TensorSpec":  # tf.TensorSpec is tf.data's (imported on first use, as tf.data is)
        from .data import TensorSpec

        return TensorSpec
    raise AttributeError(f"module 'tensorgear' has no attribute '{name}'")

"""tg.math: element-wise and reduction functions under TensorFlow's tf.math names.

The kernels are in the compiled core. The few functions defined here are
compositions of core ops (so they are differentiable, to any order, through
the core's gradient rules), written the way TensorFlow defines them.
"""

import collections as _collections

from ._C import (  # noqa: F401
    add, subtract, multiply, divide, truediv, floordiv, floormod, mod, pow, maximum, minimum,
    equal, not_equal, less, less_equal, greater, greater_equal,
    logical_and, logical_or, logical_xor, logical_not,
    negative, abs, sign, square, sqrt, rsqrt, reciprocal, exp, log, log1p, expm1,
    sin, cos, tanh, sigmoid, softplus, erf, erfc, is_nan, is_finite, is_inf,
    reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod, reduce_any, reduce_all,
    reduce_logsumexp, reduce_variance, reduce_std, argmax, argmin, cumsum, cumprod,
)
from ._C import convert_to_tensor as _tensor, where as _where
from ._C import _top_k, as_dtype as _as_dtype, cast as _cast, int32 as _int32

TopKV2 = _collections.namedtuple("TopKV2", ["values", "indices"])


def top_k(input, k=1, sorted=True, index_type="int32", name=None):
    """The k largest entries along the last axis, largest first (equal values: lower index
    first; NaN counts as the largest), and their positions. The result is always sorted."""
    values, indices = _top_k(input, k)
    if _as_dtype(index_type) != _int32:
        indices = _cast(indices, index_type)
    return TopKV2(values, indices)


def squared_difference(x, y, name=None):
    """(x - y)**2, element-wise with broadcasting."""
    return square(subtract(x, y))


def _safe_divisor(y):
    """y with its zeros replaced by ones, and the mask of those zeros.

    Dividing by the safe divisor and then selecting keeps NaN and inf out of
    both the result and its gradient.
    """
    y = _tensor(y)
    zero = equal(y, 0)
    return _where(zero, 1, y), zero


def divide_no_nan(x, y, name=None):
    """x / y, and 0 where y is 0 (whatever x is)."""
    safe, zero = _safe_divisor(y)
    q = divide(x, safe)
    return _where(zero, 0, q)


def multiply_no_nan(x, y, name=None):
    """x * y, and 0 where y is 0 even when x is inf or NaN."""
    y = _tensor(y)
    zero = equal(y, 0)
    p = multiply(_where(zero, 0, x), y)
    return _where(zero, 0, p)


def reciprocal_no_nan(x, name=None):
    """1 / x, and 0 where x is 0."""
    safe, zero = _safe_divisor(x)
    return _where(zero, 0, reciprocal(safe))


def xlogy(x, y, name=None):
    """x * log(y), and 0 where x is 0."""
    x = _tensor(x)
    zero = equal(x, 0)
    return _where(zero, 0, multiply(x, log(_where(zero, 1, y))))


def xdivy(x, y, name=None):
    """x / y, and 0 where x is 0."""
    x = _tensor(x)
    zero = equal(x, 0)
    return _where(zero, 0, divide(x, _where(zero, 1, y)))


def log_sigmoid(x, name=None):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return negative(softplus(negative(x)))


def scalar_mul(scalar, x, name=None):
    return multiply(scalar, x)


def add_n(inputs, name=None):
    """The element-wise sum of a list of tensors of one shape and dtype."""
    inputs = list(inputs)
    if not inputs:
        raise ValueError("add_n: inputs must be a non-empty list of tensors")
    shapes = {tuple(_tensor(t).shape) for t in inputs}
    if len(shapes) > 1:
        raise ValueError(f"add_n: inputs must all have the same shape, got {sorted(shapes)}")
    total = inputs[0]
    for t in inputs[1:]:
        total = add(total, t)
    return _tensor(total)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None):
    """x / sqrt(max(sum(x**2, axis), epsilon)): unit L2 norm along `axis` (all axes when None)."""
    x = _tensor(x)
    squares = reduce_sum(square(x), axis=axis, keepdims=True)
    return multiply(x, rsqrt(maximum(squares, epsilon)))

"""tg.math: element-wise and reduction functions under TensorFlow's tf.math names."""

from ._C import (  # noqa: F401
    add, subtract, multiply, divide, truediv, floordiv, floormod, pow, maximum, minimum,
    equal, not_equal, less, less_equal, greater, greater_equal,
    logical_and, logical_or, logical_xor, logical_not,
    negative, abs, sign, square, sqrt, rsqrt, reciprocal, exp, log, log1p, expm1,
    sin, cos, tanh, sigmoid, softplus, is_nan, is_finite, is_inf,
    reduce_sum, reduce_mean, reduce_max, reduce_min, reduce_prod, reduce_any, reduce_all,
    reduce_logsumexp, reduce_variance, reduce_std, argmax, argmin,
)

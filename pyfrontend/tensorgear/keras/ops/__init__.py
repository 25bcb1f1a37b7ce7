"""``keras.ops``: Keras 3's backend-neutral functions on tensorgear's engine (numpy.py, nn.py,
math.py, core.py), usable eagerly and on KerasTensors in functional models (symbolic.py), and
the graph's Node (node.py).
"""

from ..backend.keras_tensor import KerasTensor as _KerasTensor
from . import core, math, nn, numpy  # noqa: F401
from .core import (  # noqa: F401
    cast, cond, convert_to_numpy, convert_to_tensor, dtype, fori_loop, is_tensor, scatter, scatter_update, shape,
    slice, slice_update, stop_gradient, while_loop,
)
from .math import erf, rsqrt, segment_sum, top_k  # noqa: F401
from .nn import (  # noqa: F401
    average_pool, batch_normalization, binary_crossentropy, categorical_crossentropy, conv, elu, gelu,
    leaky_relu, log_softmax, max_pool, moments, one_hot, relu, relu6, selu, sigmoid, silu, softmax, softplus,
    softsign, sparse_categorical_crossentropy, swish,
)
from .numpy import *  # noqa: F401,F403
from .numpy import abs, all, any, max, min, round, sum  # noqa: F401,A004  (Keras's names shadow builtins here)

# Arithmetic on KerasTensors records these ops (x + 1 in a functional model), as in Keras 3.
_KerasTensor.OPERATORS.update({
    "add": numpy.add, "subtract": numpy.subtract, "multiply": numpy.multiply, "divide": numpy.divide,
    "matmul": numpy.matmul, "power": numpy.power, "negative": numpy.negative, "absolute": numpy.absolute,
    "get_item": numpy.get_item, "less": numpy.less, "less_equal": numpy.less_equal, "greater": numpy.greater,
    "greater_equal": numpy.greater_equal,
})

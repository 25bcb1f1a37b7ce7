"""Activation layers: ReLU, Softmax, LeakyReLU, ELU."""

import tensorgear as tg

from .. import activations
from .layer import Layer


class ReLU(Layer):
    """max(x, 0) with an optional cap, leak below a threshold (Keras's ReLU layer)."""

    _passes_masks = True

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be negative, got max_value={max_value}")
        if negative_slope is None or negative_slope < 0:
            raise ValueError(f"negative_slope of a ReLU layer cannot be negative, got {negative_slope}")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"max_value": self.max_value, "negative_slope": self.negative_slope,
                       "threshold": self.threshold})
        return config


class Softmax(Layer):
    """Softmax over `axis` (an int or a list of ints). With a `mask` broadcastable to the
    inputs (Keras 3: each mask dim 1 or the input's, no extra dims; kept where true or
    > 0.5), masked entries get no weight and a fully masked row gives zeros: one
    masked_softmax kernel."""

    _passes_masks = True

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True

    def call(self, inputs, mask=None):
        axes = list(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]
        if mask is None:
            if len(axes) == 1:
                return activations.softmax(inputs, axis=axes[0])
            return tg.exp(inputs - tg.reduce_logsumexp(inputs, axis=axes, keepdims=True))
        mask = tg.convert_to_tensor(mask)
        _check_mask_fits(inputs.shape, mask.shape)
        if len(axes) == 1:
            return tg.nn.masked_softmax(inputs, mask, axis=axes[0])
        return _masked_softmax_over(inputs, mask, axes)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


def _check_mask_fits(input_shape, mask_shape):
    """Keras 3's rule: the mask broadcasts to the inputs without adding dimensions."""
    input_shape, mask_shape = tuple(input_shape), tuple(mask_shape)
    if len(mask_shape) > len(input_shape):
        raise ValueError("The `mask` must be broadcastable to `inputs` and must not have more dimensions. "
                         f"Received: inputs.shape={input_shape}, mask.shape={mask_shape}")
    for m, i in zip(reversed(mask_shape), reversed(input_shape)):
        if m not in (1, i):
            raise ValueError("The `mask` must be broadcastable to `inputs`. Each mask dimension must be 1 or "
                             f"match the corresponding input dimension. Received: inputs.shape={input_shape}, "
                             f"mask.shape={mask_shape}")


def _masked_softmax_over(x, mask, axes):
    """Softmax over several axes: they move last and merge into one for the kernel."""
    rank = x.ndim
    axes = sorted({a % rank if -rank <= a < rank else _bad_axis(a, rank) for a in axes})
    perm = [d for d in range(rank) if d not in axes] + axes
    inverse = [perm.index(d) for d in range(rank)]
    shape = tuple(x.shape)
    moved = tg.transpose(x, perm)
    kept = tuple(moved.shape[:rank - len(axes)])
    mask = tg.transpose(tg.broadcast_to(mask, shape), perm)
    flat = tg.nn.masked_softmax(tg.reshape(moved, kept + (-1,)), tg.reshape(mask, kept + (-1,)), axis=-1)
    return tg.transpose(tg.reshape(flat, tuple(moved.shape)), inverse)


def _bad_axis(axis, rank):
    raise ValueError(f"Softmax: axis {axis} is out of range for inputs of rank {rank}")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis
        return config


class LeakyReLU(Layer):

    _passes_masks = True
    def __init__(self, negative_slope=0.3, **kwargs):
        alpha = kwargs.pop("alpha", None)
        super().__init__(**kwargs)
        self.negative_slope = float(alpha if alpha is not None else negative_slope)

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def get_config(self):
        config = super().get_config()
        config["negative_slope"] = self.negative_slope
        return config


class ELU(Layer):

    _passes_masks = True
    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def get_config(self):
        config = super().get_config()
        config["alpha"] = self.alpha
        return config

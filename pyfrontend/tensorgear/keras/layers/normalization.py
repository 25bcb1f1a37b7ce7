"""BatchNormalization and LayerNormalization (Keras 3's arguments and defaults).

Over the last axis (channels-last, the default), BatchNormalization in
training and LayerNormalization are one op each way (the batch_norm and
layer_norm table ops: statistics and normalized output forward; dx, dgamma
and dbeta backward). Other axes, BatchNormalization's inference and
LayerNormalization's rms_scaling are compositions of table ops
(tg.nn.moments, rsqrt, ...), their gradients coming from the ops' rules.
"""

import tensorgear as tg

from .. import constraints, initializers, regularizers
from .layer import Layer


def _axes(axis, rank, layer):
    axes = [axis] if isinstance(axis, int) else list(axis)
    out = []
    for a in axes:
        a = int(a)
        if not -rank <= a < rank:
            raise ValueError(f"{layer}: axis {a} is out of range for an input of rank {rank}")
        out.append(a % rank)
    return sorted(set(out))


class _Normalization(Layer):

    _passes_masks = True
    def __init__(self, axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                 gamma_regularizer, beta_constraint, gamma_constraint, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else [int(a) for a in axis]
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _param_shape(self, input_shape):
        rank = len(input_shape)
        self._feature_axes = _axes(self.axis, rank, type(self).__name__)
        for a in self._feature_axes:
            if input_shape[a] is None:
                raise ValueError(f"{type(self).__name__}: axis {a} of input shape {tuple(input_shape)} must be known")
        # Parameters broadcast against the input: feature dims kept, the others 1.
        self._broadcast_shape = [input_shape[a] if a in self._feature_axes else 1 for a in range(rank)]
        self._broadcast_shape[0] = 1
        return tuple(input_shape[a] for a in self._feature_axes)

    def _add_affine(self, shape):
        self.gamma = self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                     regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
                                     name="gamma") if self.scale else None
        self.beta = self.add_weight(shape=shape, initializer=self.beta_initializer,
                                    regularizer=self.beta_regularizer, constraint=self.beta_constraint,
                                    name="beta") if self.center else None

    def _fused_affine(self, inputs):
        """(gamma, beta) for the batch_norm / layer_norm ops when they apply (normalizing over the
        last axis only, inputs at the layer's float dtype, none of size 0), else None; ones and
        zeros stand in for a parameter the layer does not have."""
        if (self._feature_axes != [len(inputs.shape) - 1] or inputs.dtype != tg.as_dtype(self.dtype)
                or inputs.dtype not in (tg.float32, tg.float64) or not all(d for d in inputs.shape)):
            return None
        channels = [inputs.shape[-1]]
        return (self.gamma if self.gamma is not None else tg.ones(channels, inputs.dtype),
                self.beta if self.beta is not None else tg.zeros(channels, inputs.dtype))

    def _broadcast(self, v):
        return v if v is None or len(self._feature_axes) == 1 and self._feature_axes[0] == len(
            self._broadcast_shape) - 1 else tg.reshape(v, self._broadcast_shape)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({
            "axis": self.axis, "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        })
        return config


class BatchNormalization(_Normalization):
    """In training, normalises with the batch's mean and variance over every
    axis but `axis` and moves the moving statistics towards them by
    (1 - momentum); at inference it uses the moving statistics. A frozen layer
    (trainable=False) runs in inference mode, as in Keras 3."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 synchronized=False, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.momentum = float(momentum)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.synchronized = bool(synchronized)

    def build(self, input_shape):
        shape = self._param_shape(input_shape)
        self._add_affine(shape)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape=shape, initializer=self.moving_variance_initializer,
                                               trainable=False, name="moving_variance")
        self._reduction_axes = [a for a in range(len(input_shape)) if a not in self._feature_axes]

    def call(self, inputs, training=None):
        if training and self.trainable:
            m = self.momentum
            affine = self._fused_affine(inputs)
            if affine is not None:
                y, mean, variance = tg._C.batch_norm(inputs, *affine, self.epsilon)
                self.moving_mean.assign(self.moving_mean * m + mean * (1.0 - m))
                self.moving_variance.assign(self.moving_variance * m + variance * (1.0 - m))
                return y
            mean, variance = tg.nn.moments(inputs, self._reduction_axes)
            self.moving_mean.assign(self.moving_mean * m + tg.stop_gradient(mean) * (1.0 - m))
            self.moving_variance.assign(self.moving_variance * m + tg.stop_gradient(variance) * (1.0 - m))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        b = self._broadcast
        return tg.nn.batch_normalization(inputs, b(mean), b(variance), b(self.beta), b(self.gamma), self.epsilon)

    def get_config(self):
        config = super().get_config()
        config.update({
            "momentum": self.momentum,
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "synchronized": self.synchronized,
        })
        return config


class LayerNormalization(_Normalization):
    """Normalises each sample over `axis` (the last by default) with its own
    mean and variance, then scales by gamma and shifts by beta."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(axis, epsilon, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                         gamma_regularizer, beta_constraint, gamma_constraint, **kwargs)
        self.rms_scaling = bool(rms_scaling)

    def build(self, input_shape):
        self._add_affine(self._param_shape(input_shape))

    def call(self, inputs):
        b = self._broadcast
        affine = None if self.rms_scaling else self._fused_affine(inputs)
        if affine is not None:
            return tg._C.layer_norm(inputs, *affine, self.epsilon)[0]
        if self.rms_scaling:  # Keras 3: x / sqrt(mean(x^2) + eps) * gamma, no centring
            ms = tg.reduce_mean(tg.square(inputs), axis=self._feature_axes, keepdims=True)
            y = inputs * tg.math.rsqrt(ms + self.epsilon)
            return y * b(self.gamma) if self.gamma is not None else y
        mean, variance = tg.nn.moments(inputs, self._feature_axes, keepdims=True)
        return tg.nn.batch_normalization(inputs, mean, variance, b(self.beta), b(self.gamma), self.epsilon)

    def get_config(self):
        config = super().get_config()
        config["rms_scaling"] = self.rms_scaling
        return config

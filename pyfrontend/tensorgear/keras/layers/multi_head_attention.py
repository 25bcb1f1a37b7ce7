"""``keras.layers.MultiHeadAttention``: Keras 3's layer, weights and equations.

Structure (what makes Keras's weight files load): EinsumDense sublayers
``query_dense``, ``key_dense``, ``value_dense`` (kernel ``(dim, num_heads,
key_dim or value_dim)``, bias ``(num_heads, key_dim)``) and ``output_dense``
(kernel ``(num_heads, value_dim, output dim)``, bias ``(output dim,)``),
named "query", "key", "value" and "attention_output", plus the weightless
``_softmax`` and ``_dropout_layer``. With the default `attention_axes`, for
query ``(B, T, dim)`` and value/key ``(B, S, dim)``:

    q, k, v  = query_dense(query) / sqrt(key_dim), key_dense(key), value_dense(value)
    scores   = einsum("aecd,abcd->acbe", k, q)                 (B, heads, T, S)
    weights  = masked softmax over S (Keras's Softmax layer)
    output   = output_dense(einsum("acbe,aecd->abcd", dropout(weights), v))

The attention mask is `attention_mask` (broadcast to (B, T, S)) and the
query mask (B, T, 1), value and key masks (B, 1, S), causal and sliding
window masks (1, T, S), all and-ed. A row of scores with no unmasked entry
gives zero weights when Keras would return the scores (dropout > 0,
return_attention_scores, or another attention axis), and equal weights where
Keras runs its fused dot_product_attention (the other cases): both as Keras.
An explicit `query_mask` is used (Keras 3.15 reads only the query's own
mask and ignores that argument); without one, the query's mask is.
"""

import math
import string

import tensorgear as tg

from .. import constraints, initializers, regularizers
from .activation_layers import Softmax
from .attention import causal_mask
from .einsum_dense import EinsumDense
from .layer import Layer
from .regularization import Dropout


class MultiHeadAttention(Layer):
    """Multi-head attention (Vaswani et al.): query, value and key projected per head."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, sliding_window=None, flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None, **kwargs):
        _check_positive("num_heads", num_heads)
        _check_positive("key_dim", key_dim)
        if value_dim is not None:
            _check_positive("value_dim", value_dim, "a positive integer or `None`")
        if flash_attention:
            raise ValueError("MultiHeadAttention: flash_attention=True is not available in tensorgear; "
                             "use flash_attention=None or False")
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.supports_masking = True
        self._num_heads = num_heads
        self._key_dim = key_dim
        self._value_dim = value_dim if value_dim else key_dim
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"MultiHeadAttention: `dropout` must be a float in [0, 1], got {dropout!r}")
        self._dropout = dropout
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            if isinstance(output_shape, int):
                output_shape = (output_shape,)
            try:
                output_shape = tuple(output_shape)
            except TypeError:
                raise ValueError(f"Invalid `output_shape`: {output_shape}. When specified, the `output_shape` "
                                 "should be of type tuple, list, or int.") from None
        # (not `_output_shape`: Layer keeps the shape of the last output there)
        self._output_shape_arg = output_shape
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes and not isinstance(attention_axes, (list, tuple)):
            raise ValueError(f"`attention_axes` must be an int, list, or tuple.Received: "
                             f"attention_axes={attention_axes}")
        self._attention_axes = tuple(attention_axes) if attention_axes is not None else None
        if sliding_window is not None and (not isinstance(sliding_window, int) or sliding_window <= 0):
            raise ValueError(f"`sliding_window` must be `None` or a positive integer. Received: "
                             f"sliding_window={sliding_window}")
        self._sliding_window = sliding_window
        self.seed = seed
        self._inverse_sqrt_key_dim = 1.0 / math.sqrt(float(key_dim))
        self._sublayers_built = False

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)

    def get_config(self):
        config = super().get_config()
        config.update({
            "num_heads": self._num_heads, "key_dim": self._key_dim, "value_dim": self._value_dim,
            "dropout": self._dropout, "use_bias": self._use_bias, "use_gate": self._use_gate,
            "output_shape": self._output_shape_arg, "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        })
        return config

    # ---- building -------------------------------------------------------------------------

    def build(self, query_shape, value_shape=None, key_shape=None):
        """The projections from the three inputs' shapes. Called with the query's shape alone
        (a first call on tensors), it waits for the call, which knows all three."""
        if value_shape is None:
            return
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        self._build_shapes = {"query_shape": list(query_shape), "value_shape": list(value_shape)}
        if key_shape is not None:
            self._build_shapes["key_shape"] = list(key_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                             f"Received: value_shape={value_shape} and key_shape={key_shape}")
        q_rank, v_rank, k_rank = len(query_shape), len(value_shape), len(key_shape)
        for name, rank in (("query", q_rank), ("value", v_rank), ("key", k_rank)):
            if rank < 3:
                raise ValueError(f"MultiHeadAttention: `{name}` must have rank >= 3 (batch, positions..., "
                                 f"features), got rank {rank}")
        # Assigned in Keras's order: the weights list query, key, value (gate), then the output.
        self.query_dense = self._projection(q_rank, [self._num_heads, self._key_dim], "query", query_shape)
        self.key_dense = self._projection(k_rank, [self._num_heads, self._key_dim], "key", key_shape)
        if self._use_gate:
            self._gate_dense = self._projection(q_rank, [self._num_heads, self._value_dim], "gate", query_shape,
                                               activation="sigmoid")
        self.value_dense = self._projection(v_rank, [self._num_heads, self._value_dim], "value", value_shape)
        self._build_attention(q_rank + 1)
        output_shape = list(self._output_shape_arg) if self._output_shape_arg else [query_shape[-1]]
        equation, bias_axes, out_rank = _projection_equation(q_rank - 1, bound_dims=2, output_dims=len(output_shape))
        self.output_dense = EinsumDense(equation, output_shape=_partial_shape(out_rank - 1, output_shape),
                                        bias_axes=bias_axes if self._use_bias else None, name="attention_output",
                                        **self._sublayer_kwargs())
        projected = list(self.query_dense.compute_output_shape(query_shape))
        projected[-1] = self._value_dim
        self.output_dense.build(tuple(projected))
        self._sublayers_built = True

    def get_build_config(self):
        """Keras's build config: the shapes the projections were built for."""
        shapes = self.__dict__.get("_build_shapes")
        return {"shapes_dict": shapes} if shapes else None

    def _projection(self, rank, last_dims, name, input_shape, activation=None):
        equation, bias_axes, out_rank = _projection_equation(rank - 1, bound_dims=1, output_dims=2)
        layer = EinsumDense(equation, output_shape=_partial_shape(out_rank - 1, last_dims),
                            bias_axes=bias_axes if self._use_bias else None, activation=activation, name=name,
                            **self._sublayer_kwargs())
        layer.build(input_shape)
        return layer

    def _sublayer_kwargs(self):
        # Fresh initializer instances per sublayer (Keras clones them).
        return dict(kernel_initializer=self._kernel_initializer.clone(),
                    bias_initializer=self._bias_initializer.clone(), kernel_regularizer=self._kernel_regularizer,
                    bias_regularizer=self._bias_regularizer, activity_regularizer=self.activity_regularizer,
                    kernel_constraint=self._kernel_constraint, bias_constraint=self._bias_constraint,
                    dtype=self.dtype)

    def _build_attention(self, rank):
        """The score and combine equations and the softmax axes for projected tensors of `rank`."""
        if self._attention_axes is None:
            self._attention_axes = tuple(range(1, rank - 2))
        else:
            axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
            bad = [a for a in axes if not 1 <= a < rank - 2]
            if bad:
                raise ValueError(f"MultiHeadAttention: attention_axes {self._attention_axes} must name positions "
                                 f"between the batch and the feature axis of inputs of rank {rank - 1}")
            self._attention_axes = axes
        self._dot_product_equation, self._combine_equation, scores_rank = _attention_equations(
            rank, self._attention_axes)
        norm_axes = tuple(range(scores_rank - len(self._attention_axes), scores_rank))
        self._softmax = Softmax(axis=norm_axes, dtype=self.dtype)
        self._dropout_layer = Dropout(rate=self._dropout, dtype=self.dtype, seed=self.seed)

    # ---- calling ----------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        # Keras code often names the tensors (mha(query=q, value=v, key=k)); they are the
        # call's positional inputs (what builds the layer and links a functional graph).
        if any(name in kwargs for name in ("query", "value", "key")):
            names = ("query", "value", "key")
            given = list(args) + [kwargs.pop(n) for n in names[len(args):] if n in kwargs]
            if len(given) < 2:
                raise TypeError("MultiHeadAttention needs `query` and `value`")
            args = tuple(given)
        return super().__call__(*args, **kwargs)

    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None, attention_mask=None,
             return_attention_scores=False, training=None, use_causal_mask=False):
        if key is None:
            key = value
        if not self._sublayers_built:
            self.build(query.shape, value.shape, key.shape)
        # The masks act here, through the attention mask: the inputs' own masks are taken off (as
        # Keras does), so the projections do not see them.
        if query_mask is None:
            query_mask = getattr(query, "_keras_mask", None)
        for t in (query, value, key):
            if getattr(t, "_keras_mask", None) is not None:
                t._keras_mask = None
        attention_mask = self._compute_attention_mask(query, value, query_mask, value_mask, key_mask,
                                                      attention_mask, use_causal_mask)
        gate = self._gate_dense(query) if self._use_gate else None
        q = self.query_dense(query)
        k = self.key_dense(key)
        v = self.value_dense(value)
        output, scores = self._compute_attention(q, k, v, attention_mask, training, return_attention_scores)
        output = self.output_dense(output if gate is None else output * gate)
        if query_mask is not None:
            output._keras_mask = query_mask
        if return_attention_scores:
            return output, scores
        return output

    def _compute_attention(self, query, key, value, attention_mask=None, training=None,
                           return_attention_scores=False):
        """(attention output (B, T, heads, value_dim), weights (B, heads, T, S)) of projected tensors."""
        query = query * self._inverse_sqrt_key_dim
        scores = tg.einsum(self._dot_product_equation, key, query)
        scores = self._masked_softmax(scores, attention_mask, fused_path=not (
            self._dropout > 0.0 or return_attention_scores or query.ndim != 4))
        weights = self._dropout_layer(scores, training=training) if self._dropout > 0.0 else scores
        return tg.einsum(self._combine_equation, weights, value), scores

    def _masked_softmax(self, scores, attention_mask=None, fused_path=False):
        if attention_mask is None:
            return self._softmax(scores)
        # The mask broadcasts from the heads axis on: (B, T, S) -> (B, 1, T, S).
        expand_at = -len(self._attention_axes) * 2 - 1
        while attention_mask.ndim < scores.ndim:
            attention_mask = tg.expand_dims(attention_mask, expand_at)
        if fused_path:  # Keras's dot_product_attention: equal weights in a fully masked row
            return tg.nn.masked_softmax(scores, attention_mask, axis=-1, all_masked="uniform")
        return self._softmax(scores, mask=attention_mask)

    def _compute_attention_mask(self, query, value, query_mask=None, value_mask=None, key_mask=None,
                                attention_mask=None, use_causal_mask=False):
        """The and of every mask given, broadcast to (B, T, S); None when there is none."""
        parts = []
        if query_mask is not None:
            parts.append(tg.expand_dims(_as_bool(query_mask), -1))  # (B, T, 1)
        if value_mask is not None:
            parts.append(tg.expand_dims(_as_bool(value_mask), -2))  # (B, 1, S)
        if key_mask is not None:
            parts.append(tg.expand_dims(_as_bool(key_mask), -2))
        if use_causal_mask:
            parts.append(causal_mask(query.shape[1], value.shape[1]))  # (1, T, S)
        if self._sliding_window is not None:
            parts.append(self._sliding_window_mask(query.shape[1], value.shape[1]))
        if attention_mask is not None:
            parts.insert(0, _as_bool(attention_mask))
        if not parts:
            return None
        mask = parts[0]
        for p in parts[1:]:
            mask = tg.logical_and(mask, p)
        return mask

    def _sliding_window_mask(self, t, s):
        """(1, T, S): |i - j| < sliding_window."""
        rows = tg.reshape(tg.range(t, dtype="int32"), (1, t, 1))
        cols = tg.reshape(tg.range(s, dtype="int32"), (1, 1, s))
        return tg.less(tg.abs(rows - cols), self._sliding_window)

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        query_shape = tuple(query_shape)
        if value_shape is not None:
            value_shape = tuple(value_shape)
            key_shape = value_shape if key_shape is None else tuple(key_shape)
            if value_shape[1:-1] != key_shape[1:-1]:
                raise ValueError("All dimensions of `value` and `key`, except the last one, must be equal. "
                                 f"Received: value_shape={value_shape} and key_shape={key_shape}")
        if self._output_shape_arg:
            return query_shape[:-1] + self._output_shape_arg
        return query_shape


def _check_positive(arg, value, expected="a positive integer"):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"Received an invalid value for argument `{arg}`, expected {expected}. "
                         f"Received: {arg}={value}")


def _as_bool(mask):
    mask = tg.convert_to_tensor(mask)
    return mask if mask.dtype == tg.bool else tg.cast(mask, "bool")


def _partial_shape(rank, known_last_dims):
    return [None] * (rank - len(known_last_dims)) + list(known_last_dims)


def _projection_equation(free_dims, bound_dims, output_dims):
    """Keras's projection equation: free input dims kept, bound dims contracted with the kernel,
    output dims from the kernel (and biased)."""
    letters = string.ascii_lowercase
    free = letters[:free_dims]
    bound = letters[free_dims:free_dims + bound_dims]
    out = letters[free_dims + bound_dims:free_dims + bound_dims + output_dims]
    return f"{free}{bound},{bound}{out}->{free}{out}", out, len(free + out)


def _attention_equations(rank, attn_axes):
    """Keras's (score equation, combine equation, scores rank) for projected tensors
    (batch, <positions>, heads, channels) attending over `attn_axes`."""
    letters = string.ascii_lowercase
    target = letters[:rank]
    batch_dims = [i for i in range(rank) if i not in attn_axes and i != rank - 1]  # includes the heads
    source, offset = "", rank
    for i in range(rank):
        if i in batch_dims or i == rank - 1:
            source += target[i]
        else:
            source += letters[offset]
            offset += 1
    product = "".join([target[i] for i in batch_dims] + [target[i] for i in attn_axes]
                      + [source[i] for i in attn_axes])
    return f"{source},{target}->{product}", f"{product},{source}->{target}", len(product)

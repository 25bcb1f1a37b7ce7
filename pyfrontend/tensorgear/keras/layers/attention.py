"""``keras.layers.Attention`` (Luong, dot or concat scores) and ``AdditiveAttention`` (Bahdanau).

Keras 3's layers. Called on ``[query, value]`` or ``[query, value, key]``
(shapes ``(batch, Tq, dim)``, ``(batch, Tv, dim)``), with
``mask=[query_mask, value_mask]``:

    scores  = query . key^T (times `scale`)                       "dot"
            = concat_score_weight * sum(tanh(scale * (q + k)))    "concat"
            = sum(scale * tanh(q + k))                            additive
    weights = softmax(scores), no weight where the value mask or the causal mask is false
    output  = weights . value, zeroed where the query mask is false

The masked softmax is one kernel (tg.nn.masked_softmax). Keras adds -1e9 to
masked scores, so a row with no unmasked entry gets (nearly) equal weights;
the kernel's "uniform" mode gives exactly equal weights there (Keras's
float32 result; in float64 Keras's row keeps the softmax of the raw scores).
Dropout on the weights runs in training only.
"""

import tensorgear as tg

from .layer import Layer


def causal_mask(tq, tv):
    """(1, Tq, Tv) bool: query i may attend to keys j <= i."""
    rows = tg.reshape(tg.range(tq, dtype="int32"), (1, tq, 1))
    return tg.greater_equal(rows, tg.reshape(tg.range(tv, dtype="int32"), (1, 1, tv)))


def _as_bool(mask):
    mask = tg.convert_to_tensor(mask)
    return mask if mask.dtype == tg.bool else tg.cast(mask, "bool")


class Attention(Layer):
    """Dot-product (Luong-style) attention over ``[query, value(, key)]``."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in ("dot", "concat"):
            raise ValueError("Invalid value for argument score_mode. Expected one of {'dot', 'concat'}. "
                             f"Received: score_mode={score_mode}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"{type(self).__name__}: `dropout` must be a float in [0, 1], got {dropout!r}")
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self.supports_masking = True

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight(name="scale", shape=(), initializer="ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight(name="concat_score_weight", shape=(), initializer="ones")

    def _calculate_scores(self, query, key):
        """(batch, Tq, Tv) scores of each query against each key."""
        if self.score_mode == "dot":
            scores = tg.matmul(query, key, transpose_b=True)
            if self.scale is not None:
                scores = scores * self.scale
            return scores
        q = tg.expand_dims(query, -2)  # (batch, Tq, 1, dim)
        k = tg.expand_dims(key, -3)    # (batch, 1, Tv, dim)
        summed = q + k if self.scale is None else self.scale * (q + k)
        return self.concat_score_weight * tg.reduce_sum(tg.tanh(summed), axis=-1)

    def _apply_scores(self, scores, value, scores_mask=None, training=False):
        """(weights . value, weights): softmax over the keys, masked entries without weight."""
        if scores_mask is not None:
            if scores_mask.ndim == 2:  # a value mask (batch, Tv) -> (batch, 1, Tv)
                scores_mask = tg.expand_dims(scores_mask, -2)
            weights = tg.nn.masked_softmax(scores, scores_mask, axis=-1, all_masked="uniform")
        else:
            weights = tg.nn.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            weights = tg.nn.dropout(weights, rate=self.dropout, seed=self.seed) if self.dropout < 1 else weights * 0.0
        return tg.matmul(weights, value), weights

    def _calculate_score_mask(self, scores, v_mask, use_causal_mask):
        if not use_causal_mask:
            return v_mask
        mask = causal_mask(scores.shape[-2], scores.shape[-1])
        if v_mask is None:
            return mask
        return tg.logical_and(tg.expand_dims(v_mask, -2), mask)

    def call(self, inputs, mask=None, training=False, return_attention_scores=False, use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) > 2 else v
        q_mask = _as_bool(mask[0]) if mask and mask[0] is not None else None
        v_mask = _as_bool(mask[1]) if mask and mask[1] is not None else None
        scores = self._calculate_scores(query=q, key=k)
        scores_mask = self._calculate_score_mask(scores, v_mask, use_causal_mask)
        output, weights = self._apply_scores(scores=scores, value=v, scores_mask=scores_mask, training=training)
        if q_mask is not None:
            output = tg.where(tg.expand_dims(q_mask, -1), output, tg.zeros((), dtype=output.dtype))
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, mask=None):
        """The query's mask (Keras 3)."""
        self._validate_inputs(inputs, mask)
        if mask is None or mask[0] is None:
            return None
        return tg.convert_to_tensor(mask[0])

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape[0])[:-1], tuple(input_shape[1])[-1])

    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, list):
            raise ValueError(f"{name} layer must be called on a list of inputs, namely [query, value] or "
                             f"[query, value, key]. Received: inputs={inputs}.")
        if len(inputs) < 2 or len(inputs) > 3:
            raise ValueError(f"{name} layer accepts inputs list of length 2 or 3, namely [query, value] or "
                             f"[query, value, key]. Received length: {len(inputs)}.")
        if mask is not None:
            if not isinstance(mask, list):
                raise ValueError(f"{name} layer mask must be a list, namely [query_mask, value_mask]. "
                                 f"Received: mask={mask}.")
            if len(mask) < 2 or len(mask) > 3:
                raise ValueError(f"{name} layer accepts mask list of length 2 or 3. Received: inputs={inputs}, "
                                 f"mask={mask}.")

    def get_config(self):
        config = super().get_config()
        config.update({"use_scale": self.use_scale, "score_mode": self.score_mode, "dropout": self.dropout,
                       "seed": self.seed})
        return config


class AdditiveAttention(Attention):
    """Additive (Bahdanau-style) attention: scores = sum(scale * tanh(query + key))."""

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._validate_inputs(input_shape)
        self.scale = None
        if self.use_scale:
            dim = tuple(input_shape[0])[-1]
            self.scale = self.add_weight(name="scale", shape=(dim,), initializer="glorot_uniform")

    def _calculate_scores(self, query, key):
        q = tg.expand_dims(query, -2)
        k = tg.expand_dims(key, -3)
        t = tg.tanh(q + k)
        return tg.reduce_sum(t if self.scale is None else self.scale * t, axis=-1)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config

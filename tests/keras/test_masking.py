"""Keras 3's masks: Layer.__call__ passes `mask` / `<arg>_mask` from the inputs' `_keras_mask` and
attaches compute_mask's result; layers that support masking pass it on, others drop it with a
warning; merges combine masks; losses and metrics count only unmasked entries."""

import warnings

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras

L = keras.layers
IDS = np.array([[3, 4, 0, 0], [0, 5, 6, 7]])
KEEP = IDS != 0


class MaskEcho(L.Layer):
    """Returns the mask it was given as its output (a probe of the mask argument)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        return tf.zeros(tuple(inputs.shape[:2])) if mask is None else tf.cast(mask, "float32")


class TwoInputs(L.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, query, value, query_mask=None, value_mask=None):
        q = tf.zeros(tuple(query.shape[:2])) if query_mask is None else tf.cast(query_mask, "float32")
        v = tf.zeros(tuple(value.shape[:2])) if value_mask is None else tf.cast(value_mask, "float32")
        return q + 2.0 * v


def test_embedding_mask_flows_through_dense_to_a_layer_that_takes_a_mask():
    emb = L.Embedding(10, 3, mask_zero=True)
    y = L.Dense(2)(emb(IDS))
    np.testing.assert_array_equal(y._keras_mask.numpy(), KEEP)
    np.testing.assert_array_equal(MaskEcho()(y).numpy(), KEEP.astype(np.float32))


@pytest.mark.parametrize("kind", ["sequential", "functional"])
def test_models_pass_masks_between_layers(kind):
    layers = [L.Embedding(10, 3, mask_zero=True), L.Dropout(0.1), MaskEcho()]
    if kind == "sequential":
        model = keras.Sequential(layers)
    else:
        x = keras.Input((4,), dtype="int64")
        y = x
        for layer in layers:
            y = layer(y)
        model = keras.Model(x, y)
    np.testing.assert_array_equal(model.predict(IDS, verbose=0), KEEP.astype(np.float32))


def test_several_tensor_arguments_get_their_own_masks():
    emb = L.Embedding(10, 3, mask_zero=True)
    q, v = emb(IDS), emb(IDS[::-1].copy())
    np.testing.assert_array_equal(TwoInputs()(q, v).numpy(), KEEP + 2.0 * KEEP[::-1])


def test_a_layer_without_masking_support_drops_the_mask_with_keras_warning():
    y = L.Embedding(10, 3, mask_zero=True)(IDS)
    with pytest.warns(UserWarning, match="does not support masking"):
        out = L.Flatten()(y)
    assert getattr(out, "_keras_mask", None) is None


def test_masking_layer_zeroes_and_masks_steps_equal_to_mask_value():
    x = np.ones((2, 3, 2), np.float32)
    x[0, 1] = 0.0
    out = L.Masking()(x)
    np.testing.assert_array_equal(out._keras_mask.numpy(), [[True, False, True], [True, True, True]])
    np.testing.assert_array_equal(out.numpy()[0, 1], 0.0)
    assert L.Masking(mask_value=2.0).get_config()["mask_value"] == 2.0
    with pytest.raises(TypeError, match="mask_value"):
        L.Masking(mask_value="x")


def test_merges_combine_masks_as_keras():
    emb = L.Embedding(10, 3, mask_zero=True)
    a, b = emb(IDS), emb(IDS[::-1].copy())
    np.testing.assert_array_equal(L.Add()([a, b])._keras_mask.numpy(), KEEP | KEEP[::-1])
    joined = L.Concatenate(axis=1)([a, b])
    np.testing.assert_array_equal(joined._keras_mask.numpy(), np.concatenate([KEEP, KEEP[::-1]], 1))
    plain = tf.ones((2, 4, 3))
    np.testing.assert_array_equal(L.Concatenate()([a, plain])._keras_mask.numpy(), np.ones((2, 4), bool))
    assert getattr(L.Add()([a, plain]), "_keras_mask", None) is None


def test_global_average_pooling_1d_averages_unmasked_steps():
    x = np.arange(24, dtype=np.float32).reshape(2, 4, 3)
    got = L.GlobalAveragePooling1D()(tf.constant(x), mask=tf.constant(KEEP)).numpy()
    expected = np.stack([x[i][KEEP[i]].mean(0) for i in range(2)])
    np.testing.assert_allclose(got, expected)


def test_lambda_mask_argument_sets_the_output_mask():
    layer = L.Lambda(lambda t: t * 2.0, mask=lambda inputs, mask: tf.constant(KEEP))
    out = layer(tf.ones((2, 4, 1)))
    np.testing.assert_array_equal(out._keras_mask.numpy(), KEEP)


def test_losses_and_metrics_weigh_unmasked_entries_only():
    y_true = tf.constant(np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]], np.float32)[..., None])
    y_pred = tf.zeros((2, 4, 1))
    y_pred._keras_mask = tf.constant(KEEP)
    err = np.square(y_true.numpy()[..., 0])
    np.testing.assert_allclose(keras.losses.MeanSquaredError()(y_true, y_pred).numpy(), err[KEEP].mean(), rtol=1e-6)
    np.testing.assert_allclose(keras.losses.MeanSquaredError(reduction="sum")(y_true, y_pred).numpy(),
                               err[KEEP].sum(), rtol=1e-6)
    sw = np.array([1.0, 3.0], np.float32)
    weighted = (err * sw[:, None])[KEEP].sum() / KEEP.sum()
    np.testing.assert_allclose(keras.losses.MeanSquaredError()(y_true, y_pred, sample_weight=sw).numpy(), weighted,
                               rtol=1e-6)
    metric = keras.metrics.MeanAbsoluteError()
    metric.update_state(y_true, y_pred)
    np.testing.assert_allclose(metric.result().numpy(), np.abs(y_true.numpy()[..., 0])[KEEP].mean(), rtol=1e-6)


def test_a_fully_masked_batch_gives_zero_loss_not_nan():
    y_pred = tf.zeros((2, 4, 1))
    y_pred._keras_mask = tf.zeros((2, 4), dtype=tf.bool)
    assert float(keras.losses.MeanSquaredError()(tf.ones((2, 4, 1)), y_pred).numpy()) == 0.0


def test_time_distributed_applies_the_layer_per_step_and_keeps_the_mask():
    x = np.random.default_rng(0).standard_normal((2, 4, 3)).astype(np.float32)
    dense = L.Dense(5)
    td = L.TimeDistributed(dense)
    y = td(x)
    np.testing.assert_allclose(y.numpy(), np.stack([dense(x[:, t]).numpy() for t in range(4)], 1), rtol=1e-6,
                               atol=1e-6)
    masked = L.Masking()(np.where(KEEP[..., None], x, 0.0).astype(np.float32))
    np.testing.assert_array_equal(td(masked)._keras_mask.numpy(), KEEP)
    assert td.compute_output_shape((None, 4, 3)) == (None, 4, 5)
    with pytest.raises(ValueError, match="incompatible"):
        td(tf.constant(x), mask=tf.ones((2, 3), dtype=tf.bool))


def test_no_mask_no_warning_and_masks_do_not_leak_into_unmasked_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = L.Dense(2)(np.ones((2, 3), np.float32))
        L.Flatten()(y)
    assert getattr(y, "_keras_mask", None) is None


def test_training_with_a_padding_mask_ignores_the_padding():
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 20, (64, 6))
    labels = (ids[:, 0] > 10).astype(np.float32)
    padded = np.concatenate([ids, np.zeros((64, 4), ids.dtype)], 1)
    model = keras.Sequential([L.Embedding(20, 4, mask_zero=True), L.GlobalAveragePooling1D(), L.Dense(1)])
    model.build((None, 10))
    twin = keras.Sequential([L.Embedding(20, 4), L.GlobalAveragePooling1D(), L.Dense(1)])
    twin.build((None, 6))
    twin.set_weights(model.get_weights())
    np.testing.assert_allclose(model.predict(padded, verbose=0), twin.predict(ids, verbose=0), rtol=1e-5, atol=1e-6)
    model.compile("adam", "mse")
    history = model.fit(padded, labels, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))

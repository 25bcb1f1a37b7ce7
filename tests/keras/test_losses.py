"""keras.losses: classes and functions against NumPy, from_logits, reductions, names, lookup."""

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras
from tensorgear.keras import losses

EPS = 1e-7
rng = np.random.default_rng(0)


def softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


Y_REG = rng.normal(size=(6, 3)).astype(np.float32)
P_REG = rng.normal(size=(6, 3)).astype(np.float32)
LOGITS = rng.normal(size=(6, 4)).astype(np.float32) * 3
LABELS = rng.integers(0, 4, size=6)
ONE_HOT = np.eye(4, dtype=np.float32)[LABELS]
BIN_TRUE = rng.integers(0, 2, size=(6, 1)).astype(np.float32)
BIN_LOGITS = rng.normal(size=(6, 1)).astype(np.float32) * 2


def test_mean_squared_error():
    want = np.mean((Y_REG - P_REG) ** 2, axis=-1)
    np.testing.assert_allclose(losses.mean_squared_error(Y_REG, P_REG).numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(float(losses.MeanSquaredError()(Y_REG, P_REG)), want.mean(), rtol=1e-5)
    assert losses.MeanSquaredError().name == "mean_squared_error"


def test_mean_absolute_error():
    want = np.mean(np.abs(Y_REG - P_REG), axis=-1)
    np.testing.assert_allclose(losses.mae(Y_REG, P_REG).numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(float(losses.MeanAbsoluteError()(Y_REG, P_REG)), want.mean(), rtol=1e-5)


def test_huber():
    err = P_REG - Y_REG
    want = np.mean(np.where(np.abs(err) <= 1.0, 0.5 * err ** 2, np.abs(err) - 0.5), axis=-1).mean()
    np.testing.assert_allclose(float(losses.Huber()(Y_REG, P_REG)), want, rtol=1e-5)
    assert losses.Huber().name == "huber_loss"


def test_cosine_similarity():
    yt = Y_REG / np.linalg.norm(Y_REG, axis=-1, keepdims=True)
    yp = P_REG / np.linalg.norm(P_REG, axis=-1, keepdims=True)
    want = -np.sum(yt * yp, axis=-1).mean()
    np.testing.assert_allclose(float(losses.CosineSimilarity()(Y_REG, P_REG)), want, rtol=1e-5)


def test_kl_divergence():
    p_true, p_pred = softmax(Y_REG), softmax(P_REG)
    want = np.sum(p_true * np.log(p_true / p_pred), axis=-1).mean()
    np.testing.assert_allclose(float(losses.KLDivergence()(p_true, p_pred)), want, rtol=1e-5)


def test_sparse_categorical_crossentropy_probs_and_logits():
    probs = softmax(LOGITS)
    want = -np.log(np.clip(probs[np.arange(6), LABELS], EPS, 1 - EPS))
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy(LABELS, probs).numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(
        losses.sparse_categorical_crossentropy(LABELS, LOGITS, from_logits=True).numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(float(losses.SparseCategoricalCrossentropy()(LABELS, probs)), want.mean(),
                               rtol=1e-5)
    np.testing.assert_allclose(
        float(losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS.reshape(6, 1), LOGITS)),
        want.mean(), rtol=1e-5)


def test_sparse_categorical_crossentropy_extreme_logits_are_finite():
    logits = np.array([[1000.0, -1000.0, 0.0]], np.float32)
    value = float(losses.SparseCategoricalCrossentropy(from_logits=True)(np.array([1]), logits))
    assert value == pytest.approx(2000.0, rel=1e-5)


@pytest.mark.cpu  # the CPU checks labels; a GPU does not read them back (nor do TensorFlow's GPU kernels)
def test_sparse_labels_out_of_range_is_a_value_error():
    with pytest.raises(ValueError, match="4"):
        losses.sparse_categorical_crossentropy(np.array([0, 4]), softmax(LOGITS[:2]))


def test_categorical_crossentropy():
    probs = softmax(LOGITS)
    want = -np.sum(ONE_HOT * np.log(np.clip(probs, EPS, 1 - EPS)), axis=-1)
    np.testing.assert_allclose(losses.categorical_crossentropy(ONE_HOT, probs).numpy(), want, rtol=1e-5)
    np.testing.assert_allclose(losses.categorical_crossentropy(ONE_HOT, LOGITS, from_logits=True).numpy(), want,
                               rtol=1e-5)
    smoothed = ONE_HOT * 0.9 + 0.1 / 4
    want_ls = -np.sum(smoothed * np.log(probs), axis=-1).mean()
    np.testing.assert_allclose(float(losses.CategoricalCrossentropy(label_smoothing=0.1)(ONE_HOT, probs)), want_ls,
                               rtol=1e-5)
    with pytest.raises(ValueError, match="one-hot"):
        losses.categorical_crossentropy(LABELS, probs)


def test_binary_crossentropy():
    p = np.clip(sigmoid(BIN_LOGITS), EPS, 1 - EPS)
    want = -(BIN_TRUE * np.log(p) + (1 - BIN_TRUE) * np.log(1 - p))
    np.testing.assert_allclose(float(losses.BinaryCrossentropy()(BIN_TRUE, sigmoid(BIN_LOGITS))), want.mean(),
                               rtol=1e-4)
    np.testing.assert_allclose(float(losses.BinaryCrossentropy(from_logits=True)(BIN_TRUE, BIN_LOGITS)),
                               want.mean(), rtol=1e-4)
    assert losses.BinaryCrossentropy().name == "binary_crossentropy"


def test_reductions_and_sample_weight():
    values = np.mean((Y_REG - P_REG) ** 2, axis=-1)
    sw = np.arange(6, dtype=np.float32)
    mse = losses.MeanSquaredError
    np.testing.assert_allclose(float(mse(reduction="sum")(Y_REG, P_REG)), values.sum(), rtol=1e-5)
    np.testing.assert_allclose(mse(reduction="none")(Y_REG, P_REG).numpy(), values, rtol=1e-5)
    np.testing.assert_allclose(mse(reduction=None)(Y_REG, P_REG).numpy(), values, rtol=1e-5)
    np.testing.assert_allclose(float(mse()(Y_REG, P_REG, sample_weight=sw)), (values * sw).sum() / 6, rtol=1e-5)
    assert mse().reduction == "sum_over_batch_size"
    with pytest.raises(ValueError, match="reduction"):
        mse(reduction="average")


def test_targets_with_a_trailing_one_axis():
    yt = np.array([1.0, 2.0, 3.0], np.float32)
    yp = np.array([[1.5], [2.0], [2.0]], np.float32)
    np.testing.assert_allclose(float(losses.MeanSquaredError()(yt, yp)), (0.25 + 0 + 1) / 3, rtol=1e-6)


def test_get_by_name_is_case_insensitive_and_lists_valid_names():
    assert isinstance(losses.get("sparse_categorical_crossentropy"), losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get("Sparse_Categorical_Crossentropy"), losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get("SparseCategoricalCrossentropy"), losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get("MAE"), losses.MeanAbsoluteError)
    assert isinstance(losses.get(losses.categorical_crossentropy), losses.CategoricalCrossentropy)
    with pytest.raises(ValueError, match="mean_squared_error"):
        losses.get("mean_squared_eror")


def test_custom_loss_subclass():
    class Scaled(losses.Loss):
        def call(self, y_true, y_pred):
            return tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1) * 2.0

    np.testing.assert_allclose(float(Scaled()(Y_REG, P_REG)), 2 * np.abs(Y_REG - P_REG).mean(), rtol=1e-5)
    assert Scaled().name == "scaled"


def test_loss_gradients_flow():
    w = tf.Variable(LOGITS)
    with tf.GradientTape() as tape:
        loss = losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, w)
    g = tape.gradient(loss, w).numpy()
    np.testing.assert_allclose(g, (softmax(LOGITS) - ONE_HOT) / 6, rtol=1e-4, atol=1e-6)


def test_config_round_trip():
    loss = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2)
    clone = losses.deserialize(losses.serialize(loss))
    assert isinstance(clone, losses.BinaryCrossentropy) and clone.from_logits and clone.label_smoothing == 0.2
    assert keras.losses.get(None) is None

"""The everyday layers beyond Dense (issue 12): merging, Embedding, batch and
layer normalization, Rescaling / Normalization, RepeatVector, Permute,
GaussianNoise; and the symbolic input/output of models and layers.

Values against NumPy, gradients against float64 finite differences, configs
round-trip through from_config, and each works inside a functional model."""

import os
import sys

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras
from tensorgear.keras import layers

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "core"))
from gradcheck import check_grad  # noqa: E402

RNG = np.random.default_rng(0)


def _x(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def _roundtrip(layer):
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    return clone


# ---- merging ---------------------------------------------------------------------------

@pytest.mark.parametrize("cls,ref", [
    (layers.Add, lambda xs: sum(xs)), (layers.Multiply, lambda xs: xs[0] * xs[1] * xs[2]),
    (layers.Average, lambda xs: sum(xs) / 3), (layers.Maximum, lambda xs: np.maximum(np.maximum(*xs[:2]), xs[2])),
    (layers.Minimum, lambda xs: np.minimum(np.minimum(*xs[:2]), xs[2]))])
def test_elementwise_merges_match_numpy(cls, ref):
    xs = [_x(4, 5) for _ in range(3)]
    np.testing.assert_allclose(cls()(xs).numpy(), ref(xs), rtol=1e-6)
    _roundtrip(cls())


def test_subtract_takes_exactly_two_and_merges_want_lists():
    a, b = _x(3, 2), _x(3, 2)
    np.testing.assert_allclose(layers.Subtract()([a, b]).numpy(), a - b)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        layers.Subtract()([a, b, a])
    with pytest.raises(ValueError, match="list of inputs"):
        layers.Add()(tf.constant(a))
    with pytest.raises(ValueError, match="at least 2"):
        layers.Add()([a])
    with pytest.raises(ValueError, match=r"incompatible shapes \[\(3, 2\), \(4, 2\)\]"):
        layers.Add()([a, _x(4, 2)])


def test_concatenate_and_its_functional_form():
    a, b = _x(2, 3, 4), _x(2, 3, 5)
    np.testing.assert_array_equal(layers.Concatenate()([a, b]).numpy(), np.concatenate([a, b], -1))
    np.testing.assert_array_equal(layers.concatenate([a, a], axis=1).numpy(), np.concatenate([a, a], 1))
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        layers.Concatenate(axis=1)([a, b])
    assert _roundtrip(layers.Concatenate(axis=1)).axis == 1


@pytest.mark.parametrize("axes,shapes", [(1, [(4, 5), (4, 5)]), ((2, 2), [(4, 3, 5), (4, 6, 5)]),
                                         ((1, 2), [(4, 3, 5), (4, 6, 3)])])
def test_dot_is_a_batched_contraction(axes, shapes):
    x, y = _x(*shapes[0]), _x(*shapes[1])
    got = layers.Dot(axes=axes)([x, y]).numpy()
    ax = (axes, axes) if isinstance(axes, int) else axes
    expected = np.stack([np.tensordot(x[i], y[i], axes=(ax[0] - 1, ax[1] - 1)) for i in range(len(x))])
    if expected.ndim == 1:
        expected = expected[:, None]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    cos = layers.Dot(axes=1, normalize=True)([x.reshape(4, -1), x.reshape(4, -1)]).numpy()
    np.testing.assert_allclose(cos, np.ones((4, 1)), rtol=1e-6)


def test_a_multi_input_functional_model_trains():
    a_in, b_in = keras.Input((6,), name="a"), keras.Input((4,), name="b")
    h = layers.concatenate([layers.Dense(8, activation="relu")(a_in), layers.Dense(8, activation="relu")(b_in)])
    h = layers.add([h, layers.Dense(16)(h)])
    out = layers.Dense(1)(h)
    model = keras.Model([a_in, b_in], out)
    assert model.output_shape == (None, 1)
    a, b = _x(128, 6), _x(128, 4)
    y = (a[:, :1] + b[:, :1]).astype(np.float32)
    model.compile(optimizer="adam", loss="mse")
    hist = model.fit([a, b], y, epochs=20, batch_size=32, verbose=0).history["loss"]
    assert hist[-1] < 0.5 * hist[0]


# ---- Embedding ---------------------------------------------------------------------------

def test_embedding_gathers_rows_and_scatters_gradients():
    emb = layers.Embedding(10, 3)
    ids = np.array([[1, 2, 2], [0, 9, 1]])
    out = emb(ids)
    table = emb.embeddings.numpy()
    np.testing.assert_array_equal(out.numpy(), table[ids])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(emb(ids) * 2.0)
    g = tape.gradient(loss, emb.embeddings)
    counts = np.bincount(ids.ravel(), minlength=10)[:, None] * np.ones((1, 3))
    np.testing.assert_allclose(tf.convert_to_tensor(g).numpy(), 2.0 * counts)
    assert np.abs(table).max() <= 0.05  # Keras's default "uniform" initializer
    masked = layers.Embedding(10, 3, mask_zero=True)
    np.testing.assert_array_equal(masked.compute_mask(tf.constant(ids)).numpy(), ids != 0)
    assert _roundtrip(masked).mask_zero


def test_embedding_in_a_model_learns():
    model = keras.Sequential([keras.Input((5,), dtype="int64"), layers.Embedding(20, 4), layers.Flatten(),
                              layers.Dense(1)])
    ids = RNG.integers(0, 20, (256, 5))
    y = (ids[:, :1] % 2).astype(np.float32)
    model.compile(optimizer="adam", loss="mse")
    hist = model.fit(ids, y, epochs=15, batch_size=32, verbose=0).history["loss"]
    assert hist[-1] < 0.5 * hist[0]


# ---- normalization -----------------------------------------------------------------------

def test_batch_normalization_training_and_inference():
    bn = layers.BatchNormalization(momentum=0.9, epsilon=1e-3)
    x = _x(32, 4) * 3 + 1
    out = bn(x, training=True).numpy()
    mean, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(out, (x - mean) / np.sqrt(var + 1e-3), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(bn.moving_mean.numpy(), 0.1 * mean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(bn.moving_variance.numpy(), 0.9 + 0.1 * var, rtol=1e-5)
    inf = bn(x, training=False).numpy()
    np.testing.assert_allclose(inf, (x - bn.moving_mean.numpy()) / np.sqrt(bn.moving_variance.numpy() + 1e-3),
                               rtol=1e-5, atol=1e-6)
    assert [w.name for w in bn.trainable_weights] == ["gamma", "beta"]
    assert len(bn.non_trainable_weights) == 2
    bn.trainable = False  # frozen: inference mode even in training (Keras 3)
    before = bn.moving_mean.numpy().copy()
    bn(x, training=True)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)
    _roundtrip(layers.BatchNormalization(axis=1, momentum=0.5))


def test_batch_normalization_over_channels_first_images():
    bn = layers.BatchNormalization(axis=1)
    x = _x(8, 3, 5, 5)
    out = bn(x, training=True).numpy()
    m, v = x.mean((0, 2, 3), keepdims=True), x.var((0, 2, 3), keepdims=True)
    np.testing.assert_allclose(out, (x - m) / np.sqrt(v + 1e-3), rtol=1e-4, atol=1e-5)
    assert bn.gamma.shape == (3,)


@pytest.mark.parametrize("rms", [False, True])
def test_layer_normalization_matches_numpy(rms):
    ln = layers.LayerNormalization(epsilon=1e-5, rms_scaling=rms)
    x = _x(6, 7) * 2 + 3
    got = ln(x).numpy()
    if rms:
        expected = x / np.sqrt((x ** 2).mean(-1, keepdims=True) + 1e-5)
    else:
        expected = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
    _roundtrip(ln)


@pytest.mark.parametrize("make", [lambda: layers.LayerNormalization(dtype="float64"),
                                  lambda: layers.BatchNormalization(dtype="float64")])
def test_normalization_gradients_match_finite_differences(make):
    layer = make()
    x = RNG.standard_normal((5, 4))
    layer(x, training=True)  # build

    def fn(t):
        return layer(t, training=True) if isinstance(layer, layers.BatchNormalization) else layer(t)

    check_grad(fn, x, rtol=1e-5, atol=1e-7)


# ---- preprocessing -----------------------------------------------------------------------

def test_rescaling_and_normalization_adapt():
    img = RNG.integers(0, 256, (4, 3, 3, 1)).astype(np.uint8)
    np.testing.assert_allclose(layers.Rescaling(1 / 255)(img).numpy(), img / 255, rtol=1e-6)
    np.testing.assert_allclose(layers.Rescaling(2.0, offset=-1)(img).numpy(), img * 2.0 - 1, rtol=1e-6)
    data = _x(100, 3) * [1, 10, 100] + [0, 5, -5]
    norm = layers.Normalization()
    norm.adapt(data)
    np.testing.assert_allclose(norm.mean.numpy().ravel(), data.mean(0), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(norm.variance.numpy().ravel(), data.var(0), rtol=1e-4)
    out = norm(data).numpy()
    np.testing.assert_allclose(out.mean(0), 0, atol=1e-4)
    np.testing.assert_allclose(out.std(0), 1, rtol=1e-3)
    ds = tf.data.Dataset.from_tensor_slices(data).batch(7)
    streamed = layers.Normalization()
    streamed.adapt(ds)
    np.testing.assert_allclose(streamed.mean.numpy(), norm.mean.numpy(), rtol=1e-5, atol=1e-5)
    given = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0])
    np.testing.assert_allclose(given(np.array([[3.0, 8.0]], np.float32)).numpy(), [[1.0, 2.0]])
    back = layers.Normalization(mean=[1.0, 2.0], variance=[4.0, 9.0], invert=True)
    np.testing.assert_allclose(back(np.array([[1.0, 2.0]], np.float32)).numpy(), [[3.0, 8.0]])
    with pytest.raises(ValueError, match="both `mean` and `variance`"):
        layers.Normalization(mean=[1.0])


# ---- reshaping and noise ---------------------------------------------------------------------

def test_repeat_vector_and_permute():
    x = _x(2, 3)
    np.testing.assert_array_equal(layers.RepeatVector(4)(x).numpy(), np.repeat(x[:, None, :], 4, axis=1))
    y = _x(2, 3, 4, 5)
    np.testing.assert_array_equal(layers.Permute((3, 1, 2))(y).numpy(), y.transpose(0, 3, 1, 2))
    with pytest.raises(ValueError, match="consecutive and start from 1"):
        layers.Permute((0, 1))
    assert _roundtrip(layers.Permute((2, 1))).dims == (2, 1)
    assert layers.RepeatVector(3).compute_output_shape((None, 5)) == (None, 3, 5)


def test_gaussian_noise_only_in_training():
    x = np.zeros((1000, 10), np.float32)
    noise = layers.GaussianNoise(0.5, seed=1)
    np.testing.assert_array_equal(noise(x).numpy(), x)
    sample = noise(x, training=True).numpy()
    assert abs(sample.std() - 0.5) < 0.02 and abs(sample.mean()) < 0.02


# ---- symbolic inputs and outputs ------------------------------------------------------------

def test_feature_extractor_idiom_on_sequential_and_layers():
    model = keras.Sequential([keras.Input((8,)), layers.Dense(6, name="hidden"), layers.Dense(2)])
    assert model.input_shape == (None, 8) and model.output_shape == (None, 2)
    assert model.inputs[0].shape == (None, 8) and model.outputs[0].shape == (None, 2)
    hidden = model.get_layer("hidden")
    assert hidden.input_shape == (None, 8) and hidden.output_shape == (None, 6)
    extractor = keras.Model(model.inputs, hidden.output)
    x = _x(3, 8)
    np.testing.assert_allclose(extractor(x).numpy(), hidden(x).numpy(), rtol=1e-6)
    unbuilt = keras.Sequential([layers.Dense(2)])
    with pytest.raises(AttributeError, match="not built yet"):
        unbuilt.inputs
    with pytest.raises(AttributeError, match="never been called"):
        layers.Dense(3).output

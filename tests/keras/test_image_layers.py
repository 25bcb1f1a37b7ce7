"""The padding, cropping, upsampling, transposed and separable convolution,
spatial dropout, category encoding and image preprocessing layers: against
Keras 3's outputs for the same layers and weights (a committed fixture,
fixtures/make_layers_fixture.py), against NumPy, with float64 gradient
checks, their configs, shape inference, training-only randomness and seeds."""

import os
import sys

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import keras
from tensorgear.keras import layers

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import make_layers_fixture  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "core"))
from gradcheck import check_grad  # noqa: E402

CASES = make_layers_fixture.cases(layers)


@pytest.fixture(scope="module")
def reference():
    return np.load(make_layers_fixture.PATH)


@pytest.mark.parametrize("name,make,x", CASES, ids=[c[0] for c in CASES])
def test_layer_matches_keras(reference, name, make, x):
    layer = make()
    data = reference[x]
    layer.build(data.shape)
    weights = [reference[f"{name}/w{i}"] for i in range(len(layer.weights))]
    assert len([k for k in reference.files if k.startswith(f"{name}/w")]) == len(weights), "weight count"
    if weights:
        layer.set_weights(weights)
    got = (layer(data, training=True) if name.startswith("random_") else layer(data)).numpy()
    expected = reference[f"{name}/y"]
    assert got.shape == expected.shape
    assert tuple(layer.compute_output_shape(data.shape)) == expected.shape
    np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-3 if x == "img" else 1e-5, err_msg=name)


@pytest.mark.parametrize("name,make,x", CASES, ids=[c[0] for c in CASES])
def test_config_round_trip(name, make, x):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


def test_random_layers_act_only_in_training():
    x = np.random.default_rng(1).uniform(0, 255, (3, 8, 8, 2)).astype(np.float32)
    for layer in (layers.RandomFlip(seed=1), layers.RandomRotation(0.3, seed=2), layers.RandomZoom(0.3, seed=3),
                  layers.RandomTranslation(0.3, 0.3, seed=4), layers.RandomContrast(0.5, seed=5)):
        np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
        model = keras.Sequential([keras.Input((8, 8, 2)), layer])
        np.testing.assert_array_equal(model.predict(x, verbose=0), x)
        assert not np.allclose(layer(x).numpy(), x), type(layer).__name__  # Keras 3: training defaults to True


def test_seeded_random_layers_repeat_after_set_seed():
    x = np.random.default_rng(2).uniform(0, 1, (4, 6, 6, 1)).astype(np.float32)
    runs = []
    for _ in range(2):
        keras.utils.set_random_seed(7)
        layer = layers.RandomRotation(0.25, seed=11)
        runs.append([layer(x).numpy() for _ in range(2)])
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert not np.array_equal(runs[0][0], runs[0][1])  # successive calls draw anew


def test_random_flip_flips_whole_images():
    x = np.arange(4 * 3 * 5, dtype=np.float32).reshape(4, 3, 5, 1)
    y = layers.RandomFlip("horizontal", seed=3)(np.tile(x, (8, 1, 1, 1))).numpy()
    for img, src in zip(y, np.tile(x, (8, 1, 1, 1))):
        assert np.array_equal(img, src) or np.array_equal(img, src[:, ::-1])
    assert any(not np.array_equal(a, b) for a, b in zip(y, np.tile(x, (8, 1, 1, 1))))


def test_spatial_dropout_drops_whole_channels():
    x = np.ones((4, 6, 5, 8), np.float32)
    y = layers.SpatialDropout2D(0.5, seed=1)(x, training=True).numpy()
    per_channel = y.reshape(4, 30, 8)
    assert np.all(per_channel.min(axis=1) == per_channel.max(axis=1))  # one decision per (sample, channel)
    assert set(np.unique(y)) <= {0.0, 2.0}
    y1 = layers.SpatialDropout1D(0.5, seed=1)(np.ones((4, 7, 6), np.float32), training=True).numpy()
    assert np.all(y1.min(axis=1) == y1.max(axis=1))
    np.testing.assert_array_equal(layers.SpatialDropout2D(0.5)(x).numpy(), x)


def test_category_encoding_matches_numpy():
    ids = np.array([[0, 1, 1], [3, 3, 3], [2, 0, 1]])
    np.testing.assert_array_equal(layers.CategoryEncoding(4, "count")(ids).numpy(),
                                  np.stack([np.bincount(r, minlength=4) for r in ids]))
    np.testing.assert_array_equal(layers.CategoryEncoding(4, "multi_hot")(ids).numpy(),
                                  np.stack([np.bincount(r, minlength=4) > 0 for r in ids]).astype(np.float32))
    np.testing.assert_array_equal(layers.CategoryEncoding(4, "one_hot")(np.array([[1], [3]])).numpy(),
                                  np.eye(4, dtype=np.float32)[[1, 3]])
    np.testing.assert_array_equal(layers.CategoryEncoding(4)(np.array([3, 2, 0, 1, 1])).numpy(), np.ones(4))
    weights = np.array([[0.1, 0.2, 0.7], [1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])
    np.testing.assert_allclose(layers.CategoryEncoding(4, "count")(ids, count_weights=weights).numpy(),
                               np.stack([np.bincount(r, w, minlength=4) for r, w in zip(ids, weights)]), rtol=1e-6)
    with pytest.raises(ValueError, match="0 <= values < num_tokens \\(4\\); got values from 0 to 5"):
        layers.CategoryEncoding(4)(np.array([[0, 5]]))
    with pytest.raises(ValueError, match="count_weights"):
        layers.CategoryEncoding(4, "multi_hot")(ids, count_weights=weights)


def test_layers_in_a_trained_convnet():
    """A small autoencoder-style model over the new layers trains (loss falls)."""
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (64, 12, 12, 1)).astype(np.float32)
    model = keras.Sequential([
        keras.Input((12, 12, 1)),
        layers.RandomFlip("horizontal", seed=1),
        layers.ZeroPadding2D(2),
        layers.SeparableConv2D(4, 3, activation="relu"),
        layers.Cropping2D(1),
        layers.SpatialDropout2D(0.1, seed=2),
        layers.Conv2D(4, 3, strides=2, padding="same", activation="relu"),
        layers.Conv2DTranspose(4, 3, strides=2, padding="same", activation="relu"),
        layers.UpSampling2D(1),
        layers.Resizing(12, 12),
        layers.Conv2D(1, 1),
    ])
    model.compile("adam", "mse")
    history = model.fit(x, x, epochs=4, batch_size=16, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(x[:2], verbose=0).shape == (2, 12, 12, 1)


@pytest.mark.parametrize("make", [
    lambda: layers.Conv2DTranspose(3, 3, strides=2, padding="same", dtype="float64"),
    lambda: layers.Conv2DTranspose(2, (2, 3), strides=(2, 1), dtype="float64"),
    lambda: layers.SeparableConv2D(3, 2, depth_multiplier=2, dtype="float64"),
    lambda: layers.UpSampling2D((2, 3), interpolation="bilinear", dtype="float64"),
    lambda: layers.Resizing(5, 3, dtype="float64"),
    lambda: layers.ZeroPadding2D(((1, 0), (2, 1)), dtype="float64"),
    lambda: layers.Cropping2D(((1, 0), (0, 2)), dtype="float64"),
], ids=["conv_t_same", "conv_t_valid", "separable", "upsample_bilinear", "resizing", "zero_pad", "crop"])
def test_gradients_match_finite_differences(make):
    layer = make()
    x = np.random.default_rng(4).standard_normal((2, 4, 5, 2))
    layer.build(x.shape)
    check_grad(lambda t: layer(t), x, rtol=1e-5, atol=1e-7)


def test_errors_name_the_offending_values():
    with pytest.raises(ValueError, match="padding"):
        layers.ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match="cropping"):
        layers.Cropping2D(-1)
    with pytest.raises(ValueError, match="leaves nothing"):
        layers.Cropping2D(((2, 2), (0, 0)))(np.zeros((1, 4, 4, 1), np.float32))
    with pytest.raises(ValueError, match="interpolation"):
        layers.UpSampling2D(interpolation="bicubic")
    with pytest.raises(ValueError, match="output_padding"):
        layers.Conv2DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="fill_mode"):
        layers.RandomRotation(0.1, fill_mode="mirror")
    with pytest.raises(ValueError, match="factor"):
        layers.RandomContrast(1.5)
    with pytest.raises(ValueError, match="rank 3 or 4"):
        layers.Resizing(4, 4)(np.zeros((4, 4), np.float32))
    with pytest.raises(ValueError, match="crop_to_aspect_ratio"):
        layers.Resizing(4, 4, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)

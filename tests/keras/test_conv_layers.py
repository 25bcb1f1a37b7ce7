"""Conv1D / Conv2D / DepthwiseConv2D and the pooling layers (issue 12):
shapes as Keras infers them, values against a NumPy reference, both data
formats, configs, and a small convnet that learns."""

import numpy as np
import pytest

from tensorgear import keras
from tensorgear.keras import layers

RNG = np.random.default_rng(0)


def _conv2d_ref(x, w, stride, padding, dilation=(1, 1)):
    """NHWC x, HWIO w (one group), TensorFlow's SAME rule."""
    n, h, wd, c = x.shape
    kh, kw, _, o = w.shape
    eh, ew = (kh - 1) * dilation[0] + 1, (kw - 1) * dilation[1] + 1
    if padding == "same":
        oh, ow = -(-h // stride[0]), -(-wd // stride[1])
        ph = max((oh - 1) * stride[0] + eh - h, 0)
        pw = max((ow - 1) * stride[1] + ew - wd, 0)
        x = np.pad(x, [(0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)])
    oh = (x.shape[1] - eh) // stride[0] + 1
    ow = (x.shape[2] - ew) // stride[1] + 1
    out = np.zeros((n, oh, ow, o))
    for i in range(kh):
        for j in range(kw):
            patch = x[:, i * dilation[0]: i * dilation[0] + (oh - 1) * stride[0] + 1: stride[0],
                      j * dilation[1]: j * dilation[1] + (ow - 1) * stride[1] + 1: stride[1], :]
            out += np.einsum("nhwc,co->nhwo", patch, w[i, j])
    return out


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("strides,dilation", [((1, 1), (1, 1)), ((2, 2), (1, 1)), ((1, 1), (2, 2))])
def test_conv2d_matches_numpy(padding, strides, dilation):
    x = RNG.standard_normal((2, 9, 8, 3)).astype(np.float32)
    layer = layers.Conv2D(4, 3, strides=strides, padding=padding, dilation_rate=dilation, activation="relu")
    got = layer(x).numpy()
    ref = np.maximum(_conv2d_ref(x, layer.kernel.numpy(), strides, padding, dilation) + layer.bias.numpy(), 0)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-5)
    assert layer.kernel.shape == (3, 3, 3, 4)
    assert layer.compute_output_shape((None, 9, 8, 3)) == (None,) + got.shape[1:]
    clone = layers.Conv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_conv2d_channels_first_is_the_transposed_channels_last():
    x = RNG.standard_normal((2, 7, 7, 3)).astype(np.float32)
    last = layers.Conv2D(5, (3, 2), padding="same")
    y = last(x).numpy()
    first = layers.Conv2D(5, (3, 2), padding="same", data_format="channels_first")
    first.build((None, 3, 7, 7))
    first.kernel.assign(last.kernel.numpy())
    first.bias.assign(last.bias.numpy())
    np.testing.assert_allclose(first(x.transpose(0, 3, 1, 2)).numpy(), y.transpose(0, 3, 1, 2), rtol=1e-5,
                               atol=1e-6)


def test_conv1d_causal_and_depthwise():
    x = RNG.standard_normal((2, 10, 3)).astype(np.float32)
    causal = layers.Conv1D(4, 3, padding="causal", dilation_rate=2)
    y = causal(x).numpy()
    assert y.shape == (2, 10, 4)
    xp = np.pad(x, [(0, 0), (4, 0), (0, 0)])[:, None]  # left padding (k - 1) * dilation
    ref = _conv2d_ref(xp, causal.kernel.numpy()[None], (1, 1), "valid", (1, 2))[:, 0] + causal.bias.numpy()
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-5)
    assert causal.get_config()["padding"] == "causal"
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)
    img = RNG.standard_normal((1, 6, 6, 3)).astype(np.float32)
    out = dw(img).numpy()
    assert out.shape == (1, 4, 4, 6) and dw.kernel.shape == (3, 3, 3, 2)
    k = dw.kernel.numpy()
    for c in range(3):
        for m in range(2):
            ref = _conv2d_ref(img[..., c:c + 1], k[:, :, c:c + 1, m:m + 1], (1, 1), "valid")[..., 0]
            np.testing.assert_allclose(out[..., c * 2 + m], ref, rtol=1e-4, atol=1e-5)


def test_conv_argument_errors():
    with pytest.raises(ValueError, match="expected ndim=4, found ndim=3"):
        layers.Conv2D(2, 3)(np.zeros((2, 5, 5), np.float32))
    with pytest.raises(ValueError, match="padding"):
        layers.Conv2D(2, 3, padding="full")
    with pytest.raises(ValueError, match="evenly divisible by the number of groups"):
        layers.Conv2D(3, 3, groups=2)


@pytest.mark.parametrize("cls,ref", [(layers.MaxPooling2D, np.max), (layers.AveragePooling2D, np.mean)])
def test_pooling_2d_matches_numpy(cls, ref):
    x = RNG.standard_normal((2, 6, 8, 3)).astype(np.float32)
    got = cls(pool_size=2)(x).numpy()
    expected = ref(x.reshape(2, 3, 2, 4, 2, 3), axis=(2, 4))
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert cls(pool_size=3, strides=1, padding="same")(x).shape == (2, 6, 8, 3)
    assert cls(pool_size=2).compute_output_shape((None, 6, 8, 3)) == (None, 3, 4, 3)


def test_pooling_1d_and_global_pooling():
    x = RNG.standard_normal((2, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(layers.MaxPooling1D(2)(x).numpy(), x.reshape(2, 4, 2, 3).max(2))
    np.testing.assert_allclose(layers.AveragePooling1D(4)(x).numpy(), x.reshape(2, 2, 4, 3).mean(2), rtol=1e-6)
    img = RNG.standard_normal((2, 5, 4, 3)).astype(np.float32)
    np.testing.assert_allclose(layers.GlobalAveragePooling2D()(img).numpy(), img.mean((1, 2)), rtol=1e-5)
    np.testing.assert_allclose(layers.GlobalMaxPooling2D(keepdims=True)(img).numpy(), img.max((1, 2), keepdims=True))
    np.testing.assert_allclose(layers.GlobalAveragePooling1D()(x).numpy(), x.mean(1), rtol=1e-5)
    np.testing.assert_allclose(layers.GlobalMaxPooling2D(data_format="channels_first")(img).numpy(), img.max((2, 3)))


def test_a_small_convnet_learns_and_reports_shapes():
    model = keras.Sequential([
        keras.Input((12, 12, 1)),
        layers.Conv2D(8, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(8, 3, activation="relu", padding="same"),
        layers.Flatten(),  # the classes differ by where the signal is: no global pooling here
        layers.Dense(2, activation="softmax"),
    ])
    assert [layer.output_shape for layer in model.layers] == [(None, 10, 10, 8), (None, 5, 5, 8), (None, 5, 5, 8),
                                                              (None, 200), (None, 2)]
    x = RNG.standard_normal((256, 12, 12, 1)).astype(np.float32)
    y = (x[:, :6].mean((1, 2, 3)) > x[:, 6:].mean((1, 2, 3))).astype(np.int64)
    x[y == 1, :6] += 1.0
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(x, y, epochs=8, batch_size=32, verbose=0).history
    assert hist["accuracy"][-1] > 0.9

"""tf.unique / unique_with_counts against NumPy, tf.print's output, and the tf.image additions
(random flips, brightness, contrast and crops; convert_image_dtype, grayscale_to_rgb, rot90,
transpose, adjust_gamma) against NumPy and TensorFlow's documented rules."""

import io

import numpy as np
import pytest

import tensorgear as tg


def _np_unique_first_order(x):
    _, first, inverse, counts = np.unique(x, return_index=True, return_inverse=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return x[first[order]], rank[inverse.reshape(-1)], counts[order]


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64", "uint8"])
@pytest.mark.parametrize("n", [1, 9, 10_000])
def test_unique_matches_numpy_in_first_occurrence_order(dtype, n):
    x = np.random.default_rng(n).integers(0, 50, size=n).astype(dtype)
    y, idx, count = tg.unique_with_counts(x)
    want_y, want_idx, want_count = _np_unique_first_order(x)
    np.testing.assert_array_equal(y.numpy(), want_y)
    np.testing.assert_array_equal(idx.numpy(), want_idx)
    np.testing.assert_array_equal(count.numpy(), want_count)
    assert idx.dtype == tg.int32 and y.dtype == tg.as_dtype(dtype)
    np.testing.assert_array_equal(tg.gather(y, idx).numpy(), x)
    assert tg.unique(x, out_idx=tg.int64).idx.dtype == tg.int64


def test_unique_edge_cases():
    y, idx = tg.unique(np.zeros(0, np.float32))
    assert y.shape == (0,) and idx.shape == (0,)
    y, idx, count = tg.unique_with_counts(np.array([np.nan, 1.0, np.nan]))
    assert np.isnan(y.numpy()[0]) and y.shape == (3,)  # NaN never equals itself, as in TF
    np.testing.assert_array_equal(count.numpy(), [1, 1, 1])
    with pytest.raises(ValueError, match="1-D"):
        tg.unique(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="out_idx"):
        tg.unique([1, 2], out_idx=tg.float32)


def test_print_formats_like_tensorflow():
    out = io.StringIO()
    tg.print("loss:", tg.constant([1.5, 2.0]), 3, {"a": tg.constant(1)}, output_stream=out)
    tg.print(tg.range(10), output_stream=out, sep="|", end="!\n")
    tg.print(tg.range(10), output_stream=out, summarize=-1)
    assert out.getvalue().splitlines() == ["loss: [1.5 2] 3 {'a': 1}", "[0 1 2 ... 7 8 9]!",
                                           "[0 1 2 3 4 5 6 7 8 9]"]


def test_print_appends_to_a_file_url(tmp_path):
    path = tmp_path / "log.txt"
    tg.print("x", output_stream=f"file://{path}")
    tg.print("y", output_stream=f"file://{path}")
    assert path.read_text() == "x\ny\n"
    with pytest.raises(ValueError, match="output_stream"):
        tg.print("x", output_stream="stdout")


def test_random_image_augmentations_are_seeded_and_take_one_of_the_allowed_values():
    img = np.random.default_rng(0).random((8, 4, 5, 3)).astype(np.float32)
    tg.random.set_seed(3)
    flipped = tg.image.random_flip_left_right(img, seed=1).numpy()
    per_image = [np.array_equal(f, i) or np.array_equal(f, i[:, ::-1]) for f, i in zip(flipped, img)]
    assert all(per_image)
    ud = tg.image.random_flip_up_down(img[0], seed=2).numpy()
    assert np.array_equal(ud, img[0]) or np.array_equal(ud, img[0][::-1])
    bright = tg.image.random_brightness(img, 0.2).numpy() - img
    assert np.allclose(bright, bright.flat[0]) and abs(bright.flat[0]) <= 0.2
    crop = tg.image.random_crop(img, [8, 2, 3, 3]).numpy()
    found = [(i, j) for i in range(3) for j in range(3) if np.array_equal(img[:, i:i + 2, j:j + 3], crop)]
    assert found
    contrast = tg.image.random_contrast(img, 0.5, 1.5).numpy()
    assert contrast.shape == img.shape
    tg.random.set_seed(3)
    np.testing.assert_array_equal(tg.image.random_flip_left_right(img, seed=1).numpy(), flipped)
    with pytest.raises(ValueError, match="does not fit"):
        tg.image.random_crop(img, [9, 1, 1, 3])
    with pytest.raises(ValueError, match="upper must be > lower"):
        tg.image.random_contrast(img, 1.0, 0.5)


def test_convert_image_dtype_follows_tensorflow():
    u8 = np.array([0, 1, 128, 255], np.uint8)
    np.testing.assert_allclose(tg.image.convert_image_dtype(u8, tg.float32).numpy(), u8 / 255.0, rtol=1e-6)
    f = np.array([0.0, 0.5, 1.0, 1.2], np.float32)
    np.testing.assert_array_equal(tg.image.convert_image_dtype(f[:3], tg.uint8).numpy(), [0, 127, 255])
    np.testing.assert_array_equal(tg.image.convert_image_dtype(f, tg.uint8, saturate=True).numpy(),
                                  [0, 127, 255, 255])
    np.testing.assert_array_equal(tg.image.convert_image_dtype(u8, tg.int32).numpy(), u8.astype(np.int64) << 23)
    i32 = np.array([0, 2 ** 30, 2 ** 31 - 1], np.int32)
    np.testing.assert_array_equal(tg.image.convert_image_dtype(i32, tg.uint8).numpy(), [0, 128, 255])
    assert tg.image.convert_image_dtype(f, tg.float64).dtype == tg.float64


def test_channel_and_orientation_helpers():
    img = np.arange(24.0).reshape(2, 4, 3)
    g = img[..., :1]
    np.testing.assert_array_equal(tg.image.grayscale_to_rgb(g).numpy(), np.repeat(g, 3, axis=-1))
    for k in range(-1, 5):
        np.testing.assert_array_equal(tg.image.rot90(img, k).numpy(), np.rot90(img, k, axes=(0, 1)))
    batch = np.stack([img, img + 1])
    np.testing.assert_array_equal(tg.image.rot90(batch, 1).numpy(), np.rot90(batch, 1, axes=(1, 2)))
    np.testing.assert_array_equal(tg.image.transpose(img).numpy(), img.transpose(1, 0, 2))
    x = np.random.default_rng(1).random((3, 3, 1))
    np.testing.assert_allclose(tg.image.adjust_gamma(x, 2.0, 0.5).numpy(), 0.5 * x ** 2, rtol=1e-12)
    with pytest.raises(ValueError, match="1 channel"):
        tg.image.grayscale_to_rgb(img)

"""The image_transform op (tg.image.resize, tg.image.transform) and the
tg.image compositions: against TensorFlow's outputs (a committed fixture,
fixtures/make_image_fixture.py), against the NumPy reference of
image_reference.py at small and large sizes, contiguous and strided, float64 finite-difference gradients (first and second order),
and the typed errors."""

import os

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import _C

import image_reference
from gradcheck import check_grad

DEVICES = ["CPU:0"] + [f"GPU:{i}" for i in range(_C.cuda_device_count())]
FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "image_tf_reference.npz")


def _images(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def reference_resize(images, size, method):
    return image_reference.resize(images, size, method)


def reference_transform(images, transforms, size, interpolation, fill, fill_value):
    return image_reference.transform(images, transforms, size, interpolation, fill, fill_value)


_random_transforms = image_reference.random_transforms


# ---- against TensorFlow's outputs ----------------------------------------------------

def test_resize_and_transform_match_tensorflow_outputs():
    ref = np.load(FIXTURE)
    x = tg.constant(ref["x"])
    checked = 0
    for key in ref.files:
        if key.startswith("resize_"):
            _, method, h, w = key.split("_")
            got = tg.image.resize(x, (int(h), int(w)), method=method).numpy()
        elif key.startswith("transform_"):
            _, fill, interp = key.split("_")
            got = tg.image.transform(x, ref["transforms"], interpolation=interp.lower(), output_shape=(6, 8),
                                     fill_mode=fill.lower(), fill_value=0.5).numpy()
        else:
            continue
        np.testing.assert_allclose(got, ref[key], rtol=1e-5, atol=1e-5, err_msg=key)
        checked += 1
    assert checked == 20


# ---- against the NumPy reference -----------------------------------------------------

RESIZE_CASES = [((2, 5, 7, 3), (10, 14)), ((2, 5, 7, 3), (3, 4)), ((1, 6, 6, 2), (4, 9)), ((3, 1, 1, 4), (3, 2)),
                ((1, 4, 4, 1), (1, 1)), ((4, 64, 48, 8), (97, 33))]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("method", ["bilinear", "nearest"])
@pytest.mark.parametrize("case", RESIZE_CASES, ids=lambda c: f"{c[0]}to{c[1]}")
def test_resize_matches_reference(case, method, dtype, device):
    shape, size = case
    x = _images(shape, 1, dtype)
    got = tg.image.resize(tg.constant(x).to(device), size, method=method)
    assert tuple(got.shape) == (shape[0],) + size + (shape[3],)
    assert got.dtype == (tg.float32 if method == "bilinear" else tg.as_dtype(dtype))
    tol = 1e-5 if dtype == np.float32 or method == "bilinear" else 0  # bilinear returns float32, as TF
    np.testing.assert_allclose(got.numpy(), reference_resize(x, size, method), rtol=tol, atol=tol)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("fill", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("shape,size", [((2, 5, 7, 3), (6, 8)), ((3, 40, 30, 5), (35, 41)), ((2, 1, 6, 2), (3, 3))])
def test_transform_matches_reference(shape, size, interpolation, fill, device):
    x = _images(shape, 2)
    t = _random_transforms(shape[0], 3)
    got = tg.image.transform(tg.constant(x).to(device), tg.constant(t).to(device), interpolation=interpolation,
                             output_shape=size, fill_mode=fill, fill_value=-0.25)
    # the GPU contracts the coordinate arithmetic into fused multiply-adds: the last bits of a
    # reflected or wrapped coordinate's fraction differ (seen on an H200 at 1e-9 relative)
    tol = 1e-12 if device.startswith("CPU") else 1e-8
    np.testing.assert_allclose(got.numpy(), reference_transform(x, t, size, interpolation, fill, -0.25),
                               rtol=tol, atol=tol)


def test_one_transform_is_shared_by_the_batch_and_the_identity_is_exact():
    x = _images((3, 6, 5, 2), 4)
    t = _random_transforms(1, 5)[0]
    got = tg.image.transform(x, t, interpolation="bilinear", fill_mode="reflect").numpy()
    np.testing.assert_allclose(got, reference_transform(x, t, (6, 5), "bilinear", "reflect", 0.0), rtol=1e-12,
                               atol=1e-12)
    identity = [1, 0, 0, 0, 1, 0, 0, 0]
    np.testing.assert_array_equal(tg.image.transform(x, identity, interpolation="bilinear").numpy(), x)


def test_strided_inputs_read_like_their_dense_copies():
    base = _images((3, 9, 12, 4), 6)
    view = tg.constant(base)[::2, 1::2, ::3, 1:]            # a strided view
    perm = tg.transpose(tg.constant(base), [0, 2, 1, 3])     # a transposed one
    for t, dense in ((view, base[::2, 1::2, ::3, 1:]), (perm, np.transpose(base, (0, 2, 1, 3)))):
        np.testing.assert_allclose(tg.image.resize(t, (7, 5)).numpy(),
                                   reference_resize(np.ascontiguousarray(dense), (7, 5), "bilinear"), atol=1e-6)
    tr = tg.constant(_random_transforms(4, 7))[::2]
    got = tg.image.transform(view, tr, interpolation="bilinear", fill_mode="wrap")
    np.testing.assert_allclose(got.numpy(), reference_transform(base[::2, 1::2, ::3, 1:], tr.numpy(), (4, 4),
                                                                "bilinear", "wrap", 0.0), atol=1e-12)


def test_integer_images_and_single_images():
    x = np.random.default_rng(8).integers(0, 256, (6, 5, 3)).astype(np.uint8)
    near = tg.image.resize(x, (12, 10), method="nearest")
    assert near.dtype == tg.uint8 and tuple(near.shape) == (12, 10, 3)
    np.testing.assert_array_equal(near.numpy(), np.repeat(np.repeat(x, 2, 0), 2, 1))
    bil = tg.image.resize(x, (3, 4))
    assert bil.dtype == tg.float32
    np.testing.assert_allclose(bil.numpy(), reference_resize(x[None], (3, 4), "bilinear")[0], rtol=1e-6)


def test_preserve_aspect_ratio():
    x = np.zeros((1, 20, 10, 1), np.float32)
    assert tuple(tg.image.resize(x, (8, 8), preserve_aspect_ratio=True).shape) == (1, 8, 4, 1)


# ---- gradients -------------------------------------------------------------------------

@pytest.mark.parametrize("shape,size", [((2, 4, 5, 2), (7, 3)), ((1, 6, 3, 3), (2, 5))])
@pytest.mark.parametrize("method", ["bilinear", "nearest"])
def test_resize_gradient_matches_finite_differences(shape, size, method):
    check_grad(lambda x: _C.resize(x, size, method), _images(shape, 9))  # the op: float64 throughout


@pytest.mark.parametrize("fill", ["reflect", "wrap", "constant", "nearest"])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_transform_gradient_matches_finite_differences(interpolation, fill):
    t = tg.constant(_random_transforms(2, 10))
    check_grad(lambda x: _C.image_transform(x, t, (5, 4), interpolation, fill, 0.75), _images((2, 4, 5, 2), 11))


def test_second_order_gradient_of_the_transform():
    """The gradient op (A^T dy) is itself differentiated: d/dx of <v, d/dx <w, T(x)>>
    is zero (T is affine), and d/dv of the first gradient is A applied to w's share."""
    t = tg.constant(_random_transforms(2, 12))
    x = tg.constant(_images((2, 4, 5, 2), 13))
    w = tg.constant(_images((2, 5, 4, 2), 14))

    def first_grad(wv):
        with tg.GradientTape() as tape:
            tape.watch(x)
            y = tg.reduce_sum(_C.image_transform(x, t, (5, 4), "bilinear", "reflect", 0.3) * wv)
        return tape.gradient(y, x)

    # <first_grad(w), v> is linear in w: its gradient in w is T(v) with a zero fill.
    v = tg.constant(_images((2, 4, 5, 2), 15))
    with tg.GradientTape() as tape:
        tape.watch(w)
        s = tg.reduce_sum(first_grad(w) * v)
    np.testing.assert_allclose(tape.gradient(s, w).numpy(),
                               reference_transform(v.numpy(), t.numpy(), (5, 4), "bilinear", "reflect", 0.0),
                               rtol=1e-12, atol=1e-12)
    # and the same through finite differences of the gradient op in dy
    check_grad(first_grad, w.numpy())


def test_transforms_get_no_gradient():
    t = tg.constant(_random_transforms(1, 16))
    x = tg.constant(_images((1, 4, 4, 1), 17))
    with tg.GradientTape() as tape:
        tape.watch(t)
        y = tg.reduce_sum(tg.image.transform(x, t, interpolation="bilinear"))
    assert tape.gradient(y, t) is None


# ---- errors ----------------------------------------------------------------------------

def test_errors_name_the_offending_values():
    x = np.zeros((2, 4, 4, 3), np.float32)
    with pytest.raises(ValueError, match="rank 3"):
        tg.image.resize(np.zeros((4, 4), np.float32), (2, 2))
    with pytest.raises(ValueError, match=r"positive, got \(0, 2\)"):
        tg.image.resize(x, (0, 2))
    with pytest.raises(ValueError, match="two ints"):
        tg.image.resize(x, (2,))
    with pytest.raises(ValueError, match="'bicubic'"):
        tg.image.resize(x, (2, 2), method="bicubic")
    with pytest.raises(ValueError, match="antialias"):
        tg.image.resize(x, (2, 2), antialias=True)
    with pytest.raises(ValueError, match=r"\[2, 8\] or \[1, 8\], got \(3, 8\)"):
        tg.image.transform(x, np.zeros((3, 8)))
    with pytest.raises(ValueError, match="fill_mode"):
        tg.image.transform(x, np.zeros(8), fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation"):
        _C.image_transform(tg.constant(x), tg.constant(np.zeros((1, 8))), (4, 4), "cubic", "constant", 0.0)
    with pytest.raises(TypeError, match="float32 or float64"):
        _C.resize(tg.constant(np.zeros((1, 2, 2, 1), np.int32)), (3, 3), "bilinear")
    with pytest.raises(ValueError, match="height and width >= 1"):
        _C.resize(tg.constant(np.zeros((1, 0, 2, 1), np.float32)), (3, 3), "bilinear")


# ---- the compositions ------------------------------------------------------------------

def test_flips_crops_and_pads():
    x = _images((2, 5, 6, 3), 18)
    np.testing.assert_array_equal(tg.image.flip_left_right(x).numpy(), x[:, :, ::-1])
    np.testing.assert_array_equal(tg.image.flip_up_down(x).numpy(), x[:, ::-1])
    np.testing.assert_array_equal(tg.image.flip_left_right(x[0]).numpy(), x[0, :, ::-1])
    np.testing.assert_array_equal(tg.image.crop_to_bounding_box(x, 1, 2, 3, 4).numpy(), x[:, 1:4, 2:6])
    padded = tg.image.pad_to_bounding_box(x, 1, 2, 8, 9).numpy()
    assert padded.shape == (2, 8, 9, 3) and np.array_equal(padded[:, 1:6, 2:8], x) and np.isclose(padded.sum(), x.sum())
    np.testing.assert_array_equal(tg.image.central_crop(x[0], 0.5).numpy(), x[0, 1:4, 1:5])
    both = tg.image.resize_with_crop_or_pad(x, 3, 8).numpy()
    assert both.shape == (2, 3, 8, 3) and np.array_equal(both[:, :, 1:7], x[:, 1:4])
    with pytest.raises(ValueError, match="does not fit"):
        tg.image.crop_to_bounding_box(x, 3, 0, 3, 2)
    with pytest.raises(ValueError, match="central_fraction"):
        tg.image.central_crop(x, 0.0)


def test_colour_adjustments():
    x = _images((2, 4, 5, 3), 19)
    mean = x.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(tg.image.adjust_contrast(x, 1.7).numpy(), (x - mean) * 1.7 + mean, rtol=1e-12)
    np.testing.assert_allclose(tg.image.adjust_brightness(x, 0.25).numpy(), x + 0.25)
    np.testing.assert_allclose(tg.image.rgb_to_grayscale(x).numpy(),
                               (x @ np.array([0.2989, 0.5870, 0.1140]))[..., None], rtol=1e-12)
    std = np.maximum(x[0].std(), 1 / np.sqrt(x[0].size))
    np.testing.assert_allclose(tg.image.per_image_standardization(x[0]).numpy(), (x[0] - x[0].mean()) / std,
                               rtol=1e-10)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
def test_the_gradient_op_is_the_adjoint(interpolation):
    """<image_transform(x), dy> - <x, image_transform_grad(dy)> is the fill value's
    share only; with a zero fill it vanishes."""
    x, dy = _images((2, 6, 5, 3), 20), _images((2, 4, 7, 3), 21)
    t = _random_transforms(2, 22)
    for transforms, fwd in ((t, lambda a: _C.image_transform(tg.constant(a), tg.constant(t), (4, 7),
                                                              interpolation, "constant", 0.0)),
                            (None, lambda a: _C.resize(tg.constant(a), (4, 7), interpolation))):
        back = _C.image_transform_grad(tg.constant(dy), x.shape, None if transforms is None else tg.constant(t),
                                       interpolation, "constant").numpy()
        assert np.isclose(np.sum(fwd(x).numpy() * dy), np.sum(x * back), rtol=1e-12)

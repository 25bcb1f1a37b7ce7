"""NumPy references of the image_transform op and its adjoint, written from
TensorFlow's sampling rules (ImageProjectiveTransformV3's map_coordinate and
interpolation, tf.image.resize's half-pixel centres), for test_image.py and
test_op_table.py.

Each output pixel has taps: flat pixel indices in its image (-1 outside the
image, where the fill value is read) and weights. The forward sums
weight * pixel; the adjoint adds weight * dy into each tap's pixel.
"""

import numpy as np


def map_coordinate(c, n, fill):
    c = np.array(c, dtype=np.float64)
    if fill == "constant":
        return c
    if n <= 1:
        return np.zeros_like(c)
    lo, hi = c < 0, c > n - 1
    if fill == "reflect":
        s2 = 2 * n
        v = c[lo]
        v = np.where(v < -s2, v + s2 * np.trunc(-v / s2), v)
        c[lo] = np.where(v < -n, v + s2, -v - 1)
        v = c[hi] - s2 * np.trunc(c[hi] / s2)
        c[hi] = np.where(v >= n, s2 - v - 1, v)
    elif fill == "wrap":
        c[lo] += n * (np.trunc(-c[lo] / (n - 1)) + 1)
        c[hi] -= n * np.trunc(c[hi] / (n - 1))
    return np.clip(c, 0, n - 1)


def _tap(y, x, h, w):
    inside = (y >= 0) & (y <= h - 1) & (x >= 0) & (x <= w - 1)
    return np.where(inside, np.where(inside, y, 0).astype(np.int64) * w + np.where(inside, x, 0).astype(np.int64), -1)


def taps(in_x, in_y, h, w, interpolation, fill):
    """[(flat index array, weight array)] over the output grid."""
    x, y = map_coordinate(in_x, w, fill), map_coordinate(in_y, h, fill)
    if interpolation == "nearest":
        return [(_tap(np.floor(y + 0.5), np.floor(x + 0.5), h, w), np.ones_like(x))]
    y0, x0 = np.floor(y), np.floor(x)
    wy, wx = y - y0, x - x0
    return [(_tap(y0, x0, h, w), (1 - wy) * (1 - wx)), (_tap(y0, x0 + 1, h, w), (1 - wy) * wx),
            (_tap(y0 + 1, x0, h, w), wy * (1 - wx)), (_tap(y0 + 1, x0 + 1, h, w), wy * wx)]


def _grid(size):
    oy, ox = np.meshgrid(np.arange(size[0], dtype=np.float64), np.arange(size[1], dtype=np.float64), indexing="ij")
    return ox, oy


def transform_taps(transforms, n, h, w, size, interpolation, fill):
    t = np.asarray(transforms, np.float64).reshape(-1, 8)
    a = t[0 if len(t) == 1 else n]
    ox, oy = _grid(size)
    k = a[6] * ox + a[7] * oy + 1
    return taps((a[0] * ox + a[1] * oy + a[2]) / k, (a[3] * ox + a[4] * oy + a[5]) / k, h, w, interpolation, fill)


def resize_taps(h, w, size, method):
    ox, oy = _grid(size)
    if method == "nearest":  # floor((o + 0.5) * in / out), in integers
        iy = np.minimum((2 * oy.astype(np.int64) + 1) * h // (2 * size[0]), h - 1)
        ix = np.minimum((2 * ox.astype(np.int64) + 1) * w // (2 * size[1]), w - 1)
        return [(iy * w + ix, np.ones_like(ox))]
    return taps((ox + 0.5) * w / size[1] - 0.5, (oy + 0.5) * h / size[0] - 0.5, h, w, "bilinear", "nearest")


def forward(images, taps_of, fill_value=0.0):
    """taps_of(n) -> taps of image n; images [N, H, W, C] -> [N, OH, OW, C] in float64."""
    out = []
    for n, img in enumerate(np.asarray(images, np.float64)):
        flat = img.reshape(-1, img.shape[-1])
        acc = 0.0
        for idx, wt in taps_of(n):
            acc = acc + wt[..., None] * np.where((idx >= 0)[..., None], flat[np.maximum(idx, 0)], fill_value)
        out.append(acc)
    return np.stack(out)


def adjoint(dy, image_shape, taps_of):
    """The transpose of forward (without the fill value's share): dy -> d images."""
    n_img, h, w, c = image_shape
    dx = np.zeros((n_img, h * w, c))
    for n in range(n_img):
        g = np.asarray(dy[n], np.float64)
        for idx, wt in taps_of(n):
            ok = idx >= 0
            np.add.at(dx[n], idx[ok], wt[ok][:, None] * g[ok])
    return dx.reshape(image_shape)


def transform(images, transforms, size, interpolation, fill, fill_value):
    h, w = images.shape[1:3]
    return forward(images, lambda n: transform_taps(transforms, n, h, w, size, interpolation, fill), fill_value)


def transform_grad(dy, image_shape, transforms, interpolation, fill):
    h, w = image_shape[1:3]
    size = dy.shape[1:3]
    return adjoint(dy, image_shape, lambda n: transform_taps(transforms, n, h, w, size, interpolation, fill))


def resize(images, size, method):
    h, w = images.shape[1:3]
    return forward(images, lambda n: resize_taps(h, w, size, method))


def resize_grad(dy, image_shape, method):
    h, w = image_shape[1:3]
    return adjoint(dy, image_shape, lambda n: resize_taps(h, w, dy.shape[1:3], method))


def random_transforms(n, seed):
    """Generic projective transforms: no output pixel on an exact rounding boundary."""
    rng = np.random.default_rng(seed)
    return np.concatenate([rng.uniform(-1.5, 2.5, (n, 6)), rng.uniform(-0.03, 0.03, (n, 2))], 1)

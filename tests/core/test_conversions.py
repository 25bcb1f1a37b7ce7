"""Dtype conversion: every cast path against NumPy's astype, the GIL rule of
the bindings (large inputs once crashed the process), and Python values
converting at the target dtype's precision on every path that takes them."""

import numpy as np
import pytest

import tensorgear as tg

DTYPES = ["bool", "uint8", "int32", "int64", "float32", "float64"]
SIZES = [0, 1, 10_000, 1_000_000, 3_000_007]


def source(n, dtype):
    # Values every target can hold exactly or by truncation NumPy and C agree
    # on (no negative -> uint8, no NaN or out-of-range -> int): 0 included, so
    # bool sees False and True.
    vals = (np.arange(n, dtype=np.float64) * 0.37) % 100.0
    if dtype == "bool":
        return vals > 50
    return vals.astype(dtype)


def layouts(a):
    """The array as a contiguous tensor, a strided view and a broadcast view,
    each with the NumPy array it must equal."""
    n = a.shape[0]
    yield "contiguous", tg.constant(a), a
    k = (n // 2) * 2
    m = a[:k].reshape(-1, 2) if k else a[:0].reshape(0, 2)
    yield "strided", tg.transpose(tg.constant(m))[:, ::-1], m.T[:, ::-1]
    row = a[: min(n, 1000)]
    reps = max(1, n // max(1, row.size))
    yield "broadcast", tg.broadcast_to(tg.constant(row), (reps, row.size)), np.broadcast_to(row, (reps, row.size))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("src", DTYPES)
def test_cast_every_dtype_pair_and_layout_matches_numpy(src, n):
    a = source(n, src)
    for name, t, ref in layouts(a):
        for dst in DTYPES:
            out = tg.cast(t, dst)
            got = out.numpy()
            assert got.dtype == np.dtype(dst), (src, dst, name)
            assert got.shape == ref.shape, (src, dst, name, got.shape, ref.shape)
            np.testing.assert_array_equal(got, ref.astype(dst), err_msg=f"{src}->{dst} {name} n={n}")


def test_cast_of_the_mnist_images_does_not_crash():
    images = np.arange(60000 * 784, dtype=np.int64).astype(np.uint8).reshape(60000, 784)
    out = tg.cast(images, tg.float32)
    np.testing.assert_array_equal(out.numpy(), images.astype(np.float32))
    f = tg.cast(tg.constant(np.ones((1000, 1000), np.float32)), tg.float64)
    assert f.dtype == tg.float64 and float(tg.reduce_sum(f)) == 1e6


# ---- every other binding that releases the GIL, with Python-object arguments ----

BIG = 1 << 17  # above the GIL-release threshold of the bindings


def _big(dtype="float32"):
    return tg.constant(np.linspace(-1, 1, BIG).astype(dtype))


GIL_CASES = {
    "cast": lambda: tg.cast(_big(), "float64"),
    "cast np dtype": lambda: tg.cast(_big(), np.int32),
    "constant dtype": lambda: tg.constant(np.ones(BIG), dtype="float32"),
    "fill": lambda: tg.fill([BIG], 1.5),
    "zeros": lambda: tg.zeros([BIG], dtype="float64"),
    "ones_like": lambda: tg.ones_like(_big(), dtype=np.float64),
    "add list": lambda: tg.add(_big(), 1.0),
    "operator": lambda: _big() * 2.0 + 1,
    "clip": lambda: tg.clip_by_value(_big(), -0.5, 0.5),
    "where": lambda: tg.where(_big() > 0, _big(), 0.0),
    "reduce axis": lambda: tg.reduce_sum(tf_reshape(_big()), axis=[0]),
    "reduce np axis": lambda: tg.reduce_mean(tf_reshape(_big()), axis=np.int64(1)),
    "argmax": lambda: tg.argmax(tf_reshape(_big()), axis=1, output_type="int32"),
    "concat": lambda: tg.concat([_big(), _big()], axis=np.int64(0)),
    "stack": lambda: tg.stack([_big(), _big()], axis=1),
    "tile": lambda: tg.tile(_big(), [2]),
    "pad": lambda: tg.pad(_big(), [[1, 1]], constant_values=2.5),
    "gather": lambda: tg.gather(_big(), list(range(0, BIG, 2))),
    "one_hot": lambda: tg.one_hot(list(range(BIG // 64)), 64, on_value=2.0, dtype="float64"),
    "boolean_mask": lambda: tg.boolean_mask(_big(), _big() > 0),
    "softmax": lambda: tg.nn.softmax(tf_reshape(_big()), axis=np.int64(-1)),
    "random normal": lambda: tg.random.normal([BIG], dtype="float64", seed=1),
    "random uniform": lambda: tg.random.uniform([BIG], 0, 10, dtype="int32", seed=1),
    "dropout": lambda: tg.nn.dropout(_big(), 0.5, seed=1),
    "matmul": lambda: tg.matmul(tf_reshape(_big()), tf_reshape(_big()), transpose_b=True, output_type="float32"),
    "slice assign": lambda: _slice_assign(),
}


def _slice_assign():
    v = tg.Variable(np.zeros(BIG, np.float32))
    v[::2].assign(np.ones(BIG // 2, np.float32))
    return v


def tf_reshape(t):
    return tg.reshape(t, [256, -1])


@pytest.mark.parametrize("name", sorted(GIL_CASES))
def test_large_inputs_with_python_arguments_do_not_crash(name):
    out = GIL_CASES[name]()
    assert out is not None


# ---- Python values at float64 precision -------------------------------------------

VALS = [1.287, -0.923, 0.1]
REF = np.array(VALS)


def close(t, ref=REF):
    got = np.asarray(t, dtype=np.float64)
    np.testing.assert_allclose(got, ref, rtol=1e-15, atol=0)


def zeros64():
    return tg.constant([0.0, 0.0, 0.0], tg.float64)


def variable64():
    return tg.Variable(zeros64())


PRECISION_PATHS = {
    "constant list": lambda: tg.constant(VALS, tg.float64),
    "constant tuple": lambda: tg.constant(tuple(VALS), dtype="float64"),
    "constant nested": lambda: tg.reshape(tg.constant([[v] for v in VALS], tg.float64), [-1]),
    "convert_to_tensor": lambda: tg.convert_to_tensor(VALS, tg.float64),
    "Variable": lambda: tg.Variable(VALS, dtype=tg.float64),
    "Variable np dtype": lambda: tg.Variable(VALS, dtype=np.float64),
    "assign": lambda: _after(lambda v: v.assign(VALS)),
    "assign_add": lambda: _after(lambda v: v.assign_add(VALS)),
    "assign_sub": lambda: _after(lambda v: v.assign_sub([-x for x in VALS])),
    "iadd": lambda: _after(lambda v: v.__iadd__(VALS)),
    "slice assign": lambda: _after(lambda v: v[0:3].assign(VALS)),
    "tensor + list": lambda: zeros64() + VALS,
    "list + tensor": lambda: VALS + zeros64(),
    "tensor - list": lambda: zeros64() - [-x for x in VALS],
    "tensor * list": lambda: (zeros64() + 1) * VALS,
    "list / tensor": lambda: VALS / (zeros64() + 1),
    "variable + list": lambda: variable64() + VALS,
    "list + variable": lambda: VALS + variable64(),
    "tg.add": lambda: tg.add(zeros64(), VALS),
    "tg.add list first": lambda: tg.add(VALS, zeros64()),
    "tg.maximum": lambda: tg.maximum(zeros64() - 10, VALS),
    "tg.where": lambda: tg.where([True] * 3, VALS, zeros64()),
    "clip list bounds": lambda: tg.clip_by_value(zeros64() + 5, -10.0, VALS),
    "tensor + scalar": lambda: zeros64() + np.array(VALS),
}


def _after(update):
    v = variable64()
    update(v)
    return v


@pytest.mark.parametrize("name", sorted(PRECISION_PATHS))
def test_python_lists_convert_at_float64_precision(name):
    out = PRECISION_PATHS[name]()
    assert out.dtype == tg.float64, name
    close(out)


SCALAR = 1.287


SCALAR_PATHS = {
    "constant": lambda: tg.constant(SCALAR, tg.float64),
    "Variable": lambda: tg.Variable(SCALAR, dtype=tg.float64),
    "operator": lambda: zeros64() + SCALAR,
    "fill": lambda: tg.fill([3], np.float64(SCALAR)),
    "clip": lambda: tg.clip_by_value(zeros64(), SCALAR, 5.0),
    "pad": lambda: tg.pad(tg.zeros([0], tg.float64), [[0, 3]], constant_values=SCALAR),
    "one_hot": lambda: tg.reduce_max(tg.one_hot([0, 1, 2], 3, on_value=SCALAR, dtype=tg.float64), axis=1),
    "random.normal": lambda: tg.random.normal([3], SCALAR, 0.0, dtype=tg.float64, seed=3),
    "linspace": lambda: tg.linspace(SCALAR, SCALAR, 3, dtype=tg.float64),
    "range": lambda: tg.range(SCALAR, SCALAR + 3, 1.0, dtype=tg.float64) - [0.0, 1.0, 2.0],
    "pow": lambda: tg.pow(zeros64() + SCALAR, 1.0),
    "maximum": lambda: tg.maximum(zeros64(), SCALAR),
}


@pytest.mark.parametrize("name", sorted(SCALAR_PATHS))
def test_python_scalars_convert_at_float64_precision(name):
    out = SCALAR_PATHS[name]()
    assert out.dtype == tg.float64, name
    close(out, np.full(np.shape(out), SCALAR))


def test_random_uniform_bounds_keep_float64_digits():
    # float32-rounded bounds (1.2869999408...) would put every draw below 1.287.
    u = tg.random.uniform([1000], SCALAR, SCALAR + 1e-12, dtype=tg.float64, seed=3).numpy()
    assert (u >= SCALAR).all() and (u < SCALAR + 1e-12).all()


def test_lists_keep_their_default_dtypes():
    assert tg.constant([1.5]).dtype == tg.float32
    assert (tg.constant([1.0], tg.float32) + [1.287]).dtype == tg.float32
    assert (tg.constant([1], tg.int32) + [2]).dtype == tg.int32
    # A float list does not fit an integer tensor: float32, as before.
    r = tg.constant([1], tg.int64) + [0.5]
    assert r.dtype == tg.float32 and r.numpy()[0] == 1.5
    assert (tg.constant([True]) + [1.5]).dtype == tg.float32
    assert tg.add([1, 2], [0.5, 0.5]).dtype == tg.float32
    big = 2**53 + 1
    assert int(tg.constant([big], tg.int64) + [0]) == big
    assert (tg.constant([1], tg.uint8) + [3]).dtype == tg.uint8
    assert (tg.constant([1], tg.int32) + [2**40]).dtype == tg.int64  # does not fit: promotes
    assert (tg.constant([1], tg.uint8) + [-1]).dtype == tg.int64
    assert (tg.constant([2.0], tg.float64) + []).shape == (0,)

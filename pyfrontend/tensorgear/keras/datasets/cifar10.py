"""CIFAR-10, as ``keras.datasets.cifar10`` (cifar.py reads the files)."""

from .cifar import load_cifar10 as load_data  # noqa: F401

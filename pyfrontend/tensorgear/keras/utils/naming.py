"""Keras's default names of layers, losses, metrics and optimizers, from their class names."""

import re


def to_snake_case(name):
    """'SimpleDense' -> 'simple_dense', 'ReLU' -> 're_lu', 'SGD' -> 'sgd'."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()

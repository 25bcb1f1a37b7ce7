"""``tensorgear.keras.datasets``: ready-to-use datasets, as ``keras.datasets``."""

from . import mnist  # noqa: F401

__all__ = ["mnist"]

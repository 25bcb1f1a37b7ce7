"""``tensorgear.data``: input pipelines with tf.data's names (``tg.data.Dataset``)."""

from .cardinality import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY
from .dataset import Dataset
from .options import AUTOTUNE, Options, experimental
from .spec import TensorSpec

__all__ = [
    "Dataset", "TensorSpec", "Options", "AUTOTUNE", "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY", "experimental",
]

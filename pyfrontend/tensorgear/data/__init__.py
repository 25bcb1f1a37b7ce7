"""``tensorgear.data``: input pipelines with tf.data's names (``tg.data.Dataset``)."""

from .dataset import (  # noqa: F401
    AUTOTUNE,
    INFINITE_CARDINALITY,
    UNKNOWN_CARDINALITY,
    Dataset,
    Options,
    TensorSpec,
    experimental,
)

__all__ = [
    "Dataset", "TensorSpec", "Options", "AUTOTUNE", "INFINITE_CARDINALITY",
    "UNKNOWN_CARDINALITY", "experimental",
]

"""tf.data's tuning names, accepted so that code written for TF runs unchanged.

Elements are produced on demand in the calling thread, so there is nothing to
tune: ``AUTOTUNE`` and ``Options`` are accepted and ignored.
"""

from .cardinality import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY

AUTOTUNE = -1


class Options:
    """Accepted for compatibility with ``tf.data.Options``; settings are ignored."""

    def __init__(self):
        self.deterministic = True
        self.experimental_deterministic = True


class experimental:  # noqa: N801 - mirrors tf.data.experimental
    AUTOTUNE = AUTOTUNE
    INFINITE_CARDINALITY = INFINITE_CARDINALITY
    UNKNOWN_CARDINALITY = UNKNOWN_CARDINALITY

    @staticmethod
    def cardinality(dataset):
        return dataset.cardinality()

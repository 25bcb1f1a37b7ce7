"""Dataset cardinality: a count of elements, or one of tf.data's two markers."""

import numpy as np

INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


class Cardinality(int):
    """What ``Dataset.cardinality()`` returns: an int that also answers ``.numpy()``
    (code written for TF calls ``ds.cardinality().numpy()``)."""

    def numpy(self):
        return np.int64(self)


def add_cardinalities(a: int, b: int) -> int:
    """The cardinality of one dataset followed by another."""
    if a == INFINITE_CARDINALITY or b == INFINITE_CARDINALITY:
        return INFINITE_CARDINALITY
    if a == UNKNOWN_CARDINALITY or b == UNKNOWN_CARDINALITY:
        return UNKNOWN_CARDINALITY
    return a + b

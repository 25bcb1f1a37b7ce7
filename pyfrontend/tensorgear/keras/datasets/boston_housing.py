"""Boston housing prices, as ``keras.datasets.boston_housing``: 506 samples of 13 features and
the median value (k$), split test_split after Keras's shuffle. File: Keras's
``boston_housing.npz``.
"""

import numpy as np

from . import files


def load_data(path="boston_housing.npz", test_split=0.2, seed=113):
    """``(x_train, y_train), (x_test, y_test)`` as float64 arrays."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")
    local = files.locate("boston_housing", "boston_housing.npz", files.KERAS_ORIGIN + "boston_housing.npz",
                         "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5", path)
    with np.load(local, allow_pickle=False) as f:
        x, y = f["x"], f["y"]
    order = np.arange(len(x))
    np.random.RandomState(seed).shuffle(order)
    x, y = x[order], y[order]
    cut = int(len(x) * (1 - test_split))
    return (np.array(x[:cut]), np.array(y[:cut])), (np.array(x[cut:]), np.array(y[cut:]))

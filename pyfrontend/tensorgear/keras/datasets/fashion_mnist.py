"""Fashion-MNIST, as ``keras.datasets.fashion_mnist``: 60k training and 10k test 28x28 uint8
images of 10 clothing classes. Files: the four gzipped IDX files in Keras's cache folder
``datasets/fashion-mnist`` (or a directory given as `path`).
"""

import os

from . import files
from .mnist import read_idx

_FILES = ("train-labels-idx1-ubyte.gz", "train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz",
          "t10k-images-idx3-ubyte.gz")


def load_data(path=None):
    """``(x_train, y_train), (x_test, y_test)`` as uint8 arrays."""
    if path is not None and not os.path.isdir(os.path.expanduser(os.fspath(path))):
        raise FileNotFoundError(f"fashion_mnist.load_data: {path!r} is not a directory holding {list(_FILES)}")
    found = []
    for name in _FILES:
        given = None if path is None else os.path.join(os.path.expanduser(os.fspath(path)), name)
        found.append(given if given and os.path.exists(given) else
                     files.locate("fashion_mnist", name, files.KERAS_ORIGIN + name, None, None, "fashion-mnist"))
    y_train, x_train, y_test, x_test = (read_idx(p) for p in found)
    if len(x_train) != len(y_train) or len(x_test) != len(y_test):
        raise ValueError(f"fashion_mnist: image and label counts differ ({len(x_train)}/{len(y_train)}, "
                         f"{len(x_test)}/{len(y_test)})")
    return (x_train, y_train), (x_test, y_test)

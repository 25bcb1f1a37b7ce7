"""IMDB movie-review sentiment, as ``keras.datasets.imdb``: 25k training and 25k test reviews
as lists of word ids (most frequent word = 1 before shifting by index_from), labels 0/1.
Files: Keras's ``imdb.npz`` and ``imdb_word_index.json`` (see files.py for where they come from).
"""

import json

from . import files
from .sequences import encode, load_npz_sequences


def load_data(path="imdb.npz", num_words=None, skip_top=0, maxlen=None, seed=113, start_char=1, oov_char=2,
              index_from=3, **kwargs):
    """``(x_train, y_train), (x_test, y_test)``: object arrays of id lists and int labels."""
    if kwargs:
        raise TypeError(f"Unrecognized keyword arguments: {sorted(kwargs)}")
    local = files.locate("imdb", "imdb.npz", files.KERAS_ORIGIN + "imdb.npz",
                         "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f", path)
    x_train, y_train, x_test, y_test = load_npz_sequences(local, ["x_train", "y_train", "x_test", "y_test"])
    (x_train, y_train), (x_test, y_test) = encode([x_train, x_test], [y_train, y_test], num_words, skip_top, maxlen,
                                                  seed, start_char, oov_char, index_from, "imdb")
    return (x_train, y_train), (x_test, y_test)


def get_word_index(path="imdb_word_index.json"):
    """{word: rank} (1 = most frequent); the ids in load_data are these plus index_from."""
    local = files.locate("imdb", "imdb_word_index.json", files.KERAS_ORIGIN + "imdb_word_index.json", None, path)
    with open(local, encoding="utf-8") as f:
        return json.load(f)

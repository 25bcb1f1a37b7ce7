"""Reuters newswire topics, as ``keras.datasets.reuters``: 11,228 newswires as lists of word
ids, 46 topics; split test_split after Keras's shuffle. Files: Keras's ``reuters.npz`` and
``reuters_word_index.json``.
"""

import json

import numpy as np

from . import files
from .sequences import encode, load_npz_sequences

_LABELS = ("cocoa", "grain", "veg-oil", "earn", "acq", "wheat", "copper", "housing", "money-supply", "coffee", "sugar",
           "trade", "reserves", "ship", "cotton", "carcass", "crude", "nat-gas", "cpi", "money-fx", "interest", "gnp",
           "meal-feed", "alum", "oilseed", "gold", "tin", "strategic-metal", "livestock", "retail", "ipi",
           "iron-steel", "rubber", "heat", "jobs", "lei", "bop", "zinc", "orange", "pet-chem", "dlr", "gas",
           "silver", "wpi", "hog", "lead")


def load_data(path="reuters.npz", num_words=None, skip_top=0, maxlen=None, test_split=0.2, seed=113, start_char=1,
              oov_char=2, index_from=3):
    """``(x_train, y_train), (x_test, y_test)``: object arrays of id lists and topic ids."""
    if not 0 <= test_split < 1:
        raise ValueError(f"Invalid `test_split` argument: {test_split}. It must be between 0 and 1 (exclusive of 1).")
    local = files.locate("reuters", "reuters.npz", files.KERAS_ORIGIN + "reuters.npz",
                         "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916", path)
    xs, labels = load_npz_sequences(local, ["x", "y"])
    [(xs, labels)] = encode([xs], [labels], num_words, skip_top, maxlen, seed, start_char, oov_char, index_from,
                            "reuters")
    cut = int(len(xs) * (1 - test_split))
    return (xs[:cut], np.array(labels[:cut])), (xs[cut:], np.array(labels[cut:]))


def get_word_index(path="reuters_word_index.json"):
    """{word: rank}; the ids in load_data are these plus index_from."""
    local = files.locate("reuters", "reuters_word_index.json", files.KERAS_ORIGIN + "reuters_word_index.json",
                         None, path)
    with open(local, encoding="utf-8") as f:
        return json.load(f)


def get_label_names():
    """The 46 topic names, indexed by label."""
    return _LABELS

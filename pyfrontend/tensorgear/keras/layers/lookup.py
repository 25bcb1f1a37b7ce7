"""keras.layers.StringLookup and IntegerLookup: tokens to indices of a vocabulary
(given, read from a file, or learnt by ``adapt``), and back with ``invert``.

Keras 3's IndexLookup, which both extend, is followed in its arguments,
errors, index layout and config: index 0 is the mask token's when there is
one and output_mode is "int"; the `num_oov_indices` out-of-vocabulary indices
come next, then the vocabulary. ``adapt`` orders the vocabulary by count, ties
broken by the token, highest first (Keras's lexsort).

The vocabulary is a Python dict on the host (the tokens are host strings);
the ids are encoded by id_encoding.py. Several OOV indices are filled by
TensorFlow's string hashes (hashing.py) or, for integers by default, a floor
modulo, as in Keras.
"""

import collections
import itertools
import os

import numpy as np

import tensorgear as tg

from ..backend import floatx
from ..backend.keras_tensor import KerasTensor
from .hashing import hash_buckets, normalize_salt
from .id_encoding import encode_dense, encode_rows
from .layer import Layer
from .text_inputs import decimal_strings, to_bytes, to_int64

_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _listify(x):
    """A vocabulary or idf_weights argument as it goes into the config (a list, or as given)."""
    if isinstance(x, (tg.Tensor, tg.Variable)):
        x = tg.convert_to_tensor(x).numpy()
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, tuple):
        x = list(x)
    return x


class IndexLookup(Layer):
    """The shared machinery of StringLookup and IntegerLookup (not a public Keras name).

    Subclasses say how tokens are read (``_keys``: inputs to an array of dict keys),
    written back (``_token_out``) and hashed into OOV buckets (``_oov_buckets``).
    """

    _convert_inputs = False

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype, vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", name=None, salt=None, **kwargs):
        layer = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If set, `max_tokens` must be greater than 1. Received: max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"If pad_to_max_tokens is True, must set `max_tokens`. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"`num_oov_indices` must be greater than or equal to 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"Unknown value for `oov_method` argument of layer {layer}. Allowed values are: "
                             f"('floormod', 'farmhash'). Received: oov_method={oov_method}")
        if salt is not None and vocabulary_dtype != "string" and oov_method != "farmhash":
            raise ValueError(f"`salt` can only be used when `oov_method='farmhash'`. Received: "
                             f"oov_method={oov_method}")
        salt = normalize_salt(salt, "IndexLookup")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(f"Unknown value for `output_mode` argument of layer {layer}. Allowed values are: "
                             f"{_MODES}. Received: output_mode={output_mode}")
        if invert and output_mode != "int":
            raise ValueError(f"`output_mode` must be `'int'` when `invert` is true. Received: "
                             f"output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError(f"`sparse` may only be true if `output_mode` is `'one_hot'`, `'multi_hot'`, "
                             f"`'count'` or `'tf_idf'`. Received: sparse={sparse} and output_mode={output_mode}")
        if sparse:
            raise ValueError(f"{layer}: sparse=True is not supported (tensorgear has no sparse tensors)")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"`idf_weights` should only be set if `output_mode` is `'tf_idf'`. Received: "
                             f"idf_weights={idf_weights} and output_mode={output_mode}")
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        if kwargs:
            raise ValueError(f"Unrecognized keyword argument(s): {kwargs}")
        super().__init__(name=name, autocast=False)
        self.invert = bool(invert)
        self.max_tokens = max_tokens
        self.num_oov_indices = int(num_oov_indices)
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.output_mode = output_mode
        self.sparse = False
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen_size
        # A vocabulary given as a list goes into the config; one read from a file is saved as an asset.
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, (str, os.PathLike)) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = bool(has_input_vocabulary)
        self._tokens = []     # the vocabulary without special tokens, in index order (dict keys)
        self._index = {}      # token (dict key) -> its index
        self._idf_weights = None  # a float tensor of the output's depth (tf_idf)
        if output_mode == "tf_idf" and self._has_input_vocabulary and idf_weights is None:
            raise ValueError("When specifying the `vocabulary` argument, in TF-IDF output mode, the "
                             "`idf_weights` argument must also be provided.")
        self.reset_state()
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # ---- the index layout ---------------------------------------------------------------------

    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The size of the vocabulary, with the mask and OOV indices."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The vocabulary in index order: with include_special_tokens a token's position is the
        index the layer gives it (mask, OOV tokens, then the vocabulary)."""
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        tokens = [self._token_out(t) for t in self._tokens]
        return specials + tokens if include_special_tokens else tokens

    def _depth(self):
        return self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size

    def _ensure_known_vocab_size(self):
        if self.output_mode == "int" or self.pad_to_max_tokens:
            return
        if self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, you "
                               f"must set the layer's vocabulary before calling it. Either pass a `vocabulary` "
                               f"argument to the layer, or call `adapt` with some sample data.")

    def _record_vocabulary_size(self):
        new_size = self.vocabulary_size()
        if (self.output_mode != "int" and not self.pad_to_max_tokens and self._frozen_vocab_size is not None
                and new_size != self._frozen_vocab_size):
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and `pad_to_max_tokens=False`, the "
                               f"vocabulary size cannot be changed after the layer is called. Old vocab size is "
                               f"{self._frozen_vocab_size}, new vocab size is {new_size}")
        self._frozen_vocab_size = new_size

    # ---- setting the vocabulary -----------------------------------------------------------------

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Sets the vocabulary (a list, tuple, 1-D array or tensor, or the path of a file with one
        token a line) and, for tf_idf, its idf weights; replaces what was there."""
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError("`idf_weights` must be set if output_mode is 'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"`idf_weights` should only be set if output_mode is `'tf_idf'`. Received: "
                             f"output_mode={self.output_mode} and idf_weights={idf_weights}")
        if isinstance(vocabulary, (str, os.PathLike)):
            self._set_vocabulary_file(os.fspath(vocabulary))
            return
        if isinstance(vocabulary, (tg.Tensor, tg.Variable)):
            vocabulary = tg.convert_to_tensor(vocabulary).numpy()
        vocabulary = list(np.asarray(vocabulary, dtype=object).ravel()) if isinstance(vocabulary, np.ndarray) \
            else list(vocabulary)
        if not vocabulary:
            raise ValueError(f"Cannot set an empty vocabulary. Received: vocabulary={vocabulary}")
        keys = self._vocabulary_keys(vocabulary)
        token_start = self._token_start_index()
        specials = [self.mask_token] * self._oov_start_index() + [self.oov_token] * self.num_oov_indices
        special_keys = self._vocabulary_keys(specials) if specials else []
        found_specials = keys[:token_start] == special_keys
        tokens = keys[token_start:] if found_specials else keys
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"The passed vocabulary has at least one repeated term. Please uniquify your dataset. "
                             f"The repeated terms are: {[self._token_out(t) for t in repeated]}")
        if self.mask_token is not None and self._key_of(self.mask_token) in tokens:
            where = [i for i, k in enumerate(keys) if k == self._key_of(self.mask_token)][-1]
            raise ValueError(f"Found reserved mask token at unexpected location in `vocabulary`. Note that passed "
                             f"`vocabulary` does not need to include the OOV and mask tokens. Either remove all "
                             f"mask and OOV tokens, or include them only at the start of the vocabulary in "
                             f"precisely this order: {specials}. Received: mask_token={self.mask_token} at "
                             f"vocabulary index [{where}]")
        if self.oov_token is not None and self.invert and self._key_of(self.oov_token) in tokens:
            where = [i for i, k in enumerate(keys) if k == self._key_of(self.oov_token)][-1]
            raise ValueError(f"Found reserved OOV token at unexpected location in `vocabulary`. Note that passed "
                             f"`vocabulary` does not need to include the OOV and mask tokens. Either remove all "
                             f"mask and OOV tokens, or include them only at the start of the vocabulary in "
                             f"precisely this order: {specials}. Received: oov_token={self.oov_token} at "
                             f"vocabulary index [{where}]")
        new_size = token_start + len(tokens)
        if self.max_tokens is not None and new_size > self.max_tokens:
            raise ValueError(f"Attempted to set a vocabulary larger than the maximum vocab size. Received "
                             f"vocabulary size is {new_size}; `max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            self._set_idf_weights(idf_weights, len(vocabulary), found_specials)

    def _set_vocabulary_file(self, path):
        if not os.path.exists(path):
            raise ValueError(f"Vocabulary file {path} does not exist.")
        if self.output_mode == "tf_idf":
            raise ValueError("output_mode `'tf_idf'` does not support loading a vocabulary from file.")
        with open(path, encoding="utf-8") as f:
            lines = f.read().split("\n")
        if lines and lines[-1] == "":
            lines.pop()  # the newline that ends the last line
        # as TensorFlow's TextFileInitializer: every line is a token, numbered after the special indices
        self._set_tokens(self._vocabulary_keys(lines))

    def _set_tokens(self, tokens):
        start = self._token_start_index()
        self._tokens = list(tokens)
        self._index = {t: start + i for i, t in enumerate(self._tokens)}
        self._record_vocabulary_size()

    def _set_idf_weights(self, idf_weights, vocabulary_length, found_specials):
        if isinstance(idf_weights, (tg.Tensor, tg.Variable)):
            idf_weights = tg.convert_to_tensor(idf_weights).numpy()
        weights = np.asarray(idf_weights)
        if len(weights) != vocabulary_length:
            raise ValueError(f"`idf_weights` must be the same length as vocabulary. len(idf_weights) is "
                             f"{len(weights)}; len(vocabulary) is {vocabulary_length}")
        if weights.ndim != 1:
            raise ValueError(f"TF-IDF data must be a 1-index array. Received: type(idf_weights)="
                             f"{type(idf_weights)}")
        weights = tg.convert_to_tensor(weights.astype(np.float64))
        # the special indices have no document frequency of their own: they get the mean weight
        front = 0 if found_specials else self._token_start_index()
        self._idf_weights = self._pad_idf(weights, front, tg.reduce_mean(weights))

    def _pad_idf(self, weights, front, front_value):
        """idf weights with `front` leading entries of front_value, and zeros up to max_tokens
        when the output is padded to it; in the float type."""
        back = self.max_tokens - front - int(weights.shape[0]) if self.pad_to_max_tokens else 0
        if front or back > 0:
            parts = [tg.fill((front,), front_value)] if front else []
            parts.append(weights)
            if back > 0:
                parts.append(tg.zeros((back,), dtype=weights.dtype))
            weights = tg.concat(parts, axis=0)
        return tg.cast(weights, floatx())

    # ---- adapt --------------------------------------------------------------------------------

    def reset_state(self):
        """Forgets the counts of adapt() so far."""
        self._token_counts = collections.Counter()
        self._document_counts = collections.Counter()
        self._num_documents = 0

    def adapt(self, data, steps=None):
        """Learns the vocabulary (and, for tf_idf, the document frequencies) from `data`: a list,
        an array or tensor of tokens (each row a document), or a tg.data Dataset / iterable of
        batches (its first `steps` batches)."""
        self.reset_state()
        if hasattr(data, "__iter__") and not isinstance(data, (list, tuple, np.ndarray, tg.Tensor, tg.Variable,
                                                                 str, bytes)):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            keys = self._keys(data)
            if keys.ndim == 1:
                keys = keys[:, None]  # each token its own document
            self._update_with(keys)
        self.finalize_state()

    def update_state(self, data):
        """Counts the tokens of one batch (a rank-1 batch is one document)."""
        keys = self._keys(data)
        if keys.ndim <= 1:
            keys = keys.reshape(1, -1)
        self._update_with(keys)

    def _update_with(self, keys):
        rows = keys.reshape(keys.shape[0], -1).tolist()
        self._count_rows(rows)

    def _count_rows(self, rows):
        """Counts the tokens of documents given as lists of dict keys."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static vocabulary via "
                             f"`vocabulary` argument or `set_vocabulary()` method.")
        self._token_counts.update(itertools.chain.from_iterable(rows))
        if self.output_mode == "tf_idf":
            for row in rows:
                self._document_counts.update(set(row))
            self._num_documents += len(rows)

    def finalize_state(self):
        """Turns the counts into the vocabulary (and idf weights)."""
        if self._has_input_vocabulary or not self._token_counts:
            self._record_vocabulary_size()
            return
        counts = self._token_counts
        for special in (self.mask_token, self.oov_token):
            if special is not None:
                counts.pop(self._key_of(special), None)
        # by count, ties by the token, highest first: Keras's np.lexsort((tokens, counts))[::-1]
        ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        if self.max_tokens:
            ranked = ranked[:max(self.max_tokens - self._token_start_index(), 0)]
        tokens = [t for t, _ in ranked]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            documents = tg.convert_to_tensor(np.array([self._document_counts[t] for t in tokens], np.float64))
            # Keras's log(1 + N / (1 + document count)), in float64 as TensorFlow's int64 division gives
            idf = tg.log(1.0 + float(self._num_documents) / (1.0 + documents))
            idf = tg.cast(idf, floatx())
            self._idf_weights = self._pad_idf(idf, self._token_start_index(), tg.reduce_mean(idf))
        self.reset_state()

    # ---- lookups --------------------------------------------------------------------------------

    def _lookup(self, keys):
        """The index of every key (an array of dict keys; int64 array of its shape)."""
        flat = keys.ravel().tolist()
        oov = self._oov_start_index() if self.num_oov_indices == 1 else -1
        ids = np.fromiter(map(self._index.get, flat, itertools.repeat(oov)), dtype=np.int64, count=len(flat))
        ids = ids.reshape(keys.shape)
        mask_positions = None
        if self.mask_token is not None:
            # the mask is index 0 for "int" and counts nowhere in the other modes
            mask_positions = np.asarray(keys == self._key_of(self.mask_token))
            ids = np.where(mask_positions, 0 if self.output_mode == "int" else -1, ids)
        if self.num_oov_indices == 0:
            missing = ids == -1
            if mask_positions is not None:
                missing &= ~mask_positions
            if missing.any():
                found = [self._token_out(k) for k in keys[missing].tolist()]
                raise ValueError(f"When `num_oov_indices=0` all inputs should be in vocabulary, found OOV values "
                                 f"{found}, consider setting `num_oov_indices=1`.")
        elif self.num_oov_indices > 1:
            missing = ids == -1
            if mask_positions is not None:
                missing &= ~mask_positions
            if missing.any():
                ids[missing] = self._oov_buckets(keys[missing]) + self._oov_start_index()
        return ids

    def _invert(self, ids):
        """Index -> token, for every id (a flat list; the OOV token for unknown ids)."""
        table = {i: self._token_out(t) for t, i in self._index.items()}
        if self.mask_token is not None:
            table[0] = self.mask_token
        return [table.get(i, self.oov_token) for i in ids.ravel().tolist()]

    def call(self, inputs):
        self._ensure_known_vocab_size()
        if self.invert:
            ids = to_int64(inputs, type(self).__name__)
            return self._invert_output(ids, self._invert(ids))
        keys = self._keys(inputs)
        scalar = keys.ndim == 0
        ids = self._lookup(keys.reshape(1) if scalar else keys)
        if self.output_mode == "int":
            return tg.convert_to_tensor(ids.reshape(()) if scalar else ids)
        return encode_dense(ids, self.output_mode, self._depth(), floatx(), self._idf_weights)

    def _call_rows(self, keys, lengths):
        """The lookup of ragged rows (TextVectorization's split text): `keys` every row's tokens
        one after the other, `lengths` each row's count. "int" gives the flat ids."""
        self._ensure_known_vocab_size()
        ids = self._lookup(keys)
        if self.output_mode == "int":
            return ids
        if self.output_mode == "one_hot":
            raise ValueError("TextVectorization cannot one-hot encode split text; use multi_hot, count or tf_idf")
        return encode_rows(ids, lengths, self.output_mode, self._depth(), floatx(), self._idf_weights)

    # ---- shapes, config, saving -------------------------------------------------------------

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self._depth()
        input_shape = tuple(input_shape)
        if self.output_mode == "one_hot":
            if len(input_shape) > 1 and input_shape[-1] == 1:
                return input_shape[:-1] + (depth,)
            return input_shape + (depth,)
        return input_shape[:-1] + (depth,)

    def compute_output_spec(self, inputs):
        dtype = ("int64" if self.vocabulary_dtype != "string" else "string") if self.invert else \
            ("int64" if self.output_mode == "int" else floatx())
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=dtype)

    def get_config(self):
        config = super().get_config()
        config.update({
            "invert": self.invert, "max_tokens": self.max_tokens, "num_oov_indices": self.num_oov_indices,
            "oov_token": self.oov_token, "mask_token": self.mask_token, "output_mode": self.output_mode,
            "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype, "idf_weights": _listify(self.input_idf_weights),
            "vocabulary": _listify(self.input_vocabulary), "vocabulary_size": self._frozen_vocab_size,
            "oov_method": self.oov_method, "salt": self.salt,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)  # vocabulary_size and the Keras-only keys go to __init__, as in Keras

    def save_own_variables(self, store):
        """Keras's weights of this layer: the idf weights (tf_idf) under the key "idf_weights"."""
        if self.output_mode == "tf_idf" and self._idf_weights is not None:
            store["idf_weights"] = self._idf_weights.numpy()

    def load_own_variables(self, store):
        if self.output_mode == "tf_idf" and "idf_weights" in store:
            self._idf_weights = tg.convert_to_tensor(np.asarray(store["idf_weights"], dtype=floatx()))

    def save_assets(self, dir_path):
        """The vocabulary, with its special tokens, one a line in vocabulary.txt (unless the config
        holds it)."""
        if self.input_vocabulary is not None:
            return
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(w) for w in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        if self.input_vocabulary is not None:
            return
        path = os.path.join(dir_path, "vocabulary.txt")
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        values = list(lines) if self.vocabulary_dtype == "string" else [int(line) for line in lines]
        if not values:
            return
        if self.output_mode == "tf_idf":
            # load_own_variables ran first (as in Keras): the weights of every index, padding included
            if self._idf_weights is None:
                raise ValueError(f"Layer '{self.name}': the saved tf_idf layer has no idf_weights")
            self.set_vocabulary(values, idf_weights=self._idf_weights.numpy()[:len(values)])
        else:
            self.set_vocabulary(values)


class StringLookup(IndexLookup):
    """Strings to vocabulary indices (invert=True: indices to strings, a NumPy array of str)."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]", vocabulary=None,
                 idf_weights=None, invert=False, output_mode="int", pad_to_max_tokens=False, sparse=False,
                 encoding="utf-8", name=None, salt=None, **kwargs):
        kwargs.pop("vocabulary_dtype", None)
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, idf_weights=idf_weights, invert=invert,
                         output_mode=output_mode, pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def _key_of(self, token):
        if isinstance(token, bytes):
            return token
        return str(token).encode("utf-8")

    def _vocabulary_keys(self, vocabulary):
        return [self._key_of(t) for t in vocabulary]

    def _keys(self, data):
        return to_bytes(data, "StringLookup")

    def _token_out(self, key):
        return key.decode(self.encoding, errors="replace") if isinstance(key, bytes) else key

    def _oov_buckets(self, keys):
        return hash_buckets(keys, self.num_oov_indices, self.salt)

    def _invert_output(self, ids, tokens):
        return np.array(tokens, dtype=str).reshape(ids.shape)

    def get_config(self):
        config = super().get_config()
        del config["vocabulary_dtype"]  # strings have one dtype
        config["encoding"] = self.encoding
        return config


class IntegerLookup(IndexLookup):
    """Integers to vocabulary indices (invert=True: indices to integers)."""

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1, vocabulary=None,
                 vocabulary_dtype="int64", idf_weights=None, invert=False, output_mode="int", sparse=False,
                 pad_to_max_tokens=False, oov_method="floormod", salt=None, name=None, **kwargs):
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"If `max_tokens` is set for `IntegerLookup`, it must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"The value of `num_oov_indices` argument for `IntegerLookup` must >= 0. Received: "
                             f"num_oov_indices={num_oov_indices}")
        if vocabulary_dtype != "int64":
            raise ValueError(f"Only `vocabulary_dtype='int64'` is supported at this time. Received: "
                             f"vocabulary_dtype={vocabulary_dtype}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices, mask_token=mask_token,
                         oov_token=oov_token, vocabulary=vocabulary, vocabulary_dtype=vocabulary_dtype,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method, salt=salt, name=name,
                         **kwargs)

    def _key_of(self, token):
        return int(token)

    def _vocabulary_keys(self, vocabulary):
        return [int(t) for t in to_int64(np.asarray(vocabulary), "IntegerLookup").tolist()]

    def _keys(self, data):
        return to_int64(data, "IntegerLookup")

    def _token_out(self, key):
        return key

    def _oov_buckets(self, keys):
        if self.oov_method != "farmhash":
            return np.mod(keys, self.num_oov_indices)  # Keras's default: floor modulo of the integer
        return hash_buckets(decimal_strings(keys), self.num_oov_indices, self.salt)

    def _invert_output(self, ids, tokens):
        return tg.convert_to_tensor(np.array(tokens, dtype=np.int64).reshape(ids.shape))

    def get_config(self):
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config

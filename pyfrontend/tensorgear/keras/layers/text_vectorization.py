"""keras.layers.TextVectorization: text to token ids, multi-hot, counts or TF-IDF.

Each string goes through Keras 3's steps, on its UTF-8 bytes as TensorFlow
does them:

- standardize: "lower" is tf.strings.lower (ASCII letters only: "ÉCOLE"
  becomes "École"); "strip_punctuation" deletes Keras's regex class, the 32
  ASCII punctuation characters (non-ASCII punctuation such as "«", "¿" or "—"
  stays); a callable gets a NumPy str array and returns strings;
- split: "whitespace" is tf.strings.split (runs of ASCII whitespace; a
  no-break space does not split), "character" splits into Unicode code
  points, a callable gets a NumPy str array of the batch and returns one list
  of tokens per string;
- ngrams: tf.strings.ngrams joined by " ", widths in the order given;
- lookup: a StringLookup with mask token "" (index 0 pads "int" output), in
  `_lookup_layer` as in Keras (the saved files' paths name it).

"int" output is padded with 0 at the end (or cut) to the longest sequence of
the batch or to `output_sequence_length`; the other modes give one vector of
the vocabulary's size per string.
"""

import itertools

import numpy as np

from ..backend import floatx
from ..backend.keras_tensor import KerasTensor
from ..saving.object_registry import get_registered_name, get_registered_object
from .id_encoding import encode_dense, pad_rows
from .layer import Layer
from .lookup import StringLookup, _listify
from .text_inputs import to_bytes

# Keras's r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']': every ASCII punctuation character
_PUNCTUATION = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
_SPLIT = ("whitespace", "character")
_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")


def _check_choice(value, allowed, arg):
    if value is None or callable(value) or value in allowed:
        return
    raise ValueError(f"Unknown value for `{arg}` argument of layer TextVectorization. If restoring a model "
                     f"from a config, make sure the callable is registered or pass it in `custom_objects`. "
                     f"Allowed values are: {allowed}, None or a callable. Received: {arg}={value!r}")


def _callable_strings(values, what):
    """A callable's strings (str or bytes, any array-like) as an object array of bytes."""
    return to_bytes(np.asarray(values, dtype=object) if not isinstance(values, (str, bytes)) else values, what)


def _serialize_callable(fn):
    """A standardize/split callable in the config as Keras writes a function (found again by
    its registered name: keras.saving.register_keras_serializable or custom_objects)."""
    if fn is None or isinstance(fn, str):
        return fn
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": getattr(fn, "__name__", type(fn).__name__), "registered_name": get_registered_name(fn)}


def _deserialize_callable(value):
    if not isinstance(value, dict):
        return value
    name = value.get("registered_name") or value.get("config")
    try:
        return get_registered_object(name)
    except ValueError:
        return get_registered_object(value.get("config"))


def _ngrams(tokens, widths):
    out = []
    for n in widths:
        out.extend(b" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
    return out


class TextVectorization(Layer):
    """Strings to token ids (output_mode "int") or to one vector per string ("multi_hot",
    "count", "tf_idf"), with a vocabulary given or learnt by adapt()."""

    _convert_inputs = False

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
                 ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
                 vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8", name=None,
                 **kwargs):
        if sparse:
            raise ValueError("TextVectorization: sparse=True is not supported (tensorgear has no sparse tensors); "
                             "use the dense output")
        if ragged:
            raise ValueError("TextVectorization: ragged=True is not supported (tensorgear has no ragged tensors); "
                             "use output_mode='int' with output_sequence_length, or the padded default")
        _check_choice(standardize, _STANDARDIZE, "standardize")
        _check_choice(split, _SPLIT, "split")
        output_mode = {"binary": "multi_hot", "tf-idf": "tf_idf"}.get(output_mode, output_mode)
        if output_mode not in _MODES:
            raise ValueError(f"Unknown value for `output_mode` argument of layer TextVectorization. Allowed "
                             f"values are: {_MODES}. Received: output_mode={output_mode}")
        if not (ngrams is None or (isinstance(ngrams, int) and not isinstance(ngrams, bool))
                or (isinstance(ngrams, tuple) and all(isinstance(n, int) for n in ngrams))):
            raise ValueError(f"`ngrams` must be None, an integer, or a tuple of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None
                                         or isinstance(output_sequence_length, int)):
            raise ValueError(f"`output_sequence_length` must be either None or an integer when `output_mode` is "
                             f"'int'. Received: output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"`output_sequence_length` must not be set if `output_mode` is not 'int'. Received "
                             f"output_sequence_length={output_sequence_length}.")
        if isinstance(output_sequence_length, int) and output_sequence_length < 0:
            raise ValueError(f"`output_sequence_length` must be >= 0. Received: "
                             f"output_sequence_length={output_sequence_length}")
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, autocast=False, **kwargs)
        self._max_tokens = max_tokens
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = False
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._has_input_vocabulary = has_input_vocabulary
        self._lookup_layer = StringLookup(max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
                                          pad_to_max_tokens=pad_to_max_tokens, mask_token="",
                                          output_mode=output_mode, sparse=False,
                                          has_input_vocabulary=has_input_vocabulary, encoding=encoding,
                                          vocabulary_size=vocabulary_size)

    def build(self, input_shape=None):
        pass

    # ---- the vocabulary -------------------------------------------------------------------------

    def adapt(self, data, batch_size=None, steps=None):
        """Learns the vocabulary (and document frequencies for tf_idf) from strings: a list or
        array of them, or a tg.data Dataset / iterable of batches (its first `steps`)."""
        self.reset_state()
        if hasattr(data, "__iter__") and not isinstance(data, (list, tuple, np.ndarray, str, bytes)):
            for i, batch in enumerate(data):
                if steps is not None and i >= steps:
                    break
                self.update_state(batch)
        else:
            self._update(data, strings_are_documents=True)
        self.finalize_state()

    def update_state(self, data):
        """Counts the tokens of one batch."""
        self._update(data, strings_are_documents=False)

    def _update(self, data, strings_are_documents):
        rows, dense = self._rows(data)
        if rows is None:
            # no split: each string is a token; Keras's documents are the rows of the batch, and
            # adapt() on a rank-1 array makes each string its own document
            if dense.ndim == 0 or (dense.ndim == 1 and not strings_are_documents):
                dense = dense.reshape(1, -1)
            rows = dense.reshape(dense.shape[0], -1).tolist()
        self._lookup_layer._count_rows(rows)

    def finalize_state(self):
        self._lookup_layer.finalize_state()

    def reset_state(self):
        self._lookup_layer.reset_state()

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    # ---- the text steps -----------------------------------------------------------------------

    def _standardized(self, data):
        """An object array of bytes after `standardize` (same shape)."""
        mode = self._standardize
        if callable(mode):
            text = np.vectorize(lambda b: b.decode(self._encoding, errors="replace"), otypes=[str])(data) \
                if data.size else data.astype(str)
            return _callable_strings(mode(text), "TextVectorization (the standardize callable's result)")
        flat = data.ravel().tolist()
        if mode in ("lower", "lower_and_strip_punctuation"):
            flat = [s.lower() for s in flat]  # bytes.lower: ASCII letters only, as tf.strings.lower
        if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
            flat = [s.translate(None, _PUNCTUATION) for s in flat]
        out = np.empty(len(flat), dtype=object)
        out[:] = flat
        return out.reshape(data.shape)

    def _split_strings(self, flat):
        """One list of tokens (bytes) per string."""
        split = self._split
        if split == "whitespace":
            return [s.split() for s in flat]  # bytes.split(): runs of ASCII whitespace
        if split == "character":
            return [[c.encode("utf-8") for c in s.decode("utf-8", errors="replace")] for s in flat]
        text = np.array([s.decode(self._encoding, errors="replace") for s in flat], dtype=str)
        parts = split(text)
        if len(parts) != len(flat):
            raise ValueError(f"TextVectorization: the split callable returned {len(parts)} rows for "
                             f"{len(flat)} strings")
        return [list(_callable_strings(row, "TextVectorization (the split callable's result)").ravel())
                for row in parts]

    def _rows(self, inputs):
        """The token rows of a batch: (list of lists of bytes, the input's rank after squeezing),
        or (None, dense array) when there is no split and no ngrams (tokens are the strings)."""
        data = self._standardized(to_bytes(inputs, "TextVectorization"))
        if self._split is not None:
            if data.ndim > 1:
                if data.shape[-1] != 1:
                    raise ValueError(f"When using `TextVectorization` to tokenize strings, the input rank must be "
                                     f"1 or the last shape dimension must be 1. Received: inputs.shape="
                                     f"{data.shape} with rank={data.ndim}")
                data = data[..., 0]
            if data.ndim > 1:
                raise ValueError(f"TextVectorization: inputs of shape {data.shape + (1,)} are not supported; "
                                 f"give a batch of strings, shape (batch,) or (batch, 1)")
            rank = data.ndim
            rows = self._split_strings(data.reshape(-1).tolist())
        elif self._ngrams is not None:
            if data.ndim > 2:
                raise ValueError(f"TextVectorization: ngrams over unsplit inputs of shape {data.shape} are not "
                                 f"supported; give shape (batch,) or (batch, tokens)")
            rank = max(data.ndim - 1, 0)
            rows = data.reshape(-1, data.shape[-1] if data.ndim else 1).tolist() if data.ndim != 1 \
                else [data.tolist()]
        else:
            return None, data
        if self._ngrams is not None:
            rows = [_ngrams(row, self._ngrams) for row in rows]
        return rows, rank

    def call(self, inputs):
        rows, info = self._rows(inputs)
        lookup = self._lookup_layer
        length = self._output_sequence_length
        if rows is None:  # no split: every string is one token, the input's shape stays
            lookup._ensure_known_vocab_size()
            ids = lookup._lookup(info)
            if self._output_mode != "int":
                return encode_dense(ids, self._output_mode, lookup._depth(), floatx(), lookup._idf_weights)
            if length is not None and ids.ndim:
                ids = ids[..., :length]  # Keras trims and pads the last axis
                pad = length - ids.shape[-1]
                if pad > 0:
                    ids = np.concatenate([ids, np.zeros(ids.shape[:-1] + (pad,), np.int64)], axis=-1)
            return encode_dense(ids, "int", None, "int64")
        lengths = [len(r) for r in rows]
        keys = np.empty(sum(lengths), dtype=object)
        keys[:] = list(itertools.chain.from_iterable(rows))
        if self._output_mode == "int":
            ids = pad_rows(lookup._call_rows(keys, lengths), lengths, length)
            return encode_dense(ids[0] if info == 0 else ids, "int", None, "int64")
        out = lookup._call_rows(keys, lengths)
        return out[0] if info == 0 else out

    # ---- shapes and config ----------------------------------------------------------------------

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self._output_mode == "int":
            return (input_shape[0] if input_shape else None, self._output_sequence_length)
        if self._split is None:
            if len(input_shape) <= 1:
                input_shape = input_shape + (1,)
        else:
            # the strings' trailing axis of 1 is squeezed before the split, as call() does (Keras's
            # own compute_output_shape keeps it: (None, 1, depth) for what is (None, depth))
            if len(input_shape) > 1 and input_shape[-1] == 1:
                input_shape = input_shape[:-1]
            input_shape = input_shape + (None,)
        return self._lookup_layer.compute_output_shape(input_shape)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape),
                           dtype="int64" if self._output_mode == "int" else floatx())

    def get_config(self):
        config = super().get_config()
        lookup = self._lookup_layer
        config.update({
            "max_tokens": lookup.max_tokens, "standardize": _serialize_callable(self._standardize),
            "split": _serialize_callable(self._split),
            "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
            "output_sequence_length": self._output_sequence_length, "pad_to_max_tokens": lookup.pad_to_max_tokens,
            "sparse": False, "ragged": False, "vocabulary": _listify(lookup.input_vocabulary),
            "idf_weights": _listify(lookup.input_idf_weights), "encoding": self._encoding,
            "vocabulary_size": self.vocabulary_size(),
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("standardize", "split"):
            config[key] = _deserialize_callable(config.get(key))
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)

    def save_own_variables(self, store):
        self._lookup_layer.save_own_variables(store)

    def load_own_variables(self, store):
        self._lookup_layer.load_own_variables(store)

    def save_assets(self, dir_path):
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

"""keras.layers.Hashing: strings or integers to one of `num_bins` bins, the same
bins as Keras on TensorFlow.

The hashes are TensorFlow's (``tensorgear._C.text``, C++): FarmHash
Fingerprint64 (tf.strings.to_hash_bucket_fast) without a salt, SipHash-2-4
keyed by the salt (to_hash_bucket_strong) with one. Integers are hashed as
their decimal strings and floats are first truncated to int64, as Keras does.
"""

import numpy as np

import tensorgear as tg

from ..backend import floatx
from ..backend.keras_tensor import KerasTensor
from .id_encoding import encode_dense
from .layer import Layer
from .text_inputs import decimal_strings, is_text, to_bytes, to_numbers

_MODES = ("int", "one_hot", "multi_hot", "count")
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


def normalize_salt(salt, layer):
    """Keras's salt: None, an int (used twice) or 2 ints, each an int64 (TensorFlow's key type)."""
    if salt is None:
        return None
    if isinstance(salt, (tuple, list)) and len(salt) == 2:
        key = list(salt)
    elif isinstance(salt, int) and not isinstance(salt, bool):
        key = [salt, salt]
    else:
        raise ValueError(f"The `salt` argument for `{layer}` can only be a tuple of size 2 integers, or a "
                         f"single integer. Received: salt={salt}.")
    for k in key:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or not _INT64_MIN <= int(k) <= _INT64_MAX:
            raise ValueError(f"The `salt` values for `{layer}` must be integers in the int64 range. "
                             f"Received: salt={salt}.")
    return [int(k) for k in key]


def hash_buckets(strings, num_buckets, salt):
    """An object array of bytes hashed into [0, num_buckets) (int64, same shape)."""
    flat = strings.ravel().tolist()
    return tg._C.text.hash_buckets(flat, int(num_buckets), salt).reshape(strings.shape)


class Hashing(Layer):
    """Hashes strings or integers into `num_bins` bins; with `mask_value`, bin 0 is the mask's
    and the values hash into the other num_bins - 1. output_mode "int" gives the bins,
    "one_hot" / "multi_hot" / "count" encode them as CategoryEncoding does."""

    _convert_inputs = False

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else floatx()
        super().__init__(autocast=False, **kwargs)
        if num_bins is None or isinstance(num_bins, bool) or not isinstance(num_bins, (int, np.integer)) \
                or num_bins <= 0:
            raise ValueError(f"The `num_bins` for `Hashing` cannot be `None` or non-positive values. "
                             f"Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"When `output_mode=\"int\"`, `dtype` should be an integer type, 'int32' or "
                             f"'int64'. Received: dtype={self.dtype}")
        if output_mode not in _MODES:
            raise ValueError(f"Invalid value for argument `output_mode`. Expected one of {_MODES}. "
                             f"Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError(f"`sparse` may only be true if `output_mode` is `\"one_hot\"`, `\"multi_hot\"`, or "
                             f"`\"count\"`. Received: sparse={sparse} and output_mode={output_mode}")
        if sparse:
            raise ValueError("Hashing: sparse=True is not supported (tensorgear has no sparse tensors)")
        self.num_bins = int(num_bins)
        self.mask_value = mask_value
        self.salt = normalize_salt(salt, "Hashing")
        self.strong_hash = self.salt is not None
        self.output_mode = output_mode
        self.sparse = False

    def _bins(self, inputs):
        """The bin of every value (int64 array of the input's shape)."""
        if is_text(inputs):
            values = to_bytes(inputs, "Hashing")
            strings = values
            mask_key = self.mask_value.encode("utf-8") if isinstance(self.mask_value, str) else self.mask_value
            if mask_key is not None and not isinstance(mask_key, bytes):
                raise TypeError(f"Hashing: mask_value={self.mask_value!r} cannot be compared with string inputs")
        else:
            values = to_numbers(inputs, "Hashing")
            mask_key = self.mask_value
            if mask_key is not None and isinstance(mask_key, (str, bytes)):
                raise TypeError(f"Hashing: mask_value={self.mask_value!r} cannot be compared with numeric inputs")
            if values.dtype.kind == "b":
                strings = np.where(values, b"true", b"false").astype(object)
            else:
                # TensorFlow casts floats to int64 (truncation) and hashes the decimal string
                strings = decimal_strings(values.astype(np.int64, copy=False))
        bins = self.num_bins
        masked = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = np.asarray(values == mask_key)  # the mask compares the values as given
        out = hash_buckets(strings, bins, self.salt)
        if masked is not None:
            out = np.where(masked, 0, out + 1)
        return out

    def call(self, inputs):
        bins = self._bins(inputs)
        if self.output_mode == "one_hot" and bins.ndim and bins.shape[-1] == 1:
            bins = bins[..., 0]
        return encode_dense(bins, self.output_mode, self.num_bins, self.dtype)

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype=self.dtype)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt, "mask_value": self.mask_value,
                       "output_mode": self.output_mode, "sparse": self.sparse})
        return config

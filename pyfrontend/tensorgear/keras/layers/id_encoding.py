"""Token ids to the outputs of the lookup and hashing layers: "int", "one_hot",
"multi_hot", "count" and "tf_idf" (Keras's encode_categorical_inputs).

The ids come from host work (hashing strings, vocabulary lookups), so they are
a NumPy int64 array here. one_hot is the engine's one_hot op. The counting
modes count on the host with one np.bincount over (row, id) pairs: the output
is (rows, depth) directly, where one_hot followed by a sum would make a
(rows, tokens, depth) tensor first (a batch of 32 reviews of 200 tokens over
20000 words is 128M floats). tf_idf multiplies the counts by the idf weights
with the engine's multiply. Ids outside [0, depth) (the mask token in the
counting modes) count nowhere, as TensorFlow's bincount drops them.
"""

import numpy as np

import tensorgear as tg


def count_rows(ids, rows, num_rows, depth, binary):
    """(num_rows, depth) float counts of `ids` (flat int64) in the rows given by `rows`
    (flat, same length); binary: 1 for any count."""
    keep = (ids >= 0) & (ids < depth)
    flat = rows[keep] * depth + ids[keep]
    counts = np.bincount(flat, minlength=num_rows * depth)[:num_rows * depth]
    if binary:
        counts = np.minimum(counts, 1)
    return counts.reshape(num_rows, depth)


def _weighted(counts, output_mode, dtype, idf_weights):
    out = tg.convert_to_tensor(np.ascontiguousarray(counts, dtype=dtype))
    if output_mode == "tf_idf":
        out = out * tg.cast(idf_weights, dtype)
    return out


def encode_dense(ids, output_mode, depth, dtype, idf_weights=None):
    """Keras's encoding of an int64 array of ids: the ids themselves ("int"), one vector per
    id ("one_hot": a trailing axis of 1 is replaced, a scalar becomes one sample), or one
    vector per sample, the samples along the last axis ("multi_hot", "count", "tf_idf"; a
    scalar or a rank-1 input is one sample)."""
    if output_mode == "int":
        return tg.convert_to_tensor(np.ascontiguousarray(ids, dtype=dtype))
    if ids.ndim == 0:
        ids = ids.reshape(1)
    if output_mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids.reshape(ids.shape[:-1])
        return tg.one_hot(tg.convert_to_tensor(np.ascontiguousarray(ids, dtype=np.int64)), depth, dtype=dtype)
    lead = ids.shape[:-1]
    width = ids.shape[-1]
    num_rows = int(np.prod(lead, dtype=np.int64))
    rows = np.repeat(np.arange(num_rows, dtype=np.int64), width)
    counts = count_rows(ids.reshape(-1), rows, num_rows, depth, binary=output_mode == "multi_hot")
    return _weighted(counts.reshape(lead + (depth,)), output_mode, dtype, idf_weights)


def encode_rows(ids, lengths, output_mode, depth, dtype, idf_weights=None):
    """The counting modes over ragged rows: `ids` holds every row's ids one after the other,
    `lengths` each row's count; one output vector per row."""
    num_rows = len(lengths)
    rows = np.repeat(np.arange(num_rows, dtype=np.int64), lengths)
    counts = count_rows(ids, rows, num_rows, depth, binary=output_mode == "multi_hot")
    return _weighted(counts, output_mode, dtype, idf_weights)


def pad_rows(ids, lengths, width):
    """Ragged rows of ids as a (rows, width) int64 matrix, each row cut to `width` or padded
    with 0 at its end (RaggedTensor.to_tensor's rule); width None: the longest row's length."""
    lengths = np.asarray(lengths, dtype=np.int64)
    num_rows = len(lengths)
    if width is None:
        width = int(lengths.max()) if num_rows else 0
    out = np.zeros((num_rows, width), dtype=np.int64)
    if len(ids):
        starts = np.cumsum(lengths) - lengths
        rows = np.repeat(np.arange(num_rows, dtype=np.int64), lengths)
        pos = np.arange(len(ids), dtype=np.int64) - np.repeat(starts, lengths)
        keep = pos < width
        out[rows[keep], pos[keep]] = ids[keep]
    return out

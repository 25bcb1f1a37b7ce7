"""keras.utils.pad_sequences, checked against what Keras 3.15 returns for the same calls."""

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import keras

pad = keras.utils.pad_sequences
SEQS = [[1, 2, 3], [4, 5], [6]]


@pytest.mark.parametrize("kwargs,expected", [
    ({}, [[1, 2, 3], [0, 4, 5], [0, 0, 6]]),
    ({"padding": "post"}, [[1, 2, 3], [4, 5, 0], [6, 0, 0]]),
    ({"maxlen": 2}, [[2, 3], [4, 5], [0, 6]]),
    ({"maxlen": 2, "padding": "post", "truncating": "post"}, [[1, 2], [4, 5], [6, 0]]),
    ({"maxlen": 4, "value": -1}, [[-1, 1, 2, 3], [-1, -1, 4, 5], [-1, -1, -1, 6]]),
    ({"maxlen": 0}, [[], [], []]),
])
def test_pad_sequences_pads_and_truncates_as_keras(kwargs, expected):
    out = pad(SEQS, **kwargs)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, np.array(expected, np.int32).reshape(3, -1))


def test_pad_sequences_keeps_sample_shapes_dtypes_and_empty_sequences():
    out = pad([[[1, 2], [3, 4]], [[5, 6]], []], dtype="float32", value=0.5)
    assert out.shape == (3, 2, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out[1], [[0.5, 0.5], [5, 6]])
    np.testing.assert_array_equal(out[2], np.full((2, 2), 0.5))
    words = pad([["a", "b"], ["c"]], dtype=object, value="")
    assert words.tolist() == [["a", "b"], ["", "c"]]
    assert pad([]).shape == (0, 0)


def test_pad_sequences_errors_say_what_is_wrong():
    with pytest.raises(ValueError, match='Padding type "mid" not understood'):
        pad(SEQS, padding="mid")
    with pytest.raises(ValueError, match='Truncating type "x" not understood'):
        pad(SEQS, truncating="x")
    with pytest.raises(ValueError, match="`dtype` int32 is not compatible with `value`'s type"):
        pad(SEQS, value="a")
    with pytest.raises(ValueError, match="list of iterables.*5"):
        pad([[1], 5])
    with pytest.raises(ValueError, match="maxlen must be a non-negative integer or None, got -1"):
        pad(SEQS, maxlen=-1)
    with pytest.raises(ValueError, match=r"Shape of sample \(3,\) of sequence at position 1"):
        pad([[[1, 2]], [[1, 2, 3]]])


def test_tensorspec_is_at_the_top_level_as_in_tensorflow():
    assert tg.TensorSpec is tg.data.TensorSpec
    assert tg.TensorSpec(shape=(None, 3), dtype=tg.float32).shape == (None, 3)

"""_C.sum_buffers_into, the node-local addition of the shared-memory gradient sum
(tensorgear/distribute/node_sum.py), against NumPy, with its argument errors."""

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import _C


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("count", [1, 2, 3, 5])
@pytest.mark.parametrize("n", [0, 1, 17, 100_003])
def test_sum_in_rank_order_matches_numpy(dtype, count, n):
    rng = np.random.default_rng(n + count)
    ins = [rng.normal(size=n).astype(dtype) for _ in range(count)]
    out = np.full(n, np.nan, dtype)
    _C.sum_buffers_into(out, ins)
    want = ins[0].copy()
    for a in ins[1:]:
        want = want + a  # the same order, so the same bits
    np.testing.assert_array_equal(out, want)
    _C.sum_buffers_into(out, ins, 0.25)
    np.testing.assert_array_equal(out, want * dtype(0.25))


def test_scaling_in_place_and_strided_slices_of_one_buffer():
    base = np.arange(12, dtype=np.float64)
    _C.sum_buffers_into(base[4:8], [base[4:8]], 0.5)  # out is its only input: only the scaling
    np.testing.assert_array_equal(base[4:8], [2, 2.5, 3, 3.5])
    out = np.empty(4)
    _C.sum_buffers_into(out, [base[:4], base[8:]])
    np.testing.assert_array_equal(out, base[:4] + base[8:])


def test_errors_name_the_offending_values():
    out = np.zeros(4, np.float32)
    with pytest.raises(TypeError, match="float32 or float64, got format 'i'"):
        _C.sum_buffers_into(np.zeros(4, np.int32), [np.zeros(4, np.int32)])
    with pytest.raises(TypeError, match="format 'd' beside an output of format 'f'"):
        _C.sum_buffers_into(out, [np.zeros(4)])
    with pytest.raises(ValueError, match="4 elements, got 5"):
        _C.sum_buffers_into(out, [np.zeros(5, np.float32)])
    with pytest.raises(ValueError, match="one contiguous run of 4 elements"):
        _C.sum_buffers_into(out, [np.zeros(8, np.float32)[::2]])
    with pytest.raises(ValueError, match="output must be one contiguous run"):
        _C.sum_buffers_into(np.zeros(8, np.float32)[::2], [out])
    with pytest.raises(ValueError, match="no buffers"):
        _C.sum_buffers_into(out, [])
    with pytest.raises((TypeError, ValueError)):
        _C.sum_buffers_into(np.zeros(4, np.float32)[:], [out.tobytes()])  # read-only bytes, format 'B'
    ro = np.zeros(4, np.float32)
    ro.flags.writeable = False
    with pytest.raises((TypeError, ValueError, BufferError)):
        _C.sum_buffers_into(ro, [out])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pack_into_lays_tensors_one_after_the_other(dtype):
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=s).astype(dtype) for s in [(3, 4), (), (0,), (5,), (200, 300)]]
    tensors = [tf.constant(a) for a in arrays]
    tensors[0] = tf.transpose(tf.constant(arrays[0].T))  # a strided view is packed in its logical order
    out = np.full(sum(a.size for a in arrays), np.nan, dtype)
    _C.pack_into(out, tensors)
    np.testing.assert_array_equal(out, np.concatenate([a.ravel() for a in arrays]))


def test_pack_into_errors_name_the_offending_values():
    x = tf.constant(np.ones((2, 3), np.float32))
    with pytest.raises(ValueError, match="hold 6 elements, the buffer 5"):
        _C.pack_into(np.zeros(5, np.float32), [x])
    with pytest.raises(TypeError, match="a float32 tensor for a buffer of format 'd'"):
        _C.pack_into(np.zeros(6), [x])
    with pytest.raises(TypeError, match="format 'i'"):
        _C.pack_into(np.zeros(6, np.int32), [x])
    with pytest.raises(ValueError, match="one contiguous run"):
        _C.pack_into(np.zeros(12, np.float32)[::2], [x])
    with pytest.raises(TypeError):
        _C.pack_into(np.zeros(6, np.float32), [np.ones(6, np.float32), "x"])

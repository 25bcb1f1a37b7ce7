"""NumPy and DLPack interop: zero-copy both ways, views alias, conversion of
every dtype and stride pattern, and bad input that must raise, not crash.

Aliasing note: tg.from_dlpack(array) wraps the array's memory without a copy.
Tensors are immutable, but the NumPy array stays writable; writing to it
changes what the tensor shows. As in every DLPack consumer, that is the
caller's business (pass copy=True to get private memory).
"""

import gc
import weakref

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import _C

DTYPES = [np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_]


def sample(dtype, shape=(3, 4), seed=0):
    a = np.random.default_rng(seed).standard_normal(shape) * 50
    return (a > 0) if dtype == np.bool_ else a.astype(dtype)


def data_ptr(a):
    return a.__array_interface__["data"][0]


# ---- tensor -> NumPy ------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_and_asarray_are_zero_copy(dtype):
    t = tg.constant(sample(dtype))
    a, b = t.numpy(), np.asarray(t)
    assert data_ptr(a) == t._storage_ptr and data_ptr(b) == t._storage_ptr
    assert np.shares_memory(a, b)
    assert not a.flags.writeable                       # tensors are immutable
    np.testing.assert_array_equal(a, sample(dtype))


def test_views_alias_the_same_memory():
    base = np.arange(60.0).reshape(3, 4, 5)
    x = tg.constant(base)
    full = x.numpy()
    for view in [x[1], x[:, ::-2], x[..., 3], tg.transpose(x), x[None, 1:, :, ::3], tg.reshape(x, (12, 5))]:
        v = view.numpy()
        assert np.shares_memory(v, full)
        assert view._storage_ptr == x._storage_ptr
    np.testing.assert_array_equal(x[:, ::-2].numpy(), base[:, ::-2])
    assert x[:, ::-2].numpy().strides == base[:, ::-2].strides


def test_numpy_scalar_from_0d_tensor():
    v = tg.constant(3.5).numpy()
    assert isinstance(v, np.floating) and v == 3.5


# ---- NumPy / Python -> tensor -----------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_constant_from_any_strides_equals_the_array(dtype):
    a = sample(dtype, (4, 6, 5))
    for view in [a, a[::-1], a[:, ::-2, 1:], a.transpose(2, 0, 1), a[..., ::3], a[1], np.asfortranarray(a),
                 a[:, :0], np.broadcast_to(a[:1], (3, 6, 5))]:
        t = tg.constant(view)
        assert t.dtype == tg.as_dtype(dtype)
        np.testing.assert_array_equal(t.numpy(), view)
        assert t.is_contiguous() or view.size == 0


def test_constant_widens_narrow_numpy_dtypes():
    for src, dst in [(np.int8, np.int32), (np.int16, np.int32), (np.uint16, np.int64), (np.uint32, np.int64),
                     (np.float16, np.float32)]:
        a = np.arange(-3, 3).astype(src)
        t = tg.constant(a)
        assert t.numpy().dtype == dst
        np.testing.assert_array_equal(t.numpy(), a.astype(dst))
    be = np.arange(6, dtype=">i4").reshape(2, 3)            # non-native byte order
    np.testing.assert_array_equal(tg.constant(be).numpy(), be)


def test_constant_from_nested_lists_and_scalars():
    same = np.testing.assert_array_equal
    t = tg.constant([[1, 2], [3, 4]])
    assert t.dtype == tg.int64 and t.shape == (2, 2)
    same(t.numpy(), [[1, 2], [3, 4]])
    t = tg.constant([[1.5, 2], [3, 4]])
    assert t.dtype == tg.float32
    t = tg.constant([[True, False]])
    assert t.dtype == tg.bool
    t = tg.constant([tg.constant(1.0), 2.0])
    same(t.numpy(), [1.0, 2.0])
    assert tg.constant(7).shape == () and int(tg.constant(7)) == 7
    assert tg.constant([]).shape == (0,)
    assert tg.constant([[], []]).shape == (2, 0)


def test_ragged_lists_raise_value_error():
    with pytest.raises(ValueError, match="ragged"):
        tg.constant([[1, 2], [3]])
    with pytest.raises(ValueError):
        tg.constant([[1, 2], [3, [4, 5]]])


@pytest.mark.parametrize("value", [
    np.array([1 + 2j]), np.array([object()], dtype=object), np.array(["a", "b"]), np.array([b"x"]),
    np.array([1], dtype=np.uint64), np.array([1.0], dtype=np.longdouble) if np.dtype(np.longdouble).itemsize > 8
    else np.array([1 + 0j], dtype=np.complex64),
])
def test_unsupported_numpy_dtypes_raise_type_error(value):
    with pytest.raises(TypeError, match="unsupported dtype"):
        tg.constant(value)


def test_unsupported_python_values_raise():
    with pytest.raises(TypeError):
        tg.constant(1 + 2j)
    with pytest.raises(TypeError):
        tg.constant(object())
    with pytest.raises(TypeError):
        tg.constant(None)
    with pytest.raises(TypeError, match="strings"):
        tg.constant(["a", "b"])


def test_numpy_float64_scalar_is_float64_yet_weak_in_arithmetic():
    assert tg.constant(np.float64(1.1)).dtype == "float64"
    assert tg.constant(np.float64(1.1)).numpy() == np.float64(1.1)
    assert tg.constant(np.float32(1.5)).dtype == "float32"
    x32 = tg.constant([1.0, 2.0])
    assert (x32 * np.float64(0.5)).dtype == "float32"  # as TF and PyTorch: the tensor's dtype wins
    x64 = tg.constant(np.array([1.0, 3.0]))
    np.testing.assert_array_equal((x64 * np.float64(0.1)).numpy(), np.array([1.0, 3.0]) * 0.1)


def test_absurd_and_negative_sizes_raise_without_crashing():
    with pytest.raises((MemoryError, ValueError)):
        tg.zeros((1 << 40, 1 << 40))
    with pytest.raises((MemoryError, ValueError)):
        tg.ones((1 << 62, 4))
    with pytest.raises((MemoryError, ValueError)):
        tg.tile(tg.zeros((2, 2)), [1 << 40, 1 << 40])
    with pytest.raises(ValueError, match="negative dimension"):
        tg.zeros((2, -3))
    with pytest.raises(ValueError):
        tg.reshape(tg.zeros(4), (-2, -2))
    with pytest.raises(ValueError):
        tg.broadcast_to(tg.zeros(1), (-1,))


# ---- DLPack -------------------------------------------------------------------

def test_dlpack_device():
    assert tg.constant([1.0]).__dlpack_device__() == (1, 0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_from_dlpack_shares_tensor_memory(dtype):
    x = tg.constant(sample(dtype, (4, 5)))
    for t in [x, x[::-1, 1::2], tg.transpose(x)]:
        a = np.from_dlpack(t)
        assert np.shares_memory(a, t.numpy())
        assert not a.flags.writeable                    # versioned capsule flagged read-only
        np.testing.assert_array_equal(a, t.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_from_dlpack_of_numpy_is_zero_copy(dtype):
    a = sample(dtype, (4, 5))
    for view in [a, a[::-1], a[:, 1::2], a.T, a[2:2]]:
        t = tg.from_dlpack(view)
        assert t.dtype == tg.as_dtype(dtype)
        np.testing.assert_array_equal(t.numpy(), view)
        if view.size:
            assert np.shares_memory(t.numpy(), view)
    t = tg.from_dlpack(a)
    assert t._storage_ptr == data_ptr(a)
    a[0, 0] = a[0, 1]                                     # aliasing: the caller's business
    assert t.numpy()[0, 0] == a[0, 1]


def test_from_dlpack_keeps_the_producer_alive():
    a = np.arange(1000.0)
    ref = weakref.ref(a)
    t = tg.from_dlpack(a[10:20])
    del a
    gc.collect()
    assert ref() is not None                              # the tensor holds the array
    np.testing.assert_array_equal(t.numpy(), np.arange(10.0, 20.0))
    u = t[2:5]                                            # views hold it too
    del t
    gc.collect()
    assert ref() is not None
    np.testing.assert_array_equal(u.numpy(), [12.0, 13.0, 14.0])
    del u
    gc.collect()
    assert ref() is None


def test_from_dlpack_copy_and_roundtrip():
    a = np.arange(6.0).reshape(2, 3)
    c = tg.from_dlpack(a, copy=True)
    assert not np.shares_memory(c.numpy(), a)
    np.testing.assert_array_equal(c.numpy(), a)
    x = tg.constant(a)
    y = tg.from_dlpack(x)                                 # our own producer
    assert y._storage_ptr == x._storage_ptr
    z = np.from_dlpack(x, copy=True)
    assert not np.shares_memory(z, x.numpy())


def test_dlpack_capsules_legacy_and_versioned():
    x = tg.constant([[1, 2], [3, 4]], dtype=tg.int32)
    legacy = x.__dlpack__()
    t = tg.from_dlpack(legacy)
    np.testing.assert_array_equal(t.numpy(), [[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="already been consumed"):
        tg.from_dlpack(legacy)
    versioned = x.__dlpack__(max_version=(1, 0))
    assert "dltensor_versioned" in repr(versioned)
    assert tg.from_dlpack(versioned)._storage_ptr == x._storage_ptr
    x.__dlpack__(max_version=(1, 0))                      # never consumed: freed by the capsule
    x.__dlpack__()
    gc.collect()
    with pytest.raises(BufferError):
        x.__dlpack__(dl_device=(2, 0))
    with pytest.raises(ValueError, match="stream"):
        x.__dlpack__(stream=1)


def test_from_dlpack_bad_input():
    with pytest.raises(TypeError, match="__dlpack__"):
        tg.from_dlpack([1, 2, 3])
    with pytest.raises(TypeError, match="unsupported DLPack dtype"):
        tg.from_dlpack(np.array([1 + 1j]))
    with pytest.raises(TypeError, match="unsupported DLPack dtype"):
        tg.from_dlpack(np.array([1.0], dtype=np.float16))

    class Elsewhere:
        def __init__(self, device):
            self.device = device

        def __dlpack_device__(self):
            return self.device

        def __dlpack__(self, **kw):
            raise AssertionError("must not be called")

    with pytest.raises(BufferError, match="device"):
        tg.from_dlpack(Elsewhere((10, 0)))  # ROCm memory: never importable
    if _C.cuda_device_count() == 0:  # CUDA memory only where a GPU is
        with pytest.raises(BufferError, match="device"):
            tg.from_dlpack(Elsewhere((2, 0)))


def test_from_dlpack_readonly_numpy_array():
    a = np.arange(4.0)
    a.flags.writeable = False
    t = tg.from_dlpack(a)                                  # versioned capsule carries the read-only flag
    assert t._storage_ptr == data_ptr(a)


def test_torch_interop_if_available():
    torch = pytest.importorskip("torch")
    x = tg.constant(np.arange(6.0, dtype=np.float32).reshape(2, 3))
    tt = torch.from_dlpack(x)
    np.testing.assert_array_equal(tt.numpy(), x.numpy())
    src = torch.arange(6, dtype=torch.float64).reshape(3, 2).t()
    y = tg.from_dlpack(src)
    np.testing.assert_array_equal(y.numpy(), src.numpy())
    assert y.numpy().__array_interface__["data"][0] == src.data_ptr()

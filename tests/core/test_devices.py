"""Devices in the core: allocators per device type, the tf.device scope, and
to_device, the one (differentiable) way between devices.

A machine without a GPU still runs the device machinery end to end on a
stand-in GPU:0 whose memory is host memory (csrc/backend/host_gpu.cpp); its
kernel column holds only the transfers and float32 add and multiply. It is
installed in a subprocess so the rest of the suite never sees it."""

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import _C


def test_a_device_without_a_backend_is_a_clear_error():
    x = tg.constant([1.0, 2.0])
    if _C.cuda_device_count():
        pytest.skip("a GPU is present")
    with pytest.raises(ValueError, match=r"no memory allocator for device GPU:0"):
        x.to("GPU:0")
    with pytest.raises(ValueError, match="unknown device"):
        x.to("TPU:0")


def test_cpu_and_to_the_same_device_are_the_tensor_itself():
    x = tg.constant([1.0, 2.0])
    assert x.cpu() is x or x.cpu().numpy().tolist() == [1.0, 2.0]
    assert x.to("CPU:0").device.endswith("CPU:0")


def test_cpu_device_scope_places_identity_and_restores_on_exit():
    x = tg.constant([1.0, 2.0])
    with tg.device("CPU:0"):
        y = tg.identity(x)
    assert y.device.endswith("CPU:0")
    np.testing.assert_array_equal(y.numpy(), [1.0, 2.0])
    assert _C._set_scope_device(None) is None  # the scope was left


STAND_IN = textwrap.dedent(r"""
    import numpy as np
    import tensorgear as tg
    from tensorgear import _C

    _C._install_host_gpu_for_tests()
    x = tg.constant([[1.0, -2.0], [3.0, 4.0]])
    y = x.to("GPU:0")
    assert y.device.endswith("GPU:0"), y.device
    np.testing.assert_array_equal(y.numpy(), x.numpy())  # numpy() copies back (a host sync)
    assert float(y[1, 1]) == 4.0  # views need no kernel; item reads through the host

    # A kernel the device has, and one it has not.
    z = y * y + y
    assert z.device.endswith("GPU:0")
    np.testing.assert_array_equal(z.cpu().numpy(), x.numpy() ** 2 + x.numpy())
    try:
        tg.exp(y)
    except NotImplementedError as e:
        assert "op 'exp' has no CUDA kernel for float32" in str(e), e
    else:
        raise AssertionError("exp ran on a device without its kernel")
    try:
        tg.exp(tg.cast(x, tg.float64).to("GPU:0"))
    except NotImplementedError as e:
        assert "op 'exp' has no CUDA kernel for float64" in str(e), e

    # Mixing devices is the caller's error, with one message for every op.
    try:
        y + x
    except ValueError as e:
        assert "add: tensors on different devices (GPU:0 and CPU:0)" in str(e), e
    else:
        raise AssertionError("mixed devices were accepted")

    # The copy is differentiable: the gradient comes back to the CPU.
    with tg.GradientTape() as tape:
        tape.watch(x)
        g_in = x.to("GPU:0")
        out = (g_in * g_in).cpu()
        loss = tg.reduce_sum(out)
    g = tape.gradient(loss, x)
    assert g.device.endswith("CPU:0"), g.device
    np.testing.assert_array_equal(g.numpy(), 2 * x.numpy())

    # An index list written in Python joins the tensor's device (gather has
    # no kernel on the stand-in, so the error names that op, not the devices).
    try:
        y[[0, 1]]
    except NotImplementedError as e:
        assert "op 'gather' has no CUDA kernel for float32" in str(e), e

    # Nothing a user does with a tensor on a device without most kernels
    # crashes: each call returns or raises a typed error.
    i, m = tg.constant([0, 1]).to("GPU:0"), tg.constant([True, False]).to("GPU:0")
    calls = [lambda: tg.reduce_sum(y), lambda: tg.nn.softmax(y), lambda: tg.matmul(y, y), lambda: tg.concat([y, y], 0),
             lambda: tg.gather(y, i), lambda: tg.boolean_mask(y, m), lambda: y[[True, False]], lambda: tg.cast(y, tg.int32),
             lambda: repr(y), lambda: bool(y[0, 0]), lambda: np.asarray(y),
             lambda: tg.Variable(y), lambda: tg.reshape(tg.transpose(y), [-1]), lambda: tg.one_hot(i, 3),
             lambda: tg.argmax(y, 1), lambda: tg.random.shuffle(y), lambda: tg.zeros_like(y), lambda: tg.tile(y, [2, 1])]
    for call in calls:
        try:
            call()
        except (NotImplementedError, ValueError, TypeError):
            pass

    # A GPU tensor exports as DLPack CUDA memory, which NumPy refuses (as it
    # refuses a torch CUDA tensor); np.asarray above copies to the host instead.
    assert y.__dlpack_device__() == (2, 0)
    try:
        np.from_dlpack(y)
    except (RuntimeError, BufferError) as e:
        assert "device" in str(e).lower(), e
    else:
        raise AssertionError("NumPy imported GPU memory")

    # A Python scalar joins the tensor's device.
    np.testing.assert_array_equal((y * 2.0).cpu().numpy(), 2 * x.numpy())
    assert (3.0 + y).device.endswith("GPU:0")

    # Under a device scope: tf.identity copies there, Python data and
    # creation ops are made there (zeros has no kernel on the stand-in).
    _C._set_scope_device("GPU:0")
    w = tg.identity(x)
    c = tg.constant([1.0, 2.0])
    try:
        tg.zeros([2])
    except NotImplementedError as e:
        assert "op 'fill' has no CUDA kernel" in str(e), e
    else:
        raise AssertionError("zeros ran on a device without a fill kernel")
    _C._set_scope_device(None)
    assert w.device.endswith("GPU:0"), w.device
    assert c.device.endswith("GPU:0"), c.device
    assert tg.constant([1.0]).device.endswith("CPU:0")
    print("ok")
""")


def run_on_a_stand_in(script):
    if _C.cuda_device_count():
        pytest.skip("a GPU is present: the GPU tests run on the real device")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stdout + r.stderr


def test_the_device_machinery_on_a_stand_in_gpu():
    run_on_a_stand_in(STAND_IN)


PYTHON_DATA_ON_A_STAND_IN = textwrap.dedent(r"""
    import numpy as np
    import tensorgear as tg
    from tensorgear import _C

    _C._install_host_gpu_for_tests()
    x = tg.constant([[1.0, -2.0], [3.0, 4.0]])
    y = x.to("GPU:0")
    # Python data passed to an op (a list, an ndarray, a NumPy scalar) joins the tensor's device
    for other in ([1.0, 2.0], np.ones((2, 2), np.float32), np.float32(2.0)):
        z = y + other
        assert z.device.endswith("GPU:0"), (type(other), z.device)
        np.testing.assert_array_equal(z.cpu().numpy(), x.numpy() + np.asarray(other))
    assert (np.ones((2, 2), np.float32) * y).device.endswith("GPU:0")

    # with the GPU as the default device, what the user converts lands there ...
    _C._set_default_device("GPU:0")
    for made in (tg.constant([1.0]), tg.convert_to_tensor(np.ones(2, np.float32)), tg.Tensor([2.0]),
                 tg.add([1.0], [2.0])):
        assert made.device.endswith("GPU:0"), made.device
    c = tg.constant([1.0, 2.0])
    # ... and stays a tensor with a device: it does not follow a CPU tensor
    _C._set_default_device("CPU:0")
    try:
        tg.constant([1.0, 2.0]) + c
    except ValueError as e:
        assert "add: tensors on different devices (CPU:0 and GPU:0)" in str(e), e
    else:
        raise AssertionError("a converted tensor moved between devices by itself")
    assert (c + x[0].numpy()).device.endswith("GPU:0")
    print("ok")
""")


def test_python_data_joins_the_device_of_the_tensors_it_meets():
    run_on_a_stand_in(PYTHON_DATA_ON_A_STAND_IN)

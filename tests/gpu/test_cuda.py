"""On a GPU: placement, transfers, memory, interop and training (marker `gpu`).

Every op's values on the GPU are checked against NumPy by the device-
parametrised tests of tests/core/test_op_table.py; these are the parts around
the kernels. They skip without a CUDA device (tests/conftest.py)."""

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import _C, keras

pytestmark = pytest.mark.gpu


@pytest.fixture
def gpu_default():
    """TensorFlow's placement (the suite keeps the CPU default: tests/conftest.py)."""
    previous = _C._default_device()
    tg.config.set_visible_devices(tg.config.list_physical_devices())  # the GPU becomes the default again
    yield
    _C._set_default_device(previous)


def test_a_gpu_is_the_default_device_and_can_be_hidden(gpu_default):
    assert tg.config.list_physical_devices("GPU")
    assert tg.constant([1.0]).device.endswith("GPU:0")
    assert tg.zeros([3]).device.endswith("GPU:0")
    cpus, gpus = tg.config.list_physical_devices("CPU"), tg.config.list_physical_devices("GPU")
    try:
        tg.config.set_visible_devices([], "GPU")
        assert tg.constant([1.0]).device.endswith("CPU:0")
    finally:
        tg.config.set_visible_devices(cpus + gpus)
    assert tg.constant([1.0]).device.endswith("GPU:0")


def test_fit_places_variables_and_batches_on_the_default_gpu(gpu_default):
    x = np.random.default_rng(0).standard_normal((256, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = keras.Sequential([keras.layers.Dense(16, activation="relu"), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=3, verbose=0)
    assert all(v.device.endswith("GPU:0") for v in model.variables)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_transfers_round_trip_every_dtype_and_size():
    rng = np.random.default_rng(0)
    for dtype in ["float32", "float64", "int32", "int64", "uint8", "bool"]:
        for n in [0, 1, 1000, (8 << 20) + 13]:  # beyond one staging half
            x = (rng.standard_normal(n) * 100).astype(dtype)
            with tg.device("CPU:0"):
                t = tg.constant(x)
            g = t.to("GPU:0")
            assert g.device.endswith("GPU:0")
            np.testing.assert_array_equal(g.numpy(), x)
            np.testing.assert_array_equal(g.cpu().numpy(), x)


def test_ops_run_where_their_inputs_are_and_mixing_devices_is_an_error():
    with tg.device("CPU:0"):
        c = tg.constant([1.0, 2.0])
    g = c.to("GPU:0")
    assert (g * 2.0 + 1.0).device.endswith("GPU:0")  # Python scalars join the GPU
    with pytest.raises(ValueError, match=r"tensors on different devices \(GPU:0 and CPU:0\)"):
        g + c


def test_a_gradient_through_to_device_comes_back_to_the_cpu():
    with tg.device("CPU:0"):
        x = tg.constant([1.0, -2.0, 3.0])
    with tg.GradientTape() as tape:
        tape.watch(x)
        y = tg.reduce_sum(tg.square(x.to("GPU:0")))
    g = tape.gradient(y, x)
    assert g.device.endswith("CPU:0")
    np.testing.assert_allclose(g.numpy(), 2 * x.numpy())


def test_variables_live_on_the_gpu_and_assign_in_place():
    with tg.device("GPU:0"):
        v = tg.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
        assert v.device.endswith("GPU:0")
        v.assign_add(tg.ones([2, 3]))
        v[0, 1:].assign([10.0, 20.0])
    v.assign(np.zeros((2, 3), np.float32) + 1)  # a host value is copied to the variable's device
    assert v.device.endswith("GPU:0")
    v.assign(np.array([[1, 10, 20], [4, 5, 6]], np.float32))
    np.testing.assert_array_equal(v.numpy(), [[1, 10, 20], [4, 5, 6]])


def test_memory_info_counts_gpu_tensors_and_out_of_memory_is_memory_error():
    tg.config.experimental.reset_memory_stats("GPU:0")
    before = tg.config.experimental.get_memory_info("GPU:0")
    with tg.device("GPU:0"):
        x = tg.ones([64 << 20])  # 256 MiB
    during = tg.config.experimental.get_memory_info("GPU:0")
    assert during["current"] >= before["current"] + (256 << 20)
    del x
    after = tg.config.experimental.get_memory_info("GPU:0")
    assert after["current"] < during["current"] and after["peak"] >= during["current"]
    with tg.device("GPU:0"):
        with pytest.raises(MemoryError, match=r"GPU:0 out of memory: tried to allocate"):
            tg.zeros([1 << 40])  # 4 TiB
        assert float(tg.reduce_sum(tg.ones([10]))) == 10.0  # the device still works


def test_dlpack_with_torch_cuda_is_zero_copy_both_ways():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("torch without CUDA")
    a = torch.arange(12, dtype=torch.float32, device="cuda").reshape(3, 4)
    t = tg.from_dlpack(a)
    assert t.device.endswith("GPU:0")
    assert t.__dlpack_device__() == (2, 0)
    np.testing.assert_array_equal(t.numpy(), a.cpu().numpy())
    b = torch.from_dlpack(tg.square(t))
    assert b.is_cuda
    np.testing.assert_array_equal(b.cpu().numpy(), (a * a).cpu().numpy())
    assert torch.from_dlpack(t).data_ptr() == a.data_ptr()  # the same memory, no copy


def test_optimizer_updates_on_the_gpu_match_the_cpu():
    for name in ["sgd", "rmsprop", "adam", "adagrad", "adadelta", "nadam", "adamax", "lion", "ftrl"]:
        w0 = np.random.default_rng(1).standard_normal((50, 40)).astype(np.float32)
        g0 = np.random.default_rng(2).standard_normal((50, 40)).astype(np.float32)
        results = []
        for device in ["CPU:0", "GPU:0"]:
            with tg.device(device):
                v = tg.Variable(w0)
                opt = keras.optimizers.get(name)
                for _ in range(3):
                    opt.apply_gradients([(tg.constant(g0), v)])
            assert v.device.endswith(device)
            results.append(v.numpy())
        np.testing.assert_allclose(results[1], results[0], rtol=1e-6, atol=1e-6, err_msg=name)


def test_fit_trains_a_model_on_the_gpu_as_on_the_cpu():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((512, 20)).astype(np.float32)
    y = (x[:, :5].sum(axis=1) > 0).astype(np.int64)
    histories = {}
    for device in ["CPU:0", "GPU:0"]:
        keras.utils.set_random_seed(3)
        with tg.device(device):
            model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(2, activation="softmax")])
            model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            histories[device] = model.fit(x, y, batch_size=64, epochs=5, verbose=0, shuffle=False).history
        assert model.trainable_variables[0].device.endswith(device)
    cpu, gpu = histories["CPU:0"], histories["GPU:0"]
    assert gpu["accuracy"][-1] > 0.85
    np.testing.assert_allclose(gpu["loss"], cpu["loss"], rtol=2e-3)

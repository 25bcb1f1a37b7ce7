"""Suite-wide set-up.

- Tests marked `gpu` skip cleanly where no CUDA device is usable.
- With a GPU present, tensorgear puts new tensors on GPU:0 (TensorFlow's
  placement). The suite's CPU tests are written against the CPU (its
  allocator, thread pool, host reads), so the suite keeps the CPU as the
  default device; the GPU runs the device-parametrised op-table tests and
  tests/gpu, which name their devices. TENSORGEAR_TEST_DEVICE=GPU keeps the
  GPU default instead (`make gpu-check` runs the Keras tests that way too);
  tests marked `cpu` (what the CPU backend alone does) keep the CPU then.
"""

import os

import pytest

from tensorgear import _C


def pytest_configure(config):
    if _C.cuda_device_count() > 0 and os.environ.get("TENSORGEAR_TEST_DEVICE", "CPU").upper() != "GPU":
        _C._set_default_device("CPU:0")


@pytest.fixture(autouse=True)
def _cpu_marked_tests_run_on_the_cpu(request):
    if request.node.get_closest_marker("cpu") is None:
        yield
        return
    import tensorgear as tg

    with tg.device("CPU:0"):
        yield


def pytest_collection_modifyitems(config, items):
    if _C.cuda_device_count() > 0:
        return
    why = "no CUDA GPU here" + ("" if _C.cuda_built() else " (a build without the CUDA backend)")
    skip = pytest.mark.skip(reason=why)
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)

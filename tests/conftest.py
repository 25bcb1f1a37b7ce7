"""Suite-wide: tests marked `gpu` skip cleanly where no CUDA device is usable."""

import pytest

from tensorgear import _C


def pytest_collection_modifyitems(config, items):
    if _C.cuda_device_count() > 0:
        return
    why = "no CUDA GPU here" + ("" if _C.cuda_built() else " (a build without the CUDA backend)")
    skip = pytest.mark.skip(reason=why)
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)

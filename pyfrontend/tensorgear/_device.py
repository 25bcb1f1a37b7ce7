"""tg.device(name): the device scope of TensorFlow's API.

Inside the scope, tensors made from Python values and by creation ops go to
that device and tf.identity copies there; ops on existing tensors run where
their inputs are. Only the CPU has kernels in this build; asking for a GPU
that is not there is an error rather than a silent fallback, so a script
learns where it runs.
"""

import contextlib

from . import _C


@contextlib.contextmanager
def device(device_name):
    name = str(device_name).upper()
    kind = name.rsplit("DEVICE:", 1)[-1].lstrip("/").split(":")[0]
    if kind not in ("CPU", "GPU", "CUDA"):
        raise ValueError(f"unknown device '{device_name}': expected 'CPU:0' or 'GPU:0'")
    if kind != "CPU" and _C.cuda_device_count() == 0:
        raise ValueError(f"device '{device_name}' is not available: no CUDA device "
                         f"(CUDA kernels built: {_C.cuda_built()})")
    if kind != "CPU":
        raise ValueError(f"device '{device_name}': GPU kernels are not available in this release yet")
    previous = _C._set_scope_device(device_name)
    try:
        yield
    finally:
        _C._set_scope_device(previous)


def function(func=None, **kwargs):
    """tf.function stand-in: ops run eagerly, so the function is returned as is."""
    if func is None:
        return lambda f: f
    return func

"""tg.device(name): the device scope of TensorFlow's API.

Inside the scope, tensors made from Python values and by creation ops go to
that device and tf.identity copies there; ops on existing tensors run where
their inputs are. Outside any scope new tensors go to the process default:
GPU:0 when a visible GPU is present (tg.config), else the CPU. Asking for a
GPU that is not there is an error rather than a silent fallback, so a script
learns where it runs.
"""

import contextlib

from . import _C, config


@contextlib.contextmanager
def device(device_name):
    name = str(device_name).upper()
    kind = name.rsplit("DEVICE:", 1)[-1].lstrip("/").split(":")[0]
    if kind not in ("CPU", "GPU", "CUDA"):
        raise ValueError(f"unknown device '{device_name}': expected 'CPU:0' or 'GPU:0'")
    if kind != "CPU":
        index = name.rsplit(":", 1)[-1] if name.count(":") else "0"
        visible = config.visible_gpu_count()
        if not index.isdigit() or int(index) >= visible:
            raise ValueError(f"device '{device_name}' is not available: {visible} visible GPU(s) "
                             f"(CUDA kernels built: {_C.cuda_built()}, CUDA devices: {_C.cuda_device_count()})")
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

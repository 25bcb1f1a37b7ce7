"""tg.config: device discovery, placement and threading knobs (TensorFlow's tf.config names).

A GPU is used by default when one is present, as in TensorFlow: new tensors
(and so a Keras model's variables and batches) go to GPU:0 outside any
tf.device scope. `set_visible_devices([], "GPU")` or `CUDA_VISIBLE_DEVICES=`
in the environment keeps everything on the CPU.
"""

import builtins
import glob
import os
import sys
from collections import namedtuple

from . import _C

PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])
LogicalDevice = namedtuple("LogicalDevice", ["name", "device_type"])

_visible_gpus = None  # None: every GPU the driver reports


def _all_physical():
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    devices += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in builtins.range(_C.cuda_device_count())]
    return devices


def list_physical_devices(device_type=None):
    """CPU:0 always; GPU:n for each usable CUDA device of a CUDA build."""
    devices = _all_physical()
    if device_type is None:
        return devices
    return [d for d in devices if d.device_type == str(device_type).upper()]


def visible_gpu_count():
    """How many GPUs ops may use: the driver's count, less what set_visible_devices hid."""
    count = _C.cuda_device_count()
    return count if _visible_gpus is None else builtins.min(_visible_gpus, count)


def get_visible_devices(device_type=None):
    devices = [d for d in _all_physical() if d.device_type == "CPU"]
    devices += list_physical_devices("GPU")[:visible_gpu_count()]
    if device_type is None:
        return devices
    return [d for d in devices if d.device_type == str(device_type).upper()]


def set_visible_devices(devices, device_type=None):
    """Which GPUs ops may use; the first visible one becomes the default device.

    As TensorFlow, only a prefix of the GPUs can be kept here (GPU:0..k-1);
    CUDA_VISIBLE_DEVICES chooses any subset before the process starts."""
    global _visible_gpus
    if isinstance(devices, PhysicalDevice):
        devices = [devices]
    devices = list(devices)
    gpus = [d for d in devices if d.device_type == "GPU"]
    if device_type is not None and str(device_type).upper() == "CPU":
        return  # the CPU is always visible
    names = [d.name for d in list_physical_devices("GPU")]
    wanted = sorted(names.index(d.name) for d in gpus if d.name in names)
    if wanted != list(builtins.range(len(wanted))):
        raise ValueError(f"set_visible_devices: only the first GPUs can be kept visible (GPU:0..k-1), got "
                         f"{[d.name for d in gpus]}; use CUDA_VISIBLE_DEVICES for another subset")
    _visible_gpus = len(wanted)
    _place_default()


def list_logical_devices(device_type=None):
    return [LogicalDevice(d.name.replace("/physical_device:", "/device:"), d.device_type)
            for d in get_visible_devices(device_type)]


def _place_default():
    _C._set_default_device("GPU:0" if visible_gpu_count() > 0 else "CPU:0")


def _register_cuda_library_paths():
    """Where cuBLAS may live besides the loader's search path: the lib folders
    of NVIDIA's pip wheels (tensorgear[cuda] installs nvidia-cublas)."""
    if not hasattr(_C, "_add_cublas_search_path"):
        return
    for root in sys.path:
        for lib in sorted(glob.glob(os.path.join(root or ".", "nvidia", "*", "lib"))):
            _C._add_cublas_search_path(lib)


class experimental:  # noqa: N801  (TensorFlow's namespace name)
    """tf.config.experimental: the memory statistics of a device's allocator."""

    @staticmethod
    def get_memory_info(device):
        """{"current": bytes in use by tensors, "peak": the most since the last reset}."""
        stats = _C.allocator_stats(_device_name(device))
        return {"current": stats["bytes_in_use"], "peak": stats["peak_bytes_in_use"]}

    @staticmethod
    def reset_memory_stats(device):
        _C.reset_peak_memory(_device_name(device))

    @staticmethod
    def set_memory_growth(device, enable):
        """Accepted for TensorFlow code: the caching allocator always grows on demand."""

    @staticmethod
    def get_memory_growth(device):
        return True

    list_physical_devices = staticmethod(list_physical_devices)
    set_visible_devices = staticmethod(set_visible_devices)
    get_visible_devices = staticmethod(get_visible_devices)


def _device_name(device):
    name = device.name if isinstance(device, (PhysicalDevice, LogicalDevice)) else str(device)
    return name.replace("/physical_device:", "").replace("/device:", "")


class threading:  # noqa: N801  (TensorFlow's namespace name)
    """tf.config.threading: the size of the kernel thread pool."""

    @staticmethod
    def set_intra_op_parallelism_threads(n):
        _C.set_num_threads(int(n))

    @staticmethod
    def get_intra_op_parallelism_threads():
        return _C.num_threads()

    @staticmethod
    def set_inter_op_parallelism_threads(n):
        pass  # ops run eagerly on the calling thread: there is no inter-op pool

    @staticmethod
    def get_inter_op_parallelism_threads():
        return 1


if _C.cuda_device_count() > 0:
    _register_cuda_library_paths()
    _place_default()

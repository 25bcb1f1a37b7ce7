"""tg.config: device discovery and threading knobs (TensorFlow's tf.config names)."""

import builtins
from collections import namedtuple

from . import _C

PhysicalDevice = namedtuple("PhysicalDevice", ["name", "device_type"])


def list_physical_devices(device_type=None):
    """CPU:0 always; GPU:n for each usable CUDA device of a CUDA build."""
    devices = [PhysicalDevice("/physical_device:CPU:0", "CPU")]
    devices += [PhysicalDevice(f"/physical_device:GPU:{i}", "GPU") for i in builtins.range(_C.cuda_device_count())]
    if device_type is None:
        return devices
    return [d for d in devices if d.device_type == str(device_type).upper()]


list_logical_devices = list_physical_devices


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

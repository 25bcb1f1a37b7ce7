"""The competitors of the kernel and overhead sections, behind one small interface:
turn a NumPy array into the framework's tensor and a result back into NumPy."""

from __future__ import annotations

import importlib
from typing import Dict, List, Optional, Tuple

import numpy as np


class Framework:
    name = ""
    module = None

    def tensor(self, a: np.ndarray):
        raise NotImplementedError

    def to_numpy(self, t) -> np.ndarray:
        raise NotImplementedError


class NumPy(Framework):
    name = "numpy"
    module = np

    def tensor(self, a):
        return a

    def to_numpy(self, t):
        return np.asarray(t)


class TensorGear(Framework):
    name = "tensorgear"

    def __init__(self):
        import tensorgear

        self.module = tensorgear

    def tensor(self, a):
        return self.module.constant(a)

    def to_numpy(self, t):
        return np.asarray(t.numpy())


class Torch(Framework):
    name = "torch"

    def __init__(self):
        self.module = importlib.import_module("torch")

    def tensor(self, a):
        return self.module.from_numpy(np.ascontiguousarray(a))

    def to_numpy(self, t):
        return t.detach().numpy()


ORDER = ("tensorgear", "numpy", "torch")


def load(names) -> Tuple[Dict[str, Framework], List[str]]:
    """The requested frameworks that import, and a note for each that does not."""
    out: Dict[str, Framework] = {}
    notes: List[str] = []
    for name in ORDER:
        if name not in names:
            continue
        try:
            out[name] = {"tensorgear": TensorGear, "numpy": NumPy, "torch": Torch}[name]()
        except ImportError as e:
            notes.append(f"{name}: not installed ({e}); its columns are skipped")
    return out, notes


def torch_or_none() -> Optional[object]:
    try:
        return importlib.import_module("torch")
    except ImportError:
        return None

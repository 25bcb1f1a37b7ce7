"""Background loads for the busy mode: what shares a user's machine while
they train (another training run, NumPy work, a bursty BLAS job, a busy
loop). Each load is a subprocess the benchmark starts and stops; it also
stops by itself after ``max_seconds`` so that nothing outlives a crashed run.

    python loads.py KIND MAX_SECONDS

runs one load in the foreground (the benchmark starts it this way). The
script is run by file path and imports NumPy or PyTorch only, never
tensorgear.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from typing import Dict, List, Mapping, Optional

# name -> what it is, for the report
KINDS: Dict[str, str] = {
    "spin": "one always-runnable busy loop",
    "numpy-mlp": "NumPy MLP training (OpenBLAS, 2 threads)",
    "bursty-blas": "bursty 2-thread BLAS (4 ms of GEMMs, 2 ms idle)",
    "torch-train": "another framework training (PyTorch, its threads)",
}
SCRIPT = os.path.abspath(__file__)


def unavailable(kind: str) -> Optional[str]:
    if kind not in KINDS:
        return f"unknown load {kind!r} (choose from {', '.join(KINDS)})"
    if kind == "torch-train" and importlib.util.find_spec("torch") is None:
        return "PyTorch is not installed (pip install torch)"
    return None


class Load:
    """A running background load; ``stop()`` (or the context manager) ends it."""

    def __init__(self, kind: str, environ: Mapping[str, str], max_seconds: float = 900):
        why = unavailable(kind)
        if why:
            raise ValueError(why)
        self.kind = kind
        env = dict(environ)
        if kind in ("numpy-mlp", "bursty-blas"):
            env["OPENBLAS_NUM_THREADS"] = "2"
            env["OMP_NUM_THREADS"] = "2"
        self.proc = subprocess.Popen([sys.executable, SCRIPT, kind, str(max_seconds)], env=env,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     start_new_session=True)
        time.sleep(1.0)  # imports and the first iterations: the load is on when timing starts
        if self.proc.poll() is not None:
            err = self.proc.stderr.read().decode(errors="replace").strip().splitlines()[-1:]
            raise RuntimeError(f"load {kind} exited at once: {' '.join(err)}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        if self.proc.stderr:
            self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ---- the loads themselves (run in the child) -----------------------------------


def _spin(deadline: float) -> None:
    x = 0
    while time.monotonic() < deadline:
        for _ in range(100000):
            x += 1


def _numpy_mlp(deadline: float) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.random((128, 784), dtype=np.float32)
    w1 = rng.standard_normal((784, 512)).astype(np.float32) * 0.05
    w2 = rng.standard_normal((512, 10)).astype(np.float32) * 0.05
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 128)]
    while time.monotonic() < deadline:
        h = np.maximum(x @ w1, 0)
        z = h @ w2
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = (p - y) / 128
        gw2 = h.T @ g
        gh = (g @ w2.T) * (h > 0)
        gw1 = x.T @ gh
        w1 -= 1e-3 * gw1
        w2 -= 1e-3 * gw2


def _bursty_blas(deadline: float) -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    a = rng.random((512, 512), dtype=np.float32)
    b = rng.random((512, 512), dtype=np.float32)
    while time.monotonic() < deadline:
        t_end = time.perf_counter() + 0.004
        while time.perf_counter() < t_end:
            a @ b
        time.sleep(0.002)


def _torch_train(deadline: float) -> None:
    import torch

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    x = torch.rand(128, 784)
    y = torch.randint(0, 10, (128,))
    loss_fn = torch.nn.CrossEntropyLoss()
    while time.monotonic() < deadline:
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()


RUNNERS = {"spin": _spin, "numpy-mlp": _numpy_mlp, "bursty-blas": _bursty_blas, "torch-train": _torch_train}


def main(argv: List[str]) -> int:
    kind, max_seconds = argv[0], float(argv[1])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    RUNNERS[kind](time.monotonic() + max_seconds)
    return 0


if __name__ == "__main__":
    # The script's folder would shadow top-level modules for the imports above.
    if sys.path and os.path.abspath(sys.path[0] or ".") == os.path.dirname(SCRIPT):
        del sys.path[0]
    sys.exit(main(sys.argv[1:]))

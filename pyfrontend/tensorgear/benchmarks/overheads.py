"""Overhead section: what a tiny op costs beyond its arithmetic.

* dispatch: one binary op on two 4x4 float32 tensors, through the function
  (``tg.add(x, y)``) and the operator (``x + y``);
* the same op recorded on a tape (a watched input, so a node is recorded);
* a tiny ``sum(x * x)`` forward + backward on a 4x4 Variable;
* ``import tensorgear`` in a fresh interpreter (median of several).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import timeit
from typing import Callable, Dict, List, Mapping, Optional

import numpy as np

from . import env as benv
from . import timing
from .frameworks import Framework


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}"[:160]


def _stmt(stmt: str, ns: Dict[str, object]) -> Callable[[int], float]:
    """A sampler timing ``stmt`` as timeit does (no wrapper call per iteration),
    after running it once so that a missing op fails here."""
    exec(stmt, dict(ns))
    timer = timeit.Timer(stmt, globals=dict(ns))
    return lambda number: timer.timeit(number) / number


def _tg_cases(tg) -> Dict[str, Callable[[], Callable[[int], float]]]:
    """Each entry builds (and checks once) a sampler: number -> seconds per call."""
    a = np.arange(16, dtype=np.float32).reshape(4, 4) / 16
    x, y = tg.constant(a), tg.constant(a + 1)

    def taped():
        ns = {"mul": tg.multiply, "x": x, "y": y}
        with tg.GradientTape() as tape:  # fails early when the op is not recorded
            tape.watch(x)
            out = tg.multiply(x, y)
        if tape.gradient(out, x) is None:
            raise ValueError("the op was not recorded on the tape")
        timer = timeit.Timer("mul(x, y)", globals=ns)

        def sample(number):
            # Recording grows the tape, so each sample gets a fresh one.
            with tg.GradientTape() as t:
                t.watch(x)
                return timer.timeit(number) / number
        return sample

    def fwd_bwd():
        v = tg.Variable(a)
        ns = {"GradientTape": tg.GradientTape, "s": tg.reduce_sum, "mul": tg.multiply, "v": v}
        with tg.GradientTape() as tape:
            loss = tg.reduce_sum(tg.multiply(v, v))
        g = np.asarray(tape.gradient(loss, v).numpy())
        if not np.allclose(g, 2 * a, rtol=1e-6, atol=1e-7):
            raise ValueError(f"gradient of sum(x*x) is wrong: {g.ravel()[:4]}...")
        return _stmt("with GradientTape() as tape:\n    loss = s(mul(v, v))\ntape.gradient(loss, v)", ns)

    ns = {"add": tg.add, "x": x, "y": y}
    return {"dispatch add(x, y)": lambda: _stmt("add(x, y)", ns),
            "dispatch x + y": lambda: _stmt("x + y", ns),
            "taped multiply(x, y)": taped, "fwd+bwd sum(x*x)": fwd_bwd}


def _numpy_cases() -> Dict[str, Callable[[], Callable[[int], float]]]:
    a = np.arange(16, dtype=np.float32).reshape(4, 4) / 16
    ns = {"add": np.add, "x": a, "y": a + 1}
    return {"dispatch add(x, y)": lambda: _stmt("add(x, y)", ns),
            "dispatch x + y": lambda: _stmt("x + y", ns)}


def _torch_cases(torch) -> Dict[str, Callable[[], Callable[[int], float]]]:
    a = np.arange(16, dtype=np.float32).reshape(4, 4) / 16
    x, y = torch.from_numpy(a.copy()), torch.from_numpy(a + 1)
    ns = {"add": torch.add, "mul": torch.mul, "x": x, "y": y,
          "xw": x.clone().requires_grad_(True), "grad": torch.autograd.grad,
          "v": torch.from_numpy(a.copy()).requires_grad_(True)}
    return {"dispatch add(x, y)": lambda: _stmt("add(x, y)", ns),
            "dispatch x + y": lambda: _stmt("x + y", ns),
            "taped multiply(x, y)": lambda: _stmt("mul(xw, y)", ns),
            "fwd+bwd sum(x*x)": lambda: _stmt("grad((v * v).sum(), v)", ns)}


TARGETS_US = {"dispatch add(x, y)": 0.8, "dispatch x + y": 0.8,
              "taped multiply(x, y)": 1.2, "fwd+bwd sum(x*x)": 8.0}


def run_dispatch(fws: Mapping[str, Framework], settings: timing.Settings,
                 patterns=(), quiet_wait: float = 0.0, out=None) -> List[Dict[str, object]]:
    builders: Dict[str, Dict[str, Callable]] = {}
    if "tensorgear" in fws:
        builders["tensorgear"] = _tg_cases(fws["tensorgear"].module)
    if "numpy" in fws:
        builders["numpy"] = _numpy_cases()
    if "torch" in fws:
        builders["torch"] = _torch_cases(fws["torch"].module)
    rows = []
    for case in TARGETS_US:
        if patterns and not any(p.lower() in case.lower() or p.lower() == "overheads"
                                for p in patterns):
            continue
        row: Dict[str, object] = {"case": case, "times": {}, "notes": [],
                                  "target_s": TARGETS_US[case] * 1e-6}
        if quiet_wait:
            benv.wait_quiet(quiet_wait, out)
        samplers = {}
        for name, cases in builders.items():
            if case not in cases:
                continue
            try:
                samplers[name] = cases[case]()
            except Exception as e:  # noqa: BLE001 - missing features are notes
                row["notes"].append(f"{name} skipped: {_short(e)}")
        stats = timing.compare_samplers(samplers, settings) if samplers else {}
        row["times"] = {n: s.as_dict() for n, s in stats.items()}
        if "tensorgear" in stats:
            t = stats["tensorgear"].median
            row["ratios"] = {f"{n}/tg": s.median / t for n, s in stats.items() if n != "tensorgear"}
        rows.append(row)
    return rows


def import_time(module: str, runs: int, environ: Mapping[str, str]) -> Optional[Dict[str, object]]:
    """Median wall time of ``import module`` in a fresh interpreter (the import
    statement alone, not interpreter start-up)."""
    code = ("import time; t = time.perf_counter(); import {m}; "
            "print(repr(time.perf_counter() - t))").format(m=module)
    times, err = [], None
    for _ in range(runs):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env=dict(environ), timeout=300)
        if r.returncode != 0:
            err = (r.stderr.strip().splitlines() or ["failed"])[-1]
            break
        times.append(float(r.stdout.strip().splitlines()[-1]))
    if err:
        return {"module": module, "error": err[:200]}
    return {"module": module, "median_s": statistics.median(times), "min_s": min(times),
            "runs": runs}


def run_imports(runs: int, unset_openblas: bool, include_torch: bool) -> List[Dict[str, object]]:
    import os

    environ = benv.child_env(os.environ, unset_openblas)
    mods = ["tensorgear", "numpy"] + (["torch"] if include_torch else [])
    out = []
    for m in mods:
        r = import_time(m, runs, environ)
        if r:
            out.append(r)
    return out

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
import time
from typing import Callable, Dict, List, Mapping, Optional

import numpy as np

from . import env as benv
from . import timing
from .frameworks import Framework


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}"[:160]


def _tg_cases(tg) -> Dict[str, Callable[[], Callable[[], object]]]:
    """Each entry builds (and checks once) a zero-argument callable to time."""
    a = np.arange(16, dtype=np.float32).reshape(4, 4) / 16
    x, y = tg.constant(a), tg.constant(a + 1)

    def dispatch_fn():
        add = tg.add
        return lambda: add(x, y)

    def dispatch_op():
        x + y  # noqa: B018 - raises when operators are not bound yet
        return lambda: x + y

    def taped():
        mul = tg.multiply
        # Recording grows the tape, so each timing sample gets a fresh one.
        return _TapeLoop(tg, x, lambda: mul(x, y))

    def fwd_bwd():
        v = tg.Variable(a)
        s, mul = tg.reduce_sum, tg.multiply

        def step():
            with tg.GradientTape() as tape:
                loss = s(mul(v, v))
            return tape.gradient(loss, v)

        g = np.asarray(step().numpy())
        if not np.allclose(g, 2 * a, rtol=1e-6, atol=1e-7):
            raise ValueError(f"gradient of sum(x*x) is wrong: {g.ravel()[:4]}...")
        return step

    return {"dispatch add(x, y)": dispatch_fn, "dispatch x + y": dispatch_op,
            "taped multiply(x, y)": taped, "fwd+bwd sum(x*x)": fwd_bwd}


class _TapeLoop:
    """Times an op inside one open tape that watches its input (so every call
    records a node), a fresh tape per timing sample."""

    def __init__(self, tg, watched, op):
        self.tg, self.watched, self.op = tg, watched, op
        with tg.GradientTape() as tape:  # fails early when tapes or the op are missing
            tape.watch(watched)
            out = op()
            if tape.gradient(out, watched) is None:
                raise ValueError("the op was not recorded on the tape")

    def sample(self, number: int) -> float:
        op = self.op
        with self.tg.GradientTape() as tape:
            tape.watch(self.watched)
            t0 = time.perf_counter()
            for _ in range(number):
                op()
            return (time.perf_counter() - t0) / number


def _numpy_cases() -> Dict[str, Callable[[], Callable[[], object]]]:
    a = np.arange(16, dtype=np.float32).reshape(4, 4) / 16
    x, y = a, a + 1
    add = np.add
    return {"dispatch add(x, y)": lambda: (lambda: add(x, y)),
            "dispatch x + y": lambda: (lambda: x + y)}


def _torch_cases(torch) -> Dict[str, Callable[[], Callable[[], object]]]:
    a = np.arange(16, dtype=np.float32).reshape(4, 4) / 16
    x, y = torch.from_numpy(a.copy()), torch.from_numpy(a + 1)
    xw = x.clone().requires_grad_(True)

    def taped():
        mul = torch.mul
        return lambda: mul(xw, y)

    def fwd_bwd():
        v = torch.from_numpy(a.copy()).requires_grad_(True)
        grad = torch.autograd.grad

        def step():
            return grad((v * v).sum(), v)[0]
        return step

    add = torch.add
    return {"dispatch add(x, y)": lambda: (lambda: add(x, y)),
            "dispatch x + y": lambda: (lambda: x + y),
            "taped multiply(x, y)": taped, "fwd+bwd sum(x*x)": fwd_bwd}


TARGETS_US = {"dispatch add(x, y)": 0.8, "dispatch x + y": 0.8,
              "taped multiply(x, y)": 1.2, "fwd+bwd sum(x*x)": 8.0}


def _time_sampler(sampler, settings: timing.Settings) -> timing.Stats:
    """Like timing.compare for one competitor that times its own loop."""
    number = 1
    while number < settings.max_number and sampler(number) * number < settings.min_sample_s:
        number *= 10
    return timing.summarize([sampler(number) for _ in range(max(1, settings.repeats))])


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
        plain, loops = {}, {}
        for name, cases in builders.items():
            if case not in cases:
                continue
            try:
                built = cases[case]()
                if isinstance(built, _TapeLoop):
                    loops[name] = built
                else:
                    built()
                    plain[name] = built
            except Exception as e:  # noqa: BLE001 - missing features are notes
                row["notes"].append(f"{name} skipped: {_short(e)}")
        stats = timing.compare(plain, settings) if plain else {}
        for name, loop in loops.items():
            stats[name] = _time_sampler(loop.sample, settings)
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

"""Timing: warm-up, calibrated inner loops, many repeats, medians.

The machine is shared and noisy, so competitors are sampled round-robin (one
sample of each, then the next round): a burst of noise hits all of them alike
and the ratios stay meaningful even when absolute times wander.
"""

from __future__ import annotations

import gc
import itertools
import statistics
import time
from dataclasses import dataclass, field, replace
from typing import Callable, Dict, List, Mapping


@dataclass
class Settings:
    repeats: int = 15          # samples per competitor
    min_sample_s: float = 0.01  # an inner loop runs at least this long
    warmup: int = 2            # untimed calls first
    max_number: int = 1_000_000
    # Idle time before each sample when the previous one was another
    # competitor's. Thread pools spin for a while after their work (OpenBLAS,
    # OpenMP); on 2 cores another library's spinning workers steal the core
    # our second worker needs, and a multi-threaded call then waits a scheduler
    # tick (measured: a 0.5 ms GEMM took 3-4 ms right after NumPy's, and 0.5 ms
    # after 2 ms of idle). 0 for single-threaded runs, where no pool spins.
    settle_s: float = 0.0


# Short samples, many of them: on a shared machine a sample that spans a
# scheduler time slice (~3 ms) absorbs other tasks' time; short ones mostly don't,
# so their median stays close to what a quiet machine gives.
QUICK = Settings(repeats=7, min_sample_s=0.001, warmup=1)
FULL = Settings(repeats=21, min_sample_s=0.002, warmup=3)
TINY = Settings(repeats=1, min_sample_s=0.0, warmup=0, max_number=1)  # harness tests


def with_settle(settings: Settings, threads: int) -> Settings:
    """``settings`` with a settle time when competitors run multi-threaded."""
    return replace(settings, settle_s=0.005 if threads != 1 else 0.0)


def _settle(fn: Callable[[], object], settings: Settings) -> None:
    if settings.settle_s > 0:
        time.sleep(settings.settle_s)
        fn()  # wakes this competitor's own pool


def _sample(fn: Callable[[], object], number: int) -> float:
    t0 = time.perf_counter()
    for _ in itertools.repeat(None, number):
        fn()
    return (time.perf_counter() - t0) / number


def calibrate(fn: Callable[[], object], settings: Settings) -> int:
    """How many calls make one sample last at least ``min_sample_s``."""
    number = 1
    while number < settings.max_number:
        t = _sample(fn, number) * number
        if t >= settings.min_sample_s:
            break
        # Aim a bit past the target so the loop ends in one or two more tries.
        grow = 10 if t <= 0 else max(2, int(settings.min_sample_s * 1.5 / t) + 1)
        number = min(settings.max_number, number * grow)
    return number


@dataclass
class Stats:
    median: float
    lo: float   # 25th percentile
    hi: float   # 75th percentile
    n: int
    min: float = 0.0
    samples: List[float] = field(default_factory=list, repr=False)

    def as_dict(self) -> Dict[str, float]:
        return {"median_s": self.median, "p25_s": self.lo, "p75_s": self.hi, "min_s": self.min,
                "samples": self.n}


def summarize(samples: List[float]) -> Stats:
    s = sorted(samples)
    if len(s) >= 4:
        q = statistics.quantiles(s, n=4)
        lo, hi = q[0], q[2]
    else:
        lo, hi = s[0], s[-1]
    return Stats(statistics.median(s), lo, hi, len(s), s[0], s)


def compare(fns: Mapping[str, Callable[[], object]], settings: Settings) -> Dict[str, Stats]:
    """Per-call time of each callable, sampled round-robin."""
    names = list(fns)
    numbers = {}
    for name in names:
        for _ in range(settings.warmup):
            fns[name]()
        numbers[name] = calibrate(fns[name], settings)
    samples: Dict[str, List[float]] = {n: [] for n in names}
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(settings.repeats):
            for name in names:
                if len(names) > 1:
                    _settle(fns[name], settings)
                samples[name].append(_sample(fns[name], numbers[name]))
    finally:
        if was_enabled:
            gc.enable()
    return {n: summarize(samples[n]) for n in names}


def compare_samplers(samplers: Mapping[str, Callable[[int], float]],
                     settings: Settings) -> Dict[str, Stats]:
    """Like compare() for competitors that time their own loop of ``number`` calls
    and return the per-call time (timeit statements, loops inside a tape)."""
    names = list(samplers)
    numbers = {}
    for name in names:
        samplers[name](max(1, settings.warmup))
        number = 1
        while number < settings.max_number and samplers[name](number) * number < settings.min_sample_s:
            number = min(settings.max_number, number * 10)
        numbers[name] = number
    samples: Dict[str, List[float]] = {n: [] for n in names}
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(settings.repeats):
            for name in names:
                if len(names) > 1:
                    _settle(lambda: samplers[name](1), settings)
                samples[name].append(samplers[name](numbers[name]))
    finally:
        if was_enabled:
            gc.enable()
    return {n: summarize(samples[n]) for n in names}


def fmt_time(seconds: float) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"

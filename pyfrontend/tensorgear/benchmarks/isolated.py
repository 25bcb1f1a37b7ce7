"""Timing BLAS kernels one framework per process.

NumPy's OpenBLAS, the system OpenBLAS under tensorgear and PyTorch's pools
each keep worker threads. Sampled round-robin in one process on two cores,
one library's workers disturb the next library's multi-threaded GEMM: a
(128,784)@(784,512) product of ours measured 530 us between NumPy samples
and 265-290 us in a process of its own, and NumPy's own numbers moved too.
A user's training process holds one such pool, so the matmul cases are timed
the way they are used: each framework in a subprocess of its own, the
processes run one after the other in rounds (tg, numpy, torch, tg, ...) and
the samples of all rounds pooled. Results are still checked against NumPy in
the parent process (kernels.run_case) before any of these timings are used.

The workers are ``python -m tensorgear.benchmarks.isolated_worker`` (see there);
each prints {"KERNEL|CASE": [seconds per call, ...], ...} as JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Dict, List, Mapping, Sequence, Tuple

Samples = Dict[Tuple[str, str], Dict[str, List[float]]]


def key(kernel: str, case: str) -> str:
    """How a worker names a (kernel, case) in its JSON."""
    return f"{kernel}|{case}"


def sample(kernel_names: Sequence[str], frameworks: Sequence[str], quick: bool, settings,
           environ: Mapping[str, str], seed: int = 0, rounds: int = 3,
           timeout: float = 600) -> Tuple[Samples, List[str]]:
    """{(kernel, case): {framework: samples}} and notes for workers that failed."""
    out: Samples = {}
    notes: List[str] = []
    rounds = max(1, min(rounds, settings.repeats))
    per_round = -(-settings.repeats // rounds)
    for r in range(rounds):
        for fw in frameworks:
            cmd = [sys.executable, "-m", "tensorgear.benchmarks.isolated_worker", "--framework", fw,
                   "--kernels", ",".join(kernel_names), "--repeats", str(per_round),
                   "--min-sample", str(settings.min_sample_s), "--warmup", str(settings.warmup),
                   "--seed", str(seed + r)]
            if quick:
                cmd.append("--quick")
            try:
                proc = subprocess.run(cmd, capture_output=True, text=True, env=dict(environ), timeout=timeout)
                if proc.returncode != 0:
                    raise RuntimeError((proc.stderr.strip().splitlines() or ["no output"])[-1])
                result = json.loads(proc.stdout.strip().splitlines()[-1])
            except Exception as e:  # noqa: BLE001 - a failed worker is a note; the case falls back
                notes.append(f"isolated timing of {fw} failed (round {r + 1}): {type(e).__name__}: {e}"[:200])
                continue
            for name, times in result.items():
                kernel, case = name.split("|", 1)
                out.setdefault((kernel, case), {}).setdefault(fw, []).extend(times)
    return out, notes

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

    python -m tensorgear.benchmarks.isolated --framework F --kernels K1,K2 [--quick]
                                             --repeats N --min-sample S --warmup W --seed SEED

prints {"KERNEL|CASE": [seconds per call, ...], ...} as JSON.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from typing import Dict, List, Mapping, Sequence, Tuple

Samples = Dict[Tuple[str, str], Dict[str, List[float]]]

WARMUP_S = 0.1  # seconds of untimed calls per case in a worker


def _key(kernel: str, case: str) -> str:
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
            cmd = [sys.executable, "-m", "tensorgear.benchmarks.isolated", "--framework", fw, "--kernels", ",".join(kernel_names),
                   "--repeats", str(per_round), "--min-sample", str(settings.min_sample_s),
                   "--warmup", str(settings.warmup), "--seed", str(seed + r)]
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
            for key, times in result.items():
                kernel, case = key.split("|", 1)
                out.setdefault((kernel, case), {}).setdefault(fw, []).extend(times)
    return out, notes


def _worker(argv: Sequence[str]) -> Dict[str, List[float]]:
    p = argparse.ArgumentParser()
    p.add_argument("--framework", required=True)
    p.add_argument("--kernels", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, required=True)
    p.add_argument("--min-sample", type=float, required=True)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

    import numpy as np

    from tensorgear.benchmarks import frameworks, kernels, timing

    fws, notes = frameworks.load([args.framework])
    if args.framework not in fws:
        raise SystemExit(f"{args.framework} is not available: {'; '.join(notes)}")
    fw = fws[args.framework]
    settings = timing.Settings(repeats=args.repeats, min_sample_s=args.min_sample, warmup=args.warmup)
    wanted = set(args.kernels.split(","))
    rng = np.random.default_rng(args.seed)
    result: Dict[str, List[float]] = {}
    for kernel in kernels.all_kernels():
        if kernel.name not in wanted:
            continue
        for case in kernel.cases(args.quick):
            inputs = [fw.tensor(a) for a in case.make(rng)]
            kwargs = ({"ta": case.extra["transpose_a"], "tb": case.extra["transpose_b"]}
                      if "transpose_a" in case.extra else {})
            fn = kernel.ops[args.framework](fw.module)
            call = (lambda: fn(*inputs, **kwargs))
            # A fresh process's first GEMMs are erratic (some calls wait ~4 ms
            # for a BLAS worker to be scheduled); 0.1 s of calls settles it
            # (measured: 7 samples of 0.27-4 ms after 3 warm-up calls, 0.27-0.28 ms after 100).
            warm_until = time.perf_counter() + WARMUP_S
            while time.perf_counter() < warm_until:
                call()
            stats = timing.compare({args.framework: call}, settings)
            result[_key(kernel.name, case.label)] = stats[args.framework].samples
    return result


if __name__ == "__main__":
    print(json.dumps(_worker(sys.argv[1:])))

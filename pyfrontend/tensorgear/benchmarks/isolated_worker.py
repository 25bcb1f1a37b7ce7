"""The worker behind isolated.py: times the named kernels of one framework in this
process and prints {"KERNEL|CASE": [seconds per call, ...], ...} as JSON.

    python -m tensorgear.benchmarks.isolated_worker --framework F --kernels K1,K2 [--quick]
                                                    --repeats N --min-sample S --warmup W --seed SEED
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Dict, List, Sequence

import numpy as np

from . import frameworks, kernels, timing
from .isolated import key

WARMUP_S = 0.1  # seconds of untimed calls per case


def work(argv: Sequence[str]) -> Dict[str, List[float]]:
    p = argparse.ArgumentParser()
    p.add_argument("--framework", required=True)
    p.add_argument("--kernels", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, required=True)
    p.add_argument("--min-sample", type=float, required=True)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)

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
            result[key(kernel.name, case.label)] = stats[args.framework].samples
    return result


if __name__ == "__main__":
    print(json.dumps(work(sys.argv[1:])))

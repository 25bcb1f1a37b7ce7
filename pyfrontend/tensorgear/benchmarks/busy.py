"""Busy mode: the MNIST training comparison under background loads (the MLP,
or with model="cnn" the convnet of the convnet section).

For each load (and "none", the quiet machine, in the same run), every
competitor trains in a subprocess of its own while the load runs:
tensorgear with its default threads, tensorgear on one thread, PyTorch and
the NumPy MLP. Rounds repeat the whole sequence; each competitor's epoch is
the median over rounds. The targets compare, per load, tensorgear's default
with PyTorch and with tensorgear's own single-thread run.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from typing import Callable, Dict, List, Optional, Sequence

from . import env as benv
from . import loads as bloads
from . import training
from .target import target

# (label, framework, threads): threads 0 is the framework's default.
COMPETITORS = (("tensorgear", "tensorgear", 0), ("tensorgear 1t", "tensorgear", 1),
               ("torch", "torch", 0), ("numpy", "numpy", 0))
LOAD_ORDER = ("none",) + tuple(bloads.KINDS)

# epoch tensorgear/torch goals per model (issue 9's MLP, issue 12's convnet)
TG_OVER_TORCH = {"mlp": 0.75, "cnn": 1.0, "lstm": 1.0, "transformer": 1.0}
TG_OVER_ONE_THREAD = 1.15


def run(load_kinds: Sequence[str], frameworks: Sequence[str], epochs: int, batch_size: int,
        unset_openblas: bool, limit: Optional[int], seed: int = 0, rounds: int = 1,
        progress: Optional[Callable[[Dict[str, object]], None]] = None,
        max_load_seconds: float = 1200, hidden: int = 512, data=None, model: str = "mlp") -> Dict[str, object]:
    environ = benv.child_env(os.environ, unset_openblas)
    notes: List[str] = []
    rows: List[Dict[str, object]] = []
    # the NumPy competitor is a hand-written MLP: it has no convnet or sequence model
    competitors = [c for c in COMPETITORS if c[1] in frameworks and not (model != "mlp" and c[1] == "numpy")]
    for label, fw, _ in competitors:
        why = training.unavailable(fw)
        if why:
            notes.append(f"busy: {label} skipped: {why}")
    competitors = [c for c in competitors if not training.unavailable(c[1])]
    with tempfile.TemporaryDirectory(prefix="tg-bench-busy-") as tmp:
        try:
            data_path = training.prepare_data(tmp, limit, data, model)
        except Exception as e:  # noqa: BLE001
            return {"rows": [], "notes": [f"busy mode skipped: MNIST unavailable ({type(e).__name__}: {e})"]}
        for kind in load_kinds:
            why = bloads.unavailable(kind) if kind != "none" else None
            if why:
                notes.append(f"busy: load {kind} skipped: {why}")
                continue
            runs: Dict[str, List[Dict[str, object]]] = {c[0]: [] for c in competitors}
            for k in range(rounds):
                for label, fw, threads in competitors:
                    load = bloads.Load(kind, environ, max_load_seconds) if kind != "none" else None
                    try:
                        res = training.run_one(fw, data_path, epochs, batch_size,
                                               training.thread_env(environ, threads), seed=seed + k,
                                               threads=threads, hidden=hidden, model=model)
                    finally:
                        if load:
                            load.stop()
                    if "error" in res:
                        notes.append(f"busy: {label} under {kind} failed (round {k + 1}): {res['error']}")
                    runs[label].append(res)
            row = summarize(kind, runs)
            rows.append(row)
            if progress:
                progress(row)
    return {"rows": rows, "notes": notes, "epochs": epochs, "batch_size": batch_size, "limit": limit,
            "rounds": rounds, "competitors": [c[0] for c in competitors], "model": model}


def summarize(kind: str, runs: Dict[str, List[Dict[str, object]]]) -> Dict[str, object]:
    epoch: Dict[str, Optional[float]] = {}
    per_round: Dict[str, List[float]] = {}
    for label, rs in runs.items():
        times = [r["epoch_median_s"] for r in rs if "epoch_median_s" in r]
        per_round[label] = times
        epoch[label] = statistics.median(times) if times else None
    tg, one, torch = epoch.get("tensorgear"), epoch.get("tensorgear 1t"), epoch.get("torch")
    return {"load": kind, "description": "none (quiet)" if kind == "none" else bloads.KINDS[kind],
            "epoch_s": epoch, "round_epoch_s": per_round,
            "tg_over_torch": tg / torch if tg and torch else None,
            "tg_over_one_thread": tg / one if tg and one else None}


COLUMNS = (("load", -52), ("tensorgear", 10), ("tg 1 thread", 11), ("torch", 8), ("numpy", 8),
           ("tg/torch", 8), ("tg/tg 1t", 8))


def cells(row: Dict[str, object]) -> List[str]:
    e = row["epoch_s"]

    def s(label):
        v = e.get(label)
        return "-" if v is None else f"{v:.3f}"

    def r(v):
        return "-" if v is None else f"{v:.2f}"

    return [row["description"], s("tensorgear"), s("tensorgear 1t"), s("torch"), s("numpy"),
            r(row["tg_over_torch"]), r(row["tg_over_one_thread"])]


def targets(busy: Dict[str, object]) -> List[Dict[str, object]]:
    out = []
    model = busy.get("model", "mlp")
    name = "" if model == "mlp" else f" {model}"
    for row in busy.get("rows", []):
        if row["load"] == "none" and model == "mlp":
            continue
        out.append(target(f"busy{name} ({row['load']}): epoch tensorgear/torch", row["tg_over_torch"], "<=",
                          TG_OVER_TORCH[model], "{:.2f}"))
        if row["load"] == "none":
            continue
        out.append(target(f"busy{name} ({row['load']}): epoch tensorgear/tensorgear 1 thread",
                          row["tg_over_one_thread"], "<=", TG_OVER_ONE_THREAD, "{:.2f}"))
    return out

"""Training section: the seeds' MNIST model per framework, one subprocess each,
run one after the other (never concurrently: this machine has two cores)."""

from __future__ import annotations

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
from typing import Dict, List, Mapping, Optional, Sequence

import numpy as np

from . import env as benv
from . import sequence_models

FRAMEWORKS = ("tensorgear", "torch", "numpy", "keras")
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train_worker.py")


def _has(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def unavailable(name: str) -> Optional[str]:
    """Why a framework cannot run here (None when it can)."""
    if name == "torch" and not _has("torch"):
        return "PyTorch is not installed (pip install torch)"
    if name == "keras" and not (_has("tensorflow") or _has("keras")):
        return "Keras/TensorFlow is not installed (pip install tensorflow)"
    if name == "tensorgear":
        try:
            from tensorgear import keras

            missing = [a for a in ("Sequential", "layers", "optimizers", "callbacks")
                       if not hasattr(keras, a)]
        except Exception as e:  # noqa: BLE001
            return f"tensorgear.keras does not import yet ({type(e).__name__}: {e})"
        if missing:
            return "tensorgear.keras lacks " + ", ".join(missing) + " (not implemented yet)"
    return None


def prepare_data(folder: str, limit: Optional[int] = None, data=None, model: str = "mlp") -> str:
    """Write MNIST (uint8, as load_data returns it), or a sequence model's synthetic data
    (sequence_models.py), to one .npz that every worker reads, optionally cut to the first
    ``limit`` training samples."""
    if data is None and model in sequence_models.SEQUENCE_LENGTH:
        x_train, y_train, x_test, y_test = sequence_models.make_data(model, n_train=limit or sequence_models.N_TRAIN)
        path = os.path.join(folder, f"{model}-bench.npz")
        np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
        return path
    if data is None:
        from tensorgear.keras.datasets import mnist

        data = mnist.load_data()
    (x_train, y_train), (x_test, y_test) = data
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    path = os.path.join(folder, "mnist-bench.npz")
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


def run_one(framework: str, data_path: str, epochs: int, batch_size: int, environ: Mapping[str, str],
            seed: int = 0, hidden: int = 512, threads: int = 0,
            timeout: float = 1800, model: str = "mlp") -> Dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="tg-bench-") as tmp:
        out = os.path.join(tmp, "result.json")
        cmd = [sys.executable, WORKER, "--framework", framework, "--data", data_path,
               "--epochs", str(epochs), "--batch-size", str(batch_size), "--hidden", str(hidden),
               "--seed", str(seed), "--threads", str(threads), "--model", model, "--out", out]
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, env=dict(environ),
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"framework": framework, "error": f"timed out after {timeout:.0f} s"}
        if not os.path.exists(out):
            tail = (r.stderr or r.stdout or "").strip().splitlines()[-3:]
            return {"framework": framework, "error": f"worker exited {r.returncode}: "
                    + " | ".join(tail)[:300]}
        with open(out) as f:
            result = json.load(f)
    summarize(result)
    return result


def summarize(result: Dict[str, object]) -> None:
    """Per-epoch time: median of the epochs after the first (which pays for
    warm-up: allocator, first-touch pages, lazy init) when there are several."""
    times = result.get("epoch_s") or []
    if not times:
        return
    steady = times[1:] if len(times) > 1 else times
    result["epoch_median_s"] = statistics.median(steady)
    result["first_epoch_s"] = times[0]
    steps = result.get("steps_per_epoch")
    if steps:
        result["step_ms"] = result["epoch_median_s"] / steps * 1e3


def _ratio_vs_tg(results: List[Dict[str, object]]) -> None:
    tg = next((r for r in results if r.get("framework") == "tensorgear" and "epoch_median_s" in r),
              None)
    if tg:
        for r in results:
            if "epoch_median_s" in r and r is not tg:
                r["epoch_ratio_other_over_tg"] = r["epoch_median_s"] / tg["epoch_median_s"]


def thread_env(environ: Mapping[str, str], threads: int) -> Dict[str, str]:
    env = dict(environ)
    if threads:
        for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env[k] = str(threads)
    return env


def combine_rounds(runs: List[Dict[str, object]]) -> Dict[str, object]:
    """One framework's result over several rounds: the median of the rounds'
    epoch times (load drifts between rounds on a shared machine), the largest
    peak RSS, and the median test accuracy (round k trains with seed + k: one
    seed's accuracy varies by +-0.2 points, so a median over seeds says more)."""
    ok = [r for r in runs if "epoch_median_s" in r]
    if not ok:
        return runs[-1]
    out = dict(ok[0])
    if len(runs) > 1:
        out["round_epoch_s"] = [r["epoch_median_s"] for r in ok]
        out["epoch_median_s"] = statistics.median(out["round_epoch_s"])
        out["first_epoch_s"] = statistics.median(r["first_epoch_s"] for r in ok)
        out["peak_rss_bytes"] = max(r.get("peak_rss_bytes", 0) for r in ok)
        accuracies = [r["test_accuracy"] for r in ok if r.get("test_accuracy") is not None]
        if accuracies:
            out["round_test_accuracy"] = accuracies
            out["test_accuracy"] = statistics.median(accuracies)
        if out.get("steps_per_epoch"):
            out["step_ms"] = out["epoch_median_s"] / out["steps_per_epoch"] * 1e3
        out.pop("epoch_ratio_other_over_tg", None)
        out.pop("round", None)
    return out


def run(frameworks: Sequence[str], epochs: int, batch_size: int, unset_openblas: bool,
        limit: Optional[int] = None, seed: int = 0, threads: int = 0, hidden: int = 512,
        data=None, progress=None, quiet_wait: float = 0.0, out=None,
        rounds: int = 1, model: str = "mlp") -> Dict[str, object]:
    """Each framework in its own subprocess, one after the other; with rounds > 1
    the whole sequence repeats (tg, torch, numpy, tg, torch, numpy, ...)."""
    per_fw: Dict[str, List[Dict[str, object]]] = {}
    notes: List[str] = []
    environ = thread_env(benv.child_env(os.environ, unset_openblas), threads)
    with tempfile.TemporaryDirectory(prefix="tg-bench-data-") as tmp:
        try:
            data_path = prepare_data(tmp, limit, data, model)
        except Exception as e:  # noqa: BLE001
            return {"results": [], "notes": [f"training skipped: MNIST unavailable "
                                             f"({type(e).__name__}: {str(e).splitlines()[0]})"]}
        for k in range(rounds):
            for fw in frameworks:
                why = unavailable(fw)
                if why:
                    if k == 0:
                        notes.append(f"{fw} skipped: {why}")
                        per_fw[fw] = [{"framework": fw, "skipped": why}]
                        if progress:
                            progress(per_fw[fw][-1])
                    continue
                if quiet_wait:
                    benv.wait_quiet(quiet_wait, out)
                busy = benv.runnable_others(3)
                res = run_one(fw, data_path, epochs, batch_size, environ, seed=seed + k, hidden=hidden,
                              threads=threads, model=model)
                res["others_runnable_at_start"] = busy
                res["round"] = k + 1
                latest = [v[-1] for v in per_fw.values()] + [res]
                _ratio_vs_tg([r for r in latest if r.get("round") == k + 1])
                if "error" in res:
                    notes.append(f"{fw} failed (round {k + 1}): {res['error']}")
                per_fw.setdefault(fw, []).append(res)
                if progress:
                    progress(res)
    results = [combine_rounds(per_fw[fw]) for fw in frameworks if fw in per_fw]
    _ratio_vs_tg(results)
    return {"results": results, "notes": notes, "epochs": epochs, "batch_size": batch_size,
            "limit": limit, "threads": threads or "framework defaults", "rounds": rounds, "model": model}

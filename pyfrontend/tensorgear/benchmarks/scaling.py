"""Scaling section: MNIST throughput of 1 rank x 2 threads against 2 MPI ranks x 1 thread on
this machine, at one global batch, and the cost of the per-step gradient reduction against a
bare MPI Allreduce of the same bytes. Needs tensorgear[mpi] (mpi4py and mpirun)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, Mapping, Optional

from . import env as benv
from . import training

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "scaling_worker.py")


def mpirun() -> Optional[str]:
    return shutil.which("mpirun", path=os.path.dirname(sys.executable)) or shutil.which("mpirun")


def unavailable() -> Optional[str]:
    if importlib.util.find_spec("mpi4py") is None or mpirun() is None:
        return "no MPI (pip install tensorgear[mpi]): the scaling section needs mpi4py and mpirun"
    return None


def _run(cmd, environ: Mapping[str, str], out_path: str, timeout: float) -> Dict[str, object]:
    result = subprocess.run(cmd, env=dict(environ), capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0 or not os.path.exists(out_path):
        raise RuntimeError(f"{' '.join(cmd[:4])} ... failed ({result.returncode}): {result.stderr[-800:]}")
    with open(out_path) as f:
        return json.load(f)


def run(epochs: int, batch_size: int, unset_openblas: bool, limit: Optional[int] = None,
        timeout: float = 900, data=None) -> Dict[str, object]:
    """{"one_rank": ..., "two_ranks": ..., "ratio": two-rank/one-rank throughput, "notes": [...]}."""
    why = unavailable()
    if why:
        return {"notes": [why]}
    environ = benv.child_env(os.environ, unset_openblas)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Open MPI refuses root unless told it is meant
        environ.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    with tempfile.TemporaryDirectory(prefix="tg-scaling-") as folder:
        data = training.prepare_data(folder, limit, data=data)
        args = [WORKER, data, str(epochs), str(batch_size)]
        one_out, two_out = os.path.join(folder, "one.json"), os.path.join(folder, "two.json")
        one = _run([sys.executable, *args, one_out], dict(environ, TENSORGEAR_NUM_THREADS="2"), one_out, timeout)
        two_env = {k: v for k, v in environ.items() if k not in ("TENSORGEAR_NUM_THREADS", "OMP_NUM_THREADS")}
        two = _run([mpirun(), "--oversubscribe", "-np", "2", sys.executable, *args, two_out], two_env, two_out,
                   timeout)
    result = {"one_rank": one, "two_ranks": two, "batch_size": batch_size, "epochs": epochs, "limit": limit,
              "ratio": two["samples_per_s"] / one["samples_per_s"], "notes": []}
    if "gradient_mean_us" in two:
        result["reduction_share"] = two["gradient_mean_us"] / 1e3 / two["step_ms"]
    return result


def lines(result: Dict[str, object]):
    """The section's printed rows."""
    if "one_rank" not in result:
        return [f"  skipped: {n}" for n in result.get("notes", [])]
    one, two = result["one_rank"], result["two_ranks"]
    out = [f"  1 rank x {one['threads']} threads   {one['samples_per_s']:9.0f} samples/s   "
           f"{one['step_ms']:6.2f} ms/step",
           f"  2 ranks x {two['threads']} thread    {two['samples_per_s']:9.0f} samples/s   "
           f"{two['step_ms']:6.2f} ms/step   {result['ratio']:.2f}x the one-rank throughput"]
    if "gradient_mean_us" in two:
        out.append(f"  gradient sum of {two['allreduce_bytes']} bytes: {two['gradient_mean_us']:.0f} us per step "
                   f"({100 * result['reduction_share']:.0f}% of the step); bare MPI Allreduce of the same bytes "
                   f"{two['bare_allreduce_us']:.0f} us")
    return out

"""The benchmark's environment: the OpenBLAS override variables, re-exec, and the
machine/thread description printed in the header.

This environment sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which force slow
kernels on both our OpenBLAS and NumPy's.  A comparison with NumPy runs with
both unset, so the benchmark re-executes itself without them (only its own
process tree; tests and CI keep them).
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from typing import Dict, List, Mapping, Optional

OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

# Set by the re-executed process: the values that were removed ("" when none).
_UNSET_MARK = "TG_BENCH_UNSET_OPENBLAS"


def openblas_overrides(env: Mapping[str, str]) -> Dict[str, str]:
    return {k: env[k] for k in OPENBLAS_VARS if k in env}


def clean_env(env: Mapping[str, str]) -> Dict[str, str]:
    """A copy of ``env`` without the OpenBLAS override variables (both together)."""
    return {k: v for k, v in env.items() if k not in OPENBLAS_VARS}


def package_parent() -> str:
    """The folder that holds the ``tensorgear`` package (for child PYTHONPATH)."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.dirname(os.path.dirname(here))


def child_env(base: Mapping[str, str], unset_openblas: bool) -> Dict[str, str]:
    """Environment for a child interpreter that must import this same tensorgear."""
    env = clean_env(base) if unset_openblas else dict(base)
    parent = package_parent()
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if parent not in parts:
        parts.insert(0, parent)
    env["PYTHONPATH"] = os.pathsep.join(parts)
    if env.get("TENSORGEAR_BUILD_DIR"):  # relative paths would break in another cwd
        env["TENSORGEAR_BUILD_DIR"] = os.path.abspath(env["TENSORGEAR_BUILD_DIR"])
    return env


def reexec_without_openblas_overrides(argv: List[str], environ: Optional[Mapping[str, str]] = None,
                                      execve=os.execve) -> None:
    """Replace this process with ``python -m tensorgear.bench_cli ARGV`` without the
    OpenBLAS override variables, when they are set.  Returns when nothing to do."""
    environ = os.environ if environ is None else environ
    found = openblas_overrides(environ)
    if not found or _UNSET_MARK in environ:
        return
    env = child_env(environ, unset_openblas=True)
    env[_UNSET_MARK] = " ".join(f"{k}={v}" for k, v in found.items())
    sys.stdout.flush()
    sys.stderr.flush()
    execve(sys.executable, [sys.executable, "-m", "tensorgear.bench_cli", *argv], env)


def openblas_env_note(kept: bool) -> str:
    current = openblas_overrides(os.environ)
    removed = os.environ.get(_UNSET_MARK)
    if current and kept:
        return ("LEFT SET (--keep-openblas-env): "
                + " ".join(f"{k}={v}" for k, v in current.items())
                + " - forced kernels, not comparable with NumPy's best")
    if current:
        return "still set: " + " ".join(f"{k}={v}" for k, v in current.items())
    if removed:
        return f"unset for this run (were {removed}); tests and CI keep them"
    return "not set"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cpu_flags() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return ",".join(x for x in ("avx2", "fma", "avx512f", "avx512bw", "avx512_bf16")
                                    if x in flags)
    except OSError:
        pass
    return ""


def _mem_total() -> str:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    return f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except (OSError, ValueError):
        pass
    return "unknown"


def _git_commit() -> Optional[str]:
    try:
        r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=package_parent(),
                           capture_output=True, text=True, timeout=5)
        if r.returncode == 0:
            dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                                   cwd=package_parent(), capture_output=True, text=True, timeout=5)
            return r.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        pass
    return None


def blas_libraries() -> List[Dict[str, object]]:
    """threadpoolctl's view of every BLAS/OpenMP runtime loaded in this process
    (which OpenBLAS kernel - 'architecture' - NumPy and tensorgear each use)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    keep = ("internal_api", "version", "architecture", "num_threads", "threading_layer", "filepath")
    return [{k: d.get(k) for k in keep} for d in threadpool_info()]


def load_average() -> Optional[float]:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def runnable_others(samples: int = 5, interval: float = 0.02) -> Optional[float]:
    """Median count of runnable tasks other than this reader (/proc/loadavg's
    running field, instantaneous, unlike the 1-minute load average)."""
    import statistics
    import time

    counts = []
    for i in range(samples):
        try:
            with open("/proc/loadavg") as f:
                counts.append(int(f.read().split()[3].split("/")[0]) - 1)
        except (OSError, ValueError, IndexError):
            return None
        if i + 1 < samples:
            time.sleep(interval)
    return float(statistics.median(counts))


def wait_quiet(max_wait_s: float, out=None, threshold: float = 0.0) -> float:
    """Sleep until no other task is runnable (at most ``max_wait_s``); returns the
    time waited.  The machine is shared: builds of other people steal the cores."""
    import time

    t0 = time.monotonic()
    said = False
    while time.monotonic() - t0 < max_wait_s:
        busy = runnable_others()
        if busy is None or busy <= threshold:
            break
        if out and not said:
            out(f"    (waiting up to {max_wait_s:.0f} s for a quiet machine: {busy:.0f} other tasks runnable)")
            said = True
        time.sleep(1.0)
    return time.monotonic() - t0


def load_warning(load: Optional[float]) -> Optional[str]:
    """This machine is shared: say so when other work was running."""
    cpus = os.cpu_count() or 1
    if load is not None and load > 0.5 * cpus + 0.5:
        return (f"WARNING: 1-minute load average {load:.1f} on {cpus} CPUs: other work is running; "
                "absolute times are inflated and multi-threaded competitors suffer most")
    return None


_LIMITS = []  # threadpoolctl limiters kept alive for the whole run


def apply_threads(n: int) -> List[str]:
    """Force ``n`` threads on every competitor in this process: tensorgear's thread
    pool (its GEMMs split over it; BLAS runs one thread per call), every
    BLAS/OpenMP runtime threadpoolctl finds (NumPy's), torch."""
    done = []
    import tensorgear as tg

    try:
        tg._C.set_num_threads(n)
        done.append("tensorgear kernels")
    except Exception as e:  # noqa: BLE001
        done.append(f"tensorgear kernels: failed ({e})")
    try:
        from threadpoolctl import threadpool_limits

        _LIMITS.append(threadpool_limits(limits=n))
        done.append("all BLAS/OpenMP runtimes (threadpoolctl)")
    except ImportError:
        done.append("NumPy's BLAS NOT limited (threadpoolctl missing)")
    try:
        import torch

        torch.set_num_threads(n)
        done.append("torch")
    except ImportError:
        pass
    return [f"{n} thread(s): " + ", ".join(done)]


def describe(keep_openblas_env: bool = False) -> Dict[str, object]:
    """Everything the header prints: machine, versions, BLAS kernels and threads."""
    import numpy as np

    import tensorgear as tg

    info: Dict[str, object] = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{_cpu_model()}, {os.cpu_count()} CPUs ({_cpu_flags()}), {_mem_total()} RAM",
        "platform": platform.platform(),
        "python": platform.python_version(),
        "tensorgear": tg.__version__,
        "git": _git_commit(),
        "numpy": np.__version__,
        "openblas_env": openblas_env_note(keep_openblas_env),
        "load_at_start": load_average(),
    }
    C = tg._C
    try:
        info["tg_simd"] = C.simd_level()
    except Exception as e:  # noqa: BLE001 - report, never fail the header
        info["tg_simd"] = f"unknown ({e})"
    try:
        info["tg_blas"] = dict(C.blas_info())
        from tensorgear._build_info import blas_threads_policy

        info["tg_blas_threads"] = blas_threads_policy(C, info["tg_blas"]) or info["tg_blas"].get("threads", "?")
    except Exception as e:  # noqa: BLE001
        info["tg_blas"] = {"error": str(e)}
    try:
        info["tg_threads"] = int(C.num_threads())
    except Exception as e:  # noqa: BLE001
        info["tg_threads"] = f"unknown ({e})"
    try:
        import torch

        info["torch"] = f"{torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        info["torch"] = None
    info["blas_runtimes"] = blas_libraries()
    info["thread_env"] = {k: os.environ[k] for k in
                          ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
                          if k in os.environ}
    return info


def header_lines(info: Mapping[str, object]) -> List[str]:
    blas = info.get("tg_blas") or {}
    lines = [
        f"tensorgear bench - {info['date']}",
        f"machine:   {info['machine']}",
        f"platform:  {info['platform']}, Python {info['python']}",
        f"versions:  tensorgear {info['tensorgear']}" + (f" (git {info['git']})" if info.get("git") else "")
        + f", numpy {info['numpy']}, torch {info.get('torch') or 'not installed'}",
        f"OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE: {info['openblas_env']}",
        f"tensorgear: simd {info.get('tg_simd')}, kernel threads {info.get('tg_threads')}, "
        f"BLAS {blas.get('version', blas.get('vendor', '?'))} threads {info.get('tg_blas_threads', '?')}"
        + (f" [{blas.get('config')}]" if blas.get("config") else ""),
    ]
    for lib in info.get("blas_runtimes") or []:
        if lib.get("internal_api") in ("openblas", "mkl", "blis"):
            owner = "numpy" if "numpy" in str(lib.get("filepath")) else (
                "torch" if "torch" in str(lib.get("filepath")) else "system (tensorgear)")
            lines.append(f"  {owner} BLAS: {lib['internal_api']} {lib.get('version')} "
                         f"kernel {lib.get('architecture')} threads {lib.get('num_threads')}")
    if info.get("forced_threads"):
        lines.append("threads forced: " + "; ".join(info["forced_threads"]))
    warn = load_warning(info.get("load_at_start"))
    lines.append(f"load:      {info.get('load_at_start')} (1-min average at start)")
    if warn:
        lines.append(warn)
    if info.get("thread_env"):
        lines.append("thread env: " + " ".join(f"{k}={v}" for k, v in info["thread_env"].items()))
    return lines

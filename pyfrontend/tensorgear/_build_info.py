"""What this installation is and runs on: version, engine, BLAS, SIMD, threads, CUDA.

``tensorgear info`` prints it (tensorgear.cli) and the benchmark header reuses
the BLAS threading policy (tensorgear.benchmarks.env); both import it from here,
below either of them.
"""

from __future__ import annotations

import os
import platform
from typing import Dict, List


def package_version() -> str:
    from . import __version__  # set last by the package's __init__; cli and the benchmarks run after it

    return __version__


def _cpu_flags() -> List[str]:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return line.split(":", 1)[1].split()
    except OSError:
        pass
    return []


def _cpu_simd_support() -> str:
    flags = set(_cpu_flags())
    wanted = ["avx512f", "avx512bw", "avx512vl", "avx2", "fma", "avx", "sse4_2", "neon", "asimd"]
    have = [f for f in wanted if f in flags]
    return " ".join(have) if have else "unknown"


def _call(mod, name, *args):
    fn = getattr(mod, name, None)
    if fn is None:
        return None
    try:
        return fn(*args) if callable(fn) else fn
    except Exception as exc:  # report, never crash `info`
        return f"error: {exc}"


def blas_threads_policy(_C, blas):
    """How BLAS gets threads, in words; None when BLAS keeps its own (not OpenBLAS)."""
    if blas.get("vendor") != "OpenBLAS":
        return None
    stats = _call(_C, "_matmul_stats")
    stats = stats if isinstance(stats, dict) else {}
    return (f"1 per call; GEMMs with M*N*K >= {stats.get('parallel_gemm_threshold', '?')} "
            "are split over the thread pool; contractions K <= "
            f"{stats.get('short_contraction_limit', '?')} run tensorgear's own loops"
            + (", and float32 ones of any K" if stats.get("tiled_float_gemm") else ""))


def collect_info() -> Dict[str, str]:
    """What ``tensorgear info`` prints, as a dict (also used by the tests)."""
    import numpy as np

    info: Dict[str, str] = {}
    info["tensorgear"] = package_version()
    info["python"] = f"{platform.python_version()} ({platform.python_implementation()}) " \
                     f"on {platform.system()} {platform.machine()}"
    info["numpy"] = np.__version__
    try:
        from tensorgear import _C
    except Exception as exc:
        info["engine"] = f"not importable ({exc.__class__.__name__}: {exc})"
        _C = None
    else:
        info["engine"] = getattr(_C, "__file__", "tensorgear._C")

    # BLAS: the core reports what it was compiled and linked against.
    blas = _call(_C, "blas_info") if _C is not None else None
    if isinstance(blas, dict):
        threads = blas.get("threads", "unknown")
        vendor, version = str(blas.get("vendor", "unknown")), str(blas.get("version", ""))
        if version.startswith(vendor):
            version = version[len(vendor):].strip()
        info["blas"] = f"{vendor} {version}".strip()
        info["blas threads"] = blas_threads_policy(_C, blas) or str(threads)
        if blas.get("config"):
            info["blas config"] = str(blas["config"]).strip()
    else:
        info.update(_threadpoolctl_blas())

    simd = _call(_C, "simd_level") if _C is not None else None
    info["simd"] = f"{simd if simd is not None else 'unknown'} (CPU supports: {_cpu_simd_support()})"
    nthreads = _call(_C, "num_threads") if _C is not None else None
    info["threads"] = f"{nthreads if nthreads is not None else 'unknown'} " \
                      f"(of {os.cpu_count()} CPUs)"

    built = _call(_C, "cuda_built") if _C is not None else None
    count = _call(_C, "cuda_device_count") if _C is not None else None
    if built is None:
        info["cuda"] = "unknown"
    elif not built:
        info["cuda"] = "not built (CPU-only build)"
    elif isinstance(count, int) and count > 0:
        names = ", ".join(f"GPU:{i} {_call(_C, 'cuda_device_name', i)}" for i in range(count))
        info["cuda"] = f"available: {count} device(s): {names}; default device {_call(_C, '_default_device')}"
    else:
        info["cuda"] = "built, but no usable GPU/driver on this machine"
    return info


def _threadpoolctl_blas() -> Dict[str, str]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return {"blas": "unknown (neither tensorgear._C.blas_info nor threadpoolctl available)"}
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return {"blas": f"{pool.get('internal_api', 'unknown')} {pool.get('version', '')}"
                            f" ({pool.get('filepath', '')})",
                    "blas threads": str(pool.get("num_threads", "unknown"))}
    return {"blas": "unknown (no BLAS loaded in this process)"}

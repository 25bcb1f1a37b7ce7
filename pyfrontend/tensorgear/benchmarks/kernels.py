"""Kernel section: tensorgear's native kernels against NumPy and PyTorch.

Every case first runs each framework once and compares its output with NumPy's
(shape, dtype and values); a framework whose op is missing ("not implemented
yet") or wrong is skipped for that case with a note, never timed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Mapping, Optional, Sequence

import numpy as np

from . import env as benv
from . import isolated, timing
from .frameworks import Framework

ELEMENTWISE_SIZES = (1_000, 10_000, 100_000, 1_000_000, 4_000_000, 16_000_000)
ELEMENTWISE_SIZES_QUICK = (10_000, 100_000, 1_000_000)
REDUCE_SHAPE = (4096, 1024)
BIAS_WIDTH = 1000
SQUARE_SIZES = (256, 512, 1024, 2048)
SQUARE_SIZES_QUICK = (256, 1024)

# The five GEMMs of one MNIST training step (batch 128, 784 -> 512 -> 10):
# name, stored shape of a, stored shape of b, transpose_a, transpose_b.
MNIST_GEMMS = (
    ("fwd1 x@W1", (128, 784), (784, 512), False, False),
    ("fwd2 h@W2", (128, 512), (512, 10), False, False),
    ("dW2 h^T@dz", (128, 512), (128, 10), True, False),
    ("dh dz@W2^T", (128, 10), (512, 10), False, True),
    ("dW1 x^T@dh", (128, 784), (128, 512), True, False),
)

# The convolutions of the book's convnet (ch. 8) at batch 64, NHWC, 3x3, stride 1, VALID:
# name, input shape, filter shape.
CNN_CONVS = (
    ("conv1", (64, 28, 28, 1), (3, 3, 1, 32)),
    ("conv2", (64, 13, 13, 32), (3, 3, 32, 64)),
    ("conv3", (64, 5, 5, 64), (3, 3, 64, 128)),
)


@dataclass
class Case:
    label: str                         # size or shapes, for the table
    nelem: int                         # elements of the (largest) input
    make: Callable[[np.random.Generator], Sequence[np.ndarray]]
    flops: Optional[float] = None      # matmul and convolution
    extra: Dict[str, object] = field(default_factory=dict)


@dataclass
class Kernel:
    name: str
    group: str                         # elementwise | reduction | matmul | conv
    cases: Callable[[bool], List[Case]]
    ops: Mapping[str, Callable[[object], Callable]]  # framework -> (module -> fn(*inputs))
    rtol: float = 1e-5
    atol: float = 1e-6                 # relative to max(1, max |reference|)
    moves_bytes: Optional[Callable[[Sequence[np.ndarray], np.ndarray], int]] = None


def _normal(rng, shape):
    return rng.standard_normal(shape, dtype=np.float32)


def _elementwise_cases(n_inputs: int, bias: bool = False):
    def cases(quick: bool) -> List[Case]:
        out = []
        for n in (ELEMENTWISE_SIZES_QUICK if quick else ELEMENTWISE_SIZES):
            if bias:
                shape = (max(1, n // BIAS_WIDTH), BIAS_WIDTH)
                out.append(Case(f"({shape[0]},{shape[1]})+({BIAS_WIDTH},)", n,
                                lambda rng, s=shape: (_normal(rng, s), _normal(rng, (s[1],)))))
            else:
                out.append(Case(f"{n:.2g}".replace("e+0", "e"), n,
                                lambda rng, n=n: tuple(_normal(rng, (n,)) for _ in range(n_inputs))))
        return out
    return cases


def _reduce_cases(quick: bool) -> List[Case]:
    return [Case(f"{REDUCE_SHAPE}", int(np.prod(REDUCE_SHAPE)),
                 lambda rng: (_normal(rng, REDUCE_SHAPE),))]


def _gemm_case(label, a_shape, b_shape, ta, tb) -> Case:
    m = a_shape[1] if ta else a_shape[0]
    k = a_shape[0] if ta else a_shape[1]
    n = b_shape[0] if tb else b_shape[1]
    return Case(label, max(np.prod(a_shape), np.prod(b_shape)),
                lambda rng: (_normal(rng, a_shape), _normal(rng, b_shape)),
                flops=2.0 * m * n * k, extra={"transpose_a": ta, "transpose_b": tb})


def _mnist_gemm_cases(quick: bool) -> List[Case]:
    return [_gemm_case(f"{name} {a}{'^T' if ta else ''}@{b}{'^T' if tb else ''}", a, b, ta, tb)
            for name, a, b, ta, tb in MNIST_GEMMS]


def _square_cases(quick: bool) -> List[Case]:
    return [_gemm_case(f"{s}x{s}", (s, s), (s, s), False, False)
            for s in (SQUARE_SIZES_QUICK if quick else SQUARE_SIZES)]


def _conv_cases(quick: bool) -> List[Case]:
    """(x, w, dy) per layer: the forward reads x and w, the backprops read dy and one of them."""
    out = []
    for name, xs, ws in CNN_CONVS:
        ys = (xs[0], xs[1] - ws[0] + 1, xs[2] - ws[1] + 1, ws[3])
        flops = 2.0 * np.prod(ys) * ws[0] * ws[1] * ws[2]
        out.append(Case(f"{name} {xs}*{ws[:3]}->{ws[3]}", int(np.prod(xs)),
                        lambda rng, xs=xs, ws=ws, ys=ys: (_normal(rng, xs), _normal(rng, ws), _normal(rng, ys)),
                        flops=flops))
    return out


def _np_conv2d(x, w, dy=None):
    win = np.lib.stride_tricks.sliding_window_view(x, w.shape[:2], axis=(1, 2))  # n, ho, wo, c, kh, kw
    return np.einsum("nhwcij,ijco->nhwo", win, w, optimize=True).astype(np.float32)


def _np_conv2d_backprop_input(x, w, dy):
    kh, kw = w.shape[:2]
    padded = np.pad(dy, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1), (0, 0)))
    return _np_conv2d(padded, np.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2)))


def _np_conv2d_backprop_filter(x, w, dy):
    win = np.lib.stride_tricks.sliding_window_view(x, dy.shape[1:3], axis=(1, 2))  # n, kh, kw, c, ho, wo
    return np.einsum("nijchw,nhwo->ijco", win, dy, optimize=True).astype(np.float32)


def _torch_conv(th, which):
    """PyTorch on the same NHWC data: channels-last tensors, the layout its CPU convolutions prefer."""
    F, grad = th.nn.functional, th.nn.grad

    def nchw(t):
        return t.permute(0, 3, 1, 2)

    def oihw(w):
        return w.permute(3, 2, 0, 1)

    def nhwc(t):
        return t.permute(0, 2, 3, 1)

    if which == "forward":
        return lambda x, w, dy: nhwc(F.conv2d(nchw(x), oihw(w)))
    if which == "input":
        return lambda x, w, dy: nhwc(grad.conv2d_input(nchw(x).shape, oihw(w), nchw(dy)))
    return lambda x, w, dy: grad.conv2d_weight(nchw(x), oihw(w).shape, nchw(dy)).permute(2, 3, 1, 0)


def _conv(name, which, np_fn) -> Kernel:
    def tg_op(tg):
        if which == "forward":
            return lambda x, w, dy: tg._C.conv2d(x, w, 1, "VALID", 1)
        if which == "input":
            return lambda x, w, dy: tg._C.conv2d_backprop_input(x.shape, w, dy, 1, "VALID", 1)
        return lambda x, w, dy: tg._C.conv2d_backprop_filter(x, w.shape, dy, 1, "VALID", 1)

    return Kernel(name, "conv", _conv_cases,
                  {"numpy": lambda np_: np_fn, "tensorgear": tg_op, "torch": lambda th: _torch_conv(th, which)},
                  rtol=1e-4, atol=1e-4)


def _io_bytes(inputs, out) -> int:
    return int(sum(a.nbytes for a in inputs) + out.nbytes)


def _read_bytes(inputs, out) -> int:
    return int(sum(a.nbytes for a in inputs))


def _np_sigmoid(x):
    # How a NumPy user writes it (scipy.special.expit is not a NumPy function).
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _np_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    e /= e.sum(axis=1, keepdims=True)
    return e


def _reduction(name, np_fn, tg_name, torch_fn, axis) -> Kernel:
    return Kernel(
        f"{name} axis={axis}", "reduction", _reduce_cases,
        {"numpy": lambda np_: (lambda x: np_fn(x, axis=axis)),
         "tensorgear": lambda tg: (lambda x: getattr(tg, tg_name)(x, axis=axis)),
         "torch": lambda th: (lambda x: torch_fn(th)(x, dim=axis))},
        rtol=1e-5, atol=1e-5, moves_bytes=_read_bytes)


def _matmul(name, cases) -> Kernel:
    def np_op(np_):
        def f(a, b, ta=False, tb=False):
            return (a.T if ta else a) @ (b.T if tb else b)
        return f

    def tg_op(tg):
        return lambda a, b, ta=False, tb=False: tg.matmul(a, b, transpose_a=ta, transpose_b=tb)

    def torch_op(th):
        return lambda a, b, ta=False, tb=False: th.matmul(a.T if ta else a, b.T if tb else b)

    return Kernel(name, "matmul", cases, {"numpy": np_op, "tensorgear": tg_op, "torch": torch_op},
                  rtol=1e-4, atol=1e-4)


def all_kernels() -> List[Kernel]:
    ew = "elementwise"
    transcendental = dict(rtol=2e-5, atol=2e-6)
    return [
        Kernel("add", ew, _elementwise_cases(2),
               {"numpy": lambda m: m.add, "tensorgear": lambda m: m.add, "torch": lambda m: m.add},
               moves_bytes=_io_bytes),
        Kernel("multiply", ew, _elementwise_cases(2),
               {"numpy": lambda m: m.multiply, "tensorgear": lambda m: m.multiply,
                "torch": lambda m: m.mul}, moves_bytes=_io_bytes),
        Kernel("bias_add", ew, _elementwise_cases(2, bias=True),
               {"numpy": lambda m: m.add, "tensorgear": lambda m: m.add, "torch": lambda m: m.add},
               moves_bytes=_io_bytes),
        Kernel("relu", ew, _elementwise_cases(1),
               {"numpy": lambda m: (lambda x: m.maximum(x, np.float32(0))),
                "tensorgear": lambda m: m.nn.relu, "torch": lambda m: m.relu},
               moves_bytes=_io_bytes),
        Kernel("exp", ew, _elementwise_cases(1),
               {"numpy": lambda m: m.exp, "tensorgear": lambda m: m.exp, "torch": lambda m: m.exp},
               moves_bytes=_io_bytes, **transcendental),
        Kernel("tanh", ew, _elementwise_cases(1),
               {"numpy": lambda m: m.tanh, "tensorgear": lambda m: m.tanh, "torch": lambda m: m.tanh},
               moves_bytes=_io_bytes, **transcendental),
        Kernel("sigmoid", ew, _elementwise_cases(1),
               {"numpy": lambda m: _np_sigmoid, "tensorgear": lambda m: m.sigmoid,
                "torch": lambda m: m.sigmoid}, moves_bytes=_io_bytes, **transcendental),
        *[_reduction(n, f, t, tf, ax)
          for n, f, t, tf in (("sum", np.sum, "reduce_sum", lambda th: th.sum),
                              ("mean", np.mean, "reduce_mean", lambda th: th.mean),
                              ("max", np.max, "reduce_max", lambda th: th.amax))
          for ax in (0, 1)],
        Kernel("softmax rows", "reduction", _reduce_cases,
               {"numpy": lambda m: _np_softmax,
                "tensorgear": lambda m: (lambda x: m.nn.softmax(x, axis=-1)),
                "torch": lambda m: (lambda x: m.softmax(x, dim=1))},
               rtol=1e-5, atol=1e-6, moves_bytes=_io_bytes),
        _matmul("matmul mnist", _mnist_gemm_cases),
        _matmul("matmul square", _square_cases),
        _conv("conv2d fwd", "forward", _np_conv2d),
        _conv("conv2d dx", "input", _np_conv2d_backprop_input),
        _conv("conv2d dw", "filter", _np_conv2d_backprop_filter),
    ]


def _against_sgemm(row, earlier) -> None:
    """A convolution's GFLOP/s as a fraction of this run's best square sgemm rate (tensorgear's)."""
    if row.get("group") != "conv" or not row.get("gflops", {}).get("tensorgear"):
        return
    sgemm = [r["gflops"]["tensorgear"] for r in earlier
             if r.get("kernel") == "matmul square" and r.get("gflops", {}).get("tensorgear")]
    if sgemm:
        row["of_sgemm"] = row["gflops"]["tensorgear"] / max(sgemm)


def select(kernels: List[Kernel], patterns: Sequence[str]) -> List[Kernel]:
    if not patterns:
        return kernels
    pats = [p.lower() for p in patterns]
    return [k for k in kernels if any(p in k.name.lower() or p in k.group for p in pats)]


def check(out: np.ndarray, ref: np.ndarray, rtol: float, atol: float) -> Optional[str]:
    """None when ``out`` matches the NumPy reference, else what is wrong."""
    if out.shape != ref.shape:
        return f"shape {out.shape} != numpy's {ref.shape}"
    if out.dtype != ref.dtype:
        return f"dtype {out.dtype} != numpy's {ref.dtype}"
    scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
    err = np.abs(out.astype(np.float64) - ref.astype(np.float64))
    bound = atol * scale + rtol * np.abs(ref.astype(np.float64))
    bad = ~(err <= bound)  # NaN counts as bad
    if bad.any():
        i = int(np.argmax(np.where(bad, err, -1)))
        return (f"wrong result: {int(bad.sum())} of {ref.size} elements off, "
                f"worst {out.ravel()[i]!r} vs {ref.ravel()[i]!r}")
    return None


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return f"{type(e).__name__}: {text}"[:160]


def run_case(kernel: Kernel, case: Case, fws: Mapping[str, Framework],
             settings: timing.Settings, rng: np.random.Generator,
             samples: Optional[Mapping[str, List[float]]] = None) -> Dict[str, object]:
    """One row: outputs checked against NumPy, then timed round-robin in this
    process, or taken from ``samples`` (per framework, timed in isolation)."""
    inputs = case.make(rng)
    kwargs = ({"ta": case.extra["transpose_a"], "tb": case.extra["transpose_b"]}
              if "transpose_a" in case.extra else {})
    ref = np.asarray(kernel.ops["numpy"](np)(*inputs, **kwargs))
    row: Dict[str, object] = {"kernel": kernel.name, "group": kernel.group, "case": case.label,
                              "nelem": int(case.nelem), "times": {}, "notes": []}
    callables = {}
    for name, fw in fws.items():
        try:
            fn = kernel.ops[name](fw.module)
            args = [fw.tensor(a) for a in inputs]
            problem = check(fw.to_numpy(fn(*args, **kwargs)), ref, kernel.rtol, kernel.atol)
        except Exception as e:  # noqa: BLE001 - a missing or failing op is a note, not a crash
            row["notes"].append(f"{name} skipped: {_short(e)}")
            continue
        if problem:
            row["notes"].append(f"{name} skipped: {problem}")
            continue
        callables[name] = (lambda fn=fn, args=args: fn(*args, **kwargs))
    if not callables:
        return row
    if samples is not None and all(n in samples for n in callables):
        stats = {n: timing.summarize(samples[n]) for n in callables}
        row["isolated"] = True
    else:
        stats = timing.compare(callables, settings)
    row["times"] = {n: s.as_dict() for n, s in stats.items()}
    med = {n: s.median for n, s in stats.items()}
    if "tensorgear" in med:
        row["ratios"] = {f"{n}/tg": med[n] / med["tensorgear"] for n in med if n != "tensorgear"}
    if kernel.moves_bytes is not None:
        nbytes = kernel.moves_bytes(inputs, ref)
        row["bytes"] = nbytes
        row["gbps"] = {n: nbytes / t / 1e9 for n, t in med.items()}
    if case.flops:
        row["gflops"] = {n: case.flops / t / 1e9 for n, t in med.items()}
    return row


def run(fws: Mapping[str, Framework], quick: bool, settings: timing.Settings,
        patterns: Sequence[str] = (), progress: Optional[Callable[[Dict], None]] = None,
        kernels: Optional[List[Kernel]] = None, seed: int = 0, quiet_wait: float = 0.0,
        out: Optional[Callable[[str], None]] = None, isolate_blas: bool = False,
        notes: Optional[List[str]] = None) -> List[Dict[str, object]]:
    """The kernel rows. With ``isolate_blas`` (multi-threaded runs) the matmul
    cases are timed one framework per process (see isolated.py)."""
    rng = np.random.default_rng(seed)
    rows = []
    chosen = select(kernels if kernels is not None else all_kernels(), patterns)
    isolated_samples: isolated.Samples = {}
    blas = [k.name for k in chosen if k.group == "matmul"]
    if isolate_blas and blas and len(fws) > 1:
        # More, shorter rounds in full mode: the machine's noise comes in bursts
        # of seconds, and alternating the frameworks often spreads it evenly.
        isolated_samples, failed = isolated.sample(blas, list(fws), quick, settings,
                                                   benv.child_env(os.environ, unset_openblas=False), seed=seed,
                                                   rounds=3 if quick else 7)
        if notes is not None:
            notes += failed
    for kernel in chosen:
        for case in kernel.cases(quick):
            if quiet_wait:
                benv.wait_quiet(quiet_wait, out)
            busy = benv.runnable_others(3)
            row = run_case(kernel, case, fws, settings, rng, isolated_samples.get((kernel.name, case.label)))
            row["others_runnable"] = busy
            _against_sgemm(row, rows)
            rows.append(row)
            if progress:
                progress(row)
    return rows

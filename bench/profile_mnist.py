#!/usr/bin/env python
"""Where does one MNIST fit step go?  Profiles the seeds' model (Dense 512 relu ->
Dense 10 softmax, RMSprop, batch 128) through ``model.fit``.

    python bench/profile_mnist.py                 # cProfile: Python vs each _C call
    python bench/profile_mnist.py --perf          # perf: native time by library/symbol
    python bench/profile_mnist.py --steps 300 --keep-openblas-env

cProfile attributes time to each call into tensorgear._C (matmul, dense,
GradientTape.gradient, the fused optimizer ...) and to the Python around them;
a C++ call that runs several kernels (tape.gradient runs the whole backward
pass) is one line there, so --perf splits native time by shared object and
symbol: OpenBLAS sgemm vs tensorgear's kernels vs libgomp (spinning threads)
vs the interpreter vs the kernel (page faults).  Runs with OPENBLAS_CORETYPE
and OPENBLAS_L2_SIZE unset, like the benchmark.
"""

import argparse
import cProfile
import io
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")

CATEGORIES = (  # first match wins, on cProfile's function description
    ("GEMM (+fused dense bias/relu)", ("matmul", "dense")),
    ("backward pass (tape.gradient: GEMMs + masks + sums)", ("gradient",)),
    ("optimizer update (fused)", ("rmsprop", "optim", "apply_gradients", "_C.optim")),
    ("loss (softmax/cross-entropy)", ("cross", "entropy", "softmax", "log_softmax")),
    ("metrics (argmax/equal/mean)", ("argmax", "equal", "reduce_mean", "reduce_sum", "cast")),
    ("batch slicing / conversion", ("take", "gather", "convert_to_tensor", "constant", "numpy",
                                    "getitem", "array", "_slice")),
)


def _data(n):
    try:
        import tensorgear  # noqa: F401
    except ImportError:  # not installed: this checkout (with TENSORGEAR_BUILD_DIR)
        sys.path.insert(0, os.path.join(ROOT, "pyfrontend"))
    from tensorgear.keras.datasets import mnist

    (x, y), _ = mnist.load_data()
    x = x[:n].reshape(n, 784).astype("float32")
    x /= 255
    return x, y[:n]


def _model():
    from tensorgear import keras

    model = keras.Sequential([keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _category(desc):
    d = desc.lower()
    for name, keys in CATEGORIES:
        if any(k in d for k in keys):
            return name
    return None


def run_cprofile(args):
    x, y = _data(args.steps * args.batch_size)
    model = _model()
    model.fit(x[: 20 * args.batch_size], y[: 20 * args.batch_size], batch_size=args.batch_size,
              epochs=1, verbose=0)  # warm-up: build, allocator cache, BLAS buffers
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)
    plain = (time.perf_counter() - t0) / args.steps
    prof = cProfile.Profile()
    prof.enable()
    model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0)
    prof.disable()
    st = pstats.Stats(prof)
    total = sum(v[2] for v in st.stats.values())  # tottime
    by_cat, builtin_other, python = {}, {}, 0.0
    for (fname, line, func), (cc, nc, tt, ct, callers) in st.stats.items():
        desc = f"{fname}:{func}"
        if fname == "~":  # a built-in (C) function: its tottime is native time
            cat = _category(func) or "other native calls"
            by_cat[cat] = by_cat.get(cat, 0.0) + tt
            if cat == "other native calls":
                builtin_other[func] = builtin_other.get(func, 0.0) + tt
        else:
            python += tt
    steps = args.steps
    print(f"fit step without profiler: {plain * 1e3:.2f} ms/step "
          f"({plain * 469:.2f} s per 469-step epoch)")
    print(f"with cProfile: {total / steps * 1e3:.2f} ms/step (profiler inflates the Python part)")
    print()
    print(f"{'where':<56} {'ms/step':>8} {'share':>6}")
    for cat, tt in sorted(by_cat.items(), key=lambda kv: -kv[1]):
        print(f"{cat:<56} {tt / steps * 1e3:8.3f} {100 * tt / total:5.1f}%")
    print(f"{'Python code (fit loop, layers, callbacks, metrics)':<56} {python / steps * 1e3:8.3f} "
          f"{100 * python / total:5.1f}%")
    if builtin_other:
        print("\nother native calls:")
        for func, tt in sorted(builtin_other.items(), key=lambda kv: -kv[1])[:12]:
            print(f"  {func[:70]:<70} {tt / steps * 1e3:8.3f} ms/step")
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.top)
    print("\n" + "\n".join(out.getvalue().splitlines()[4:]))


def run_workload(args):
    x, y = _data(args.steps * args.batch_size)
    model = _model()
    model.fit(x[: 20 * args.batch_size], y[: 20 * args.batch_size], batch_size=args.batch_size,
              epochs=1, verbose=0)
    t0 = time.perf_counter()
    model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=0)
    dt = (time.perf_counter() - t0) / (args.steps * args.epochs)
    print(f"{dt * 1e3:.2f} ms/step", file=sys.stderr)


def run_perf(args):
    perf = shutil.which("perf")
    if not perf:
        print("perf is not installed (apt-get install linux-perf)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "perf.data")
        cmd = [perf, "record", "-e", "cpu-clock", "-F", "1999", "-g", "-o", data, "--", sys.executable, __file__,
               "--workload", "--steps", str(args.steps), "--epochs", str(args.epochs),
               "--batch-size", str(args.batch_size)]
        subprocess.run(cmd, check=True, env=os.environ.copy())
        for sort in ("dso", "dso,sym"):
            r = subprocess.run([perf, "report", "-i", data, "--no-children", "--sort", sort,
                                "--stdio", "--percent-limit", "0.7", "-g", "none"],
                               capture_output=True, text=True)
            lines = [ln for ln in r.stdout.splitlines() if ln.strip() and not ln.startswith("#")]
            print(f"\n== perf: self time by {sort} ==")
            print("\n".join(lines[: args.top]))
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=200, help="steps per profiled epoch")
    p.add_argument("--epochs", type=int, default=2, help="epochs under perf")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--perf", action="store_true", help="native profile with perf")
    p.add_argument("--workload", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--keep-openblas-env", action="store_true")
    args = p.parse_args(argv)
    if not args.keep_openblas_env and any(k in os.environ for k in OPENBLAS_VARS):
        env = {k: v for k, v in os.environ.items() if k not in OPENBLAS_VARS}
        os.execve(sys.executable, [sys.executable, __file__, *(argv or sys.argv[1:])], env)
    if args.workload:
        return run_workload(args)
    if args.perf:
        return run_perf(args)
    return run_cprofile(args)


if __name__ == "__main__":
    sys.exit(main())

"""The ``tensorgear`` command (also ``python -m tensorgear``).

    tensorgear train mnist [--epochs 5] [--batch-size 128] [--optimizer rmsprop]
                           [--hidden 512] [--plot curves.png] [--save weights-file]
    tensorgear info
    tensorgear bench [...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Dict, List, Optional

from ._build_info import collect_info, package_version


# --------------------------------------------------------------------------------
# train
# --------------------------------------------------------------------------------

DATASETS = ("mnist",)


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def _fraction(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}")
    if not 0.0 <= v < 1.0:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {v}")
    return v


def _verbose(text: str):
    if text == "auto":
        return "auto"
    if text in ("0", "1", "2"):
        return int(text)
    raise argparse.ArgumentTypeError("expected auto, 0, 1 or 2")


def _matplotlib_missing() -> Optional[str]:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ("--plot needs matplotlib, which is not installed: "
                "pip install matplotlib  (or: pip install 'tensorgear[plot]')")
    return None


def plot_history(history: Dict[str, List[float]], path: str, title: str = "") -> str:
    """Write a PNG of the learning curves (loss and each metric, per epoch)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    names = [k for k in history if not k.startswith("val_")]
    fig, axes = plt.subplots(1, len(names), figsize=(5.5 * len(names), 4), squeeze=False)
    for ax, name in zip(axes[0], names):
        values = history[name]
        epochs = range(1, len(values) + 1)
        ax.plot(epochs, values, "o-", label=f"training {name}")
        if "val_" + name in history:
            ax.plot(epochs, history["val_" + name], "s--", label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(True, alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def cmd_train(args) -> int:
    if args.plot:
        msg = _matplotlib_missing()
        if msg:
            print(f"tensorgear train: {msg}", file=sys.stderr)
            return 2
    for target in (args.plot, args.save):
        if target:
            d = os.path.dirname(os.path.abspath(target))
            if not os.path.isdir(d):
                print(f"tensorgear train: directory {d} does not exist", file=sys.stderr)
                return 2

    if args.workers > 1:
        from tensorgear.distribute import launched_by_mpi

        if not launched_by_mpi():
            return _launch_workers(args.workers, args.argv)

    import numpy as np

    import tensorgear as tg
    from tensorgear import keras
    from tensorgear.keras import layers
    from tensorgear.keras.datasets import mnist

    strategy = tg.distribute.MultiWorkerMirroredStrategy() if args.workers > 1 else tg.distribute.get_strategy()
    if strategy.num_replicas_in_sync != args.workers:
        print(f"tensorgear train: --workers {args.workers}, but the MPI job has {strategy.num_replicas_in_sync} "
              f"rank(s)", file=sys.stderr)
        return 2
    say = print if strategy.cluster_resolver.task_id == 0 else (lambda *a, **k: None)

    if args.seed is not None:
        keras.utils.set_random_seed(args.seed)

    t0 = time.perf_counter()
    try:
        (train_images, train_labels), (test_images, test_labels) = mnist.load_data()
    except (RuntimeError, FileNotFoundError) as exc:
        print(f"tensorgear train: {exc}", file=sys.stderr)
        return 1
    load_s = time.perf_counter() - t0
    if args.limit:
        train_images, train_labels = train_images[:args.limit], train_labels[:args.limit]
        test_images, test_labels = test_images[:args.limit], test_labels[:args.limit]

    sample = (28, 28, 1) if args.model == "cnn" else (28 * 28,)
    train_images = train_images.reshape((len(train_images),) + sample).astype("float32") / 255
    test_images = test_images.reshape((len(test_images),) + sample).astype("float32") / 255

    with strategy.scope():
        model, described = _mnist_model(args, keras, layers)
        model.compile(optimizer=args.optimizer,
                      loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
    workers = f", {args.workers} workers (MPI ranks)" if args.workers > 1 else ""
    say(f"MNIST: {len(train_images)} training and {len(test_images)} test images "
          f"(loaded in {load_s:.2f} s); {described}, "
          f"{args.optimizer}, batch size {args.batch_size}, {args.epochs} epoch(s){workers}", flush=True)

    fit_kwargs = dict(epochs=args.epochs, batch_size=args.batch_size, verbose=args.verbose)
    if args.validation_split:
        fit_kwargs["validation_split"] = args.validation_split
    t0 = time.perf_counter()
    history = model.fit(train_images, train_labels, **fit_kwargs)
    train_s = time.perf_counter() - t0

    result = model.evaluate(test_images, test_labels, verbose=0)
    test_loss, test_acc = (float(np.asarray(v)) for v in result)
    say(f"test loss: {test_loss:.4f} - test accuracy: {test_acc:.4f}")
    say(f"training time: {train_s:.1f} s ({train_s / args.epochs:.2f} s/epoch)")

    if args.save:
        model.save_weights(args.save)
        say(f"weights saved to {args.save}")
    if args.plot and strategy.cluster_resolver.task_id == 0:
        hist = getattr(history, "history", {}) or {}
        plot_history({k: [float(np.asarray(v)) for v in vals] for k, vals in hist.items()},
                     args.plot,
                     title=f"MNIST, Dense({args.hidden}) + Dense(10), {args.optimizer}: "
                           f"test accuracy {test_acc:.4f}")
        print(f"learning curves written to {args.plot}")
    return 0


def _mnist_model(args, keras, layers):
    """The seeds' first example (Deep Learning with Python, ch. 2), or the
    same book's first convnet (ch. 8); with a one-line description."""
    if args.model == "cnn":
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(128, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
        return model, ("Conv2D(32) > MaxPooling2D > Conv2D(64) > MaxPooling2D > Conv2D(128) > Flatten > "
                       "Dense(10, softmax)")
    model = keras.Sequential([
        layers.Dense(args.hidden, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])
    return model, f"Dense({args.hidden}, relu) -> Dense(10, softmax)"


def _launch_workers(workers, argv):
    """Runs this same command as `workers` MPI ranks on this machine (mpirun from tensorgear[mpi])."""
    import shutil
    import subprocess

    mpirun = shutil.which("mpirun", path=os.path.dirname(sys.executable)) or shutil.which("mpirun")
    if mpirun is None:
        print("tensorgear train: --workers needs MPI's mpirun: pip install tensorgear[mpi] (mpi4py and Open MPI)",
              file=sys.stderr)
        return 2
    env = dict(os.environ)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # Open MPI refuses root unless told it is meant
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT", "1")
        env.setdefault("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
    cmd = [mpirun, "--oversubscribe", "-np", str(workers), sys.executable, "-m", "tensorgear", *argv]
    return subprocess.call(cmd, env=env)


# --------------------------------------------------------------------------------
# info
# --------------------------------------------------------------------------------


def cmd_info(args) -> int:
    info = collect_info()
    width = max(len(k) for k in info)
    for k, v in info.items():
        print(f"{k + ':':<{width + 1}} {v}")
    return 0


# --------------------------------------------------------------------------------
# bench
# --------------------------------------------------------------------------------


def cmd_bench(args) -> int:
    import importlib
    import importlib.util

    try:
        spec = importlib.util.find_spec("tensorgear.bench_cli")
    except ImportError:
        spec = None
    if spec is None:
        print("tensorgear bench: the benchmark suite is not part of this installation "
              "(module tensorgear.bench_cli not found). From a source checkout, run "
              "`make bench`.", file=sys.stderr)
        return 2
    bench_cli = importlib.import_module("tensorgear.bench_cli")
    rc = bench_cli.main(list(args.bench_args))
    return int(rc or 0)


# --------------------------------------------------------------------------------
# parser
# --------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tensorgear",
        description="tensorgear: a deep-learning library with a compiled C++ engine.")
    parser.add_argument("--version", action="version", version=f"tensorgear {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    train = sub.add_parser(
        "train", help="train an example model",
        description="Train the first example of Deep Learning with Python on MNIST: "
                    "Dense(hidden, relu) -> Dense(10, softmax), sparse categorical "
                    "cross-entropy, then report the test loss and accuracy.")
    train.add_argument("dataset", choices=DATASETS, help="dataset to train on")
    train.add_argument("--epochs", type=_positive_int, default=5, help="epochs (default 5)")
    train.add_argument("--batch-size", type=_positive_int, default=128,
                       help="batch size (default 128)")
    train.add_argument("--optimizer", default="rmsprop",
                       help="optimizer name as in compile() (default rmsprop)")
    train.add_argument("--model", choices=("mlp", "cnn"), default="mlp",
                       help="mlp: Dense(512) > Dense(10), the seeds' model (default); cnn: the book's ch. 8 convnet")
    train.add_argument("--hidden", type=_positive_int, default=512,
                       help="units in the hidden layer (default 512)")
    train.add_argument("--plot", metavar="PNG", default=None,
                       help="write a PNG of the learning curves (needs matplotlib)")
    train.add_argument("--save", metavar="FILE.weights.h5", default=None,
                       help="save the trained weights with model.save_weights (Keras 3's HDF5 layout)")
    train.add_argument("--validation-split", type=_fraction, default=0.0,
                       help="fraction of the training data held out for validation")
    train.add_argument("--seed", type=int, default=None,
                       help="seed keras.utils.set_random_seed for a reproducible run")
    train.add_argument("--verbose", type=_verbose, default="auto",
                       help="progress output as in fit(): auto, 0, 1 or 2")
    train.add_argument("--workers", type=_positive_int, default=1,
                       help="train data-parallel on N MPI ranks on this machine (needs tensorgear[mpi]); "
                            "--batch-size is then the global batch")
    # Hidden: train/evaluate on the first N images only (used by the smoke tests).
    train.add_argument("--limit", type=_positive_int, default=None, help=argparse.SUPPRESS)
    train.set_defaults(func=cmd_train)

    info = sub.add_parser("info", help="print version, BLAS, SIMD and CUDA details")
    info.set_defaults(func=cmd_info)

    bench = sub.add_parser("bench", help="run the benchmarks (arguments passed through)",
                           add_help=False)
    bench.add_argument("bench_args", nargs=argparse.REMAINDER)
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "bench":
        # Everything after `bench` belongs to the benchmark runner (argparse's
        # REMAINDER would stop at the first option).
        args = argparse.Namespace(command="bench", func=cmd_bench, bench_args=argv[1:])
    else:
        args = parser.parse_args(argv)
        args.argv = argv
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``tensorgear bench`` / ``python -m bench``: argument parsing and the run."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Dict, List, Optional

from . import env as benv
from . import loads as busy_loads
from . import timing

SECTIONS = ("kernels", "overheads", "training", "convnet", "sequence", "scaling", "busy")
DEFAULT_SECTIONS = ("kernels", "overheads", "training", "scaling")


def _csv(choices):
    def parse(text: str) -> List[str]:
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in choices]
        if bad or not items:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated subset of {','.join(choices)}, got {text!r}")
        return items
    return parse


def _positive(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    if v <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {v}")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="tensorgear bench",
        description="tensorgear benchmarks: native kernels vs NumPy/PyTorch, per-op overheads, "
                    "and MNIST training vs PyTorch, a hand-written NumPy MLP and Keras. Runs with "
                    "OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (it re-executes itself).")
    p.add_argument("--quick", action="store_true",
                   help="fewer sizes, repeats and epochs (under a minute)")
    p.add_argument("--sections", type=_csv(SECTIONS), default=list(DEFAULT_SECTIONS),
                   help="comma-separated subset of kernels,overheads,training,convnet,sequence,scaling,busy "
                        "(default: kernels,overheads,training,scaling)")
    p.add_argument("--busy", action="store_true",
                   help="add the busy section: the training comparison under background loads "
                        "(started and stopped by the benchmark), beside a quiet run")
    p.add_argument("--loads", type=_csv(tuple(busy_loads.KINDS)), default=list(busy_loads.KINDS),
                   help="background loads of the busy section (default: all; 'none', the quiet "
                        "machine, always runs first): " + "; ".join(f"{k}: {v}" for k, v in busy_loads.KINDS.items()))
    p.add_argument("--busy-model", choices=("mlp", "cnn", "lstm", "transformer"), default="mlp",
                   help="the model the busy section trains: the MLP of the training section (default), the "
                        "convnet of the convnet section (batch 64), or a model of the sequence section (batch 32, "
                        "1024 sequences by default); no NumPy competitor but for the MLP")
    p.add_argument("--busy-epochs", type=_positive, help="epochs per busy run (default 3, quick 2)")
    p.add_argument("--busy-limit", type=_positive, metavar="N",
                   help="busy runs train on the first N images (default 30000, quick 10000)")
    p.add_argument("-k", dest="patterns", action="append", default=[], metavar="PATTERN",
                   help="only kernels/overhead cases whose name contains PATTERN (repeatable)")
    p.add_argument("--frameworks", type=_csv(("tensorgear", "numpy", "torch", "keras")),
                   default=["tensorgear", "numpy", "torch", "keras"],
                   help="frameworks to run, tensorgear included only when listed "
                        "(default: all that are installed)")
    p.add_argument("--json", metavar="FILE", help="write all results as JSON")
    p.add_argument("--plot", metavar="FILE.png", help="bar chart of speedups and training (matplotlib)")
    p.add_argument("--markdown", metavar="FILE", help="write a Markdown report (bench/RESULTS.md)")
    p.add_argument("--repeats", type=_positive, help="timing samples per competitor")
    p.add_argument("--epochs", type=_positive, help="training epochs (default 5, quick 2)")
    p.add_argument("--batch-size", type=_positive, default=128)
    p.add_argument("--train-limit", type=_positive, metavar="N",
                   help="train on the first N images (default all, quick 15000)")
    p.add_argument("--train-rounds", type=_positive, default=1, metavar="R",
                   help="repeat the sequence of training runs R times and take the median epoch "
                        "time per framework (the load drifts on a shared machine)")
    p.add_argument("--threads", type=int, default=0, metavar="N",
                   help="force N threads (kernel pool and BLAS) in every framework and section "
                        "(default: each framework's own); --threads 1 gives stable ratios on a busy machine")
    p.add_argument("--import-runs", type=_positive, help="fresh interpreters for import time")
    p.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                   help="before each measurement, wait up to SECONDS until no other task is "
                        "runnable (this machine is shared)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--keep-openblas-env", action="store_true",
                   help="do not unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (not comparable with NumPy)")
    return p


def run(args: argparse.Namespace, out=print) -> Dict[str, object]:
    """Run the selected sections, printing tables as rows complete."""
    from . import frameworks, kernels, overheads, report, training

    settings = timing.QUICK if args.quick else timing.FULL
    if args.repeats:
        settings = timing.Settings(repeats=args.repeats, min_sample_s=settings.min_sample_s,
                                   warmup=settings.warmup, max_number=settings.max_number)
    settings = timing.with_settle(settings, args.threads)
    # Each framework with its own threads (the default): BLAS pools disturb one
    # another in one process, so matmul cases are timed in separate processes.
    isolate_blas = args.threads != 1
    applied = benv.apply_threads(args.threads) if args.threads else None
    meta = benv.describe(args.keep_openblas_env)
    meta["forced_threads"] = applied
    header = benv.header_lines(meta)
    for line in header:
        out(line)
    results: Dict[str, object] = {"meta": meta, "mode": "quick" if args.quick else "full",
                                  "argv": getattr(args, "argv", None), "notes": []}
    notes: List[str] = results["notes"]
    fws, fw_notes = frameworks.load([f for f in args.frameworks if f != "keras"])
    notes += fw_notes
    unset = not args.keep_openblas_env

    # Overheads first, in a fresh process: after the kernel section's large
    # arrays, every framework's 4x4 ops ran ~1.7x slower (tensorgear's tiny
    # fwd+bwd 5.2 -> 8.4 us, PyTorch's 17.7 -> 31.8 us): a process state a
    # training loop does not start from.
    if "overheads" in args.sections:
        out("")
        out("== overheads (4x4 float32; median per call) ==")
        table = report.Table(report.OVERHEAD_COLUMNS, out)
        table.header()
        results["overheads"] = overheads.run_dispatch(fws, settings, args.patterns,
                                                      quiet_wait=args.wait_quiet, out=out)
        for row in results["overheads"]:
            table.row(report.overhead_cells(row))
            for n in row["notes"]:
                out(f"    note: {n}")
            notes += [f"overhead {row['case']}: {n}" for n in row["notes"]]
        if not args.patterns or any(p.lower() in ("import", "overheads") for p in args.patterns):
            runs = args.import_runs or (3 if args.quick else 7)
            # torch's import (seconds) is only a reference: not worth it in quick mode
            results["imports"] = overheads.run_imports(runs, unset, "torch" in fws and not args.quick)
            for i in results["imports"]:
                out(f"import {i['module']:<11} " + (f"{i['median_s'] * 1e3:8.1f} ms (median of {i['runs']} "
                                                    "fresh interpreters)" if "median_s" in i
                                                    else f"failed: {i['error']}"))

    if "kernels" in args.sections:
        out("")
        out(f"== kernels (median per call; ratio = other/tensorgear, >1: tensorgear faster; "
            f"{settings.repeats} samples) ==")
        if isolate_blas:
            out("   matmul rows: each framework timed in a process of its own, in rounds (BLAS thread pools "
                "of different libraries disturb each other within one process)")
        table = report.Table(report.KERNEL_COLUMNS, out)
        table.header()

        def show(row):
            table.row(report.kernel_cells(row))
            for n in row["notes"]:
                out(f"    note: {n}")

        results["kernels"] = kernels.run(fws, args.quick, settings, args.patterns, show, seed=args.seed,
                                         quiet_wait=args.wait_quiet, out=out,
                                         isolate_blas=isolate_blas, notes=notes)
        for row in results["kernels"]:
            notes += [f"kernel {row['kernel']} [{row['case']}]: {n}" for n in row["notes"]]

    if "training" in args.sections:
        epochs = args.epochs or (2 if args.quick else 5)
        limit = args.train_limit or (15000 if args.quick else None)
        results["training"] = _training_section(
            args, out, training, report, unset, "mlp", args.batch_size, epochs, limit,
            [f for f in training.FRAMEWORKS if f in args.frameworks],
            f"MNIST training: Dense 512 relu -> Dense 10 softmax, RMSprop 1e-3, batch {args.batch_size}")
        notes += results["training"]["notes"]

    if "convnet" in args.sections:
        epochs = args.epochs or (1 if args.quick else 5)
        limit = args.train_limit or (15000 if args.quick else None)
        results["convnet"] = _training_section(
            args, out, training, report, unset, "cnn", 64, epochs, limit,
            [f for f in training.FRAMEWORKS if f in args.frameworks and f != "numpy"],
            "MNIST convnet (DLwP ch. 8): Conv2D 32 > MaxPool > Conv2D 64 > MaxPool > Conv2D 128 > Flatten > "
            "Dense 10, RMSprop 1e-3, batch 64")
        notes += results["convnet"]["notes"]

    if "sequence" in args.sections:
        from . import sequence_models as seq

        epochs = args.epochs or (2 if args.quick else 3)
        limit = args.train_limit or (1024 if args.quick else 4096)
        for model, title in (("lstm", "IMDB-shaped LSTM: Embedding(10000, 128) > LSTM(64) > Dense(1, sigmoid), "
                                      f"sequences of {seq.SEQUENCE_LENGTH['lstm']}"),
                             ("transformer", "Transformer encoder: Embedding(10000, 128) > 2 x (MHA 4x32 + FFN 256, "
                                             f"post-norm) > mean > Dense(1, sigmoid), sequences of "
                                             f"{seq.SEQUENCE_LENGTH['transformer']}")):
            results[f"sequence_{model}"] = _training_section(
                args, out, training, report, unset, model, seq.BATCH_SIZE, epochs, limit,
                [f for f in training.FRAMEWORKS if f in args.frameworks and f != "numpy"],
                f"{title}, binary cross-entropy, Adam 1e-3, batch {seq.BATCH_SIZE}, synthetic data")
            notes += results[f"sequence_{model}"]["notes"]

    if "scaling" in args.sections:
        from . import scaling

        epochs = 2 if args.quick else 3
        limit = 15000 if args.quick else None
        batch = 256
        out("")
        out(f"== scaling: MNIST, global batch {batch}, {epochs} epochs" + (f", first {limit} images" if limit else "")
            + "; 1 rank x 2 threads against 2 MPI ranks x 1 thread ==")
        results["scaling"] = scaling.run(epochs, batch, unset, limit=limit)
        for line in scaling.lines(results["scaling"]):
            out(line)
        notes += results["scaling"]["notes"]

    if "busy" in args.sections or args.busy:
        from . import busy

        epochs = args.busy_epochs or (2 if args.quick else 3)
        limit = args.busy_limit or (10000 if args.quick else 30000)
        out("")
        busy_title = {"mlp": "MNIST MLP", "cnn": "MNIST convnet", "lstm": "IMDB-shaped LSTM",
                      "transformer": "Transformer encoder"}[args.busy_model]
        if args.busy_model in ("lstm", "transformer") and not args.busy_limit:
            limit = 1024
        out(f"== busy machine: {busy_title} training under background loads ({epochs} epochs, first {limit} samples, "
            f"median epoch over {args.train_rounds} round(s); each run in its own subprocess with the load "
            "restarted for it) ==")
        table = report.Table(busy.COLUMNS, out)
        table.header()
        results["busy"] = busy.run(["none"] + list(args.loads), args.frameworks, epochs,
                                   {"cnn": 64, "lstm": 32, "transformer": 32}.get(args.busy_model, args.batch_size),
                                   unset,
                                   limit, seed=args.seed, rounds=args.train_rounds,
                                   progress=lambda row: table.row(busy.cells(row)), model=args.busy_model)
        notes += results["busy"]["notes"]

    results["meta"]["load_at_end"] = benv.load_average()
    results["targets"] = report.targets(results)
    out("")
    out(f"== targets (issues 5 and 9; 1-min load average {meta.get('load_at_start')} at start, "
        f"{meta.get('load_at_end')} at end) ==")
    for line in report.target_lines(results["targets"]):
        out(line)
    if notes:
        out("")
        out(f"== skipped / notes ({len(notes)}) ==")
        for n in notes:
            out(f"  - {n}")
    results["header"] = header
    return results


def _training_section(args, out, training, report, unset, model, batch_size, epochs, limit, frameworks, title):
    """One training comparison (each framework in its own subprocess), printed as rows complete."""
    out("")
    out(f"== {title}, {epochs} epochs" + (f", first {limit} samples" if limit else "")
        + "; one subprocess per framework, sequential"
        + (f", {args.train_rounds} rounds (seeds {args.seed}..{args.seed + args.train_rounds - 1})"
           if args.train_rounds > 1 else "") + " ==")
    table = report.Table(report.TRAIN_COLUMNS, out)
    table.header()

    def show_train(r):
        if "epoch_median_s" in r:
            table.row(report.train_cells(r, show_round=args.train_rounds > 1))
        else:
            out(f"{r.get('framework')}: " + (f"skipped: {r['skipped']}" if r.get("skipped")
                                             else f"failed: {r.get('error')}"))

    section = training.run(frameworks, epochs, batch_size, unset, limit=limit, seed=args.seed,
                           threads=args.threads, progress=show_train, quiet_wait=args.wait_quiet, out=out,
                           rounds=args.train_rounds, model=model)
    if args.train_rounds > 1:
        out(f"-- median over {args.train_rounds} rounds --")
        for r in section["results"]:
            show_train(r)
    if any(r.get("framework") == "tensorgear" and "epoch_median_s" in r for r in section["results"]):
        for r in section["results"]:
            if r.get("epoch_ratio_other_over_tg"):
                out(f"  {r['framework']}/tensorgear epoch time: {r['epoch_ratio_other_over_tg']:.2f}x")
    return section


def main(argv: Optional[List[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = argv
    from . import report

    if args.plot and report.plot_missing():
        print(report.plot_missing(), file=sys.stderr)
        return 2
    if not args.keep_openblas_env:
        benv.reexec_without_openblas_overrides(argv)  # returns only when nothing to unset
    results = run(args)
    if args.json:
        report.write_json(results, args.json)
        print(f"\nwrote {args.json}")
    if args.markdown:
        cmd = "tensorgear bench " + " ".join(argv)
        with open(args.markdown, "w") as f:
            f.write(report.markdown(results, results["header"], cmd.strip()))
        print(f"wrote {args.markdown}")
    if args.plot:
        try:
            report.plot(results, args.plot)
            print(f"wrote {args.plot}")
        except ValueError as e:
            print(f"--plot: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

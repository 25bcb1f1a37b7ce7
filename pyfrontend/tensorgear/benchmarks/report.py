"""Tables (stdout and Markdown), the target summary, JSON and the plot."""

from __future__ import annotations

import json
import math
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from . import busy
from .target import target
from .timing import fmt_time

FW = ("tensorgear", "numpy", "torch")


def geomean(values: Iterable[float]) -> Optional[float]:
    vals = [v for v in values if v and v > 0 and math.isfinite(v)]
    if not vals:
        return None
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


def _med(row, fw) -> Optional[float]:
    t = (row.get("times") or {}).get(fw)
    return t["median_s"] if t else None


def _ratio(row, fw) -> Optional[float]:
    return (row.get("ratios") or {}).get(f"{fw}/tg")


def _x(v: Optional[float]) -> str:
    return "-" if v is None else f"{v:.2f}x"


def _mb(b) -> str:
    return "-" if not b else f"{b / 2**20:.0f} MB"


class Table:
    """Fixed-width rows printed as they come (a long run shows progress)."""

    def __init__(self, columns: Sequence[tuple], out: Callable[[str], None] = print):
        self.columns, self.out = columns, out

    def _fmt(self, cells) -> str:
        parts = []
        for (title, width), cell in zip(self.columns, cells):
            cell = str(cell)
            parts.append(cell.ljust(-width) if width < 0 else cell.rjust(width))
        return "  ".join(parts).rstrip()

    def header(self) -> None:
        self.out(self._fmt([t for t, _ in self.columns]))
        self.out("-" * len(self._fmt([t for t, _ in self.columns])))

    def row(self, cells) -> None:
        self.out(self._fmt(cells))


KERNEL_COLUMNS = (("kernel", -14), ("case", -36), ("tensorgear", 10), ("numpy", 10),
                  ("torch", 10), ("np/tg", 7), ("torch/tg", 8), ("tg rate", 14), ("busy", 4))


def kernel_cells(row) -> List[str]:
    rate = ""
    if row.get("gflops", {}).get("tensorgear"):
        rate = f"{row['gflops']['tensorgear']:.1f} GFLOP/s"
        if row.get("of_sgemm") is not None:  # a convolution against this run's sgemm rate
            rate = f"{row['gflops']['tensorgear']:.1f}GF {100 * row['of_sgemm']:.0f}%"
    elif row.get("gbps", {}).get("tensorgear"):
        rate = f"{row['gbps']['tensorgear']:.1f} GB/s"
    busy = row.get("others_runnable")
    return [row["kernel"], row["case"], fmt_time(_med(row, "tensorgear")), fmt_time(_med(row, "numpy")),
            fmt_time(_med(row, "torch")), _x(_ratio(row, "numpy")), _x(_ratio(row, "torch")), rate,
            "-" if busy is None else f"{busy:.0f}"]


OVERHEAD_COLUMNS = (("overhead", -24), ("tensorgear", 10), ("numpy", 10), ("torch", 10),
                    ("target", 8), ("met", 4))


def overhead_cells(row) -> List[str]:
    t = _med(row, "tensorgear")
    target = row.get("target_s")
    met = "-" if t is None or target is None else ("yes" if t <= target else "NO")
    return [row["case"], fmt_time(t), fmt_time(_med(row, "numpy")), fmt_time(_med(row, "torch")),
            fmt_time(target), met]


TRAIN_COLUMNS = (("framework", -11), ("epoch", 9), ("1st epoch", 9), ("ms/step", 8),
                 ("other/tg", 8), ("test acc", 8), ("peak RSS", 9), ("data RSS", 9), ("threads", -20))


def train_cells(r, show_round: bool = False) -> List[str]:
    if "epoch_median_s" not in r:
        return [r.get("framework", "?"), "skipped" if r.get("skipped") else "failed"]
    threads = ",".join(f"{k}={v}" for k, v in (r.get("threads") or {}).items())
    name = r["framework"] + (f" #{r['round']}" if show_round and r.get("round") else "")
    return [name, f"{r['epoch_median_s']:.3f} s", f"{r['first_epoch_s']:.3f} s",
            f"{r.get('step_ms', 0):.2f}", _x(r.get("epoch_ratio_other_over_tg")),
            f"{100 * r['test_accuracy']:.2f}%" if r.get("test_accuracy") is not None else "-",
            _mb(r.get("peak_rss_bytes")), _mb(r.get("rss_after_data_bytes")), threads]


# ---------------------------------------------------------------- targets


# Overhead cases whose goal is a ratio to PyTorch (issue 9).
OVERHEAD_VS_TORCH = {"dispatch add(x, y)": 0.8, "fwd+bwd sum(x*x)": 0.5}


def targets(results: Dict[str, object]) -> List[Dict[str, object]]:
    """The targets of issues 5 and 9, each with the achieved value (None when not measured)."""
    out = []
    rows = results.get("kernels") or []
    ewr = [r for r in rows if r["group"] in ("elementwise", "reduction") and r["nelem"] >= 100_000]
    out.append(target("element-wise+reduction geomean speedup vs NumPy (>=1e5 elems)",
                      geomean(_ratio(r, "numpy") for r in ewr), ">=", 1.5, "{:.2f}x"))
    out.append(target("element-wise+reduction geomean speedup vs PyTorch (>=1e5 elems)",
                      geomean(_ratio(r, "torch") for r in ewr), ">=", 1.0, "{:.2f}x"))
    big = [r for r in rows if r["group"] == "elementwise" and r["nelem"] >= 4_000_000
           and (r.get("gbps") or {}).get("tensorgear")]
    if big:
        best = max(r["gbps"]["tensorgear"] for r in big)
        out.append({"target": "big element-wise ops approach DRAM bandwidth (~38 GB/s)",
                    "value": best, "op": "~", "bound": 38.0, "met": None,
                    "text": f"best {best:.1f} GB/s, median "
                            f"{sorted(r['gbps']['tensorgear'] for r in big)[len(big) // 2]:.1f} GB/s"})
    sq = [r for r in rows if r["kernel"] == "matmul square" and r["case"].startswith("2048")]
    out.append(target("matmul 2048^2 speedup vs NumPy", _ratio(sq[0], "numpy") if sq else None,
                      ">=", 0.95, "{:.2f}x"))
    mn = [r for r in rows if r["kernel"] == "matmul mnist"]
    out.append(target("matmul MNIST training shapes geomean speedup vs NumPy",
                      geomean(_ratio(r, "numpy") for r in mn) if mn else None, ">=", 1.2, "{:.2f}x"))
    for r in results.get("overheads") or []:
        t = _med(r, "tensorgear")
        out.append(target(f"overhead {r['case']} (us)", None if t is None else t * 1e6, "<=",
                          round(r["target_s"] * 1e6, 3), "{:.2f} us"))
    # Issue 9 states the overhead goals against PyTorch on the same machine.
    for r in results.get("overheads") or []:
        bound = OVERHEAD_VS_TORCH.get(r["case"])
        t, o = _med(r, "tensorgear"), _med(r, "torch")
        if bound is not None:
            out.append(target(f"overhead {r['case']} tensorgear/torch", t / o if t and o else None, "<=", bound))
    imp = next((i for i in results.get("imports") or [] if i["module"] == "tensorgear"), None)
    if imp is not None:
        out.append(target("import tensorgear (s)", imp.get("median_s"), "<=", 0.2, "{:.3f} s"))
    tr = {r.get("framework"): r for r in (results.get("training") or {}).get("results", [])}
    tg = tr.get("tensorgear") or {}
    for other, bound in (("torch", 0.55), ("numpy", 0.75)):
        o = tr.get(other) or {}
        v = (tg["epoch_median_s"] / o["epoch_median_s"]
             if "epoch_median_s" in tg and "epoch_median_s" in o else None)
        out.append(target(f"MNIST epoch time tensorgear/{other}", v, "<=", bound, "{:.2f}"))
    if (results.get("training") or {}).get("epochs", 0) >= 5 and not (results.get("training") or {}).get("limit"):
        out.append(target("MNIST test accuracy after 5 epochs", tg.get("test_accuracy"), ">=", 0.978,
                          "{:.4f}"))
    out.append(target("MNIST peak RSS (MB)", tg["peak_rss_bytes"] / 2**20 if "epoch_median_s" in tg
                      else None, "<=", 450, "{:.0f} MB"))
    sc = results.get("scaling") or {}
    out.append(target("MNIST throughput, 2 ranks x 1 thread / 1 rank x 2 threads", sc.get("ratio"), ">=", 0.9,
                      "{:.2f}x"))
    share = sc.get("reduction_share")
    out.append(target("gradient allreduce share of a 2-rank step (%)", None if share is None else 100 * share,
                      "<=", 10, "{:.0f}%"))
    for model in ("lstm", "transformer"):  # issue 13: epoch <= PyTorch's, peak RSS below PyTorch's
        section = results.get(f"sequence_{model}")
        if not section:
            continue
        by_fw = {r.get("framework"): r for r in section.get("results", [])}
        tg_r, torch_r = by_fw.get("tensorgear") or {}, by_fw.get("torch") or {}
        both = "epoch_median_s" in tg_r and "epoch_median_s" in torch_r
        out.append(target(f"{model} epoch time tensorgear/torch",
                          tg_r["epoch_median_s"] / torch_r["epoch_median_s"] if both else None, "<=", 1.0, "{:.2f}"))
        out.append(target(f"{model} peak RSS tensorgear/torch",
                          tg_r["peak_rss_bytes"] / torch_r["peak_rss_bytes"] if both else None, "<=", 1.0, "{:.2f}"))
    if results.get("busy"):
        out += busy.targets(results["busy"])
    return out


def target_lines(tgts) -> List[str]:
    lines = []
    for t in tgts:
        status = {True: "met", False: "NOT MET", None: "-"}[t["met"]]
        bound = f"{t['op']} {t['bound']:g}"
        lines.append(f"  {t['target']:<64} {t['text']:>22}  (target {bound})  {status}")
    return lines


# ---------------------------------------------------------------- JSON, Markdown, plot


def write_json(results: Dict[str, object], path: str) -> None:
    with open(path, "w") as f:
        json.dump(results, f, indent=1, default=str)
        f.write("\n")


def _md_table(columns, rows) -> List[str]:
    titles = [c[0] for c in columns]
    lines = ["| " + " | ".join(titles) + " |",
             "|" + "|".join("---" if w < 0 else "---:" for _, w in columns) + "|"]
    for cells in rows:
        cells = list(cells) + [""] * (len(columns) - len(cells))
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return lines


def markdown(results: Dict[str, object], header: Sequence[str], command: str) -> str:
    lines = ["# tensorgear benchmark results", "",
             f"Produced by `{command}` (the latest full run). Ratios are other/tensorgear "
             "from the same run: above 1 means tensorgear is faster. Times are medians.", "",
             "```", *header, "```", ""]
    if results.get("targets"):
        lines += ["## Targets (issues 5 and 9)", "",
                  *_md_table((("target", -1), ("achieved", 1), ("goal", 1), ("status", -1)),
                             [[t["target"], t["text"], f"{t['op']} {t['bound']:g}",
                               {True: "met", False: "**not met**", None: "-"}[t["met"]]]
                              for t in results["targets"]]), ""]
    for key, title in (("training", "MNIST training (Dense 512 relu -> Dense 10 softmax, RMSprop 1e-3"),
                       ("convnet", "MNIST convnet (DLwP ch. 8: Conv2D 32/64/128, max pooling, Dense 10; "
                                   "RMSprop 1e-3")):
        tr = results.get(key)
        if not tr:
            continue
        lines += [f"## {title}, "
                  f"batch {tr.get('batch_size')}, {tr.get('epochs')} epochs"
                  + (f", first {tr['limit']} images" if tr.get("limit") else "")
                  + (f", median of {tr['rounds']} rounds" if (tr.get("rounds") or 1) > 1 else "") + ")", "",
                  "Each framework in its own subprocess, one after the other; epoch = median of "
                  "epochs 2..N (the only epoch when there is one); peak RSS of the whole process; data RSS = "
                  "after loading and converting the data.", "",
                  *_md_table(TRAIN_COLUMNS, [train_cells(r) for r in tr.get("results", [])]), ""]
    if results.get("busy"):
        b = results["busy"]
        lines += [f"## Quiet and busy: MNIST training under background loads ({b.get('epochs')} epochs, "
                  f"first {b.get('limit')} images, median epoch in s over {b.get('rounds')} round(s))", "",
                  "Each competitor trains in a subprocess of its own while the load runs (the load is "
                  "restarted for every run); 'tg 1 thread' is tensorgear with TENSORGEAR_NUM_THREADS=1.", "",
                  *_md_table(busy.COLUMNS, [busy.cells(r) for r in b.get("rows", [])]), ""]
    if results.get("overheads") or results.get("imports"):
        lines += ["## Overheads", "",
                  *_md_table(OVERHEAD_COLUMNS, [overhead_cells(r) for r in results.get("overheads", [])]),
                  ""]
        for i in results.get("imports", []):
            lines.append(f"- `import {i['module']}`: "
                         + (f"{i['median_s'] * 1e3:.0f} ms median of {i['runs']}" if "median_s" in i
                            else f"failed ({i.get('error')})"))
        lines.append("")
    if results.get("kernels"):
        lines += ["## Kernels", "", *_md_table(KERNEL_COLUMNS, [kernel_cells(r) for r in results["kernels"]]),
                  ""]
    notes = results.get("notes") or []
    if notes:
        lines += ["## Skipped / notes", "", *[f"- {n}" for n in notes], ""]
    return "\n".join(lines)


def plot_missing() -> Optional[str]:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ("--plot needs matplotlib, which is not installed: pip install matplotlib "
                "(or pip install 'tensorgear[plot]')")
    return None


def _kernel_bars(rows):
    """One bar per kernel: the geometric mean over its cases of >= 1e5 elements;
    one per case for matmul."""
    labels, vs_np, vs_torch = [], [], []
    by_kernel: Dict[str, List] = {}
    for r in rows:
        if r["group"] == "matmul":
            key = f"mm {r['case'].split(' ')[0]}" if r["kernel"] == "matmul mnist" else f"mm {r['case']}"
            by_kernel.setdefault(key, []).append(r)
        elif r["nelem"] >= 100_000:
            by_kernel.setdefault(r["kernel"], []).append(r)
    for key, rs in by_kernel.items():
        labels.append(key)
        vs_np.append(geomean(_ratio(r, "numpy") for r in rs))
        vs_torch.append(geomean(_ratio(r, "torch") for r in rs))
    return labels, vs_np, vs_torch


def plot(results: Dict[str, object], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results.get("kernels") or []
    train = [r for r in (results.get("training") or {}).get("results", []) if "epoch_median_s" in r]
    panels = int(bool(rows)) + int(bool(train))
    if panels == 0:
        raise ValueError("nothing to plot: run the kernels or training section")
    fig, axes = plt.subplots(1, panels, figsize=(7 * panels + 3 * bool(rows), 5), squeeze=False,
                             gridspec_kw={"width_ratios": ([3] if rows else []) + ([1] if train else [])})
    ax_i = 0
    if rows:
        ax = axes[0][ax_i]
        ax_i += 1
        labels, vs_np, vs_torch = _kernel_bars(rows)
        xs = range(len(labels))
        w = 0.4
        ax.bar([x - w / 2 for x in xs], [v or 0 for v in vs_np], w, label="vs NumPy")
        if any(vs_torch):
            ax.bar([x + w / 2 for x in xs], [v or 0 for v in vs_torch], w, label="vs PyTorch")
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_yscale("log")
        ax.set_xticks(list(xs))
        ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=8)
        ax.set_ylabel("speedup of tensorgear (other time / tensorgear time)")
        ax.set_title("Kernels (geomean over sizes >= 1e5 elements)")
        ax.legend()
    if train:
        ax = axes[0][ax_i]
        names = [r["framework"] for r in train]
        vals = [r["epoch_median_s"] for r in train]
        bars = ax.bar(names, vals, color=["C2" if n == "tensorgear" else "C7" for n in names])
        for b, r in zip(bars, train):
            acc = r.get("test_accuracy")
            ax.annotate(f"{r['epoch_median_s']:.2f}s\n{100 * acc:.1f}%\n{_mb(r.get('peak_rss_bytes'))}"
                        if acc is not None else f"{r['epoch_median_s']:.2f}s",
                        (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom",
                        fontsize=8)
        ax.set_ylabel("seconds per epoch (lower is better)")
        ax.set_title("MNIST epoch (time, test acc, peak RSS)")
        ax.set_ylim(0, max(vals) * 1.35)
    fig.suptitle(f"tensorgear bench - {results.get('meta', {}).get('date', '')}")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)

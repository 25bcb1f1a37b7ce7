"""The benchmark harness's logic, on tiny sizes: verification before timing,
skipping missing ops with a note, tables/JSON/Markdown/plot, the NumPy MLP's
backprop, the training worker, and the re-exec that unsets the OpenBLAS
variables (checked on a fake environment: tests never touch the real one).
Timings are never asserted: this machine is shared and noisy."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from tensorgear.benchmarks import cli, env as benv, kernels, overheads, report, scaling, timing, training
from tensorgear.benchmarks.frameworks import NumPy, TensorGear, load
from tensorgear.benchmarks.numpy_mlp import MLP


@pytest.fixture
def fws():
    return {"tensorgear": TensorGear(), "numpy": NumPy()}


@pytest.fixture
def tiny_sizes(monkeypatch):
    monkeypatch.setattr(kernels, "ELEMENTWISE_SIZES_QUICK", (1000,))
    monkeypatch.setattr(kernels, "REDUCE_SHAPE", (8, 6))
    monkeypatch.setattr(kernels, "SQUARE_SIZES_QUICK", (8,))
    monkeypatch.setattr(kernels, "BIAS_WIDTH", 100)
    monkeypatch.setattr(timing, "QUICK", timing.TINY)


# ------------------------------------------------------------------ environment


def test_clean_env_removes_both_openblas_variables_together():
    fake = {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512", "HOME": "/root",
            "OPENBLAS_NUM_THREADS": "1"}
    clean = benv.clean_env(fake)
    assert "OPENBLAS_CORETYPE" not in clean and "OPENBLAS_L2_SIZE" not in clean
    assert clean["HOME"] == "/root" and clean["OPENBLAS_NUM_THREADS"] == "1"
    assert fake["OPENBLAS_CORETYPE"] == "Haswell"  # the input is not modified
    assert benv.openblas_overrides(fake) == {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}


def test_child_env_can_import_this_tensorgear():
    e = benv.child_env({"PYTHONPATH": "/elsewhere", "OPENBLAS_CORETYPE": "Haswell",
                        "TENSORGEAR_BUILD_DIR": "build/x"}, unset_openblas=False)
    parts = e["PYTHONPATH"].split(os.pathsep)
    assert parts[0] == benv.package_parent() and "/elsewhere" in parts
    assert os.path.isdir(os.path.join(parts[0], "tensorgear"))
    assert e["OPENBLAS_CORETYPE"] == "Haswell"
    assert os.path.isabs(e["TENSORGEAR_BUILD_DIR"])


def test_reexec_only_when_variables_are_set_and_only_once():
    calls = []

    def fake_exec(exe, argv, env):
        calls.append((exe, argv, env))

    benv.reexec_without_openblas_overrides(["--quick"], {"HOME": "/root"}, fake_exec)
    assert calls == []
    benv.reexec_without_openblas_overrides(
        ["--quick", "-k", "add"], {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"}, fake_exec)
    (exe, argv, env), = calls
    assert exe == sys.executable
    assert argv[1:] == ["-m", "tensorgear.bench_cli", "--quick", "-k", "add"]
    assert "OPENBLAS_CORETYPE" not in env and "OPENBLAS_L2_SIZE" not in env
    assert "Haswell" in env["TG_BENCH_UNSET_OPENBLAS"]
    benv.reexec_without_openblas_overrides(["--quick"], {"OPENBLAS_CORETYPE": "Haswell", **env},
                                           fake_exec)
    assert len(calls) == 1  # the re-executed process does not loop


def test_header_reports_threads_and_blas():
    info = benv.describe()
    text = "\n".join(benv.header_lines(info))
    for key in ("machine:", "OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE", "kernel threads", "BLAS", "load:"):
        assert key in text, key
    assert benv.load_warning(100.0) and benv.load_warning(0.0) is None


# ------------------------------------------------------------------ timing


def test_compare_samples_every_competitor_round_robin():
    order = []
    stats = timing.compare({"a": lambda: order.append("a"), "b": lambda: order.append("b")},
                           timing.Settings(repeats=3, min_sample_s=0.0, warmup=1, max_number=1))
    assert set(stats) == {"a", "b"} and all(s.n == 3 for s in stats.values())
    assert order[-6:] == ["a", "b"] * 3
    s = timing.summarize([3.0, 1.0, 2.0])
    assert (s.median, s.lo, s.hi) == (2.0, 1.0, 3.0)
    assert timing.fmt_time(2.5e-7) == "250 ns" and timing.fmt_time(1.5) == "1.50 s"


def test_settle_idles_and_wakes_each_competitor_before_its_sample():
    order = []
    settings = timing.with_settle(timing.Settings(repeats=2, min_sample_s=0.0, warmup=1, max_number=1), threads=0)
    assert settings.settle_s > 0 and timing.with_settle(settings, threads=1).settle_s == 0
    timing.compare({"a": lambda: order.append("a"), "b": lambda: order.append("b")}, settings)
    assert order[-8:] == ["a", "a", "b", "b"] * 2  # one untimed wake-up call, then the sample


def test_calibrate_grows_the_inner_loop():
    n = timing.calibrate(lambda: None, timing.Settings(min_sample_s=1e-4, max_number=10**6))
    assert n > 1


# ------------------------------------------------------------------ kernels


def test_check_catches_shape_dtype_nan_and_values():
    ref = np.array([1.0, 2.0, 3.0], np.float32)
    assert kernels.check(ref.copy(), ref, 1e-5, 1e-6) is None
    assert "shape" in kernels.check(ref[:2], ref, 1e-5, 1e-6)
    assert "dtype" in kernels.check(ref.astype(np.float64), ref, 1e-5, 1e-6)
    assert "wrong result" in kernels.check(np.array([1, 2, np.nan], np.float32), ref, 1e-5, 1e-6)
    assert "1 of 3" in kernels.check(np.array([1, 2.5, 3], np.float32), ref, 1e-5, 1e-6)


def _kernel(name, tg_op):
    return kernels.Kernel(name, "elementwise",
                          lambda quick: [kernels.Case("64", 64, lambda rng: (np.ones(64, np.float32),) * 2)],
                          {"numpy": lambda m: m.add, "tensorgear": tg_op, "torch": lambda m: m.add},
                          moves_bytes=kernels._io_bytes)


def test_missing_or_wrong_ops_are_skipped_with_a_note_and_not_timed(fws):
    def missing(tg):
        def f(a, b):
            raise RuntimeError("frobnicate: not implemented yet")
        return f

    rows = kernels.run(fws, True, timing.TINY, kernels=[
        _kernel("good", lambda tg: tg.add),
        _kernel("missing", missing),
        _kernel("wrong", lambda tg: tg.multiply),  # 1*1 != 1+1
    ])
    good, miss, wrong = rows
    assert set(good["times"]) == {"tensorgear", "numpy"} and good["notes"] == []
    assert good["ratios"]["numpy/tg"] > 0 and good["gbps"]["tensorgear"] > 0
    assert "tensorgear" not in miss["times"] and "numpy" in miss["times"]
    assert "not implemented yet" in miss["notes"][0]
    assert "tensorgear" not in wrong["times"] and "wrong result" in wrong["notes"][0]


def test_every_kernel_runs_on_tiny_sizes(fws, tiny_sizes):
    seen = []
    rows = kernels.run(fws, True, timing.TINY, progress=seen.append)
    assert seen == rows
    names = {r["kernel"] for r in rows}
    for k in ("add", "multiply", "bias_add", "relu", "exp", "tanh", "sigmoid", "sum axis=0",
              "mean axis=1", "max axis=0", "softmax rows", "matmul mnist", "matmul square"):
        assert k in names, k
    for r in rows:
        assert "numpy" in r["times"], r  # the reference always runs
        # tensorgear either ran or says why not
        assert "tensorgear" in r["times"] or any(n.startswith("tensorgear") for n in r["notes"])
    assert len([r for r in rows if r["kernel"] == "matmul mnist"]) == 5
    flops = [r for r in rows if r["kernel"] == "matmul mnist" and r["case"].startswith("fwd1")][0]
    assert "(128, 784)@(784, 512)" in flops["case"]


def test_matmul_timed_one_framework_per_process(fws):
    """Multi-threaded runs time BLAS cases in a subprocess per framework; results
    are still checked in this process, and the samples land in the same rows."""
    notes = []
    rows = kernels.run(fws, True, timing.TINY, patterns=["matmul mnist"], isolate_blas=True, notes=notes)
    assert notes == [] and len(rows) == 5
    for r in rows:
        assert r.get("isolated") and set(r["times"]) == set(fws), r
        assert all(t["median_s"] > 0 for t in r["times"].values())
    # Without isolation (or for other kernels) nothing is spawned.
    plain = kernels.run(fws, True, timing.TINY, patterns=["relu"], isolate_blas=True)
    assert all(not r.get("isolated") for r in plain)


def test_conv_rows_check_every_framework_and_compare_with_sgemm(fws):
    rows = kernels.run(fws, True, timing.TINY, patterns=["conv2d", "matmul square"])
    conv = [r for r in rows if r["group"] == "conv"]
    assert [r["kernel"] for r in conv] == ["conv2d fwd"] * 3 + ["conv2d dx"] * 3 + ["conv2d dw"] * 3
    for r in conv:
        assert not r["notes"], r["notes"]  # each framework's result matched NumPy's reference
        assert set(r["times"]) == set(fws)
        assert r["gflops"]["tensorgear"] > 0 and 0 < r["of_sgemm"]


def test_gpu_benchmark_runs_every_path_on_the_cpu(tmp_path):
    from tensorgear.benchmarks import gpu

    out = tmp_path / "gpu.json"
    assert gpu.main(["--cpu-dry-run", "--epochs", "2", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    rows = {k: v for k, v in report.items() if k.startswith("mnist_")}
    assert set(rows) == {"mnist_mlp_epoch_batch128", "mnist_mlp_epoch_batch1024", "mnist_cnn_epoch_batch64"}
    for row in rows.values():
        assert row["tensorgear_s"] > 0 and 0 <= row["tensorgear_test_acc"] <= 1
        assert row["variables_on"].endswith("CPU:0")
        assert "torch" in row or row["torch_s"] > 0
    with pytest.raises(SystemExit):
        gpu.main(["--cpu-dry-run", "--models", "rnn"])


def test_select_filters_by_name_and_group():
    ks = kernels.all_kernels()
    assert {k.group for k in kernels.select(ks, ["matmul"])} == {"matmul"}
    assert [k.name for k in kernels.select(ks, ["SIGMOID"])] == ["sigmoid"]
    assert kernels.select(ks, []) == ks


def test_load_reports_missing_frameworks(monkeypatch):
    import tensorgear.benchmarks.frameworks as fmod

    def boom():
        raise ImportError("No module named 'torch'")

    monkeypatch.setattr(fmod, "Torch", boom)
    got, notes = load(["numpy", "torch"])
    assert list(got) == ["numpy"] and "torch: not installed" in notes[0]


# ------------------------------------------------------------------ overheads


def test_overheads_rows(fws):
    rows = overheads.run_dispatch(fws, timing.TINY)
    cases = [r["case"] for r in rows]
    assert cases == list(overheads.TARGETS_US)
    for r in rows:
        assert r["times"] or r["notes"]
    assert "numpy" in rows[0]["times"]
    only = overheads.run_dispatch(fws, timing.TINY, patterns=["fwd+bwd"])
    assert [r["case"] for r in only] == ["fwd+bwd sum(x*x)"]


def test_import_time_in_a_fresh_interpreter():
    r = overheads.import_time("json", 1, dict(os.environ))
    assert r["runs"] == 1 and 0 <= r["median_s"] < 60
    bad = overheads.import_time("no_such_module_xyz", 1, dict(os.environ))
    assert "error" in bad


# ------------------------------------------------------------------ NumPy MLP


def test_numpy_mlp_backprop_matches_finite_differences():
    rng = np.random.default_rng(1)
    m = MLP(n_in=5, hidden=4, n_out=3, seed=2, dtype=np.float64)
    x = rng.standard_normal((6, 5))
    y = np.array([0, 1, 2, 1, 0, 2])
    m.params[1][:] = 0.1  # no ReLU exactly at 0 (a kink)
    _, _, grads = m.loss_and_grads(x, y)
    eps = 1e-6
    for p, g in zip(m.params, grads):
        num = np.zeros_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + eps
            lp = m.loss_and_grads(x, y)[0]
            p[i] = old - eps
            lm = m.loss_and_grads(x, y)[0]
            p[i] = old
            num[i] = (lp - lm) / (2 * eps)
        np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-8)


def test_numpy_mlp_learns_and_rmsprop_matches_keras_formula():
    m = MLP(n_in=2, hidden=3, n_out=2, seed=0, dtype=np.float64, lr=0.1)
    p0 = [p.copy() for p in m.params]
    g = [np.ones_like(p) for p in m.params]
    m.apply_rmsprop([x.copy() for x in g])
    v = 0.1 * 1.0
    for p, q in zip(m.params, p0):
        np.testing.assert_allclose(p, q - 0.1 / np.sqrt(v + 1e-7))
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 2))
    y = (x[:, 0] > 0).astype(np.int64)
    m = MLP(n_in=2, hidden=8, n_out=2, seed=0, dtype=np.float64, lr=0.01)
    first = m.train_step(x, y)[0]
    for _ in range(100):
        last = m.train_step(x, y)[0]
    assert last < first
    loss, acc = m.evaluate(x, y)
    assert 0 <= acc <= 1 and math.isfinite(loss)


# ------------------------------------------------------------------ training


def _tiny_mnist(n=256):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
    y = rng.integers(0, 10, n).astype(np.uint8)
    return (x, y), (x[:64], y[:64])


def test_training_worker_numpy_in_a_subprocess(tmp_path):
    path = training.prepare_data(str(tmp_path), limit=200, data=_tiny_mnist())
    with np.load(path) as d:
        assert d["x_train"].shape == (200, 28, 28) and d["x_test"].shape == (64, 28, 28)
    r = training.run_one("numpy", path, epochs=2, batch_size=50, hidden=16,
                         environ=benv.child_env(os.environ, unset_openblas=False), timeout=300)
    assert "error" not in r, r
    assert len(r["epoch_s"]) == 2 and r["steps_per_epoch"] == 4
    assert r["epoch_median_s"] == r["epoch_s"][1] and r["step_ms"] > 0
    assert 0 <= r["test_accuracy"] <= 1 and r["peak_rss_bytes"] > r["rss_after_data_bytes"] > 0


@pytest.mark.parametrize("framework", ["tensorgear", "torch"])
def test_training_worker_runs_the_convnet(tmp_path, framework):
    if framework == "torch":
        pytest.importorskip("torch")
    path = training.prepare_data(str(tmp_path), limit=128, data=_tiny_mnist())
    r = training.run_one(framework, path, epochs=1, batch_size=64, model="cnn",
                         environ=benv.child_env(os.environ, unset_openblas=False), timeout=300)
    assert "error" not in r, r
    assert r["steps_per_epoch"] == 2 and 0 <= r["test_accuracy"] <= 1
    numpy_cnn = training.run_one("numpy", path, epochs=1, batch_size=64, model="cnn",
                                 environ=dict(os.environ), timeout=120)
    assert "MLP only" in numpy_cnn["error"]


@pytest.mark.skipif(scaling.unavailable() is not None, reason="no MPI (pip install tensorgear[mpi])")
def test_scaling_section_runs_one_rank_and_two(tmp_path):
    r = scaling.run(epochs=2, batch_size=64, unset_openblas=False, limit=256, data=_tiny_mnist(256), timeout=240)
    assert r["one_rank"]["ranks"] == 1 and r["two_ranks"]["ranks"] == 2, r
    assert r["two_ranks"]["threads"] == 1 and len(r["two_ranks"]["epoch_s"]) == 2
    assert r["ratio"] > 0 and r["two_ranks"]["allreduce_bytes"] == 4 * (784 * 512 + 512 + 512 * 10 + 10)
    assert 0 < r["reduction_share"] and any("2 ranks" in line for line in scaling.lines(r))


def test_training_run_skips_what_is_missing(monkeypatch):
    monkeypatch.setattr(training, "unavailable", lambda fw: None if fw == "numpy" else f"no {fw}")
    seen = []
    out = training.run(["tensorgear", "numpy", "keras"], epochs=1, batch_size=64, unset_openblas=False,
                       hidden=8, data=_tiny_mnist(128), progress=seen.append)
    assert [r["framework"] for r in out["results"]] == ["tensorgear", "numpy", "keras"]
    assert out["results"][0]["skipped"] == "no tensorgear" and "epoch_median_s" in out["results"][1]
    assert any("keras skipped" in n for n in out["notes"]) and len(seen) == 3


def test_training_reports_worker_failure(tmp_path):
    r = training.run_one("numpy", str(tmp_path / "missing.npz"), 1, 32,
                         environ=dict(os.environ), timeout=120)
    assert "error" in r and "FileNotFoundError" in r["error"]


def test_unavailable_frameworks_have_reasons():
    assert training.unavailable("numpy") is None
    for fw in ("keras", "torch", "tensorgear"):
        why = training.unavailable(fw)
        assert why is None or isinstance(why, str)


# ------------------------------------------------------------------ reports


def _fake_results():
    def row(kernel, group, nelem, tg, np_, case="c"):
        return {"kernel": kernel, "group": group, "case": case, "nelem": nelem, "notes": [],
                "times": {"tensorgear": {"median_s": tg}, "numpy": {"median_s": np_}},
                "ratios": {"numpy/tg": np_ / tg}, "gbps": {"tensorgear": 40.0}}
    return {
        "meta": {"date": "today"},
        "kernels": [row("add", "elementwise", 16_000_000, 1.0, 2.0),
                    row("exp", "elementwise", 1_000, 1.0, 0.5),  # below 1e5: not in the geomean
                    row("sum axis=0", "reduction", 4_194_304, 1.0, 8.0),
                    row("matmul square", "matmul", 4_194_304, 1.0, 1.0, case="2048x2048"),
                    row("matmul mnist", "matmul", 401_408, 1.0, 1.44, case="fwd1 x@W1")],
        "overheads": [{"case": "dispatch add(x, y)", "target_s": 0.8e-6, "notes": [],
                       "times": {"tensorgear": {"median_s": 0.5e-6}, "torch": {"median_s": 2.5e-6}}},
                      {"case": "fwd+bwd sum(x*x)", "target_s": 8e-6, "notes": [],
                       "times": {"tensorgear": {"median_s": 12e-6}, "torch": {"median_s": 20e-6}}}],
        "imports": [{"module": "tensorgear", "median_s": 0.3, "runs": 3}],
        "training": {"epochs": 5, "limit": None, "batch_size": 128, "notes": [], "results": [
            {"framework": "tensorgear", "epoch_median_s": 0.5, "first_epoch_s": 0.6, "step_ms": 1.0,
             "test_accuracy": 0.98, "peak_rss_bytes": 400 * 2**20, "rss_after_data_bytes": 2**28},
            {"framework": "torch", "epoch_median_s": 1.0, "first_epoch_s": 1.1, "step_ms": 2.0,
             "test_accuracy": 0.979, "peak_rss_bytes": 800 * 2**20, "epoch_ratio_other_over_tg": 2.0},
            {"framework": "keras", "skipped": "not installed"}]},
        "notes": ["keras skipped: not installed"],
    }


def test_targets_are_computed_from_the_same_run():
    t = {x["target"]: x for x in report.targets(_fake_results())}
    ew = t["element-wise+reduction geomean speedup vs NumPy (>=1e5 elems)"]
    assert ew["value"] == pytest.approx(4.0) and ew["met"] is True
    assert t["element-wise+reduction geomean speedup vs PyTorch (>=1e5 elems)"]["value"] is None
    assert t["matmul 2048^2 speedup vs NumPy"]["met"] is True
    assert t["matmul MNIST training shapes geomean speedup vs NumPy"]["value"] == pytest.approx(1.44)
    assert t["overhead dispatch add(x, y) (us)"]["met"] is True
    # issue 9's form of the overhead goals: ratios to PyTorch in the same run
    assert t["overhead dispatch add(x, y) tensorgear/torch"]["value"] == pytest.approx(0.2)
    assert t["overhead dispatch add(x, y) tensorgear/torch"]["met"] is True
    assert t["overhead fwd+bwd sum(x*x) (us)"]["met"] is False
    assert t["overhead fwd+bwd sum(x*x) tensorgear/torch"]["value"] == pytest.approx(0.6)
    assert t["overhead fwd+bwd sum(x*x) tensorgear/torch"]["met"] is False
    assert t["import tensorgear (s)"]["met"] is False
    assert t["MNIST epoch time tensorgear/torch"]["value"] == pytest.approx(0.5)
    assert t["MNIST epoch time tensorgear/torch"]["met"] is True
    assert t["MNIST epoch time tensorgear/numpy"]["value"] is None
    assert t["MNIST test accuracy after 5 epochs"]["met"] is True
    assert t["MNIST peak RSS (MB)"]["value"] == pytest.approx(400)
    assert report.geomean([2, 8]) == pytest.approx(4) and report.geomean([None, 0]) is None


def test_tables_markdown_json(tmp_path):
    res = _fake_results()
    res["targets"] = report.targets(res)
    lines = []
    table = report.Table(report.KERNEL_COLUMNS, lines.append)
    table.header()
    table.row(report.kernel_cells(res["kernels"][0]))
    assert lines[0].startswith("kernel") and "2.00x" in lines[2] and "40.0 GB/s" in lines[2]
    assert report.train_cells(res["training"]["results"][2])[1] == "skipped"
    md = report.markdown(res, ["header line"], "tensorgear bench")
    for s in ("# tensorgear benchmark results", "## Targets", "## MNIST training", "## Kernels",
              "## Overheads", "## Skipped", "header line", "**not met**"):
        assert s in md, s
    path = tmp_path / "r.json"
    report.write_json(res, str(path))
    assert json.loads(path.read_text())["kernels"][0]["kernel"] == "add"
    assert any("NOT MET" in x for x in report.target_lines(res["targets"]))


def test_plot_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "b.png"
    report.plot(_fake_results(), str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ValueError):
        report.plot({"kernels": []}, str(tmp_path / "none.png"))


# ------------------------------------------------------------------ command line


def test_parser_options_and_errors(capsys):
    a = cli.build_parser().parse_args(["--quick", "--sections", "kernels,training", "-k", "add",
                                       "-k", "exp", "--json", "x.json", "--epochs", "1"])
    assert a.quick and a.sections == ["kernels", "training"] and a.patterns == ["add", "exp"]
    assert a.json == "x.json" and a.epochs == 1
    for bad in (["--sections", "gpu"], ["--epochs", "0"], ["--frameworks", "jax"]):
        with pytest.raises(SystemExit) as e:
            cli.build_parser().parse_args(bad)
        assert e.value.code == 2


def test_plot_without_matplotlib_fails_before_running(monkeypatch, capsys):
    monkeypatch.setattr(report, "plot_missing", lambda: "--plot needs matplotlib")
    assert cli.main(["--plot", "x.png", "--keep-openblas-env"]) == 2
    assert "matplotlib" in capsys.readouterr().err


def test_main_end_to_end_tiny(tiny_sizes, tmp_path, capsys):
    out = tmp_path / "r.json"
    md = tmp_path / "r.md"
    rc = cli.main(["--quick", "--keep-openblas-env", "--sections", "kernels,overheads", "-k", "add",
                   "-k", "dispatch", "--frameworks", "tensorgear,numpy", "--json", str(out),
                   "--markdown", str(md)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "== kernels" in text and "== overheads" in text and "== targets" in text
    assert "LEFT SET" in text or "not set" in text  # this test leaves the variables alone
    res = json.loads(out.read_text())
    assert {r["kernel"] for r in res["kernels"]} == {"add", "bias_add"}
    assert all(r["case"].startswith("dispatch") for r in res["overheads"])
    assert "imports" not in res and md.read_text().startswith("# tensorgear benchmark results")


def test_bench_cli_is_the_tensorgear_bench_entry():
    from tensorgear import bench_cli

    assert bench_cli.main is cli.main


def test_bench_wrapper_help_from_a_checkout():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if not os.path.exists(os.path.join(root, "bench", "run.py")):
        pytest.skip("not a source checkout")
    r = subprocess.run([sys.executable, "-m", "bench", "--help"], cwd=root, capture_output=True,
                       text=True, timeout=120, env=benv.child_env(os.environ, unset_openblas=False))
    assert r.returncode == 0, r.stderr
    assert "--quick" in r.stdout and "--sections" in r.stdout


def test_busy_machine_probe_and_bounded_wait():
    busy = benv.runnable_others(2, 0.0)
    assert busy is None or busy >= -1
    assert benv.wait_quiet(0.0) == pytest.approx(0.0, abs=0.5)


def test_training_rounds_take_the_median_epoch_time(monkeypatch):
    monkeypatch.setattr(training, "unavailable", lambda fw: None)
    seen = []
    out = training.run(["numpy"], epochs=2, batch_size=64, unset_openblas=False, hidden=8,
                       data=_tiny_mnist(128), progress=seen.append, rounds=2)
    assert [r["round"] for r in seen] == [1, 2] and out["rounds"] == 2
    (r,) = out["results"]
    assert len(r["round_epoch_s"]) == 2 and "round" not in r
    assert r["epoch_median_s"] == pytest.approx(sum(r["round_epoch_s"]) / 2)
    assert len(r["round_test_accuracy"]) == 2
    assert r["test_accuracy"] == pytest.approx(sum(r["round_test_accuracy"]) / 2)
    one = training.combine_rounds([{"framework": "x", "error": "boom"}])
    assert one["error"] == "boom"


# ------------------------------------------------------------------ busy mode


def test_a_background_load_runs_until_stopped_and_stops_by_itself():
    from tensorgear.benchmarks import loads

    load = loads.Load("spin", benv.child_env(os.environ, unset_openblas=False), max_seconds=60)
    try:
        assert load.proc.poll() is None
    finally:
        load.stop()
    assert load.proc.poll() is not None
    # The bound: a load left behind ends by itself.
    r = subprocess.run([sys.executable, loads.SCRIPT, "bursty-blas", "0.3"], timeout=60,
                       env=benv.child_env(os.environ, unset_openblas=False))
    assert r.returncode == 0
    assert loads.unavailable("nope") and "unknown load" in loads.unavailable("nope")
    with pytest.raises(ValueError, match="unknown load"):
        loads.Load("nope", {})


def test_busy_mode_runs_every_competitor_under_each_load(monkeypatch):
    from tensorgear.benchmarks import busy

    monkeypatch.setattr(training, "unavailable", lambda fw: None if fw in ("numpy", "tensorgear") else "absent")
    seen = []
    out = busy.run(["none", "spin", "nope"], ["tensorgear", "numpy", "torch"], epochs=2, batch_size=64,
                   unset_openblas=False, limit=None, progress=seen.append, hidden=8, data=_tiny_mnist(128))
    assert [r["load"] for r in out["rows"]] == ["none", "spin"] == [r["load"] for r in seen]
    assert out["competitors"] == ["tensorgear", "tensorgear 1t", "numpy"]
    assert any("torch skipped" in n for n in out["notes"]) and any("load nope" in n for n in out["notes"])
    for row in out["rows"]:
        assert all(row["epoch_s"][c] > 0 for c in out["competitors"]), row
        assert row["tg_over_one_thread"] == pytest.approx(row["epoch_s"]["tensorgear"]
                                                          / row["epoch_s"]["tensorgear 1t"])
        assert row["tg_over_torch"] is None
        assert len(busy.cells(row)) == len(busy.COLUMNS)
    tg = busy.targets(out)
    assert [t["target"] for t in tg] == ["busy (spin): epoch tensorgear/torch",
                                         "busy (spin): epoch tensorgear/tensorgear 1 thread"]
    assert tg[0]["met"] is None and tg[1]["met"] in (True, False)
    md = report.markdown({"busy": out, "targets": tg}, ["h"], "tensorgear bench --busy")
    assert "Quiet and busy" in md and "one always-runnable busy loop" in md


def test_busy_options_parse():
    a = cli.build_parser().parse_args(["--busy", "--loads", "spin,numpy-mlp", "--busy-epochs", "2"])
    assert a.busy and a.loads == ["spin", "numpy-mlp"] and a.busy_epochs == 2
    assert "busy" not in cli.build_parser().parse_args([]).sections
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--loads", "gpu"])


def test_busy_mode_trains_the_convnet_without_the_numpy_mlp(monkeypatch):
    from tensorgear.benchmarks import busy

    calls = []

    def fake_run_one(fw, data_path, epochs, batch_size, environ, seed=0, threads=0, hidden=512, model="mlp"):
        calls.append((fw, threads, model, batch_size))
        return {"epoch_median_s": {"tensorgear": 1.0, "torch": 1.25}[fw] * (1.1 if threads == 1 else 1.0)}

    monkeypatch.setattr(training, "unavailable", lambda fw: None)
    monkeypatch.setattr(training, "run_one", fake_run_one)
    out = busy.run(["none", "spin"], ["tensorgear", "numpy", "torch"], epochs=1, batch_size=64,
                   unset_openblas=False, limit=None, data=_tiny_mnist(64), model="cnn")
    assert out["model"] == "cnn" and out["competitors"] == ["tensorgear", "tensorgear 1t", "torch"]
    assert {c[2] for c in calls} == {"cnn"} and all(c[0] != "numpy" for c in calls)
    tg = busy.targets(out)
    # the convnet's goal (epoch <= 1.0x PyTorch's) holds quiet and busy, so the quiet row counts too
    assert [t["target"] for t in tg] == ["busy cnn (none): epoch tensorgear/torch",
                                         "busy cnn (spin): epoch tensorgear/torch",
                                         "busy cnn (spin): epoch tensorgear/tensorgear 1 thread"]
    assert tg[0]["met"] is True and tg[0]["value"] == pytest.approx(0.8)
    assert cli.build_parser().parse_args(["--busy", "--busy-model", "cnn"]).busy_model == "cnn"

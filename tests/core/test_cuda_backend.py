"""The CUDA backend's parts that a machine without a GPU can check.

The offset calculator and the reduction plans are device-neutral host code
(csrc/backend/strided_index.h, reduce_plan.h) that the GPU kernels index
with: they are checked here against NumPy's own strides. A CUDA build must
fill the CUDA column of the op table as the CPU column is filled, and must
import and run on the CPU where there is no driver or GPU. The kernels'
values are checked on a GPU by the device-parametrised tests of
test_op_table.py and tests/gpu/ (`make gpu-check`)."""

import itertools

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import _C


def _element_strides(a):
    return [s // a.itemsize for s in a.strides]


def _offsets_of(a):
    """Element offset of each element of `a` from its first one, in row-major order
    (a kernel indexes from the operand's data pointer)."""
    idx = np.indices(a.shape).reshape(a.ndim, -1).T if a.ndim else np.zeros((1, 0), int)
    return (idx @ np.array(_element_strides(a), dtype=np.int64)).tolist() if a.size else []


def _views():
    base = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)
    yield "dense", base
    yield "transposed", base.transpose(2, 0, 1)
    yield "sliced", base[1:, ::2, 1:5]
    yield "reversed", base[::-1, :, ::-2]
    yield "single row", base[2:3]
    yield "broadcast", np.broadcast_to(base[:, :1, :], (4, 5, 6))


@pytest.mark.parametrize("name_a,name_b", list(itertools.product([n for n, _ in _views()], repeat=2)))
def test_offset_calculator_matches_numpy_strides(name_a, name_b):
    views = dict(_views())
    a, b = views[name_a], views[name_b]
    if a.shape != b.shape:  # transposed (6, 4, 5) and sliced (3, 3, 4) pair only with themselves
        b = np.broadcast_to(b[(0,) * b.ndim], a.shape)
        name_b = "scalar"
    got_a, got_b, merged = _C._offset_calc_probe(list(a.shape), [_element_strides(a), _element_strides(b)])
    assert got_a == _offsets_of(a), name_a
    assert got_b == _offsets_of(b), name_b
    if name_a == name_b == "dense":
        assert merged == 1  # one dense dimension: one division per element at most


def test_offset_calculator_merges_and_drops_unit_dimensions():
    assert _C._offset_calc_probe([2, 1, 3], [[3, 3, 1], [3, 3, 1]])[2] == 1
    assert _C._offset_calc_probe([2, 3], [[1, 2], [3, 1]])[2] == 2  # a transpose cannot merge
    assert _C._offset_calc_probe([], [[], []])[:2] == ([0], [0])
    with pytest.raises(NotImplementedError):
        _C._offset_calc_probe([2] * 13, [[2 ** (12 - i) * 3 for i in range(13)], [1] * 13])


def _reduce_cases():
    rng = np.random.default_rng(0)
    base = np.arange(3 * 4 * 5 * 2, dtype=np.float64).reshape(3, 4, 5, 2)
    views = [base, base.transpose(3, 1, 0, 2), base[:, ::-1, 1:4], base[..., :1],
             np.broadcast_to(base[:, :1], base.shape), base[::2, :, ::2, ::-1]]
    for v in views:
        for r in range(0, v.ndim + 1):
            for axes in itertools.combinations(range(v.ndim), r):
                yield v, axes
    for _ in range(20):  # zero-size and long dimensions
        shape = tuple(int(d) for d in rng.choice([0, 1, 3, 7, 64], size=3))
        yield np.zeros(shape), tuple(sorted(set(int(a) for a in rng.choice(3, size=2))))


@pytest.mark.parametrize("case", range(len(list(_reduce_cases()))))
def test_reduction_plan_folds_exactly_the_reduced_elements(case):
    v, axes = list(_reduce_cases())[case]
    folds, kind = _C._reduce_plan_probe(list(v.shape), _element_strides(v), list(axes))
    assert kind in ("rows", "cols")
    offsets = np.array(_offsets_of(v), dtype=np.int64).reshape(v.shape)
    kept = [d for d in range(v.ndim) if d not in axes]
    moved = np.moveaxis(offsets, kept, list(range(len(kept))))
    n_out = int(np.prod([v.shape[d] for d in kept], dtype=np.int64))
    expected = moved.reshape(n_out, int(np.prod([v.shape[d] for d in axes], dtype=np.int64)))
    assert len(folds) == expected.shape[0]
    for got, want in zip(folds, expected):
        assert sorted(got) == sorted(want.tolist())


TABLE = _C._kernel_table()


@pytest.mark.skipif(not _C.cuda_built(), reason="a build without the CUDA backend")
@pytest.mark.parametrize("name", sorted(TABLE))
def test_the_cuda_column_has_every_cpu_kernel(name):
    entry = TABLE[name]
    missing = set(entry["cpu"]) - set(entry["cuda"])
    assert not missing, f"op '{name}' has no CUDA kernel for {sorted(missing)}"


@pytest.mark.skipif(not _C.cuda_built(), reason="a build without the CUDA backend")
@pytest.mark.parametrize("update", ["sgd", "rmsprop", "adam", "adagrad", "adadelta", "nadam", "adamax",
                                    "lion", "ftrl"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_cuda_column_has_every_optimizer_update(update, dtype):
    assert _C.optim._update_kernel_probe(update, "CPU:0", dtype)
    assert _C.optim._update_kernel_probe(update, "GPU:0", dtype)


@pytest.mark.skipif(_C.cuda_device_count() > 0, reason="a GPU is present")
def test_without_a_gpu_the_build_reports_none_and_runs_on_the_cpu():
    assert tg.config.list_physical_devices("GPU") == []
    assert tg.config.list_logical_devices("GPU") == []
    assert _C._default_device() == "CPU:0"
    assert tg.constant([1.0]).device.endswith("CPU:0")
    with pytest.raises(ValueError, match=r"device 'GPU:0' is not available: 0 visible GPU"):
        with tg.device("GPU:0"):
            pass
    with pytest.raises(ValueError, match="GPU:0"):
        tg.config.experimental.get_memory_info("GPU:0")


def test_memory_info_of_the_cpu_allocator():
    tg.config.experimental.reset_memory_stats("CPU:0")
    before = tg.config.experimental.get_memory_info("CPU:0")
    x = tg.ones([1 << 20])
    during = tg.config.experimental.get_memory_info("CPU:0")
    assert during["current"] >= before["current"] + 4 * (1 << 20) - 1
    assert during["peak"] >= during["current"]
    del x
    tg.config.experimental.reset_memory_stats("CPU:0")
    after = tg.config.experimental.get_memory_info("CPU:0")
    assert after["peak"] == after["current"] < during["current"]


def test_visible_devices_keep_the_cpu():
    cpus = tg.config.list_physical_devices("CPU")
    gpus = tg.config.list_physical_devices("GPU")
    default = _C._default_device()
    try:
        tg.config.set_visible_devices([], "GPU")
        assert tg.config.get_visible_devices("GPU") == []
        assert tg.config.get_visible_devices("CPU") == cpus
        assert tg.constant([1.0]).device.endswith("CPU:0")
    finally:
        tg.config.set_visible_devices(cpus + gpus)
        _C._set_default_device(default)

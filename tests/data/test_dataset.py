"""tg.data.Dataset against tf.data's documented behaviour."""

import collections

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tensorgear as tg
import tensorgear.data  # noqa: F401  (tg.data)
from tensorgear.data import Dataset
from tensorgear.data import sources as data_sources


def npy(t):
    return np.asarray(t)


def values(ds):
    """Elements as (nested) NumPy values, for comparisons."""
    return list(ds.as_numpy_iterator())


def scalars(ds):
    return [int(v) for v in ds.as_numpy_iterator()]


# -- construction ---------------------------------------------------------------------


def test_from_tensor_slices_array_yields_tensors_rows():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    ds = Dataset.from_tensor_slices(x)
    out = list(ds)
    assert len(out) == 4
    for i, t in enumerate(out):
        assert isinstance(t, tg.Tensor)
        assert tuple(t.shape) == (3,)
        np.testing.assert_array_equal(npy(t), x[i])
        assert npy(t).dtype == np.float32


def test_from_tensor_slices_keeps_numpy_dtypes():
    for dt in (np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_):
        x = np.ones((3, 2), dtype=dt)
        (first,) = list(Dataset.from_tensor_slices(x).take(1))
        assert npy(first).dtype == dt


def test_from_tensor_slices_tuple_dict_namedtuple():
    x = np.arange(6).reshape(3, 2)
    y = np.array([10, 20, 30])
    pairs = list(Dataset.from_tensor_slices((x, y)))
    assert all(isinstance(p, tuple) and len(p) == 2 for p in pairs)
    assert [int(npy(b)) for _, b in pairs] == [10, 20, 30]

    d = list(Dataset.from_tensor_slices({"image": x, "label": y}))
    assert list(d[1].keys()) == ["image", "label"]
    np.testing.assert_array_equal(npy(d[1]["image"]), [2, 3])
    assert int(npy(d[2]["label"])) == 30

    Point = collections.namedtuple("Point", ["a", "b"])
    nt = list(Dataset.from_tensor_slices(Point(x, y)))
    assert isinstance(nt[0], Point)
    assert int(npy(nt[2].b)) == 30

    nested = values(Dataset.from_tensor_slices(({"a": x}, (y, y))))
    assert int(nested[0][1][1]) == 10
    np.testing.assert_array_equal(nested[2][0]["a"], [4, 5])


def test_from_tensor_slices_list_is_a_tensor_not_a_structure():
    ds = Dataset.from_tensor_slices([[1, 2], [3, 4], [5, 6]])
    out = values(ds)
    assert len(out) == 3
    np.testing.assert_array_equal(out[2], [5, 6])
    in_dict = values(Dataset.from_tensor_slices({"a": [1, 2, 3], "b": [[1, 2], [3, 4], [5, 6]]}))
    assert len(in_dict) == 3 and int(in_dict[2]["a"]) == 3
    np.testing.assert_array_equal(in_dict[1]["b"], [3, 4])
    floats = values(Dataset.from_tensor_slices([1.0, 2.0]))
    assert np.asarray(floats[0]).dtype == np.float32  # Python floats -> float32, like TF


def test_from_tensor_slices_accepts_tensors():
    t = tg.constant(np.arange(6, dtype=np.float32).reshape(3, 2))
    out = values(Dataset.from_tensor_slices(t))
    np.testing.assert_array_equal(out[1], [2.0, 3.0])


def test_from_tensor_slices_errors():
    with pytest.raises(ValueError, match=r"\(3, 2\).*\(4,\)"):
        Dataset.from_tensor_slices((np.zeros((3, 2)), np.zeros(4)))
    with pytest.raises(ValueError, match="rank >= 1"):
        Dataset.from_tensor_slices(np.float32(3.0))
    with pytest.raises(TypeError, match="must hold strings"):  # strings are supported, other objects not
        Dataset.from_tensor_slices(np.array([{"a": 1}, None], dtype=object))


def test_from_tensor_slices_snapshots_its_input():
    x = np.arange(4)
    ds = Dataset.from_tensor_slices(x)
    x[0] = 100
    assert scalars(ds) == [0, 1, 2, 3]
    # and what as_numpy_iterator yields can be written without touching the dataset
    for v in ds.batch(2).as_numpy_iterator():
        v += 1
    assert scalars(ds) == [0, 1, 2, 3]


def test_from_tensors_single_element():
    x = np.arange(6).reshape(2, 3)
    ds = Dataset.from_tensors((x, 7))
    assert len(ds) == 1
    (elem,) = values(ds)
    np.testing.assert_array_equal(elem[0], x)
    assert int(elem[1]) == 7
    assert values(Dataset.from_tensors(x).repeat(3).batch(3))[0].shape == (3, 2, 3)


@pytest.mark.parametrize("args", [(5,), (2, 5), (10, 0, -3), (0,), (5, 2)])
def test_range(args):
    ds = Dataset.range(*args)
    assert scalars(ds) == list(range(*args))
    assert len(ds) == len(range(*args))
    if len(ds):
        assert np.asarray(next(iter(ds.as_numpy_iterator()))).dtype == np.int64


def test_range_dtype_and_errors():
    assert np.asarray(values(Dataset.range(3, dtype=tg.int32))[0]).dtype == np.int32
    with pytest.raises(ValueError):
        Dataset.range(0, 5, 0)


# -- batch --------------------------------------------------------------------------


def test_batch_sizes_and_remainder():
    ds = Dataset.range(10)
    batches = values(ds.batch(4))
    assert [b.tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert len(ds.batch(4)) == 3
    dropped = values(ds.batch(4, drop_remainder=True))
    assert [b.tolist() for b in dropped] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(ds.batch(4, drop_remainder=True)) == 2
    with pytest.raises(ValueError):
        ds.batch(0)


def test_batch_of_structures_and_spec():
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10, dtype=np.int64)
    ds = Dataset.from_tensor_slices((x, y)).batch(3)
    xb, yb = next(iter(ds))
    assert isinstance(xb, tg.Tensor) and tuple(xb.shape) == (3, 2)
    np.testing.assert_array_equal(npy(yb), [0, 1, 2])
    spec = ds.element_spec
    assert spec[0].shape == (None, 2) and spec[1].shape == (None,)
    assert Dataset.from_tensor_slices(x).batch(3, drop_remainder=True).element_spec.shape == (3, 2)
    d = Dataset.from_tensor_slices({"a": x, "b": y}).batch(4)
    first = next(iter(d))
    assert set(first) == {"a", "b"} and tuple(first["a"].shape) == (4, 2)


def test_batch_after_map_stacks_and_reports_ragged_shapes():
    ds = Dataset.range(5).map(lambda i: tg.cast(i, tg.float32) * 2.0).batch(2)
    assert [b.tolist() for b in values(ds)] == [[0.0, 2.0], [4.0, 6.0], [8.0]]
    ragged = Dataset.from_generator(lambda: iter([np.zeros(2), np.zeros(3)])).batch(2)
    with pytest.raises(ValueError, match="different shapes"):
        values(ragged)


def test_unbatch_inverts_batch():
    ds = Dataset.range(7).batch(3).unbatch()
    assert scalars(ds) == list(range(7))


# -- shuffle ------------------------------------------------------------------------


def test_shuffle_is_a_permutation_and_seed_reproducible():
    ds = Dataset.range(100)
    a = scalars(ds.shuffle(100, seed=42))
    b = scalars(ds.shuffle(100, seed=42))
    c = scalars(ds.shuffle(100, seed=43))
    assert sorted(a) == list(range(100))
    assert a == b
    assert a != c and a != list(range(100))


def test_shuffle_reshuffles_each_iteration_by_default():
    ds = Dataset.range(50).shuffle(50, seed=1)
    first, second = scalars(ds), scalars(ds)
    assert sorted(first) == sorted(second) == list(range(50))
    assert first != second
    # the sequence of orders is itself reproducible from the seed
    ds2 = Dataset.range(50).shuffle(50, seed=1)
    assert scalars(ds2) == first and scalars(ds2) == second


def test_shuffle_without_reshuffle_repeats_the_order():
    ds = Dataset.range(50).shuffle(50, seed=3, reshuffle_each_iteration=False)
    assert scalars(ds) == scalars(ds)
    rep = scalars(ds.repeat(2))
    assert rep[:50] == rep[50:]


def test_shuffle_before_repeat_reshuffles_every_epoch():
    rep = scalars(Dataset.range(30).shuffle(30, seed=5).repeat(3))
    epochs = [rep[0:30], rep[30:60], rep[60:90]]
    assert all(sorted(e) == list(range(30)) for e in epochs)
    assert epochs[0] != epochs[1] or epochs[1] != epochs[2]


def test_shuffle_buffer_semantics():
    # buffer 1: no shuffling at all
    assert scalars(Dataset.range(20).shuffle(1, seed=0)) == list(range(20))
    # buffer k: the element emitted at position p was read at most p + k - 1
    k = 4
    for seed in range(20):
        out = scalars(Dataset.range(40).shuffle(k, seed=seed))
        assert sorted(out) == list(range(40))
        assert all(v <= p + k - 1 for p, v in enumerate(out))


def test_shuffle_small_buffer_generic_path_after_map():
    out = scalars(Dataset.range(40).map(lambda x: x + 1).shuffle(5, seed=2))
    assert sorted(out) == list(range(1, 41))
    assert all(v - 1 <= p + 4 for p, v in enumerate(out))


def test_shuffle_errors():
    with pytest.raises(ValueError):
        Dataset.range(3).shuffle(0)


def test_unseeded_shuffle_follows_numpy_global_seed():
    # keras.utils.set_random_seed seeds NumPy's global generator.
    np.random.seed(123)
    a = scalars(Dataset.range(30).shuffle(30))
    np.random.seed(123)
    b = scalars(Dataset.range(30).shuffle(30))
    assert a == b


def test_slices_shuffle_batch_gathers_without_per_element_work(monkeypatch):
    """The training pipeline reads each batch with one gather per component."""
    n = 1000
    x = np.random.RandomState(0).rand(n, 7).astype(np.float32)
    y = np.arange(n, dtype=np.int64)

    def no_per_element(*a, **k):  # pragma: no cover - must not run
        raise AssertionError("per-element access on the batch fast path")

    monkeypatch.setattr(data_sources.ArraySource, "get", no_per_element)
    ds = (Dataset.from_tensor_slices((x, y)).shuffle(n, seed=0).repeat(2)
          .batch(64).prefetch(tg.data.AUTOTUNE))
    seen = []
    for xb, yb in ds:
        xb, yb = npy(xb), npy(yb)
        np.testing.assert_array_equal(xb, x[yb])  # rows travel with their labels
        seen.append(yb)
    allv = np.concatenate(seen)
    assert len(allv) == 2 * n
    assert sorted(allv[:n]) == list(range(n)) and sorted(allv[n:]) == list(range(n))
    assert len(ds) == -(-2 * n // 64)
    # take/skip/cache/small-buffer shuffle keep the fast path too
    small = Dataset.from_tensor_slices(y).skip(10).take(500).shuffle(50, seed=1).cache().batch(100)
    got = np.concatenate([npy(b) for b in small])
    assert sorted(got.tolist()) == list(range(10, 510))


def test_mnist_sized_epoch_is_fast():
    import time

    x = np.zeros((60000, 784), np.float32)
    y = np.zeros(60000, np.uint8)
    ds = Dataset.from_tensor_slices((x, y)).shuffle(60000, seed=0).batch(128)
    t0 = time.perf_counter()
    n = sum(1 for _ in ds.as_numpy_iterator())
    elapsed = time.perf_counter() - t0
    assert n == 469
    assert elapsed < 5.0, f"one epoch of batching took {elapsed:.2f}s"


# -- map / filter -------------------------------------------------------------------


def test_map_unpacks_tuples_and_passes_dicts_whole():
    ds = Dataset.from_tensor_slices((np.arange(3), np.arange(3) * 10))
    out = values(ds.map(lambda a, b: a + b))
    assert [int(v) for v in out] == [0, 11, 22]
    swapped = values(ds.map(lambda a, b: (b, a)))
    assert [(int(p), int(q)) for p, q in swapped] == [(0, 0), (10, 1), (20, 2)]
    as_list = values(ds.map(lambda a, b: [a, b]))
    assert isinstance(as_list[0], tuple)
    dct = Dataset.from_tensor_slices({"a": np.arange(3)})
    assert [int(v) for v in values(dct.map(lambda d: d["a"] * 2))] == [0, 2, 4]


def test_map_receives_tensors_and_converts_scaling():
    images = np.full((4, 2, 2), 255, np.uint8)
    labels = np.arange(4)

    def prep(img, lab):
        assert isinstance(img, tg.Tensor)
        return tg.cast(img, tg.float32) / 255.0, lab

    xb, yb = next(iter(Dataset.from_tensor_slices((images, labels)).map(prep).batch(4)))
    assert npy(xb).dtype == np.float32
    np.testing.assert_allclose(npy(xb), 1.0)
    assert Dataset.range(3).map(lambda v: v).cardinality() == 3


def test_filter():
    ds = Dataset.range(10).filter(lambda v: v < 5)
    assert scalars(ds) == [0, 1, 2, 3, 4]
    assert ds.cardinality() == tg.data.UNKNOWN_CARDINALITY
    with pytest.raises(TypeError):
        len(ds)
    with pytest.raises(ValueError, match="scalar boolean"):
        values(Dataset.range(3).filter(lambda v: v))


# -- repeat / take / skip / cache / prefetch ---------------------------------------------


def test_repeat_take_skip():
    ds = Dataset.range(3)
    assert scalars(ds.repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert scalars(ds.repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert scalars(ds.take(2)) == [0, 1]
    assert scalars(ds.take(-1)) == [0, 1, 2]
    assert scalars(ds.take(10)) == [0, 1, 2]
    assert scalars(ds.skip(1)) == [1, 2]
    assert scalars(ds.skip(-1)) == []
    assert scalars(ds.skip(5)) == []
    assert scalars(ds.repeat(0)) == []
    assert scalars(Dataset.range(0).repeat()) == []  # does not loop forever


def test_cardinality_rules():
    INF, UNK = tg.data.INFINITE_CARDINALITY, tg.data.UNKNOWN_CARDINALITY
    ds = Dataset.range(10)
    assert ds.cardinality() == 10 and ds.cardinality().numpy() == 10
    assert ds.repeat().cardinality() == INF
    assert ds.repeat(3).cardinality() == 30
    assert ds.repeat().take(5).cardinality() == 5
    assert ds.repeat().skip(5).cardinality() == INF
    assert ds.take(4).cardinality() == 4 and ds.skip(4).cardinality() == 6
    assert ds.skip(-1).cardinality() == 0
    assert ds.batch(3).cardinality() == 4 and ds.batch(3, True).cardinality() == 3
    assert ds.repeat().batch(3).cardinality() == INF
    assert ds.filter(lambda v: True).cardinality() == UNK
    assert ds.shuffle(4).cardinality() == 10 and ds.prefetch(1).cardinality() == 10
    assert tg.data.experimental.cardinality(ds) == 10
    assert tg.data.experimental.AUTOTUNE == tg.data.AUTOTUNE
    with pytest.raises(TypeError, match="infinite"):
        len(ds.repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(ds.filter(lambda v: True))
    assert bool(ds.repeat())  # truthiness never asks for the length


def test_cache_freezes_the_first_complete_pass():
    ds = Dataset.range(20).shuffle(20, seed=0).cache()
    first = scalars(ds)
    assert scalars(ds) == first and scalars(ds) == first
    # a partial pass caches nothing
    ds2 = Dataset.range(20).shuffle(20, seed=0).cache()
    partial = scalars(ds2.take(5))
    full_a, full_b = scalars(ds2), scalars(ds2)
    assert full_a == full_b and len(full_a) == 20
    assert partial != full_a[:5] or True  # (orders may coincide; only frozen-ness matters)


def test_cache_generic_path_runs_map_once():
    calls = []

    def f(v):
        calls.append(1)
        return v * 2

    ds = Dataset.range(5).map(f).cache()
    assert scalars(ds) == [0, 2, 4, 6, 8]
    assert scalars(ds) == [0, 2, 4, 6, 8]
    assert len(calls) == 5


def test_prefetch_passthrough():
    ds = Dataset.range(5).batch(2).prefetch(tg.data.AUTOTUNE)
    assert [b.tolist() for b in values(ds)] == [[0, 1], [2, 3], [4]]
    assert len(ds) == 3


# -- others -------------------------------------------------------------------------


def test_iteration_restarts_and_iterators_are_independent():
    ds = Dataset.range(4)
    assert scalars(ds) == scalars(ds) == [0, 1, 2, 3]
    it1, it2 = iter(ds), iter(ds)
    assert int(npy(next(it1))) == 0 and int(npy(next(it1))) == 1
    assert int(npy(next(it2))) == 0


def test_as_numpy_iterator_types():
    out = list(Dataset.from_tensor_slices((np.arange(3.0), np.arange(3))).as_numpy_iterator())
    a, b = out[0]
    assert isinstance(a, np.generic) and isinstance(b, np.generic)
    rows = list(Dataset.from_tensor_slices(np.ones((2, 3))).as_numpy_iterator())
    assert isinstance(rows[0], np.ndarray) and rows[0].flags.writeable


def test_element_spec():
    x = np.zeros((5, 28, 28), np.uint8)
    y = np.zeros(5, np.int64)
    spec = Dataset.from_tensor_slices({"x": x, "y": y}).element_spec
    assert spec["x"].shape == (28, 28) and spec["y"].shape == ()
    assert spec["x"] == tg.data.TensorSpec((28, 28), tg.uint8)
    assert Dataset.range(3).element_spec == tg.data.TensorSpec((), tg.int64)
    assert "TensorSpec" in repr(Dataset.range(3))


def test_zip_concatenate_enumerate_shard():
    a, b = Dataset.range(3), Dataset.range(10, 15)
    assert [(int(p), int(q)) for p, q in values(Dataset.zip((a, b)))] == [(0, 10), (1, 11), (2, 12)]
    assert [(int(p), int(q)) for p, q in values(Dataset.zip(a, b))] == [(0, 10), (1, 11), (2, 12)]
    assert Dataset.zip((a, b)).cardinality() == 3
    assert Dataset.zip((a.repeat(), b)).cardinality() == 5
    zd = values(Dataset.zip({"a": a, "b": b}))
    assert int(zd[1]["b"]) == 11
    assert scalars(a.concatenate(b)) == [0, 1, 2, 10, 11, 12, 13, 14]
    assert len(a.concatenate(b)) == 8
    assert [(int(i), int(v)) for i, v in values(b.enumerate(start=1))][:2] == [(1, 10), (2, 11)]
    assert scalars(Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    assert len(Dataset.range(10).shard(3, 0)) == 4
    assert scalars(Dataset.range(10).map(lambda v: v).shard(3, 2)) == [2, 5, 8]
    with pytest.raises(ValueError):
        Dataset.range(3).shard(2, 2)


def test_from_generator_and_signature():
    def gen():
        for i in range(4):
            yield np.full((2,), i), i

    sig = (tg.data.TensorSpec(shape=(2,), dtype=tg.float32),
           tg.data.TensorSpec(shape=(), dtype=tg.int32))
    ds = Dataset.from_generator(gen, output_signature=sig)
    out = values(ds)
    assert len(out) == 4 and np.asarray(out[0][0]).dtype == np.float32
    assert np.asarray(out[3][1]).dtype == np.int32 and int(out[3][1]) == 3
    assert ds.element_spec == sig
    assert ds.cardinality() == tg.data.UNKNOWN_CARDINALITY
    assert len(values(ds)) == 4  # the generator is called anew for each iteration
    bad = Dataset.from_generator(lambda: iter([np.zeros(3)]),
                                 output_signature=tg.data.TensorSpec((2,), tg.float32))
    with pytest.raises(ValueError, match="shape"):
        values(bad)


def test_reduce_and_flat_map_and_apply():
    total = Dataset.range(5).reduce(np.int64(0), lambda s, v: s + v)
    assert int(npy(total)) == 10
    fm = Dataset.range(3).flat_map(lambda v: Dataset.from_tensors(v).repeat(2))
    assert scalars(fm) == [0, 0, 1, 1, 2, 2]
    assert scalars(Dataset.range(4).apply(lambda d: d.skip(2))) == [2, 3]


def test_keras_style_pipeline_epochs_cover_data():
    x = np.random.RandomState(1).rand(257, 4).astype(np.float32)
    y = np.arange(257) % 10
    ds = Dataset.from_tensor_slices((x, y)).shuffle(64, seed=0).batch(32).prefetch(1)
    for _ in range(2):
        xs, ys = zip(*[(npy(a), npy(b)) for a, b in ds])
        assert sum(len(b) for b in ys) == 257
        allx = np.concatenate(xs)
        assert sorted(map(tuple, allx.tolist())) == sorted(map(tuple, x.tolist()))


# -- property test: pipelines against a list model ------------------------------------

ops = st.lists(
    st.one_of(
        st.tuples(st.just("take"), st.integers(-1, 12)),
        st.tuples(st.just("skip"), st.integers(-1, 12)),
        st.tuples(st.just("repeat"), st.integers(0, 3)),
        st.tuples(st.just("map"), st.just(0)),
        st.tuples(st.just("shuffle1"), st.just(0)),
    ),
    max_size=5)


def _model(items, op, arg):
    if op == "take":
        return items if arg < 0 else items[:arg]
    if op == "skip":
        return [] if arg < 0 else items[arg:]
    if op == "repeat":
        return items * arg
    if op == "map":
        return [v * 2 + 1 for v in items]
    return items  # shuffle with buffer 1 keeps order


def _apply(ds, op, arg):
    if op == "take":
        return ds.take(arg)
    if op == "skip":
        return ds.skip(arg)
    if op == "repeat":
        return ds.repeat(arg)
    if op == "map":
        return ds.map(lambda v: v * 2 + 1)
    return ds.shuffle(1)


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 15), pipeline=ops, batch=st.integers(1, 6), drop=st.booleans())
def test_pipelines_match_list_semantics(n, pipeline, batch, drop):
    ds = Dataset.range(n)
    items = list(range(n))
    for op, arg in pipeline:
        ds = _apply(ds, op, arg)
        items = _model(items, op, arg)
    assert scalars(ds) == items
    card = int(ds.cardinality())
    assert card in (len(items), tg.data.UNKNOWN_CARDINALITY)
    batched = [b.tolist() for b in values(ds.batch(batch, drop_remainder=drop))]
    expect = [items[i:i + batch] for i in range(0, len(items), batch)]
    if drop:
        expect = [b for b in expect if len(b) == batch]
    assert batched == expect
    if card >= 0:
        assert len(ds.batch(batch, drop_remainder=drop)) == len(expect)

"""keras.utils.timeseries_dataset_from_array (against NumPy slicing), split_dataset (Keras's
sizes, shuffle order and errors), text_ and image_dataset_from_directory (file order, labels,
validation splits, decoding), and plot_model's missing-dependency error."""

import random

import numpy as np
import pytest

from tensorgear import keras
from tensorgear.keras import utils


def _windows(data, targets, length, stride, rate, start, end):
    n = (end - start) - (length - 1) * rate
    if targets is not None:
        n = min(n, len(targets))
    starts = range(0, max(n, 0), stride)
    xs = [data[start + s:start + s + length * rate:rate] for s in starts]
    ys = [targets[start + s] for s in starts] if targets is not None else None
    return np.array(xs), (np.array(ys) if ys is not None else None)


@pytest.mark.parametrize("length,stride,rate,start,end,batch", [(5, 1, 1, None, None, 4), (3, 2, 2, 2, 17, 3),
                                                                (4, 3, 1, 1, 12, None), (2, 1, 3, None, 10, 100)])
@pytest.mark.parametrize("with_targets", [True, False])
def test_timeseries_windows_match_numpy_slicing(length, stride, rate, start, end, batch, with_targets):
    data = np.arange(40, dtype=np.float32).reshape(20, 2)
    targets = np.arange(20) * 10 if with_targets else None
    ds = utils.timeseries_dataset_from_array(data, targets, length, sequence_stride=stride, sampling_rate=rate,
                                             batch_size=batch, start_index=start, end_index=end)
    want_x, want_y = _windows(data, targets, length, stride, rate, start or 0, end or 20)
    got = list(ds)
    if batch is None:
        xs = np.stack([np.asarray(e[0] if with_targets else e) for e in got])
        ys = np.array([np.asarray(e[1]) for e in got]) if with_targets else None
    else:
        assert all(len(np.asarray(b[0] if with_targets else b)) <= batch for b in got)
        xs = np.concatenate([np.asarray((b[0] if with_targets else b).numpy()) for b in got])
        ys = np.concatenate([np.asarray(b[1].numpy()) for b in got]) if with_targets else None
    np.testing.assert_array_equal(xs, want_x)
    if with_targets:
        np.testing.assert_array_equal(ys, want_y)


def test_timeseries_shuffle_is_seeded_and_errors_name_values():
    data = np.arange(30)
    first = np.concatenate([b.numpy() for b in utils.timeseries_dataset_from_array(data, None, 3, shuffle=True,
                                                                                   seed=4, batch_size=5)])
    again = np.concatenate([b.numpy() for b in utils.timeseries_dataset_from_array(data, None, 3, shuffle=True,
                                                                                   seed=4, batch_size=5)])
    np.testing.assert_array_equal(first, again)
    assert sorted(first[:, 0]) == list(range(28))
    with pytest.raises(ValueError, match="sequence_length"):
        utils.timeseries_dataset_from_array(data, None, 0)
    with pytest.raises(ValueError, match="start_index"):
        utils.timeseries_dataset_from_array(data, None, 3, start_index=40)
    with pytest.raises(ValueError, match="end_index"):
        utils.timeseries_dataset_from_array(data, None, 3, start_index=5, end_index=5)


def test_split_dataset_sizes_order_and_errors():
    x, y = np.arange(10), np.arange(10) * 2
    left, right = utils.split_dataset((x, y), left_size=0.7, shuffle=True, seed=3)
    order = list(range(10))
    random.Random(3).shuffle(order)
    assert [int(a) for a, _ in left.as_numpy_iterator()] == order[:7]
    assert [(int(a), int(b)) for a, b in right.as_numpy_iterator()] == [(i, 2 * i) for i in order[7:]]
    left, right = utils.split_dataset(np.arange(10), right_size=3)
    assert list(left.as_numpy_iterator()) == list(range(7)) and list(right.as_numpy_iterator()) == [7, 8, 9]
    batched = keras.utils.split_dataset(__import__("tensorgear").data.Dataset.from_tensor_slices(np.arange(10))
                                        .batch(4), left_size=6)
    assert [len(b) for b in batched[0].as_numpy_iterator()] == [4, 2]
    with pytest.raises(ValueError, match="At least one"):
        utils.split_dataset(x)
    with pytest.raises(ValueError, match="greater than 1"):
        utils.split_dataset(x, left_size=0.6, right_size=0.6)
    with pytest.raises(TypeError, match="left_size"):
        utils.split_dataset(x, left_size="half")
    with pytest.raises(ValueError, match="right side dataset split will be empty"):
        utils.split_dataset(x, left_size=0.99)


def _tree(tmp_path, ext, write):
    for cls, count in (("cats", 3), ("dogs", 2)):
        (tmp_path / cls).mkdir()
        for i in range(count):
            write(tmp_path / cls / f"{i}{ext}", cls, i)
    (tmp_path / "cats" / "notes.md").write_text("ignored")


def test_text_dataset_from_directory(tmp_path):
    _tree(tmp_path, ".txt", lambda p, c, i: p.write_text(f"{c} {i}"))
    ds = utils.text_dataset_from_directory(tmp_path, batch_size=2, shuffle=False)
    assert ds.class_names == ["cats", "dogs"]
    texts, labels = zip(*[(t, lab) for xb, yb in ds for t, lab in zip(xb, yb.numpy())])
    assert [t.decode() if isinstance(t, bytes) else str(t) for t in texts] == \
        ["cats 0", "cats 1", "cats 2", "dogs 0", "dogs 1"]
    assert list(labels) == [0, 0, 0, 1, 1]
    train, val = utils.text_dataset_from_directory(tmp_path, batch_size=None, seed=1, validation_split=0.4,
                                                   subset="both", label_mode="categorical", max_length=3)
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    assert not set(train.file_paths) & set(val.file_paths)
    x, y = next(iter(val))
    assert len(np.asarray(x).item()) <= 3 and y.numpy().shape == (2,)  # a tf.string scalar of bytes
    with pytest.raises(ValueError, match="seed"):
        utils.text_dataset_from_directory(tmp_path, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="label_mode"):
        utils.text_dataset_from_directory(tmp_path, label_mode="onehot")
    with pytest.raises(ValueError, match="directory"):
        utils.text_dataset_from_directory(tmp_path / "missing")


def test_image_dataset_from_directory(tmp_path):
    Image = pytest.importorskip("PIL.Image")

    def write(path, cls, i):
        pixels = np.full((4 + i, 6, 3), 40 if cls == "cats" else 200, np.uint8)
        Image.fromarray(pixels).save(path)

    _tree(tmp_path, ".png", write)
    ds = utils.image_dataset_from_directory(tmp_path, image_size=(8, 8), batch_size=5, seed=2,
                                            label_mode="binary")
    x, y = next(iter(ds))
    assert x.numpy().shape == (5, 8, 8, 3) and x.numpy().dtype == np.float32 and y.numpy().shape == (5, 1)
    for image, label in zip(x.numpy(), y.numpy()[:, 0]):
        np.testing.assert_allclose(image, 40.0 if label == 0 else 200.0, atol=1e-4)
    gray = utils.image_dataset_from_directory(tmp_path, image_size=(3, 3), color_mode="grayscale", batch_size=2,
                                              shuffle=False, labels=None)
    assert next(iter(gray)).numpy().shape == (2, 3, 3, 1)
    with pytest.raises(ValueError, match="color_mode"):
        utils.image_dataset_from_directory(tmp_path, color_mode="cmyk")


def test_plot_model_names_what_to_install(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pydot(name, *args, **kwargs):
        if name == "pydot":
            raise ImportError("No module named 'pydot'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pydot)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    with pytest.raises(ImportError, match="pip install pydot"):
        utils.plot_model(model, to_file="/tmp/never.png")


def test_model_to_dot_and_plot_model(tmp_path):
    pytest.importorskip("pydot")
    x = keras.Input((4,), name="features")
    a = keras.layers.Dense(3, name="left")(x)
    b = keras.layers.Dense(3, name="right")(x)
    out = keras.layers.Add(name="sum")([a, b])
    model = keras.Model(x, out)
    dot = utils.model_to_dot(model, show_shapes=True)
    labels = {n.get_name(): n.get("label") for n in dot.get_nodes()}
    by_layer = {layer.name: str(id(layer)) for layer in model._layers}
    assert "left (Dense)" in labels[by_layer["left"]] and "(None, 3)" in labels[by_layer["sum"]]
    edges = {(e.get_source(), e.get_destination()) for e in dot.get_edges()}
    assert (by_layer["left"], by_layer["sum"]) in edges and (by_layer["features"], by_layer["right"]) in edges
    import shutil

    if shutil.which("dot") is None:
        with pytest.raises(ImportError, match="graphviz"):
            utils.plot_model(model, to_file=str(tmp_path / "m.png"))
    else:
        path = utils.plot_model(model, to_file=str(tmp_path / "m.png"))
        assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"

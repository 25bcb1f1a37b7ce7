"""keras.metrics: stateful update_state / result / reset_state, names, values against NumPy."""

import numpy as np
import pytest

import tensorgear as tf
from tensorgear.keras import metrics

rng = np.random.default_rng(0)


def test_mean_and_sum():
    m = metrics.Mean()
    assert m.name == "mean"
    m.update_state([1.0, 2.0, 3.0])
    m.update_state(5.0)
    assert float(m.result()) == pytest.approx(11 / 4)
    m.reset_state()
    assert float(m.result()) == 0.0
    m.update_state([1.0, 3.0], sample_weight=[1.0, 3.0])
    assert float(m.result()) == pytest.approx(10 / 4)
    s = metrics.Sum()
    s.update_state([1.0, 2.0])
    assert float(s.result()) == 3.0


def test_metric_call_updates_and_returns_result():
    m = metrics.Mean()
    assert float(m([2.0])) == 2.0
    assert float(m([4.0])) == 3.0
    m.reset_states()
    assert float(m.result()) == 0.0


def test_accuracy_family():
    acc = metrics.Accuracy()
    acc.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert acc.name == "accuracy" and float(acc.result()) == pytest.approx(0.75)

    bacc = metrics.BinaryAccuracy()
    bacc.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert bacc.name == "binary_accuracy" and float(bacc.result()) == pytest.approx(0.75)
    bacc2 = metrics.BinaryAccuracy(threshold=0.7)
    bacc2.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert float(bacc2.result()) == pytest.approx(1.0)

    cacc = metrics.CategoricalAccuracy()
    cacc.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert cacc.name == "categorical_accuracy" and float(cacc.result()) == pytest.approx(0.5)

    sacc = metrics.SparseCategoricalAccuracy()
    sacc.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    assert sacc.name == "sparse_categorical_accuracy" and float(sacc.result()) == pytest.approx(0.5)
    sacc.update_state(np.array([0, 1], np.uint8), [[0.9, 0.1, 0.0], [0.2, 0.7, 0.1]])
    assert float(sacc.result()) == pytest.approx(0.75)


def test_top_k_categorical_accuracy():
    m = metrics.TopKCategoricalAccuracy(k=1)
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert m.name == "top_k_categorical_accuracy" and float(m.result()) == pytest.approx(0.5)
    m2 = metrics.TopKCategoricalAccuracy(k=2)
    m2.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert float(m2.result()) == pytest.approx(1.0)
    assert metrics.TopKCategoricalAccuracy().k == 5


def test_precision_and_recall():
    p = metrics.Precision()
    p.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert p.name == "precision" and float(p.result()) == pytest.approx(2 / 3)
    r = metrics.Recall()
    r.update_state([0, 1, 1, 1], [1, 0, 1, 1])
    assert r.name == "recall" and float(r.result()) == pytest.approx(2 / 3)
    p.reset_state()
    p.update_state([0, 1, 1, 1], [1, 0, 1, 1], sample_weight=[0, 0, 1, 0])
    assert float(p.result()) == pytest.approx(1.0)
    pt = metrics.Precision(thresholds=[0.3, 0.8])
    pt.update_state([0, 1, 1], [0.5, 0.9, 0.4])
    np.testing.assert_allclose(pt.result().numpy(), [2 / 3, 1.0], rtol=1e-6)
    pc = metrics.Precision(class_id=1)
    pc.update_state([[0, 1], [1, 0]], [[0.2, 0.9], [0.1, 0.7]])
    assert float(pc.result()) == pytest.approx(0.5)


def _numpy_roc_auc(y, s, num_thresholds=200):
    eps = 1e-7
    thresholds = [0 - eps] + [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)] + [1 + eps]
    tp = np.array([np.sum((s > t) & (y == 1)) for t in thresholds], float)
    fp = np.array([np.sum((s > t) & (y == 0)) for t in thresholds], float)
    fn = np.array([np.sum((s <= t) & (y == 1)) for t in thresholds], float)
    tn = np.array([np.sum((s <= t) & (y == 0)) for t in thresholds], float)
    tpr = tp / (tp + fn)
    fpr = fp / (fp + tn)
    return np.sum((fpr[:-1] - fpr[1:]) * (tpr[:-1] + tpr[1:]) / 2)


def test_auc_roc_and_pr():
    y = rng.integers(0, 2, size=300)
    s = np.clip(0.6 * y + rng.normal(0.2, 0.25, size=300), 0, 1).astype(np.float32)
    auc = metrics.AUC()
    auc.update_state(y[:150], s[:150])
    auc.update_state(y[150:], s[150:])
    assert auc.name == "auc"
    assert float(auc.result()) == pytest.approx(_numpy_roc_auc(y, s), rel=1e-5)
    assert 0.8 < float(auc.result()) <= 1.0
    perfect = metrics.AUC()
    perfect.update_state([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])
    assert float(perfect.result()) == pytest.approx(1.0)
    pr = metrics.AUC(curve="PR")
    pr.update_state(y, s)
    assert 0.7 < float(pr.result()) <= 1.0
    with pytest.raises(ValueError, match="curve"):
        metrics.AUC(curve="XY")


def test_mean_squared_error_metric():
    yt = rng.normal(size=(5, 2)).astype(np.float32)
    yp = rng.normal(size=(5, 2)).astype(np.float32)
    m = metrics.MeanSquaredError()
    m.update_state(yt, yp)
    assert m.name == "mean_squared_error"
    assert float(m.result()) == pytest.approx(np.mean((yt - yp) ** 2), rel=1e-5)
    rmse = metrics.RootMeanSquaredError()
    rmse.update_state(yt, yp)
    assert float(rmse.result()) == pytest.approx(np.sqrt(np.mean((yt - yp) ** 2)), rel=1e-5)


def test_get_by_name():
    assert isinstance(metrics.get("auc"), metrics.AUC)
    assert isinstance(metrics.get("Sparse_Categorical_Accuracy"), metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.get("mse"), metrics.MeanSquaredError)
    with pytest.raises(ValueError, match="Valid names"):
        metrics.get("acuracy")


def test_custom_metric_subclass():
    class CountPositives(metrics.Metric):
        def __init__(self, name="count_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.count = self.add_variable(shape=(), initializer="zeros", name="count")

        def update_state(self, y_true, y_pred, sample_weight=None):
            self.count.assign_add(tf.reduce_sum(tf.cast(tf.constant(y_pred) > 0.5, "float32")))

        def result(self):
            return tf.identity(self.count)

    m = CountPositives()
    m.update_state(None, np.array([0.2, 0.7, 0.9], np.float32))
    assert float(m.result()) == 2.0
    m.reset_state()
    assert float(m.result()) == 0.0
    assert len(m.variables) == 1


def test_config_round_trip():
    m = metrics.BinaryAccuracy(name="bacc", threshold=0.3)
    clone = metrics.deserialize(metrics.serialize(m))
    assert clone.name == "bacc" and clone.threshold == 0.3

"""tf.distribute in one process: the strategies and Horovod's names work without MPI, and
training under a one-replica strategy is training without one."""

import json

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras

import cases


@pytest.mark.parametrize("make", [tf.distribute.get_strategy, tf.distribute.MirroredStrategy,
                                  tf.distribute.MultiWorkerMirroredStrategy])
def test_one_replica_strategies(make):
    strategy = make()
    assert strategy.num_replicas_in_sync == 1 and strategy.cluster_resolver.task_id == 0
    with strategy.scope():
        assert tf.distribute.get_strategy() is strategy
    assert float(strategy.reduce(tf.distribute.ReduceOp.SUM, tf.constant(2.5), axis=None)) == 2.5
    assert float(strategy.reduce("MEAN", tf.constant([1.0, 3.0]), axis=0)) == 2.0
    assert strategy.run(lambda a, b: a + b, args=(1, 2)) == 3
    batches = [np.arange(6).reshape(3, 2), np.arange(4).reshape(2, 2)]
    assert [b.tolist() for b in strategy.experimental_distribute_dataset(batches)] == [b.tolist() for b in batches]
    with pytest.raises(ValueError, match="reduce_op"):
        strategy.reduce("MAX", tf.constant(1.0), axis=None)


def test_fit_under_a_one_replica_strategy_is_plain_fit():
    weights, history = cases.fit_case("sequential", "adam", "float64", True)
    got_weights, got_history = cases.fit_case("sequential", "adam", "float64", True,
                                              strategy=tf.distribute.MultiWorkerMirroredStrategy())
    for w, g in zip(weights, got_weights):
        np.testing.assert_array_equal(g, w)
    assert got_history == history


def test_model_remembers_the_strategy_of_its_scope():
    strategy = tf.distribute.MirroredStrategy()
    with strategy.scope():
        model = keras.Sequential([keras.layers.Dense(2)])
    assert model.distribute_strategy is strategy
    assert keras.Sequential([keras.layers.Dense(2)]).distribute_strategy is tf.distribute.get_strategy()


def test_horovod_names_on_one_process():
    dist = tf.distribute
    dist.init()
    assert (dist.rank(), dist.size(), dist.local_rank(), dist.local_size()) == (0, 1, 0, 1)
    x = tf.constant([[1.0, 2.0]])
    np.testing.assert_array_equal(dist.allreduce(x).numpy(), x.numpy())
    np.testing.assert_array_equal(dist.allgather(x).numpy(), x.numpy())
    np.testing.assert_array_equal(dist.broadcast(x, 0).numpy(), x.numpy())
    with pytest.raises(ValueError, match="op must be"):
        dist.allreduce(x, op="Max")
    v = tf.Variable([1.0, 2.0])
    with dist.DistributedGradientTape(tf.GradientTape()) as tape:
        y = tf.reduce_sum(v * v)
    np.testing.assert_array_equal(tape.gradient(y, [v])[0].numpy(), [2.0, 4.0])
    opt = dist.DistributedOptimizer(keras.optimizers.SGD(0.5))
    opt.apply([tf.constant([1.0, 1.0])], [v])
    np.testing.assert_array_equal(v.numpy(), [0.5, 1.5])
    assert opt.learning_rate is not None
    cb = dist.BroadcastGlobalVariablesCallback(0)
    assert isinstance(cb, keras.callbacks.Callback)
    assert isinstance(dist.callbacks.MetricAverageCallback(), keras.callbacks.Callback)


def test_tf_config_must_match_the_mpi_launch(monkeypatch):
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["a:1", "b:2"]},
                                                "task": {"type": "worker", "index": 1}}))
    with pytest.raises(ValueError, match="start them with mpirun"):
        tf.distribute.MultiWorkerMirroredStrategy()
    monkeypatch.setenv("TF_CONFIG", json.dumps({"cluster": {"worker": ["a:1"]}, "task": {"type": "worker",
                                                                                          "index": 0}}))
    assert tf.distribute.MultiWorkerMirroredStrategy().cluster_resolver.task_id == 0
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(ValueError, match="TF_CONFIG"):
        tf.distribute.MultiWorkerMirroredStrategy()

"""The training runs compared between one process and two MPI ranks: each builds its model,
data and optimizer from a seed, trains, and returns (final weights, history)."""

import numpy as np

import tensorgear as tf
from tensorgear import keras
from tensorgear.keras import layers

GLOBAL_BATCH = 16


def data(dtype, n=72, features=6, classes=3):
    rng = np.random.default_rng(7)
    x = rng.normal(size=(n, features)).astype(dtype)
    y = rng.integers(0, classes, n).astype(np.int64)
    return x, y


def model(kind, dtype):
    keras.backend.set_floatx(dtype)
    keras.utils.set_random_seed(11)
    if kind == "sequential":
        m = keras.Sequential([keras.Input((6,)), layers.Dense(8, activation="relu"),
                              layers.Dense(3, activation="softmax")])
    elif kind == "functional":
        inputs = keras.Input((6,))
        m = keras.Model(inputs, layers.Dense(3, activation="softmax")(layers.Dense(8, activation="tanh")(inputs)))
    elif kind == "two_outputs":
        inputs = keras.Input((6,))
        hidden = layers.Dense(8, activation="tanh")(inputs)
        m = keras.Model(inputs, [layers.Dense(3, activation="softmax", name="p")(hidden),
                                 layers.Dense(1, name="q")(hidden)])
    else:
        class Subclassed(keras.Model):
            def __init__(self):
                super().__init__()
                self.hidden = layers.Dense(8, activation="relu")
                self.out = layers.Dense(3, activation="softmax")

            def call(self, x):
                return self.out(self.hidden(x))

        m = Subclassed()
        m.build((None, 6))
    return m


def optimizer(name):
    return keras.optimizers.RMSprop(0.01) if name == "rmsprop" else keras.optimizers.Adam(0.01)


FIT_CASES = [("sequential", "rmsprop", "float32", False), ("functional", "adam", "float32", True),
             ("subclassed", "adam", "float64", False), ("sequential", "adam", "float64", True),
             ("two_outputs", "rmsprop", "float64", True)]


def fit_case(kind, opt, dtype, shuffle, strategy=None):
    """fit() for 2 epochs at the global batch; under `strategy` when given."""
    x, y = data(dtype)
    np.random.seed(3)  # the shuffled order (rank 0's is used by every rank)
    scope = strategy.scope() if strategy is not None else _no_scope()
    with scope:
        m = model(kind, dtype)
        if kind == "two_outputs":  # per-output losses and metrics, each summed over the ranks
            m.compile(optimizer(opt), {"p": "sparse_categorical_crossentropy", "q": "mse"},
                      loss_weights={"p": 1.0, "q": 0.5}, metrics={"p": ["accuracy"], "q": ["mae"]})
            y = {"p": y, "q": x[:, :1] - x[:, 1:2]}
        else:
            m.compile(optimizer(opt), "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = m.fit(x, y, batch_size=GLOBAL_BATCH, epochs=2, shuffle=shuffle, verbose=0,
                    validation_data=(x[:20], {k: v[:20] for k, v in y.items()} if isinstance(y, dict) else y[:20]))
    keras.backend.set_floatx("float32")
    return [w for w in m.get_weights()], history.history


def custom_loop_case(distributed):
    """A custom loop: each rank's half of every global batch, DistributedGradientTape (which
    averages: the halves must be equal, so 64 samples in batches of 16)."""
    dist = tf.distribute
    x, y = data("float64", n=64)
    m = model("sequential", "float64")
    opt = keras.optimizers.SGD(0.1)
    loss_fn = keras.losses.SparseCategoricalCrossentropy()
    rank, size = (dist.rank(), dist.size()) if distributed else (0, 1)
    if distributed:
        dist.broadcast_variables(m.weights, root_rank=0)
    for start in range(0, len(x), GLOBAL_BATCH):
        part = slice(start + rank * GLOBAL_BATCH // size, start + (rank + 1) * GLOBAL_BATCH // size)
        with tf.GradientTape() as tape:
            loss = loss_fn(y[part], m(x[part], training=True))
        if distributed:
            tape = dist.DistributedGradientTape(tape)
        grads = tape.gradient(loss, m.trainable_variables)
        opt.apply(grads, m.trainable_variables)
    keras.backend.set_floatx("float32")
    return m.get_weights()


class _no_scope:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def resumable_case(backup_dir=None, strategy=None, die_at=None, epochs=4):
    """fit() with BackupAndRestore (when backup_dir is given) at the global batch, float64;
    `die_at` = (rank, epoch, batch): that rank kills itself there, as a crashed machine would."""
    import os
    import signal

    x, y = data("float64", n=96)
    np.random.seed(5)
    with strategy.scope() if strategy is not None else _no_scope():
        m = model("sequential", "float64")
        m.compile(optimizer("adam"), "sparse_categorical_crossentropy", metrics=["accuracy"])
    rank = strategy.cluster_resolver.task_id if strategy is not None else 0

    class Die(keras.callbacks.Callback):
        epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_end(self, batch, logs=None):
            if die_at == (rank, self.epoch, batch):
                os.kill(os.getpid(), signal.SIGKILL)

    callbacks = [Die()] + ([keras.callbacks.BackupAndRestore(backup_dir)] if backup_dir else [])
    m.fit(x, y, batch_size=GLOBAL_BATCH, epochs=epochs, shuffle=True, verbose=0, callbacks=callbacks)
    keras.backend.set_floatx("float32")
    return m.get_weights()

"""One run of the scaling section: the seeds' MNIST model under MultiWorkerMirroredStrategy,
started alone (one rank) or by mpirun (several). Rank 0 writes a JSON result.

argv: data.npz, epochs, global batch size, output .json
"""

import json
import statistics
import sys
import time

import numpy as np


def main(data_path, epochs, batch_size, out_path):
    import tensorgear as tg
    from tensorgear import keras
    from tensorgear.keras import layers

    strategy = tg.distribute.MultiWorkerMirroredStrategy()
    world = strategy.world
    with np.load(data_path) as f:
        x = f["x_train"].reshape(len(f["x_train"]), 784).astype("float32") / 255
        y = f["y_train"].astype("int64")
    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((784,)), layers.Dense(512, activation="relu"),
                                  layers.Dense(10, activation="softmax")])
        model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    epoch_s = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_s.append(time.perf_counter() - self.t)

    model.fit(x, y, batch_size=batch_size, epochs=epochs, verbose=0, callbacks=[Clock()])
    steady = epoch_s[1:] or epoch_s
    result = {"ranks": world.size, "threads": tg.config.threading.get_intra_op_parallelism_threads(),
              "epoch_s": epoch_s, "samples_per_s": len(x) / statistics.median(steady),
              "step_ms": statistics.median(steady) / -(-len(x) // batch_size) * 1e3}
    if world.size > 1:
        result.update(_reduction_cost(world, [tuple(v.shape) for v in model.trainable_weights]))
    if world.rank == 0:
        with open(out_path, "w") as f:
            json.dump(result, f)


def _reduction_cost(world, shapes, iterations=100):
    """The training step's reduction (the batch-size sum and the packed gradient sum) against a bare
    Allreduce of the same bytes (OSU's osu_allreduce measures the same: a barrier, then back-to-back
    calls)."""
    import tensorgear as tg
    from tensorgear.distribute.reducer import TensorSum

    grads = [tg.random.normal(s) for s in shapes]
    tensor_sum = TensorSum(world, shapes, "float32")
    raw = np.ones(tensor_sum.total, np.float32)
    out = np.empty_like(raw)
    count = np.ones(1, np.int64)

    def step_reduction():
        world.allreduce_(count)
        tensor_sum.sum(grads)

    def timed(fn):
        for _ in range(10):
            fn()
        world.barrier()
        t = time.perf_counter()
        for _ in range(iterations):
            fn()
        return (time.perf_counter() - t) / iterations

    step = timed(step_reduction)
    bare = timed(lambda: world.allreduce_into(raw, out))
    return {"allreduce_bytes": int(raw.nbytes), "gradient_mean_us": step * 1e6, "bare_allreduce_us": bare * 1e6}


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])

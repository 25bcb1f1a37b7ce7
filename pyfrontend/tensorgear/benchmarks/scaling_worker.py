"""One run of the scaling section: the seeds' MNIST model under MultiWorkerMirroredStrategy,
started alone (one rank) or by mpirun (several). Rank 0 writes a JSON result.

argv: data.npz, epochs, global batch size, output .json
"""

import argparse
import importlib.util
import json
import os
import statistics
import sys
import time

import numpy as np


HIDDEN = 512


def _train_worker():
    """The training section's worker module (data loading and the timed Keras-style run)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train_worker.py")
    spec = importlib.util.spec_from_file_location("_tg_bench_train_worker", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(data_path, epochs, batch_size, out_path):
    import tensorgear as tg
    from tensorgear import keras

    worker = _train_worker()
    strategy = tg.distribute.MultiWorkerMirroredStrategy()
    world = strategy.world
    data = worker.load_data(data_path)
    run = {}
    with strategy.scope():
        options = argparse.Namespace(seed=0, hidden=HIDDEN, model="mlp", epochs=epochs, batch_size=batch_size)
        worker.train_keras_like(keras, data, options, run)
    n = len(data[0])
    steady = run["epoch_s"][1:] or run["epoch_s"]
    result = {"ranks": world.size, "threads": tg.config.threading.get_intra_op_parallelism_threads(),
              "epoch_s": run["epoch_s"], "samples_per_s": n / statistics.median(steady),
              "step_ms": statistics.median(steady) / -(-n // batch_size) * 1e3}
    if world.size > 1:
        shapes = [(784, HIDDEN), (HIDDEN,), (HIDDEN, 10), (10,)]  # the seeds' model's trainable weights
        result.update(_reduction_cost(world, shapes))
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

"""Run by tests/distribute/test_mpi.py under `mpirun -np 2`: every case of cases.py on this rank,
the results written to OUTDIR/rank<r>.npz and .json."""

import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tensorgear as tf  # noqa: E402
from tensorgear import keras  # noqa: E402

import cases  # noqa: E402

MPI_PATH_CASES = (0, 2)  # float32 RMSprop (Sequential), float64 Adam (subclassed)

out = sys.argv[1]
strategy = tf.distribute.MultiWorkerMirroredStrategy()
rank = strategy.cluster_resolver.task_id
arrays, info = {}, {"rank": rank, "replicas": strategy.num_replicas_in_sync,
                    "threads": tf.config.threading.get_intra_op_parallelism_threads()}

for i, case in enumerate(cases.FIT_CASES):
    weights, history = cases.fit_case(*case, strategy=strategy)
    arrays.update({f"fit{i}_w{j}": w for j, w in enumerate(weights)})
    info[f"fit{i}_history"] = history

# the same fits with the gradient sum through MPI's Allreduce (as with one rank per machine): the
# TensorSums are made at the first step of each fit, after this switch
strategy.world.uniform_local_size = False
for i in MPI_PATH_CASES:
    weights, _ = cases.fit_case(*cases.FIT_CASES[i], strategy=strategy)
    arrays.update({f"fitmpi{i}_w{j}": w for j, w in enumerate(weights)})
strategy.world.uniform_local_size = True

for j, w in enumerate(cases.custom_loop_case(distributed=True)):
    arrays[f"loop_w{j}"] = w

# files: only rank 0 writes, wherever each rank is told to
with strategy.scope():
    m = cases.model("sequential", "float32")
    m.compile("sgd", "sparse_categorical_crossentropy")
x, y = cases.data("float32")
m.fit(x, y, batch_size=16, epochs=1, verbose=0, callbacks=[
    keras.callbacks.ModelCheckpoint(os.path.join(out, f"ckpt_rank{rank}.weights.h5"), save_weights_only=True,
                                    monitor="loss"),
    keras.callbacks.CSVLogger(os.path.join(out, f"log_rank{rank}.csv"))])
m.save(os.path.join(out, f"model_rank{rank}.keras"))

# EarlyStopping reads the logs over all ranks: every rank stops at the same epoch
with strategy.scope():
    m = cases.model("sequential", "float32")
    m.compile("sgd", "sparse_categorical_crossentropy")
stop = keras.callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=0.05)
info["early_stopping_epochs"] = len(m.fit(x, y, batch_size=16, epochs=30, verbose=0,
                                          callbacks=[stop]).history["loss"])

# a model built differently on one rank is reported at the first broadcast
with strategy.scope():
    bad = keras.Sequential([keras.Input((6,)), keras.layers.Dense(4 + rank)])
    bad.compile("sgd", "mse")
try:
    bad.fit(x, np.zeros((len(x), 4 + rank), np.float32), batch_size=16, epochs=1, verbose=0)
    info["mismatch"] = None
except ValueError as exc:
    info["mismatch"] = str(exc)

# collectives
info["allreduce"] = tf.distribute.allreduce(tf.constant([float(rank + 1)]), op=tf.distribute.Sum).numpy().tolist()
info["allgather"] = tf.distribute.allgather(tf.constant([[rank, rank]])).numpy().tolist()
info["broadcast"] = tf.distribute.broadcast(tf.constant([rank + 10.0]), root_rank=1).numpy().tolist()
info["reduce_mean"] = float(strategy.reduce("MEAN", tf.constant(float(rank)), axis=None).numpy())

np.savez(os.path.join(out, f"rank{rank}.npz"), **arrays)
with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
    json.dump(info, f)

"""Run by tests/distribute/test_mpi.py under `mpirun -np 2`: cases.resumable_case on this rank.
argv: backup_dir, output .npz (rank 0 writes it), and optionally "die" (rank 1 dies in epoch 2)."""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import tensorgear as tf  # noqa: E402

import cases  # noqa: E402

backup_dir, out = sys.argv[1], sys.argv[2]
strategy = tf.distribute.MultiWorkerMirroredStrategy()
weights = cases.resumable_case(backup_dir, strategy, die_at=(1, 2, 1) if "die" in sys.argv[3:] else None)
if strategy.cluster_resolver.task_id == 0:
    np.savez(out, *weights)

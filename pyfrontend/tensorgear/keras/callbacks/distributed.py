"""Horovod's Keras callbacks, for fit() without a strategy (DistributedOptimizer, a dataset
sharded by hand)."""

import numpy as np

from ...distribute.collectives import broadcast_variables
from ...distribute.world import world
from .callback import Callback


class BroadcastGlobalVariablesCallback(Callback):
    """At the start of training, every rank takes rank `root_rank`'s weights."""

    def __init__(self, root_rank=0, device=""):
        super().__init__()
        self.root_rank = root_rank

    def on_train_begin(self, logs=None):
        broadcast_variables(self.model.weights, self.root_rank)


class MetricAverageCallback(Callback):
    """At the end of each epoch, every number in the logs becomes its mean over the ranks."""

    def on_epoch_end(self, epoch, logs=None):
        if logs is None or world().size == 1:
            return
        keys = sorted(k for k, v in logs.items() if isinstance(v, (int, float)))
        values = world().allreduce_(np.array([float(logs[k]) for k in keys], np.float64)) / world().size
        logs.update(zip(keys, (float(v) for v in values)))

"""The compiled step of a model trained under a multi-rank strategy (tf.distribute).

Every rank runs the same step on its part of the global batch. The ranks first
add up their batch sizes (an 8-byte Allreduce); each then weights its loss by
its share of the global batch, so the gradients, summed over the ranks with one
Allreduce per dtype, are the gradient of the mean loss over the whole global
batch: the update one process would make at that batch size. Before the first
update the variables take rank 0's values.
"""

import numpy as np

import tensorgear as tg

from ...distribute.collectives import broadcast_variables
from ...distribute.reducer import TensorSum
from ..backend.call_context import inference_mode
from ..layers.layer import Layer
from .step import CompiledStep


class DistributedStep(CompiledStep):
    def __init__(self, model, world):
        super().__init__(model)
        self.world = world
        self._sums = ()  # (indices of the variables, TensorSum) per dtype
        self._count = np.zeros(1, np.int64)

    def _read_structure(self):
        super()._read_structure()
        broadcast_variables(self.model.weights, root_rank=0)
        groups = {}
        for i, v in enumerate(self._variables):
            groups.setdefault(v.dtype.name, []).append(i)
        self._sums = [(idx, TensorSum(self.world, [self._variables[i].shape for i in idx], dtype))
                      for dtype, idx in sorted(groups.items())]

    def _global_batch_size(self, batch_size):
        self._count[0] = batch_size
        return int(self.world.allreduce_(self._count)[0])

    def _summed_gradients(self, grads):
        if len(self._sums) == 1:
            return self._sums[0][1].sum(grads)
        out = [None] * len(grads)
        for idx, tensor_sum in self._sums:
            for i, g in zip(idx, tensor_sum.sum([grads[i] for i in idx])):
                out[i] = g
        return out

    def _sync_structure(self, x):
        if self._version != Layer.structure_version:
            if not self.model.built:
                with inference_mode():  # make the weights, so rank 0's reach every rank before they are used
                    self.model(x, training=False)
            self._read_structure()

    def train(self, x, y, sw, batch_size):
        self._sync_structure(x)
        share = batch_size / self._global_batch_size(batch_size)
        if batch_size == 0:  # no rows of a short last batch reached this rank: it adds zeros to the sum
            if self._variables:
                zeros = [tg.zeros_like(v) for v in self._variables]
                self.optimizer._apply_plan(self._plan, self._summed_gradients(zeros))
            return self.logs
        with tg.GradientTape() as tape:
            loss, y_pred = self._forward(x, y, sw, True)
            weighted = loss * share
        variables = self._variables
        if variables:
            grads = tape.gradient(weighted, variables, unconnected_gradients="zero")
            self.optimizer._apply_plan(self._plan, self._summed_gradients(grads))
            self._apply_constraints()
        return self._record(loss, y, y_pred, sw, batch_size)

    def test(self, x, y, sw, batch_size):
        self._sync_structure(x)
        return super().test(x, y, sw, batch_size) if batch_size else self.logs

    def global_logs(self):
        """The logs over every rank's samples: the loss trackers' and the metrics' states summed over
        the ranks (a collective: every rank calls it at the same point)."""
        trackers = self.trackers
        metrics = self.metrics.all_metrics()
        states = [[v.numpy() for v in m.variables] for m in metrics]
        flat = np.concatenate([np.array([x for t in trackers for x in (t.total, t.count)], np.float64)] +
                              [a.astype(np.float64).ravel() for values in states for a in values])
        self.world.allreduce_(flat)
        saved = [(t.total, t.count) for t in trackers]
        for i, t in enumerate(trackers):
            t.total, t.count = float(flat[2 * i]), int(flat[2 * i + 1])
        start = 2 * len(trackers)
        for m, values in zip(metrics, states):
            for v, a in zip(m.variables, values):
                v.assign(tg.convert_to_tensor(flat[start:start + a.size].reshape(a.shape).astype(a.dtype)))
                start += a.size
        try:
            return self.logs()
        finally:
            for t, (total, count) in zip(trackers, saved):
                t.total, t.count = total, count
            for m, values in zip(metrics, states):
                for v, a in zip(m.variables, values):
                    v.assign(tg.convert_to_tensor(a))

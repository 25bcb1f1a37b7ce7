"""Horovod's wrappers for custom training loops: DistributedGradientTape, DistributedOptimizer.

Both average the gradients over the ranks before they are used (one Allreduce
per dtype, see reducer.py), so every rank applies the same update.
"""

from .. import _C, nest
from .reducer import TensorSum
from .world import world


class _GradientMean:
    """The mean over the ranks of a list of gradients (None ones count as zeros)."""

    def __init__(self):
        self._sums = {}

    def __call__(self, grads, variables):
        w = world()
        if w.size == 1:
            return list(grads)
        grads = [_C.zeros_like(v) if g is None else g for g, v in zip(grads, variables)]
        out = [None] * len(grads)
        groups = {}
        for i, g in enumerate(grads):
            groups.setdefault(g.dtype.name, []).append(i)
        for dtype, idx in sorted(groups.items()):
            key = (dtype, tuple(tuple(grads[i].shape) for i in idx))
            if key not in self._sums:
                self._sums[key] = TensorSum(w, key[1], dtype)
            for i, g in zip(idx, self._sums[key].mean([grads[i] for i in idx])):
                out[i] = _C.identity(g)  # a tensor of its own: the sum's buffer is reused by the next call
        return out


class DistributedGradientTape:
    """Wraps a GradientTape: ``gradient()`` returns the gradients averaged over the ranks."""

    def __init__(self, gradtape, device_dense="", device_sparse="", compression=None, sparse_as_dense=False,
                 op=None, gradient_predivide_factor=1.0):
        self._tape = gradtape
        self._mean = _GradientMean()

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        grads = self._tape.gradient(target, sources, output_gradients=output_gradients,
                                    unconnected_gradients=unconnected_gradients)
        flat_sources = nest.flatten(sources)
        return nest.pack_sequence_as(sources, self._mean(nest.flatten(grads), flat_sources))

    def __getattr__(self, name):  # watch, stop_recording, ... as the wrapped tape
        return getattr(self._tape, name)

    def __enter__(self):
        self._tape.__enter__()
        return self

    def __exit__(self, *exc):
        return self._tape.__exit__(*exc)


class DistributedOptimizer:
    """Wraps a Keras optimizer: gradients are averaged over the ranks before they are applied."""

    def __init__(self, optimizer, name=None, device_dense="", device_sparse="", compression=None,
                 sparse_as_dense=False, backward_passes_per_step=1, op=None, gradient_predivide_factor=1.0):
        self.__dict__["_optimizer"] = optimizer
        self.__dict__["_mean"] = _GradientMean()

    def apply(self, grads, trainable_variables=None):
        variables = list(trainable_variables) if trainable_variables is not None else None
        grads = list(grads)
        if variables is not None:
            grads = self._mean(grads, variables)
        return self._optimizer.apply(grads, variables)

    def apply_gradients(self, grads_and_vars, **kwargs):
        pairs = list(grads_and_vars)
        return self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def _plan_for(self, variables):
        return (self._optimizer._plan_for(variables), list(variables))

    def _apply_plan(self, plan, grads):
        inner, variables = plan
        return self._optimizer._apply_plan(inner, self._mean(list(grads), variables))

    def __getattr__(self, name):
        return getattr(self._optimizer, name)

    def __setattr__(self, name, value):
        setattr(self._optimizer, name, value)

"""A Node: one symbolic layer call, the edge of the functional API's graph.

Calling a layer on KerasTensors records a Node (the layer, its symbolic
arguments, its symbolic outputs). Layers create them and functional models walk
them, so the class lives below both.
"""

from ... import nest
from .keras_tensor import KerasTensor


class Node:
    """layer(*call_args, **call_kwargs) -> outputs, on KerasTensors."""

    def __init__(self, layer, call_args, call_kwargs, outputs):
        self.layer = layer
        self.call_args = tuple(call_args)
        self.call_kwargs = {k: v for k, v in call_kwargs.items() if k != "training"}
        self.outputs = outputs

    @property
    def input_tensors(self):
        # keyword arguments may hold tensors of the graph too (an RNN's initial_state, a mask)
        return [t for t in nest.flatten([self.call_args, self.call_kwargs]) if isinstance(t, KerasTensor)]

    @property
    def parent_nodes(self):
        return [t._keras_history[1] for t in self.input_tensors if t._keras_history is not None]

"""The order Keras 3 lists a functional model's layers in: what numbers the ``layers/dense``,
``layers/dense_1`` groups of its weight files and the entries of its config."""

from ..layers.core import InputLayer


def keras_layer_order(model):
    """Keras's map_graph: a depth-first walk from each output fixes a first-seen index per layer;
    layers are then listed by depth (longest path to an output), deepest first, ties by that index."""
    input_ids = {id(t) for t in model._inputs}
    first_seen, post_order, done = {}, [], set()

    def visit(tensor):
        layer, node, _ = tensor._keras_history
        if id(node) in done:
            return
        if not isinstance(layer, InputLayer) and id(tensor) in input_ids:
            done.add(id(node))
            return
        first_seen.setdefault(id(layer), (len(first_seen), layer))
        if not isinstance(layer, InputLayer):
            for parent in node.input_tensors:
                visit(parent)
        done.add(id(node))
        post_order.append(node)

    for out in model._outputs:
        visit(out)
    in_graph = {id(n) for n in post_order}
    node_depth, layer_depth = {}, {}
    for node in reversed(post_order):
        depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        if isinstance(node.layer, InputLayer):
            continue
        for parent in node.input_tensors:
            parent_node = parent._keras_history[1]
            if id(parent_node) in in_graph:
                node_depth[id(parent_node)] = max(depth + 1, node_depth.get(id(parent_node), 0))
    for t in model._inputs:  # inputs that reach no output still count, at depth 0
        layer = t._keras_history[0]
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            first_seen[id(layer)] = (-1, layer)
    layers = [first_seen[key][1] for key in layer_depth]
    return sorted(layers, key=lambda layer: (-layer_depth[id(layer)], first_seen[id(layer)][0]))

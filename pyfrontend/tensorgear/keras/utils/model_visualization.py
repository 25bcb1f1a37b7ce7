"""keras.utils.plot_model and model_to_dot: the graph of a model's layers drawn by Graphviz
through pydot (both optional: without them the call raises ImportError naming what to install)."""

import os


def _pydot():
    try:
        import pydot
    except ImportError as exc:
        raise ImportError("You must install pydot (`pip install pydot`) for `plot_model` to work; it draws with "
                          "Graphviz, which also needs the `dot` program (e.g. `apt-get install graphviz`).") from exc
    return pydot


def _label(layer, show_shapes, show_dtype, show_layer_names, show_layer_activations):
    parts = [f"{layer.name} ({type(layer).__name__})" if show_layer_names else type(layer).__name__]
    if show_layer_activations and getattr(layer, "activation", None) is not None:
        parts.append(f"activation: {getattr(layer.activation, '__name__', layer.activation)}")
    if show_shapes:
        try:
            parts.append(f"output: {layer.output_shape}")
        except (AttributeError, ValueError):
            pass
    if show_dtype:
        parts.append(f"dtype: {getattr(layer, 'dtype', None)}")
    return "\n".join(parts)


def model_to_dot(model, show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB", expand_nested=False,
                 dpi=200, show_layer_activations=False, show_trainable=False, **kwargs):
    """A pydot.Dot graph: one node per layer, an edge per layer call feeding another."""
    pydot = _pydot()
    dot = pydot.Dot(graph_type="digraph", rankdir=rankdir, dpi=dpi)
    dot.set_node_defaults(shape="record")
    layers = list(getattr(model, "_layers", None) or model.layers)
    for layer in layers:
        dot.add_node(pydot.Node(str(id(layer)), label=_label(layer, show_shapes, show_dtype, show_layer_names,
                                                             show_layer_activations)))
    known = {id(layer) for layer in layers}
    edges = set()
    for layer in layers:
        for node in getattr(layer, "_inbound_nodes", []):
            for parent in node.parent_nodes:
                if id(parent.layer) in known and (id(parent.layer), id(layer)) not in edges:
                    edges.add((id(parent.layer), id(layer)))
                    dot.add_edge(pydot.Edge(str(id(parent.layer)), str(id(layer))))
    if not edges:  # a Sequential model: its layers in order
        for a, b in zip(layers, layers[1:]):
            dot.add_edge(pydot.Edge(str(id(a)), str(id(b))))
    return dot


def plot_model(model, to_file="model.png", show_shapes=False, show_dtype=False, show_layer_names=True, rankdir="TB",
               expand_nested=False, dpi=200, show_layer_activations=False, show_trainable=False, **kwargs):
    """Writes the model's graph to to_file (the format from its extension: png, svg, pdf, dot)."""
    dot = model_to_dot(model, show_shapes=show_shapes, show_dtype=show_dtype, show_layer_names=show_layer_names,
                       rankdir=rankdir, dpi=dpi, show_layer_activations=show_layer_activations)
    extension = os.path.splitext(to_file)[1][1:] or "png"
    try:
        dot.write(to_file, format=extension)
    except FileNotFoundError as exc:  # pydot runs Graphviz's `dot`, which may be absent
        raise ImportError("plot_model needs Graphviz's `dot` program (e.g. `apt-get install graphviz`)") from exc
    return to_file

"""The functional API (minimal): ``keras.Model(inputs, outputs)`` over a graph of layer calls.

Calling a layer on KerasTensors records a Node (backend/node.py: the layer, its
symbolic arguments, its symbolic outputs). A Functional model walks back from its
outputs to its inputs once, keeps the nodes in execution order, and replays
them on real tensors in ``call``.
"""

from ... import nest
from ..backend.keras_tensor import KerasTensor
from ..layers.core import InputLayer
from ..saving.object_registry import get_registered_object
from .layer_order import keras_layer_order
from .model import Model


def _topological_nodes(inputs, outputs):
    input_ids = {id(t) for t in inputs}
    order, visiting, done = [], set(), set()

    def visit(tensor):
        if id(tensor) in input_ids:
            return
        history = tensor._keras_history
        if history is None:
            raise ValueError(f"Graph disconnected: the tensor {tensor} was not produced by a layer call on the "
                             f"model's inputs")
        layer, node, _ = history
        if isinstance(layer, InputLayer):
            raise ValueError(
                f"Graph disconnected: cannot obtain value for tensor {tensor} at layer '{layer.name}'. It is an "
                f"input that is not among the model's inputs {[t.name for t in inputs]}.")
        if id(node) in done:
            return
        if id(node) in visiting:
            raise ValueError("The functional graph has a cycle")
        visiting.add(id(node))
        for parent in node.input_tensors:
            visit(parent)
        visiting.discard(id(node))
        done.add(id(node))
        order.append(node)

    for out in outputs:
        visit(out)
    return order


class Functional(Model):
    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        super().__init__(name=name, trainable=trainable, **kwargs)
        flat_inputs = nest.flatten(inputs)
        flat_outputs = nest.flatten(outputs)
        for t in flat_inputs + flat_outputs:
            if not isinstance(t, KerasTensor):
                raise TypeError(f"Functional model inputs and outputs must be KerasTensors (from keras.Input and "
                                f"layer calls on them); got {type(t).__name__}")
        for t in flat_inputs:
            if t._keras_history is None or not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(f"Functional model inputs must come from keras.Input(); {t} does not")
        d = self.__dict__
        d["_inputs_struct"] = inputs
        d["_outputs_struct"] = outputs
        d["_inputs"] = flat_inputs
        d["_outputs"] = flat_outputs
        d["_nodes"] = _topological_nodes(flat_inputs, flat_outputs)
        for t in flat_inputs:
            self._track(t._keras_history[0])
        for node in self._nodes:
            self._track(node.layer)
        d["built"] = True
        shapes = [t.shape for t in flat_inputs]
        d["_build_input_shape"] = shapes[0] if len(shapes) == 1 else shapes
        d["_output_shape"] = nest.map_structure(lambda t: t.shape, outputs)

    @property
    def inputs(self):
        return list(self._inputs)

    @property
    def outputs(self):
        return list(self._outputs)

    @property
    def output_names(self):
        """The names of the layers that make the outputs, in output order (compile() keys losses,
        metrics and targets given as dicts by them)."""
        return [t._keras_history[0].name for t in self._outputs]

    @property
    def input_shape(self):
        return self._build_input_shape

    @property
    def output_shape(self):
        return self._output_shape

    def _build_on_call(self, inputs):
        self.__dict__["built"] = True

    def _flat_inputs(self, inputs):
        """The values of `inputs` in the order of the model's inputs.

        A dict is matched by name, as in Keras 3: its keys are the names of the
        keras.Input tensors (or, when the model's inputs were given as a dict,
        that dict's keys). Never by position: sorted keys need not be the order
        in which the inputs were declared. A missing input raises; keys that
        name no input are ignored (Keras 3 does the same when every input is
        present).
        """
        struct = self._inputs_struct
        if isinstance(inputs, dict):
            if isinstance(struct, dict):
                names = list(struct)
            else:
                names = [t.name for t in self._inputs]
                if len(set(names)) != len(names):
                    raise ValueError(f"Model {self.name} has several inputs with one name ({names}); give each "
                                     f"keras.Input a distinct name to pass a dict, or pass a list")
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(
                    f"Model {self.name}: the input dict is missing {', '.join(repr(n) for n in missing)}. The "
                    f"model expects the inputs {names}, matched by name; got the keys {list(inputs)}")
            if isinstance(struct, dict):
                return nest.flatten({n: inputs[n] for n in names})
            return [inputs[n] for n in names]
        if isinstance(struct, dict) and isinstance(inputs, (list, tuple)) and list(struct) != sorted(struct):
            raise ValueError(
                f"Model {self.name}: its inputs were declared as a dict with the keys {list(struct)}; pass a dict "
                f"with those keys (a {type(inputs).__name__} would be matched to the sorted keys "
                f"{sorted(struct)})")
        return nest.flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]

    def _run(self, inputs):
        flat = self._flat_inputs(inputs)
        if len(flat) != len(self._inputs):
            raise ValueError(f"Model {self.name} expects {len(self._inputs)} input(s), but it received "
                             f"{len(flat)} input tensors")
        values = {id(kt): v for kt, v in zip(self._inputs, flat)}

        def lookup(a):
            return values[id(a)] if isinstance(a, KerasTensor) else a

        for node in self._nodes:
            args = [nest.map_structure(lookup, a) for a in node.call_args]
            kwargs = {k: nest.map_structure(lookup, v) for k, v in node.call_kwargs.items()}
            out = node.layer(*args, **kwargs)
            for kt, value in zip(nest.flatten(node.outputs), nest.flatten(out)):
                values[id(kt)] = value
        return nest.map_structure(lookup, self._outputs_struct)

    def call(self, inputs, training=None, mask=None):
        return self._run(inputs)

    def _keras_layer_order(self):
        return keras_layer_order(self)

    # ---- config (Keras 3's: each layer with its inbound nodes) ------------------------------

    def get_config(self):
        from ..saving import keras_config

        in_model = {id(node) for node in self._nodes}
        for t in self._inputs:
            in_model.add(id(t._keras_history[1]))
        layers = self._keras_layer_order()
        # a layer's nodes are numbered among those of this model (it may be called in other models too)
        node_index = {}
        for layer in layers:
            for node in layer._inbound_nodes:
                if id(node) in in_model:
                    node_index[id(node)] = sum(1 for n in layer._inbound_nodes[:layer._inbound_nodes.index(node)]
                                               if id(n) in in_model)

        def history(kt):
            layer, node, index = kt._keras_history
            return [layer.name, node_index[id(node)], index]

        def encode(a):
            if isinstance(a, KerasTensor):
                return {"class_name": "__keras_tensor__",
                        "config": {"shape": list(a.shape), "dtype": a.dtype, "keras_history": history(a)}}
            if isinstance(a, (list, tuple)):
                return [encode(e) for e in a]
            if isinstance(a, dict):
                return {k: encode(v) for k, v in a.items()}
            return a

        entries = []
        for layer in layers:
            entry = keras_config.serialize_layer(layer)
            entry["name"] = layer.name
            entry["inbound_nodes"] = [] if isinstance(layer, InputLayer) else [
                {"args": encode(list(node.call_args)), "kwargs": encode(dict(node.call_kwargs))}
                for node in layer._inbound_nodes if id(node) in in_model]
            entries.append(entry)

        def refs(struct):
            if isinstance(struct, dict):
                return {k: history(v) for k, v in struct.items()}
            if isinstance(struct, (list, tuple)):
                return [history(t) for t in struct]
            return history(struct)

        return {"name": self.name, "trainable": self.trainable, "layers": entries,
                "input_layers": refs(self._inputs_struct), "output_layers": refs(self._outputs_struct)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ..saving import keras_config

        if "nodes" in config:  # the format tensorgear wrote before it wrote Keras's
            return cls._from_legacy_config(config, custom_objects)
        layers, pending = {}, []
        for entry in config["layers"]:
            layer = keras_config.deserialize_layer(entry, custom_objects)
            name = entry.get("name", layer.name)
            layers[name] = layer
            pending.extend((layer, i, node) for i, node in enumerate(entry.get("inbound_nodes", [])))
        tensors = {}  # (layer name, node index, tensor index) -> KerasTensor
        for name, layer in layers.items():
            if isinstance(layer, InputLayer):
                tensors[(name, 0, 0)] = layer.output

        class Missing(Exception):
            pass

        def decode(a):
            if isinstance(a, dict) and a.get("class_name") == "__keras_tensor__":
                key = tuple(a["config"]["keras_history"])
                if key not in tensors:
                    raise Missing(key)
                return tensors[key]
            if isinstance(a, list):
                return [decode(e) for e in a]
            if isinstance(a, dict):
                return {k: decode(v) for k, v in a.items()}
            return a

        # Keras lists layers deepest first, but a shared layer's later node may need a later layer:
        # call each node once its inputs exist, pass after pass
        while pending:
            waiting = []
            for layer, index, node in pending:
                try:
                    args, kwargs = decode(node.get("args", [])), decode(node.get("kwargs", {}))
                except Missing:
                    waiting.append((layer, index, node))
                    continue
                kwargs = {k: v for k, v in kwargs.items() if not (k == "mask" and v is None)}
                out = layer(*args, **kwargs)
                for t_index, kt in enumerate(nest.flatten(out)):
                    tensors[(layer.name, index, t_index)] = kt
            if len(waiting) == len(pending):
                raise ValueError(f"Corrupt functional config: the nodes of {sorted({l.name for l, _, _ in waiting})}"
                                 f" need tensors no layer produces")
            pending = waiting

        def lookup(ref):
            key = tuple(ref)
            if key not in tensors:
                raise ValueError(f"Corrupt functional config: no tensor {key} in model '{config.get('name')}'")
            return tensors[key]

        def struct(refs):
            if isinstance(refs, dict):
                return {k: lookup(v) for k, v in refs.items()}
            if refs and isinstance(refs[0], (list, tuple)):
                return [lookup(r) for r in refs]
            return lookup(refs)

        return cls(inputs=struct(config["input_layers"]), outputs=struct(config["output_layers"]),
                   name=config.get("name"), trainable=config.get("trainable", True))

    @classmethod
    def _from_legacy_config(cls, config, custom_objects=None):
        layers = {}
        for entry in config["layers"]:
            layer_cls = get_registered_object(entry["class_name"], custom_objects)
            layers[entry["name"]] = layer_cls.from_config(entry["config"])
        tensors = {}
        for name, layer in layers.items():
            if isinstance(layer, InputLayer):
                tensors[(name, 0, 0)] = layer.output

        def decode(a):
            if isinstance(a, dict) and "__keras_tensor__" in a:
                key = tuple(a["__keras_tensor__"])
                if key not in tensors:
                    raise ValueError(f"Corrupt functional config: tensor {key} is used before it is produced")
                return tensors[key]
            if isinstance(a, list):
                return [decode(e) for e in a]
            return a

        for node in config["nodes"]:
            layer = layers[node["layer"]]
            args = [decode(a) for a in node["args"]]
            out = layer(*args, **node.get("kwargs", {}))
            for ref, kt in zip(node["outputs"], nest.flatten(out)):
                tensors[tuple(ref)] = kt
        inputs = [tensors[tuple(r)] for r in config["input_layers"]]
        outputs = [tensors[tuple(r)] for r in config["output_layers"]]
        if config.get("single_output", True) and len(outputs) == 1:
            outputs = outputs[0]
        return cls(inputs=inputs[0] if len(inputs) == 1 else inputs, outputs=outputs, name=config.get("name"),
                   trainable=config.get("trainable", True))

"""TensorBoard: event files that TensorBoard reads, written through tensorboardX (an optional
dependency: `pip install tensorboardX`), with Keras 3's layout and names.

- log_dir/train and log_dir/validation hold the scalars: epoch_<name> per epoch for every
  logged value (epoch_loss, epoch_accuracy, ...; validation values without their val_ prefix,
  as Keras writes them) and epoch_learning_rate; with update_freq "batch" or an int,
  batch_<name> every that many training batches.
- histogram_freq=N: a histogram of every weight (tag <layer>/<weight>) every N epochs.
- write_graph: the graph of layers (one node per layer, its op the layer's class, its inputs
  the layers feeding it) as a GraphDef of tensorboardX's protobuf definitions.
"""

import os

import numpy as np

from .callback import Callback


def _summary_writer():
    try:
        from tensorboardX import SummaryWriter
    except ImportError as exc:
        raise ImportError("keras.callbacks.TensorBoard writes its event files with tensorboardX: "
                          "pip install tensorboardX") from exc
    return SummaryWriter


class TensorBoard(Callback):
    def __init__(self, log_dir="logs", histogram_freq=0, write_graph=True, write_images=False,
                 write_steps_per_second=False, update_freq="epoch", profile_batch=0, embeddings_freq=0,
                 embeddings_metadata=None):
        super().__init__()
        self._writer_cls = _summary_writer()
        if update_freq not in ("epoch", "batch") and not (isinstance(update_freq, int) and update_freq > 0):
            raise ValueError(f"update_freq must be 'epoch', 'batch' or a positive int, got {update_freq!r}")
        if profile_batch or embeddings_freq:
            raise NotImplementedError("TensorBoard: profiling and embeddings are not supported")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = write_graph
        self.write_images = write_images
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._writers = {}
        self._train_step = 0

    def _writer(self, name):
        if name not in self._writers:
            self._writers[name] = self._writer_cls(logdir=os.path.join(self.log_dir, name))
        return self._writers[name]

    def _writes(self):
        writes = getattr(self.model, "_writes_files", None)
        return writes is None or writes()

    def on_train_begin(self, logs=None):
        self._train_step = 0
        if self._writes() and self.write_graph:
            self._write_graph()

    def _layers(self):
        return [layer for layer in getattr(self.model, "_layers", self.model.layers)]

    def _write_graph(self):
        from tensorboardX.proto import event_pb2, graph_pb2, node_def_pb2

        graph = graph_pb2.GraphDef()
        for layer in self._layers():
            node = node_def_pb2.NodeDef(name=layer.name, op=type(layer).__name__)
            for inbound in getattr(layer, "_inbound_nodes", []):
                node.input.extend(parent.layer.name for parent in inbound.parent_nodes)
            graph.node.append(node)
        if len(graph.node) > 1 and not any(n.input for n in graph.node):  # a Sequential model: in order
            for prev, node in zip(graph.node, graph.node[1:]):
                node.input.append(prev.name)
        event = event_pb2.Event(graph_def=graph.SerializeToString())
        self._writer("train")._get_file_writer().add_event(event, None, None)

    def on_train_batch_end(self, batch, logs=None):
        self._train_step += 1
        if self.update_freq == "epoch" or not self._writes() or self._train_step % self.update_freq:
            return
        writer = self._writer("train")
        for name, value in (logs or {}).items():
            writer.add_scalar(f"batch_{name}", float(value), self._train_step)

    def on_epoch_end(self, epoch, logs=None):
        if not self._writes():
            return
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val = {k[len("val_"):]: v for k, v in logs.items() if k.startswith("val_")}
        lr = getattr(getattr(self.model, "optimizer", None), "_current_learning_rate", None)
        if lr is not None:
            train.setdefault("learning_rate", lr())
        for name, values in (("train", train), ("validation", val)):
            if values:
                writer = self._writer(name)
                for key, value in values.items():
                    writer.add_scalar(f"epoch_{key}", float(value), epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            writer = self._writer("train")
            for layer in self._layers():
                for weight in layer.weights:
                    writer.add_histogram(f"{layer.name}/{weight.name}", np.asarray(weight.numpy()), epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

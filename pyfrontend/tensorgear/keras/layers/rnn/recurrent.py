"""SimpleRNN, LSTM and GRU: RNN over their cell, with the cell's arguments on the layer and in its
config (Keras 3's flat config, without a "cell" entry). With their default activations (and no
recurrent dropout in training) they run the fused rnn_sequence op."""

from ... import regularizers
from .cells import GRUCell, LSTMCell, SimpleRNNCell
from .rnn import RNN

_RNN_ARGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll", "zero_output_for_mask")
_LAYER_ARGS = ("name", "dtype", "trainable", "input_shape", "batch_input_shape", "batch_size", "input_dim",
               "activity_regularizer", "autocast")


class _CellLayer(RNN):
    """A recurrent layer that builds its own cell from its arguments."""

    cell_class = None
    cell_name = None

    def __init__(self, units, **kwargs):
        kwargs.pop("use_cudnn", None)  # Keras 3's switch for its cuDNN path; the fused op runs on every device
        rnn_kwargs = {k: kwargs.pop(k) for k in _RNN_ARGS if k in kwargs}
        layer_kwargs = {k: kwargs.pop(k) for k in _LAYER_ARGS if k in kwargs}
        cell = self.cell_class(units, name=self.cell_name, dtype=layer_kwargs.get("dtype"),
                               trainable=layer_kwargs.get("trainable", True), **kwargs)
        super().__init__(cell, **rnn_kwargs, **layer_kwargs)

    def __getattr__(self, name):
        # the cell's arguments read through the layer (layer.units, layer.dropout, ...)
        if name.startswith("_") or name == "cell":
            raise AttributeError(name)
        cell = self.__dict__.get("cell")
        if cell is not None and hasattr(cell, name):
            return getattr(cell, name)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def get_config(self):
        config = super().get_config()
        del config["cell"]
        cell_config = self.cell.get_config()
        for key in ("name", "trainable", "dtype"):
            cell_config.pop(key, None)
        config.update(cell_config)
        config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("cell", None)
        return cls(**config)


class SimpleRNN(_CellLayer):
    """A fully connected recurrence: h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)."""

    cell_class = SimpleRNNCell
    cell_name = "simple_rnn_cell"


class LSTM(_CellLayer):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), Keras's gates and defaults."""

    cell_class = LSTMCell
    cell_name = "lstm_cell"


class GRU(_CellLayer):
    """Gated recurrent unit (Cho et al. 2014); reset_after=True (the cuDNN variant) by default."""

    cell_class = GRUCell
    cell_name = "gru_cell"

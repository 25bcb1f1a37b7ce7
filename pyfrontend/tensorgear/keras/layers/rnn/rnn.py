"""``keras.layers.RNN``: runs a cell over the timesteps of (batch, timesteps, features) inputs.

Keras 3's semantics: ``return_sequences`` (every step's output, in processing order: reversed
time with ``go_backwards``), ``return_state`` (the final states after the output), ``initial_state``,
``stateful`` (the final states carry over to the next call), and masks: at a masked step the states
keep their values and the output repeats the previous one (zeros before the first unmasked step,
or zeros at every masked step with ``zero_output_for_mask``).

A cell that names a fused recurrence (SimpleRNNCell, LSTMCell, GRUCell with their default
activations) runs the whole sequence as one ``rnn_sequence`` op: one GEMM for the input
projections of all steps, then one GEMM and one gate pass per step in C++, and one op for the
backward through time. Any other cell runs step by step in table ops.
"""

import tensorgear as tg

from .... import nest
from ..layer import Layer
from .cells import StackedRNNCells


def _as_dtype(t, dtype):
    return t if t.dtype == dtype else tg.cast(t, dtype)


def _as_list(states):
    return list(states) if isinstance(states, (list, tuple)) else [states]


class RNN(Layer):
    """A recurrent layer over any cell (an object with ``call(inputs, states)`` and ``state_size``),
    or a list of cells (stacked)."""

    def __init__(self, cell, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, zero_output_for_mask=False, **kwargs):
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        if "call" not in dir(cell):
            raise ValueError(f"Argument `cell` should have a `call` method. Received: cell={cell!r}")
        if "state_size" not in dir(cell):
            raise ValueError("The RNN cell should have a `state_size` attribute (single integer or list of integers, "
                             f"one integer per RNN state). Received: cell={cell!r}")
        state_size = cell.state_size
        if not isinstance(state_size, (list, tuple, int)):
            raise ValueError("state_size must be an integer, or a list/tuple of integers (one for each state tensor).")
        super().__init__(**kwargs)
        self.cell = cell
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.supports_masking = True
        self.__dict__["states"] = None  # stateful: the carried states (not weights; never saved)

    @property
    def state_size(self):
        size = self.cell.state_size
        return [size] if isinstance(size, int) else list(size)

    # ---- shapes and building ----------------------------------------------------------------------

    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        if len(sequences_shape) < 3:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected ndim=3, "
                             f"found ndim={len(sequences_shape)}. Full shape received: {sequences_shape}")
        step_shape = (sequences_shape[0],) + sequences_shape[2:]
        if isinstance(self.cell, Layer) and not self.cell.built:
            self.cell.build(step_shape)
            self.cell.__dict__["built"] = True
        if self.stateful and self.states is None:
            if sequences_shape[0] is None:
                raise ValueError("When using `stateful=True` in a RNN, the batch size must be static. Found dynamic "
                                 f"batch size: sequence.shape={sequences_shape}")

    def _output_size(self):
        size = getattr(self.cell, "output_size", None)
        return size if size is not None else self.state_size[0]

    def compute_output_shape(self, sequences_shape, initial_state_shape=None):
        batch, steps = sequences_shape[0], sequences_shape[1]
        out = (batch, steps, self._output_size()) if self.return_sequences else (batch, self._output_size())
        if self.return_state:
            return (out,) + tuple((batch, s) for s in self.state_size)
        return out

    def compute_mask(self, inputs, mask=None):
        mask = nest.flatten(mask)[0] if mask is not None else None
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None for _ in self.state_size]
        return output_mask

    # ---- states ------------------------------------------------------------------------------------

    def get_initial_state(self, batch_size):
        fn = getattr(self.cell, "get_initial_state", None)
        if fn is not None:
            return _as_list(fn(batch_size=batch_size))
        return [tg.zeros((batch_size, d), dtype=self.dtype) for d in self.state_size]

    def reset_state(self):
        if self.states is not None:
            for v in nest.flatten(self.states):
                v.assign(tg.zeros_like(v))

    reset_states = reset_state

    def _stateful_states(self, batch_size):
        if self.states is None:
            self.__dict__["states"] = [tg.Variable(s, trainable=False) for s in
                                       nest.flatten(self.get_initial_state(batch_size))]
        elif int(self.states[0].shape[0]) != batch_size:
            raise ValueError("If an RNN is stateful, the batch size of the input sequences must be the same as the "
                             f"batch size of the initial state. \n- Expected batch size: "
                             f"{int(self.states[0].shape[0])}\n- Received batch size: {batch_size}")
        flat = [tg.convert_to_tensor(v) for v in self.states]
        return nest.pack_sequence_as(self.get_initial_state(batch_size), flat) if len(flat) > 1 else flat

    # ---- the call --------------------------------------------------------------------------------------

    def call(self, sequences, initial_state=None, mask=None, training=False):
        sequences = tg.convert_to_tensor(sequences)
        if sequences.ndim < 3:
            raise ValueError(f"Input 0 of layer \"{self.name}\" is incompatible with the layer: expected ndim=3, "
                             f"found ndim={sequences.ndim}. Full shape received: {tuple(sequences.shape)}")
        batch = int(sequences.shape[0])
        # zeros unless given or carried over: then nothing before the first unmasked step differs
        zero_start = initial_state is None and not self.stateful
        if initial_state is None:
            initial_state = self._stateful_states(batch) if self.stateful else self.get_initial_state(batch)
        initial_state = [s if isinstance(s, (list, tuple)) else _as_dtype(tg.convert_to_tensor(s), sequences.dtype)
                         for s in _as_list(initial_state)]
        if mask is not None:
            mask = tg.cast(tg.convert_to_tensor(nest.flatten(mask)[0]), tg.bool)
            if tuple(mask.shape) != tuple(sequences.shape[:2]):
                raise ValueError(f"The mask of layer '{self.name}' must have shape (batch, timesteps) = "
                                 f"{tuple(sequences.shape[:2])}, got {tuple(mask.shape)}")
        fused = self._fused_cell(training)
        try:
            if fused is not None and sequences.ndim == 3:
                last, outputs, states = self._run_fused(fused, sequences, initial_state, mask, training, zero_start)
            else:
                last, outputs, states = self._run_steps(sequences, initial_state, mask, training)
        finally:
            reset = getattr(self.cell, "reset_dropout_mask", None)
            if reset is not None:
                reset()
                self.cell.reset_recurrent_dropout_mask()
        if self.stateful:
            for var, value in zip(self.states, nest.flatten(states)):
                var.assign(value)
        output = outputs if self.return_sequences else last
        if self.return_state:
            return [output] + list(states)
        return output

    def _fused_cell(self, training):
        name_of = getattr(self.cell, "fused_cell_name", None)
        return name_of(training) if name_of is not None else None

    def _run_fused(self, cell_name, sequences, initial_state, mask, training, zero_start):
        """The whole sequence as one rnn_sequence op (ops_rnn.cpp): states [B, T + 1, S, U]."""
        cell = self.cell
        xp, recurrent_bias = cell.fused_operands(sequences, training)
        state0 = tg.stack(initial_state, axis=1)
        states, _ = tg._C.rnn_sequence(cell_name, xp, state0, cell.recurrent_kernel, recurrent_bias, mask,
                                       self.go_backwards)
        outputs = states[:, 1:, 0, :]  # h after each step, in processing order
        if mask is not None:
            step_mask = mask[:, ::-1] if self.go_backwards else mask
            if self.zero_output_for_mask:
                outputs = outputs * tg.expand_dims(tg.cast(step_mask, outputs.dtype), -1)
            elif not zero_start:
                # before the first unmasked step the output is zeros (Keras), while the state is the
                # initial state; only an initial state that is not zeros makes the two differ
                seen = _seen_so_far(step_mask)
                outputs = outputs * tg.expand_dims(tg.cast(seen, outputs.dtype), -1)
        final = [states[:, -1, k, :] for k in range(len(initial_state))]
        return outputs[:, -1, :], outputs, final

    def _run_steps(self, sequences, initial_state, mask, training):
        """The cell's step in a loop over the timesteps (any cell)."""
        cell = self.cell
        kwargs = {"training": training} if isinstance(cell, Layer) and cell._call_signature.training else {}
        steps = int(sequences.shape[1])
        states = list(initial_state)
        if isinstance(cell, StackedRNNCells):
            states = [_as_list(s) for s in states]
        outputs, prev = [], None
        for s in range(steps):
            t = steps - 1 - s if self.go_backwards else s
            out, new_states = cell(sequences[:, t], states, **kwargs)
            new_states = new_states if isinstance(new_states, (list, tuple)) else [new_states]
            if mask is not None:
                keep = tg.expand_dims(mask[:, t], -1)
                fallback = tg.zeros_like(out) if (self.zero_output_for_mask or prev is None) else prev
                out = tg.where(keep, out, fallback)
                new_states = nest.map_structure(lambda n, o: tg.where(keep, n, o), list(new_states), list(states))
            outputs.append(out)
            prev, states = out, list(new_states)
        if not outputs:
            raise ValueError(f"Layer '{self.name}' needs at least one timestep; got input shape "
                             f"{tuple(sequences.shape)}")
        stacked = tg.stack(outputs, axis=1) if self.return_sequences else None
        return outputs[-1], stacked, states

    # ---- config -----------------------------------------------------------------------------------

    def get_config(self):
        from ...saving import keras_config

        config = super().get_config()
        config.update({"return_sequences": self.return_sequences, "return_state": self.return_state,
                       "go_backwards": self.go_backwards, "stateful": self.stateful, "unroll": self.unroll,
                       "zero_output_for_mask": self.zero_output_for_mask,
                       "cell": keras_config.serialize_layer(self.cell)})
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from ...saving import keras_config

        config = dict(config)
        cell = keras_config.deserialize_layer(config.pop("cell"), custom_objects)
        return cls(cell, **config)


def _seen_so_far(mask):
    """seen[b, s] = any(mask[b, :s + 1]) (the cumulative or over time): the mask times an
    upper-triangular matrix of ones."""
    steps = tg.range(int(mask.shape[1]))
    upper = tg.cast(tg.expand_dims(steps, 1) <= tg.expand_dims(steps, 0), tg.float32)
    return tg.matmul(tg.cast(mask, tg.float32), upper) > 0.0

"""Recurrent layers (SimpleRNN, LSTM, GRU, their cells, RNN, Bidirectional, TimeDistributed):
Keras 3's outputs for the same weights (fixtures from tests/keras/fixtures/make_recurrent_fixture.py),
NumPy references of the equations, PyTorch's nn.LSTM / nn.GRU with copied weights, float64
finite differences, masks, states, saving and errors."""

import os
import sys

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
import make_recurrent_fixture as fixture  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "core"))
import rnn_reference  # noqa: E402
from gradcheck import check_grad  # noqa: E402

L = keras.layers
REF = np.load(fixture.PATH)
DATA = fixture.inputs()


def _outputs(result):
    return list(result) if isinstance(result, (list, tuple)) else [result]


@pytest.mark.parametrize("name", sorted(fixture.cases(keras)))
def test_matches_keras_with_the_same_weights(name):
    model = fixture.cases(keras)[name]()
    weights = [REF[f"{name}/w{i}"] for i in range(int(REF[f"{name}/n_weights"]))]
    model.set_weights(weights)
    got = _outputs(model.predict(fixture.model_inputs(name, DATA), verbose=0))
    assert len(got) == int(REF[f"{name}/n_outputs"])
    for i, y in enumerate(got):
        expected = REF[f"{name}/y{i}"]
        assert tuple(y.shape) == expected.shape, (name, i)
        np.testing.assert_allclose(np.asarray(y), expected, rtol=1e-5, atol=2e-6, err_msg=f"{name} output {i}")


def test_masked_sequence_loss_and_metric_average_over_unmasked_steps_as_keras():
    model = fixture.masked_loss_model(keras)
    model.set_weights([REF[f"masked_loss/w{i}"] for i in range(int(REF["masked_loss/n_weights"]))])
    got = model.evaluate(DATA["ids"], DATA["y_seq"], verbose=0)
    np.testing.assert_allclose(got, REF["masked_loss/values"], rtol=1e-5)


def test_a_keras_written_text_model_loads_and_predicts_as_keras(tmp_path):
    model = keras.models.load_model(os.path.join(os.path.dirname(fixture.PATH), "keras_text_rnn.keras"))
    np.testing.assert_allclose(model.predict(DATA["ids"], verbose=0), REF["text_rnn/y"], rtol=1e-5, atol=1e-6)
    model.save(tmp_path / "again.keras")
    again = keras.models.load_model(tmp_path / "again.keras")
    np.testing.assert_allclose(again.predict(DATA["ids"], verbose=0), REF["text_rnn/y"], rtol=1e-5, atol=1e-6)


def test_masked_bidirectional_lstm_trains_along_keras_path():
    model = fixture.training_model(keras)
    n = int(REF["training/n_weights"])
    model.set_weights([REF[f"training/w{i}"] for i in range(n)])
    ids, labels = fixture.training_data()
    history = model.fit(ids, labels, batch_size=32, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(history.history["loss"], REF["training/loss"], rtol=1e-5)
    for i, w in enumerate(model.get_weights()):
        np.testing.assert_allclose(w, REF[f"training/final{i}"], rtol=1e-4, atol=1e-5, err_msg=f"weight {i}")


# ---- the equations, in NumPy ---------------------------------------------------------------------

CELLS = {"lstm": L.LSTM, "gru": L.GRU, "simple_tanh": L.SimpleRNN}


def _numpy_layer(cell, layer, x, mask=None, reverse=False, initial=None):
    kernel, recurrent, *bias = [w.numpy().astype(np.float64) for w in layer.cell.weights]
    g = rnn_reference.GATES[cell]
    units = recurrent.shape[0]
    b = bias[0] if bias else np.zeros(g * units)
    input_bias, rec_bias = (b[0], b[1]) if b.ndim == 2 else (b, np.zeros(g * units))
    xp = x.astype(np.float64) @ kernel + input_bias
    state0 = np.zeros((x.shape[0], rnn_reference.STATES[cell], units)) if initial is None else initial
    return rnn_reference.rnn_sequence(cell, xp, state0, recurrent, rec_bias, mask, reverse)


@pytest.mark.parametrize("cell", sorted(CELLS))
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("size", [(2, 5, 3, 4), (16, 40, 24, 64)])
def test_layer_follows_its_equations(cell, reverse, size):
    b, t, f, u = size
    x = np.random.default_rng(1).standard_normal((b, t, f)).astype(np.float32)
    layer = CELLS[cell](u, return_sequences=True, return_state=True, go_backwards=reverse)
    out, *states = layer(x)
    ref = _numpy_layer(cell, layer, x, reverse=reverse)
    np.testing.assert_allclose(out.numpy(), ref[:, 1:, 0], rtol=1e-4, atol=2e-5)
    for k, s in enumerate(states):
        np.testing.assert_allclose(s.numpy(), ref[:, -1, k], rtol=1e-4, atol=2e-5)


def test_a_strided_input_gives_the_contiguous_result():
    x = np.random.default_rng(2).standard_normal((3, 6, 8)).astype(np.float32)
    layer = L.LSTM(5, return_sequences=True)
    wide = tf.constant(np.repeat(x, 2, axis=-1))[..., ::2]
    np.testing.assert_allclose(layer(wide).numpy(), layer(x).numpy(), rtol=1e-6, atol=1e-7)


# ---- gradients --------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["lstm", "gru", "simple_tanh", "simple_relu"])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("reverse", [False, True])
def test_layer_gradients_match_finite_differences_in_float64(cell, masked, reverse):
    rng = np.random.default_rng(3)
    units = 3
    layer = (L.SimpleRNN(units, activation="relu" if cell == "simple_relu" else "tanh", return_sequences=True,
                         go_backwards=reverse, dtype="float64") if cell.startswith("simple")
             else CELLS[cell](units, return_sequences=True, return_state=True, go_backwards=reverse, dtype="float64"))
    x = rng.standard_normal((2, 4, 3))
    h0 = 0.5 * rng.standard_normal((2, units))
    layer.build((2, 4, 3))
    mask = tf.constant(rng.random((2, 4)) > 0.3) if masked else None
    weights = [w.numpy() for w in layer.weights]

    def fn(x_t, h_t, *ws):
        for var, w in zip(layer.weights, ws):
            var.assign(w)
        states = [h_t] + ([tf.zeros_like(h_t)] if cell == "lstm" else [])
        result = layer(x_t, initial_state=states, mask=mask)
        result = result if isinstance(result, (list, tuple)) else [result]
        return tf.concat([tf.reshape(r, [-1]) for r in result], 0)

    # inputs and initial state by finite differences through the tape
    check_grad(lambda a, b: fn(a, b, *[tf.constant(w) for w in weights]), x, h0, rtol=1e-5, atol=1e-7)
    # the weights: compare the tape's gradient of a weighted sum with central differences
    w_out = rng.standard_normal(int(np.prod(fn(tf.constant(x), tf.constant(h0), *[tf.constant(w) for w in weights]).shape)))
    with tf.GradientTape() as tape:
        for var, w in zip(layer.weights, weights):
            var.assign(w)
        states = [tf.constant(h0)] + ([tf.zeros((2, units), dtype="float64")] if cell == "lstm" else [])
        result = layer(tf.constant(x), initial_state=states, mask=mask)
        result = result if isinstance(result, (list, tuple)) else [result]
        total = tf.reduce_sum(tf.concat([tf.reshape(r, [-1]) for r in result], 0) * w_out)
    grads = tape.gradient(total, layer.trainable_weights)
    for k, (var, g) in enumerate(zip(layer.trainable_weights, grads)):
        base = [w.copy() for w in weights]
        numeric = np.zeros_like(base[k])
        flat = base[k].reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            values = []
            for delta in (1e-6, -1e-6):
                flat[i] = orig + delta
                values.append(float(np.sum(fn(tf.constant(x), tf.constant(h0), *[tf.constant(w) for w in base]).numpy()
                                            * w_out)))
            flat[i] = orig
            numeric.reshape(-1)[i] = (values[0] - values[1]) / 2e-6
        np.testing.assert_allclose(g.numpy(), numeric, rtol=1e-5, atol=1e-7, err_msg=f"{cell} weight {var.name}")


def test_second_derivatives_through_the_fused_recurrence_are_refused_with_a_clear_error():
    layer = L.LSTM(2, dtype="float64")
    x = tf.constant(np.ones((1, 3, 2)))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(layer(x))
        with pytest.raises(NotImplementedError, match="second derivative"):
            inner.gradient(y, x)


def test_a_user_cell_in_rnn_has_second_derivatives():
    layer = L.RNN(L.SimpleRNNCell(2, activation="softsign", dtype="float64"), dtype="float64")  # the step path
    x = tf.constant(np.random.default_rng(0).standard_normal((1, 3, 2)))
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(layer(x) ** 2)
        g = tf.reduce_sum(inner.gradient(y, x))
    assert outer.gradient(g, x) is not None


# ---- PyTorch with copied weights ---------------------------------------------------------------

def _torch():
    return pytest.importorskip("torch")


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_outputs_and_gradients_match_pytorch_with_copied_weights(kind):
    torch = _torch()
    rng = np.random.default_rng(5)
    b, t, f, u = 4, 9, 5, 6
    x = rng.standard_normal((b, t, f))
    layer = (L.LSTM if kind == "lstm" else L.GRU)(u, return_sequences=True, dtype="float64")
    layer.build((b, t, f))
    kernel, recurrent, bias = [w.numpy() for w in layer.weights]
    net = (torch.nn.LSTM if kind == "lstm" else torch.nn.GRU)(f, u, batch_first=True).double()
    if kind == "lstm":  # both order the gates i, f, g/c, o; torch has two biases
        w_ih, w_hh, b_ih, b_hh = kernel.T, recurrent.T, bias, np.zeros_like(bias)
    else:  # Keras z, r, h vs torch r, z, n; Keras's bias rows are torch's b_ih and b_hh
        order = lambda m: np.concatenate([m[..., u:2 * u], m[..., :u], m[..., 2 * u:]], -1)  # noqa: E731
        w_ih, w_hh, b_ih, b_hh = order(kernel).T, order(recurrent).T, order(bias[0]), order(bias[1])
    with torch.no_grad():
        for name, value in (("weight_ih_l0", w_ih), ("weight_hh_l0", w_hh), ("bias_ih_l0", b_ih),
                            ("bias_hh_l0", b_hh)):
            getattr(net, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    xt = torch.from_numpy(x).requires_grad_(True)
    expected, _ = net(xt)
    w_out = rng.standard_normal(expected.shape)
    (expected * torch.from_numpy(w_out)).sum().backward()
    xv = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xv)
        y = layer(xv)
        total = tf.reduce_sum(y * w_out)
    dx, dkernel, drecurrent = tape.gradient(total, [xv, layer.weights[0], layer.weights[1]])
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-11)
    torch_dk = net.weight_ih_l0.grad.numpy().T
    torch_dr = net.weight_hh_l0.grad.numpy().T
    if kind == "gru":
        unorder = lambda m: np.concatenate([m[..., u:2 * u], m[..., :u], m[..., 2 * u:]], -1)  # noqa: E731
        torch_dk, torch_dr = unorder(torch_dk), unorder(torch_dr)
    np.testing.assert_allclose(dkernel.numpy(), torch_dk, rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(drecurrent.numpy(), torch_dr, rtol=1e-9, atol=1e-11)


# ---- masks, states, dropout --------------------------------------------------------------------------

def test_masked_steps_keep_the_state_and_return_sequences_keeps_the_mask():
    ids = np.array([[3, 4, 0, 0], [0, 5, 6, 7]])
    emb = L.Embedding(10, 3, mask_zero=True)
    lstm = L.LSTM(2, return_sequences=True, return_state=True)
    out, h, c = lstm(emb(ids))
    np.testing.assert_array_equal(out._keras_mask.numpy(), ids != 0)
    assert getattr(h, "_keras_mask", None) is None
    seq = out.numpy()
    np.testing.assert_allclose(seq[0, 2], seq[0, 1])  # carried past the padding
    np.testing.assert_allclose(seq[0, 3], seq[0, 1])
    np.testing.assert_allclose(seq[1, 0], 0.0)  # before the first step: zeros
    np.testing.assert_allclose(h.numpy()[0], seq[0, 1])


def test_a_mask_of_the_wrong_shape_is_a_value_error():
    with pytest.raises(ValueError, match="mask"):
        L.GRU(2)(np.zeros((2, 3, 4), np.float32), mask=tf.constant(np.ones((2, 4), bool)))


def test_stateful_layers_carry_their_states_between_calls_until_reset():
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype(np.float32)
    layer = L.LSTM(3, stateful=True, return_sequences=True)
    first = layer(x).numpy()
    second = layer(x).numpy()
    assert not np.allclose(first, second)
    layer.reset_states()
    np.testing.assert_allclose(layer(x).numpy(), first, rtol=1e-6)
    whole = L.LSTM(3, return_sequences=True)
    whole.build((2, 6, 4))
    whole.set_weights(layer.get_weights())
    np.testing.assert_allclose(whole(np.concatenate([x, x], 1)).numpy()[:, 3:], second, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="batch size"):
        layer(np.zeros((5, 3, 4), np.float32))


def test_dropout_applies_in_training_only_and_recurrent_dropout_trains():
    x = np.random.default_rng(0).standard_normal((8, 5, 4)).astype(np.float32)
    layer = L.GRU(3, dropout=0.5, recurrent_dropout=0.3, seed=1)
    a, b = layer(x).numpy(), layer(x).numpy()
    np.testing.assert_allclose(a, b)
    assert not np.allclose(layer(x, training=True).numpy(), a)
    model = keras.Sequential([keras.Input((5, 4)), L.LSTM(4, dropout=0.2, recurrent_dropout=0.2), L.Dense(1)])
    model.compile("adam", "mse")
    history = model.fit(x, np.ones((8, 1)), epochs=3, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_rnn_runs_a_user_cell_as_in_the_keras_docs():
    class MinimalRNNCell(L.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="uniform",
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            prev_output = states[0]
            output = tf.matmul(inputs, self.kernel) + tf.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

    x = np.random.default_rng(0).standard_normal((2, 4, 3)).astype(np.float32)
    layer = L.RNN(MinimalRNNCell(5), return_sequences=True)
    y = layer(x).numpy()
    k, r = (w.numpy() for w in layer.cell.weights)
    h = np.zeros((2, 5), np.float32)
    for t in range(4):
        h = x[:, t] @ k + h @ r
        np.testing.assert_allclose(y[:, t], h, rtol=1e-5, atol=1e-6)
    stacked = L.RNN([MinimalRNNCell(4), MinimalRNNCell(2)], return_state=True)
    out, s1, s2 = stacked(x)
    assert out.shape == (2, 2) and s1[0].shape == (2, 4) and s2[0].shape == (2, 2)


# ---- saving, configs, errors ------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: L.LSTM(4, return_sequences=True, go_backwards=True),
    lambda: L.GRU(3, reset_after=False),
    lambda: L.SimpleRNN(5, activation="relu", dropout=0.1),
    lambda: L.Bidirectional(L.LSTM(3), merge_mode="ave"),
    lambda: L.RNN(L.GRUCell(3), return_sequences=True),
    lambda: L.RNN([L.LSTMCell(3), L.SimpleRNNCell(2)]),
    lambda: L.TimeDistributed(L.Dense(2)),
])
def test_keras_file_round_trip(make, tmp_path):
    x = np.random.default_rng(0).standard_normal((2, 5, 3)).astype(np.float32)
    model = keras.Sequential([keras.Input((5, 3)), make()])
    expected = model.predict(x, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-7)
    layer = model.layers[0]
    again = type(layer).from_config(layer.get_config())
    assert _without_build_configs(again.get_config()) == _without_build_configs(layer.get_config())


def _without_build_configs(value):
    if isinstance(value, dict):
        return {k: _without_build_configs(v) for k, v in value.items() if k != "build_config"}
    if isinstance(value, list):
        return [_without_build_configs(v) for v in value]
    return value


def test_lstm_config_is_keras_flat_config():
    config = L.LSTM(7, dropout=0.25, return_sequences=True, name="enc").get_config()
    assert "cell" not in config
    for key, value in {"units": 7, "dropout": 0.25, "return_sequences": True, "unit_forget_bias": True,
                       "recurrent_activation": "sigmoid", "zero_output_for_mask": False, "name": "enc"}.items():
        assert config[key] == value, key
    assert config["recurrent_initializer"]["class_name"] == "Orthogonal"


def test_the_forget_gate_bias_starts_at_one_and_the_recurrent_kernel_is_orthogonal():
    layer = L.LSTM(6)
    layer.build((1, 2, 3))
    bias = layer.cell.bias.numpy()
    np.testing.assert_array_equal(bias[6:12], 1.0)
    np.testing.assert_array_equal(bias[:6], 0.0)
    r = layer.cell.recurrent_kernel.numpy()
    np.testing.assert_allclose(r @ r.T, np.eye(6), atol=1e-5)


@pytest.mark.parametrize("call,match", [
    (lambda: L.LSTM(3)(np.zeros((2, 4), np.float32)), "ndim=3"),
    (lambda: L.LSTM(0), "units"),
    (lambda: L.Bidirectional(L.LSTM(2), merge_mode="max"), "merge mode"),
    (lambda: L.Bidirectional("lstm"), "Layer"),
    (lambda: L.RNN(object()), "call"),
    (lambda: L.TimeDistributed(L.Dense(2))(np.zeros((2, 3), np.float32)), "at least 3"),
])
def test_bad_arguments_raise_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bidirectional_shapes_for_every_merge_mode_and_state():
    x = np.zeros((2, 5, 3), np.float32)
    for mode, shape in (("concat", (2, 5, 8)), ("sum", (2, 5, 4)), ("ave", (2, 5, 4)), ("mul", (2, 5, 4))):
        assert L.Bidirectional(L.GRU(4, return_sequences=True), merge_mode=mode)(x).shape == shape
    out = L.Bidirectional(L.LSTM(4, return_state=True), merge_mode=None)(x)
    assert [tuple(o.shape) for o in out] == [(2, 4)] * 6

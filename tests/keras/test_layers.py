"""keras.layers: the Layer base class (build on first call, weights, tracking, config)
and the built-in layers, against Keras's documented names, defaults and behaviour."""

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras
from tensorgear.keras import layers


# ---- Layer base ---------------------------------------------------------------------------

class Affine(layers.Layer):
    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.build_calls = []

    def build(self, input_shape):
        self.build_calls.append(tuple(input_shape))
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="ones", name="kernel")
        self.counter = self.add_weight(shape=(), initializer="zeros", trainable=False, name="counter")

    def call(self, inputs):
        return tf.matmul(inputs, self.kernel)


def test_build_runs_once_on_first_call_with_input_shape():
    layer = Affine(4)
    assert not layer.built and layer.weights == []
    out = layer(np.ones((2, 5), dtype=np.float32))
    assert layer.built and layer.build_calls == [(2, 5)]
    assert out.shape == (2, 4)
    layer(tf.ones((7, 5)))
    assert layer.build_calls == [(2, 5)]
    np.testing.assert_allclose(out.numpy(), 5 * np.ones((2, 4)))


def test_weights_trainable_and_non_trainable():
    layer = Affine(2)
    layer(tf.ones((1, 3)))
    assert layer.weights == [layer.kernel, layer.counter]
    assert layer.trainable_weights == [layer.kernel]
    assert layer.non_trainable_weights == [layer.counter]
    layer.trainable = False
    assert layer.trainable_weights == []
    assert layer.non_trainable_weights == [layer.kernel, layer.counter]
    assert layer.count_params() == 7


def test_count_params_before_build_is_an_error():
    with pytest.raises(ValueError, match="isn't built"):
        Affine().count_params()


def test_recursive_tracking_of_layers_and_variables():
    class Block(layers.Layer):
        def __init__(self):
            super().__init__()
            self.inner = [Affine(2), Affine(3)]
            self.scale = tf.Variable(2.0)
            self.frozen = tf.Variable(1.0, trainable=False)

        def call(self, x):
            return self.inner[1](self.inner[0](x)) * self.scale

    class Outer(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = layers.Dense(1)

        def call(self, x):
            return self.head(self.block(x))

    model = Outer()
    model(tf.ones((2, 4)))
    names = [v.name for v in model.weights]
    assert len(model.weights) == 2 + 2 + 2 + 2  # block vars, two Affines, Dense
    assert model.weights[0] is model.block.scale
    assert "kernel" in names and "bias" in names
    assert len(model.trainable_weights) == 1 + 1 + 1 + 2
    assert len(model.non_trainable_weights) == 3
    assert model.layers == [model.block, model.head]


def test_add_weight_defaults_and_validation():
    layer = layers.Layer()
    w = layer.add_weight(shape=(3, 2))
    assert w.shape == (3, 2) and w.dtype == tf.float32 and w.trainable
    assert layer.weights == [w]
    z = layer.add_weight(shape=(2,), initializer="zeros", dtype="float64", trainable=False, name="z")
    assert z.dtype == tf.float64 and not z.trainable
    with pytest.raises(ValueError, match="unknown|non-negative"):
        layer.add_weight(shape=(None, 2))
    with pytest.raises(ValueError, match="Unknown initializer"):
        layer.add_weight(shape=(2,), initializer="no_such_init")


def test_layer_names_are_unique_and_reset_by_clear_session():
    a, b = layers.Dense(2), layers.Dense(2)
    assert (a.name, b.name) == ("dense", "dense_1")
    assert Affine().name == "affine"
    assert layers.ReLU().name == "re_lu"
    keras.backend.clear_session()
    assert layers.Dense(2).name == "dense"
    assert layers.Dense(2, name="head").name == "head"


def test_unknown_constructor_argument_is_a_type_error():
    with pytest.raises(TypeError, match="Unrecognized keyword arguments"):
        layers.Dense(3, no_such_argument=1)


def test_get_config_from_config_round_trip():
    dense = layers.Dense(7, activation="relu", use_bias=False, name="d7")
    config = dense.get_config()
    assert config["units"] == 7 and config["activation"] == "relu" and config["use_bias"] is False
    assert config["name"] == "d7" and config["trainable"] is True and config["dtype"] == "float32"
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    clone = layers.Dense.from_config(config)
    assert clone.units == 7 and clone.activation is keras.activations.relu and not clone.use_bias


def test_auto_config_of_a_subclass_without_get_config():
    layer = Affine(units=9, name="aff")
    config = layer.get_config()
    assert config["units"] == 9 and config["name"] == "aff"
    assert Affine.from_config(config).units == 9


def test_training_flag_reaches_nested_layers():
    seen = []

    class Probe(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    class Wrapper(keras.Model):
        def __init__(self):
            super().__init__()
            self.probe = Probe()

        def call(self, x):
            return self.probe(x)

    model = Wrapper()
    model(tf.ones((1, 2)), training=True)
    model(tf.ones((1, 2)), training=False)
    model(tf.ones((1, 2)))
    assert seen == [True, False, None]


def test_numpy_inputs_are_converted_to_float32():
    out = layers.Dense(2)(np.ones((3, 4), dtype=np.float64))
    assert out.dtype == tf.float32
    out = layers.Dense(2)(np.ones((3, 4), dtype=np.uint8))
    assert out.dtype == tf.float32


# ---- Dense ------------------------------------------------------------------------------

def test_dense_defaults_and_forward():
    dense = layers.Dense(4)
    assert dense.activation is keras.activations.linear and dense.use_bias
    assert isinstance(dense.kernel_initializer, keras.initializers.GlorotUniform)
    assert isinstance(dense.bias_initializer, keras.initializers.Zeros)
    x = np.random.rand(5, 3).astype(np.float32)
    y = dense(x)
    assert [w.name for w in dense.weights] == ["kernel", "bias"]
    assert dense.kernel.shape == (3, 4) and dense.bias.shape == (4,)
    np.testing.assert_allclose(y.numpy(), x @ dense.kernel.numpy() + dense.bias.numpy(), rtol=1e-5, atol=1e-6)
    limit = np.sqrt(6 / (3 + 4))
    assert np.all(np.abs(dense.kernel.numpy()) <= limit)
    np.testing.assert_array_equal(dense.bias.numpy(), 0)


@pytest.mark.parametrize("name,reference", [
    ("relu", lambda z: np.maximum(z, 0)),
    ("sigmoid", lambda z: 1 / (1 + np.exp(-z))),
    ("tanh", np.tanh),
    ("softmax", lambda z: np.exp(z) / np.exp(z).sum(-1, keepdims=True)),
    ("linear", lambda z: z),
    ("elu", lambda z: np.where(z > 0, z, np.expm1(z))),
    ("selu", lambda z: 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(z))),
    ("softplus", lambda z: np.log1p(np.exp(z))),
    ("swish", lambda z: z / (1 + np.exp(-z))),
    ("gelu", None),
])
def test_dense_activations_by_name(name, reference):
    dense = layers.Dense(6, activation=name)
    x = np.random.randn(4, 3).astype(np.float32)
    y = dense(x).numpy()
    z = x @ dense.kernel.numpy() + dense.bias.numpy()
    if reference is None:  # gelu: the exact form, through erf
        from math import erf, sqrt
        reference = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / sqrt(2))))
    np.testing.assert_allclose(y, reference(z), rtol=1e-5, atol=1e-6)


def _gelu_exact(v):
    import math

    return np.vectorize(lambda t: 0.5 * t * (1.0 + math.erf(t / math.sqrt(2.0))), otypes=[np.float64])(v)


def _gelu_tanh(v):
    v = np.asarray(v, np.float64)
    return 0.5 * v * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (v + 0.044715 * v ** 3)))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_gelu_exact_and_approximate(dtype):
    from tensorgear.keras import activations

    x = np.concatenate([np.linspace(-8, 8, 1601), np.random.default_rng(5).standard_normal(500)]).astype(dtype)
    exact = activations.gelu(tf.constant(x)).numpy()
    assert exact.dtype == dtype
    np.testing.assert_allclose(exact, _gelu_exact(x.astype(np.float64)), rtol=1e-6, atol=1e-6)
    # the tanh form differs from the exact one by up to ~5e-4: the default must not be it
    assert np.abs(_gelu_tanh(x) - _gelu_exact(x.astype(np.float64))).max() > 1e-4
    assert activations.get("gelu") is activations.gelu
    np.testing.assert_allclose(activations.get("gelu")(tf.constant(x)).numpy(), exact)
    approx = activations.gelu(tf.constant(x), approximate=True).numpy()
    np.testing.assert_allclose(approx, _gelu_tanh(x), rtol=1e-6 if dtype == "float32" else 1e-12, atol=1e-6)


def test_tf_nn_gelu_is_the_same_function():
    x = np.linspace(-5, 5, 101)
    np.testing.assert_allclose(tf.nn.gelu(x).numpy(), _gelu_exact(x), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(tf.nn.gelu(tf.constant(x), approximate=True).numpy(), _gelu_tanh(x),
                               rtol=1e-12, atol=1e-15)
    assert tf.nn.gelu([1.0, 2.0]).dtype == tf.float32


def test_gelu_gradient_is_phi_plus_x_pdf():
    import math

    from tensorgear.keras import activations

    x = tf.constant(np.linspace(-4, 4, 81))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = activations.gelu(x)
    g = tape.gradient(y, x).numpy()
    v = x.numpy()
    cdf = 0.5 * (1.0 + np.vectorize(math.erf)(v / np.sqrt(2.0)))
    np.testing.assert_allclose(g, cdf + v * np.exp(-v * v / 2) / np.sqrt(2 * np.pi), rtol=1e-12, atol=1e-14)


def test_dense_callable_activation_and_unknown_name():
    dense = layers.Dense(2, activation=tf.nn.relu)
    assert dense.activation is tf.nn.relu
    with pytest.raises(ValueError, match="Unknown activation"):
        layers.Dense(2, activation="no_such_activation")
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)


def test_dense_wrong_input_width_names_the_layer():
    dense = layers.Dense(3, name="head")
    dense(tf.ones((2, 4)))
    with pytest.raises(ValueError, match=r'layer "head".*expected axis -1.*value 4.*\(2, 5\)'):
        dense(tf.ones((2, 5)))


def test_dense_regularizer_adds_loss():
    dense = layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.5), kernel_initializer="ones")
    dense(tf.ones((1, 3)))
    assert len(dense.losses) == 1
    np.testing.assert_allclose(float(dense.losses[0]), 0.5 * 6)


def test_dense_on_rank3_inputs():
    out = layers.Dense(5)(tf.ones((2, 3, 4)))
    assert out.shape == (2, 3, 5)


@pytest.mark.parametrize("activation", ["relu", "linear", None])
@pytest.mark.parametrize("use_bias", [True, False])
def test_dense_fused_path_matches_unfused_forward_and_gradients(activation, use_bias):
    """relu/linear Dense runs the engine's fused op; values and gradients equal matmul + bias + relu."""
    dense = layers.Dense(5, activation=activation, use_bias=use_bias, bias_initializer="random_normal")
    x = tf.constant(np.random.default_rng(0).standard_normal((6, 3)).astype(np.float32))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = dense(x)
        z = tf.matmul(x, dense.kernel) + (dense.bias if use_bias else 0.0)
        if activation == "relu":
            z = tf.nn.relu(z)
        w = tf.constant(np.random.default_rng(1).standard_normal((6, 5)).astype(np.float32))
        loss_fused, loss_ref = tf.reduce_sum(y * w), tf.reduce_sum(z * w)
    np.testing.assert_allclose(y.numpy(), z.numpy(), rtol=1e-6, atol=1e-6)
    for got, want in zip(tape.gradient(loss_fused, [x, *dense.trainable_weights]),
                         tape.gradient(loss_ref, [x, *dense.trainable_weights])):
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-5, atol=1e-6)


def test_dense_on_rank1_and_float64_inputs():
    dense = layers.Dense(3, activation="relu")
    assert dense(tf.ones((4,))).shape == (3,)
    y = dense(np.ones((2, 4)))  # float64 data is cast to the layer's float32
    assert y.dtype == tf.float32 and y.shape == (2, 3)


# ---- other core layers --------------------------------------------------------------------

def test_activation_relu_softmax_layers():
    x = tf.constant([[-1.0, 0.5, 2.0]])
    np.testing.assert_allclose(layers.Activation("relu")(x).numpy(), [[0, 0.5, 2]])
    np.testing.assert_allclose(layers.ReLU()(x).numpy(), [[0, 0.5, 2]])
    np.testing.assert_allclose(layers.ReLU(max_value=1.0)(x).numpy(), [[0, 0.5, 1]])
    np.testing.assert_allclose(layers.ReLU(negative_slope=0.1)(x).numpy(), [[-0.1, 0.5, 2]], rtol=1e-6)
    sm = layers.Softmax()(x).numpy()
    np.testing.assert_allclose(sm, np.exp([[-1, 0.5, 2]]) / np.exp([[-1, 0.5, 2]]).sum(), rtol=1e-6)


def test_flatten_and_reshape():
    x = tf.ones((2, 3, 4))
    assert layers.Flatten()(x).shape == (2, 12)
    assert layers.Flatten()(tf.ones((2, 5))).shape == (2, 5)
    assert layers.Reshape((4, 3))(x).shape == (2, 4, 3)
    assert layers.Reshape((-1, 2))(x).shape == (2, 6, 2)
    with pytest.raises(ValueError, match="reshape"):
        layers.Reshape((5, 5))(x)


def test_dropout_only_in_training():
    x = tf.ones((200, 50))
    drop = layers.Dropout(0.5)
    np.testing.assert_array_equal(drop(x).numpy(), x.numpy())
    np.testing.assert_array_equal(drop(x, training=False).numpy(), x.numpy())
    y = drop(x, training=True).numpy()
    kept = y != 0
    assert 0.4 < kept.mean() < 0.6
    np.testing.assert_allclose(y[kept], 2.0)
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)


def test_dropout_noise_shape_shares_decisions():
    y = layers.Dropout(0.5, noise_shape=(None, 1))(tf.ones((64, 8)), training=True).numpy()
    assert np.all((y == 0).all(axis=1) | (y == 2).all(axis=1))
    assert 0 < (y[:, 0] == 0).sum() < 64


def test_input_and_input_layer():
    x = keras.Input(shape=(784,))
    assert x.shape == (None, 784)
    layer = layers.InputLayer(shape=(3,))
    assert layer.batch_shape == (None, 3)
    model = keras.Sequential([layers.InputLayer(shape=(3,)), layers.Dense(2)])
    assert model.built and model.layers[0].kernel.shape == (3, 2)


def test_lambda_layer():
    out = layers.Lambda(lambda t: t * 2.0)(tf.ones((1, 2)))
    np.testing.assert_allclose(out.numpy(), [[2, 2]])

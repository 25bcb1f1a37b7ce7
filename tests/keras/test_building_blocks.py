"""activations, initializers, regularizers, constraints, schedules, utils and backend."""

import numpy as np
import pytest

import tensorgear as tf
from tensorgear import keras
from tensorgear.keras import activations, constraints, initializers, regularizers


def test_submodules_import_as_in_keras():
    import tensorgear.keras.callbacks  # noqa: F401
    import tensorgear.keras.datasets  # noqa: F401
    import tensorgear.keras.layers  # noqa: F401
    import tensorgear.keras.losses  # noqa: F401
    import tensorgear.keras.metrics  # noqa: F401
    import tensorgear.keras.models  # noqa: F401
    import tensorgear.keras.optimizers  # noqa: F401
    from tensorgear.keras import Input, Model, Sequential, layers  # noqa: F401
    assert keras.models.Sequential is keras.Sequential and keras.models.Model is keras.Model


def test_activation_lookup():
    for name in ("relu", "sigmoid", "softmax", "tanh", "linear", "elu", "selu", "gelu", "softplus", "swish"):
        fn = activations.get(name)
        assert callable(fn) and activations.get(name.upper()) is fn
        assert activations.serialize(fn) == ("silu" if name == "swish" else name)  # Keras 3 spells swish silu
    assert activations.get(None) is activations.linear
    with pytest.raises(ValueError, match="relu"):
        activations.get("rleu")
    x = tf.constant([-2.0, 0.0, 3.0])
    np.testing.assert_allclose(activations.relu(x, max_value=2.0).numpy(), [0, 0, 2])
    np.testing.assert_allclose(activations.relu(x, negative_slope=0.5).numpy(), [-1, 0, 3])
    np.testing.assert_allclose(activations.relu(x, threshold=1.0).numpy(), [0, 0, 3])


@pytest.mark.parametrize("name,cls", [
    ("glorot_uniform", initializers.GlorotUniform), ("GlorotNormal", initializers.GlorotNormal),
    ("he_normal", initializers.HeNormal), ("he_uniform", initializers.HeUniform),
    ("lecun_normal", initializers.LecunNormal), ("random_normal", initializers.RandomNormal),
    ("random_uniform", initializers.RandomUniform), ("truncated_normal", initializers.TruncatedNormal),
    ("zeros", initializers.Zeros), ("ones", initializers.Ones),
])
def test_initializer_lookup(name, cls):
    init = initializers.get(name)
    assert isinstance(init, cls)
    value = init((64, 32))
    assert value.shape == (64, 32) and value.dtype == tf.float32


def test_initializer_statistics():
    fan_in, fan_out = 400, 300
    glorot = initializers.GlorotUniform()((fan_in, fan_out)).numpy()
    limit = np.sqrt(6 / (fan_in + fan_out))
    assert np.abs(glorot).max() <= limit and abs(glorot.std() - limit / np.sqrt(3)) < 0.05 * limit
    he = initializers.HeNormal()((fan_in, fan_out)).numpy()
    assert abs(he.std() - np.sqrt(2 / fan_in)) < 0.05 * np.sqrt(2 / fan_in)
    assert np.abs(he).max() <= 2 * np.sqrt(2 / fan_in) / 0.87962566103423978 + 1e-6
    normal = initializers.RandomNormal()((200, 200)).numpy()
    assert abs(normal.std() - 0.05) < 0.003
    uniform = initializers.RandomUniform()((200, 200)).numpy()
    assert uniform.min() >= -0.05 and uniform.max() <= 0.05
    np.testing.assert_array_equal(initializers.Constant(3.0)((2, 2)).numpy(), 3.0)
    np.testing.assert_array_equal(initializers.Identity()((3, 3)).numpy(), np.eye(3))


def test_seeded_initializer_is_repeatable_and_global_seed_too():
    a = initializers.RandomNormal(seed=7)((5,)).numpy()
    b = initializers.RandomNormal(seed=7)((5,)).numpy()
    np.testing.assert_array_equal(a, b)
    keras.utils.set_random_seed(3)
    first = keras.layers.Dense(4)
    first.build((None, 3))
    keras.utils.set_random_seed(3)
    second = keras.layers.Dense(4)
    second.build((None, 3))
    np.testing.assert_array_equal(first.kernel.numpy(), second.kernel.numpy())


def test_regularizers():
    w = tf.constant([[1.0, -2.0], [3.0, 0.0]])
    assert float(regularizers.L1(0.1)(w)) == pytest.approx(0.6)
    assert float(regularizers.L2(0.1)(w)) == pytest.approx(1.4)
    assert float(regularizers.L1L2(l1=0.1, l2=0.1)(w)) == pytest.approx(2.0)
    assert isinstance(regularizers.get("l2"), regularizers.L2)
    with pytest.raises(ValueError, match="non-negative"):
        regularizers.L2(-1.0)


def test_regularization_is_added_to_the_training_loss():
    x = np.ones((8, 2), np.float32)
    y = np.zeros((8, 1), np.float32)
    model = keras.Sequential([keras.layers.Dense(1, kernel_initializer="ones", use_bias=False,
                                                 kernel_regularizer=regularizers.L2(0.5))])
    model.compile(keras.optimizers.SGD(0.0), "mse")
    loss = model.evaluate(x, y, verbose=0)
    assert loss == pytest.approx(4.0 + 0.5 * 2)


def test_constraints():
    w = tf.constant([[3.0, -4.0], [0.0, 0.0]])
    np.testing.assert_allclose(constraints.NonNeg()(w).numpy(), [[3, 0], [0, 0]])
    norms = np.sqrt((constraints.MaxNorm(1.0)(w).numpy() ** 2).sum(axis=0))
    assert np.all(norms <= 1.0 + 1e-5)
    x = np.random.rand(32, 3).astype(np.float32)
    model = keras.Sequential([keras.layers.Dense(2, kernel_constraint="non_neg")])
    model.compile(keras.optimizers.SGD(1.0), "mse")
    model.fit(x, -np.ones((32, 2), np.float32), epochs=2, verbose=0)
    assert np.all(model.layers[0].kernel.numpy() >= 0)


def test_other_schedules():
    s = keras.optimizers.schedules
    assert float(s.PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])(15)) == pytest.approx(0.5)
    assert float(s.InverseTimeDecay(1.0, 1, 1.0)(3)) == pytest.approx(0.25)
    assert float(s.PolynomialDecay(1.0, 10, end_learning_rate=0.0)(5)) == pytest.approx(0.5)
    assert float(s.CosineDecay(1.0, 10)(10)) == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError, match="boundaries"):
        s.PiecewiseConstantDecay([1, 2], [1.0])


def test_to_categorical_and_set_random_seed():
    np.testing.assert_array_equal(keras.utils.to_categorical([0, 2, 1], 3),
                                  [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    out = keras.utils.to_categorical(np.array([[1], [3]]))
    assert out.shape == (2, 4) and out.dtype == np.float32
    with pytest.raises(ValueError, match="out of range"):
        keras.utils.to_categorical([5], 3)
    keras.utils.set_random_seed(11)
    a = (np.random.rand(), tf.random.uniform((2,)).numpy())
    keras.utils.set_random_seed(11)
    b = (np.random.rand(), tf.random.uniform((2,)).numpy())
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="integer"):
        keras.utils.set_random_seed("x")


def test_backend_settings():
    assert keras.backend.floatx() == "float32" and keras.backend.epsilon() == 1e-7
    keras.layers.Dense(1)
    keras.backend.clear_session()
    assert keras.layers.Dense(1).name == "dense"

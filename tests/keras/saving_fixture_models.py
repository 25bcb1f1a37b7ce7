"""The models of the Keras-3 saving fixtures, built with the Keras module passed in: Keras 3
writes the fixtures with them (make_saving_fixture.py) and tensorgear.keras loads the files
into the same models (test_keras_format.py)."""


def cnn(keras):
    layers = keras.layers
    inp = keras.Input((8, 8, 1), name="image")
    h = layers.Conv2D(4, 3, activation="relu")(inp)
    h = layers.BatchNormalization()(h)
    h = layers.MaxPooling2D(2)(h)
    h = layers.Flatten()(h)
    h = layers.Dropout(0.25)(h)
    return keras.Model(inp, layers.Dense(3, activation="softmax")(h))


def mlp(keras):
    layers = keras.layers
    return keras.Sequential([keras.Input((5,)), layers.Dense(8, activation="relu"), layers.LayerNormalization(),
                             layers.Dense(2)])


def branching(keras):
    layers = keras.layers
    x = keras.Input((4,), name="x")
    z = keras.Input((2,), name="z")
    a = layers.Dense(3, activation="tanh")(x)
    b = layers.Dense(5)(x)
    c = layers.Concatenate()([b, a, z])
    d = layers.Dense(2, name="p")(c)
    q = layers.Dense(1, name="q")(layers.Add()([a, layers.Dense(3)(b)]))
    return keras.Model([x, z], [d, q])


def two_layers_class(keras):
    """A subclassed model whose weights are saved under its attribute names."""

    class TwoLayers(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.body = keras.layers.Dense(6, activation="relu")
            self.head = keras.layers.Dense(2)

        def call(self, x):
            return self.head(self.body(x))

    return TwoLayers

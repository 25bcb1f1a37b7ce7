"""keras.utils.lookup: the get/serialize/deserialize rules shared by activations, constraints,
initializers, losses, metrics, optimizers and regularizers."""

import importlib.util
import sys

import pytest

import tensorgear as tf
from tensorgear.keras import activations, constraints, losses, metrics, optimizers, regularizers
from tensorgear.keras.utils.lookup import REJECT, Lookup


class Thing:
    def __init__(self, size=1):
        self.size = size

    def get_config(self):
        return {"size": self.size}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class BigThing(Thing):
    pass


def double(x):
    return 2 * x


def halve(x):
    return x / 2


THINGS = Lookup("thing", {"big_thing": BigThing, "big": BigThing, "double": double}, base=Thing, classes=[Thing],
                functions={halve: BigThing})


def test_a_name_in_any_spelling_gives_a_fresh_instance_or_the_function():
    for name in ("big_thing", "BIG_THING", "BigThing", "bigthing", "Big-Thing", "big thing", "big"):
        thing = THINGS.get(name)
        assert type(thing) is BigThing and thing is not THINGS.get(name)
    assert type(THINGS.get("Thing")) is Thing  # `classes` adds names beyond the table
    assert THINGS.get("Double") is double


def test_an_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown thing: 'bgi'\. Valid names \(case-insensitive\): "
                                         r"\['big', 'big_thing', 'double'\]"):
        THINGS.get("bgi")


def test_instances_classes_functions_and_none():
    thing = BigThing(3)
    assert THINGS.get(thing) is thing
    assert type(THINGS.get(BigThing)) is BigThing
    assert type(THINGS.get(halve)) is BigThing  # a function that stands for a class
    assert THINGS.get(abs) is abs  # any other callable is used as is (wrap=None)
    assert THINGS.get(None) is None
    with pytest.raises(TypeError, match=r"Could not interpret thing identifier: 5 \(of type int\)"):
        THINGS.get(5)


def test_wrap_default_and_reject():
    wrapped = Lookup("thing", {}, base=Thing, wrap=lambda fn: ("wrapped", fn), default="nothing")
    assert wrapped.get(abs) == ("wrapped", abs) and wrapped.get(None) == "nothing"
    strict = Lookup("thing", {}, base=Thing, wrap=REJECT, default=REJECT)
    for bad in (None, abs):
        with pytest.raises(TypeError, match="Could not interpret thing identifier"):
            strict.get(bad)


def test_serialize_and_deserialize_round_trip():
    config = THINGS.serialize(BigThing(4))
    assert config == {"class_name": "BigThing", "config": {"size": 4}}
    clone = THINGS.deserialize(config)
    assert type(clone) is BigThing and clone.size == 4
    assert THINGS.serialize(double) == "double" and THINGS.deserialize("double") is double
    assert THINGS.serialize(None) is None and THINGS.serialize("big") == "big"
    # a snake_case name as class_name, and Keras's form for functions
    assert THINGS.deserialize({"class_name": "big_thing", "config": {"size": 2}}).size == 2
    assert THINGS.deserialize({"class_name": "function", "config": "double"}) is double


def test_custom_objects_come_first():
    class Mine(Thing):
        pass

    assert type(THINGS.deserialize({"class_name": "Mine", "config": {}}, {"Mine": Mine})) is Mine
    assert THINGS.deserialize("mine", {"mine": halve}).__class__ is BigThing
    assert THINGS.deserialize("custom", {"custom": abs}) is abs
    with pytest.raises(ValueError, match="Unknown thing: 'Mine'"):
        THINGS.deserialize({"class_name": "Mine", "config": {}})


def test_spellings_that_collide_are_refused():
    with pytest.raises(ValueError, match="'big_thing' and 'bigthing' differ only in spelling"):
        Lookup("thing", {"big_thing": BigThing, "bigthing": Thing})


def test_lookup_imports_nothing_from_keras():
    import tensorgear.keras.utils.lookup as module

    spec = importlib.util.spec_from_file_location("_standalone_lookup", module.__file__)
    standalone = importlib.util.module_from_spec(spec)
    before = set(sys.modules)
    spec.loader.exec_module(standalone)
    assert not {m for m in set(sys.modules) - before if m.startswith("tensorgear")}


def test_the_keras_modules_use_it():
    assert activations.serialize(tf.nn.relu) == "relu"  # the engine's kernels carry their Keras names
    assert activations.get("Leaky_ReLU") is activations.leaky_relu
    assert isinstance(constraints.get("MaxNorm"), constraints.MaxNorm)
    assert isinstance(regularizers.get("l1l2"), regularizers.L1L2)
    assert isinstance(metrics.get("acc"), metrics.Accuracy)  # listed as valid, so it resolves
    assert isinstance(losses.get(losses.mean_squared_error), losses.MeanSquaredError)
    assert losses.get(lambda y_true, y_pred: y_pred).__class__ is losses.LossFunctionWrapper
    with pytest.raises(TypeError, match="optimizer identifier: None"):
        optimizers.get(None)


def test_a_loss_of_an_unlisted_class_serializes_to_its_name():
    class Scaled(losses.Loss):
        def call(self, y_true, y_pred):
            return 2 * (y_true - y_pred)

    assert losses.serialize(Scaled()) == "scaled"
    assert losses.serialize(losses.get(double)) == "double"
    assert losses.serialize(losses.Huber())["class_name"] == "Huber"

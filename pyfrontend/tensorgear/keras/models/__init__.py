"""``keras.models``: Model, Sequential, the functional Model, and whole-model saving."""

from .functional import Functional
from .model import Model
from .sequential import Sequential
from ..saving.saving_api import load_model, save_model

__all__ = ["Model", "Sequential", "Functional", "load_model", "save_model", "clone_model"]


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the same architecture and freshly initialized weights."""
    from ..saving.serialization import serialize_keras_object

    config = serialize_keras_object(model)
    clone = type(model).from_config(config["config"])
    shape = (config.get("build_config") or {}).get("input_shape")
    if not clone.built and shape is not None:
        clone.build(tuple(shape))
    return clone

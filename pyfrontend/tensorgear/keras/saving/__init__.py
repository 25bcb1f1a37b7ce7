"""``keras.saving``: whole-model files and the registry of custom classes."""

from .object_registry import (  # noqa: F401
    CustomObjectScope, custom_object_scope, get_registered_name, get_registered_object, register_keras_serializable,
)
from .saving_api import load_model, save_model  # noqa: F401
from .weights_io import load_weights, save_weights  # noqa: F401

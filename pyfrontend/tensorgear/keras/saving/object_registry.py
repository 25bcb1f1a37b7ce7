"""Finding classes by name when a saved model is loaded.

Order: the `custom_objects` argument, objects registered with
``keras.saving.register_keras_serializable`` or inside a ``custom_object_scope``,
the built-in layers and models, and finally any Layer subclass defined in the
running program with that class name (so a model subclass defined in the same
script loads without ceremony).
"""

import contextlib

_REGISTERED = {}
_SCOPES = []


def register_keras_serializable(package="Custom", name=None):
    """Class decorator: makes a custom layer/model loadable by load_model()."""

    def decorator(obj):
        key = name or obj.__name__
        _REGISTERED[f"{package}>{key}"] = obj
        _REGISTERED[key] = obj
        return obj

    return decorator


def get_registered_name(obj):
    return getattr(obj, "__name__", type(obj).__name__)


class CustomObjectScope:
    def __init__(self, custom_objects):
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self):
        _SCOPES.append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _SCOPES.pop()
        return False


@contextlib.contextmanager
def custom_object_scope(custom_objects):
    with CustomObjectScope(custom_objects) as scope:
        yield scope


def _builtin_classes():
    from .. import layers, models

    out = {name: getattr(layers, name) for name in layers.__all__ if isinstance(getattr(layers, name), type)}
    out.update({"Sequential": models.Sequential, "Functional": models.Functional, "Model": models.Model})
    return out


def _all_subclasses(cls):
    seen, stack = [], [cls]
    while stack:
        c = stack.pop()
        for sub in c.__subclasses__():
            if sub not in seen:
                seen.append(sub)
                stack.append(sub)
    return seen


def get_registered_object(name, custom_objects=None):
    """The class registered under `name`; ValueError naming it if none is known."""
    for source in [custom_objects or {}] + list(reversed(_SCOPES)) + [_REGISTERED]:
        if name in source:
            return source[name]
    builtin = _builtin_classes()
    if name in builtin:
        return builtin[name]
    from ..layers.layer import Layer

    matches = [c for c in _all_subclasses(Layer) if c.__name__ == name]
    if len(matches) >= 1:
        return matches[-1]
    raise ValueError(
        f"Could not locate class '{name}'. Make sure custom classes are decorated with "
        f"`@keras.saving.register_keras_serializable()` or passed in `custom_objects={{'{name}': {name}}}`.")

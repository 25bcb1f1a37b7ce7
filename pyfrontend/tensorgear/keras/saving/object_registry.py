"""Finding classes by name when a saved model is loaded.

Order: the `custom_objects` argument, objects registered with
``keras.saving.register_keras_serializable`` or inside a ``custom_object_scope``,
the built-in layers and models, and finally any Layer subclass defined in the
running program with that class name (so a model subclass defined in the same
script loads without ceremony).

The classes fill the tables themselves: ``Layer.__init_subclass__`` calls
``record_class`` for every subclass, so this module imports nothing above it.
"""

import contextlib
import weakref

_REGISTERED = {}
_KEYS = weakref.WeakKeyDictionary()       # class -> "package>name", for the classes registered
_SCOPES = []
_BUILTIN = {}                             # tensorgear's own layers and models, by class name
_DEFINED = weakref.WeakValueDictionary()  # every other Layer subclass: the latest of each name


def record_class(cls):
    """Called for each Layer subclass as it is defined."""
    if cls.__module__.startswith("tensorgear.keras."):
        _BUILTIN.setdefault(cls.__name__, cls)
    else:
        _DEFINED[cls.__name__] = cls


def register_keras_serializable(package="Custom", name=None):
    """Class decorator: makes a custom layer/model loadable by load_model()."""

    def decorator(obj):
        key = name or obj.__name__
        _REGISTERED[f"{package}>{key}"] = obj
        _REGISTERED[key] = obj
        try:
            _KEYS[obj] = f"{package}>{key}"
        except TypeError:  # a function: no weak reference needed to find it by name
            pass
        return obj

    return decorator


def get_registered_name(obj):
    return registered_key(obj) if isinstance(obj, type) else getattr(obj, "__name__", type(obj).__name__)


def registered_key(cls):
    """"package>name" for a class registered with register_keras_serializable, else its name."""
    return _KEYS.get(cls, cls.__name__)


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


def get_registered_object(name, custom_objects=None):
    """The class registered under `name`; ValueError naming it if none is known."""
    for source in [custom_objects or {}] + list(reversed(_SCOPES)) + [_REGISTERED]:
        if name in source:
            return source[name]
    for source in (_BUILTIN, _DEFINED):
        cls = source.get(name)
        if cls is not None:
            return cls
    raise ValueError(
        f"Could not locate class '{name}'. Make sure custom classes are decorated with "
        f"`@keras.saving.register_keras_serializable()` or passed in `custom_objects={{'{name}': {name}}}`.")

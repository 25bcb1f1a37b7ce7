"""The name lookup behind ``get`` / ``serialize`` / ``deserialize`` of keras.activations,
constraints, initializers, losses, metrics, optimizers and regularizers.

Each of those modules holds one ``Lookup``: a table of names and the word for its kind of
object; this module holds the rules they share. It imports nothing from keras, so any of them
may use it.
"""

REJECT = object()
"""As ``default=`` or ``wrap=``: None, or a plain callable, is not a valid identifier."""


def _key(name):
    # one spelling rule for every table: 'SparseCategoricalCrossentropy', 'sparse_categorical_crossentropy'
    # and 'Sparse-Categorical-Crossentropy' all name the same loss
    return name.lower().replace("_", "").replace("-", "").replace(" ", "")


class Lookup:
    """Resolves identifiers of one kind of object (``kind``: "loss", "activation function", ...).

    names: snake_case name -> class (instantiated with its defaults when named) or function
        (returned as is; it serializes by its __name__).
    base: the class every object of this kind derives from (None: activations, plain functions).
    classes: further classes a name or config dict may give, beyond those in `names`.
    functions: function -> class, for functions that stand for a built-in class (losses.mse).
    wrap: how any other callable becomes an object of this kind (None: used as is).
    default: what ``get(None)`` returns.
    """

    def __init__(self, kind, names, base=None, classes=(), functions=None, wrap=None, default=None):
        self.kind, self.names, self.base, self.wrap, self.default = kind, dict(names), base, wrap, default
        self._functions = {id(f): cls for f, cls in (functions or {}).items()}
        # the classes a config dict may name without custom_objects
        self.classes = {c.__name__: c for c in [*self.names.values(), *classes] if isinstance(c, type)}
        self._by_key, spelled = {}, {}
        for name, entry in list(self.names.items()) + list(self.classes.items()):
            # a table whose spellings collide would resolve one of them to the wrong object
            if self._by_key.setdefault(_key(name), entry) is not entry:
                raise ValueError(f"{kind} names {spelled[_key(name)]!r} and {name!r} differ only in spelling")
            spelled.setdefault(_key(name), name)

    def get(self, identifier):
        """The object for None, an instance, a name (any case; '_', '-', ' ' ignored), a config dict,
        a class or a callable."""
        if identifier is None and self.default is not REJECT:
            return self.default
        if self.base is not None and isinstance(identifier, self.base):
            return identifier
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if isinstance(identifier, str):
            entry = self._named(identifier)
            return entry() if isinstance(entry, type) else entry
        if isinstance(identifier, type) and self.base is not None and issubclass(identifier, self.base):
            return identifier()
        if callable(identifier) and self.wrap is not REJECT:
            cls = self._functions.get(id(identifier))
            if cls is not None:
                return cls()
            return identifier if self.wrap is None else self.wrap(identifier)
        raise TypeError(f"Could not interpret {self.kind} identifier: {identifier!r} "
                        f"(of type {type(identifier).__name__})")

    def serialize(self, obj):
        """A name (functions, strings) or {"class_name": ..., "config": ...} (instances of `base`)."""
        if obj is None or isinstance(obj, str):
            return obj
        if self.base is not None and isinstance(obj, self.base):
            return {"class_name": type(obj).__name__, "config": obj.get_config()}
        return getattr(obj, "__name__", None) or getattr(obj, "name", None) or str(obj)

    def deserialize(self, config, custom_objects=None):
        """The object for a name or a config dict; names in `custom_objects` come first."""
        custom = custom_objects or {}
        if isinstance(config, dict):
            inner = config.get("config", {})
            if isinstance(inner, str):  # Keras writes a function as {"class_name": "function", "config": "relu"}
                return self.deserialize(inner, custom_objects)
            name = config["class_name"]
            entry = custom.get(name) or self.classes.get(name) or self._named(name)
            return entry.from_config(inner) if isinstance(entry, type) else self.get(entry)
        if isinstance(config, str) and config in custom:
            return self.get(custom[config])
        return self.get(config)

    def _named(self, name):
        entry = self._by_key.get(_key(name))
        if entry is None:
            raise ValueError(f"Unknown {self.kind}: {name!r}. Valid names (case-insensitive): {sorted(self.names)}")
        return entry

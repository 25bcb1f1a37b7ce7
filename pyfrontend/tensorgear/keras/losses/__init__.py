"""``keras.losses``: loss classes, per-sample loss functions and lookup by name."""

from .loss import Loss, LossFunctionWrapper, reduce_weighted_values  # noqa: F401
from .losses import (  # noqa: F401
    KLD, MAE, MAPE, MSE, MSLE, BinaryCrossentropy, CategoricalCrossentropy, CosineSimilarity, Hinge, Huber,
    KLDivergence, LogCosh, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError,
    MeanSquaredLogarithmicError, Poisson, SparseCategoricalCrossentropy, SquaredHinge, binary_crossentropy,
    categorical_crossentropy, cosine_similarity, hinge, huber, huber_loss, kl_divergence, kld,
    kullback_leibler_divergence, log_cosh, logcosh, mae, mape, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error, mse, msle, poisson,
    sparse_categorical_crossentropy, squared_hinge,
)

_CLASSES = {
    cls.__name__: cls for cls in (
        MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Huber,
        LogCosh, CosineSimilarity, KLDivergence, Poisson, Hinge, SquaredHinge, BinaryCrossentropy,
        CategoricalCrossentropy, SparseCategoricalCrossentropy)
}
# canonical snake_case names accepted by compile(), with their aliases
_NAMES = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError, "mape": MeanAbsolutePercentageError,
    "mean_squared_logarithmic_error": MeanSquaredLogarithmicError, "msle": MeanSquaredLogarithmicError,
    "huber": Huber, "huber_loss": Huber, "log_cosh": LogCosh, "logcosh": LogCosh,
    "cosine_similarity": CosineSimilarity, "kl_divergence": KLDivergence, "kld": KLDivergence,
    "kullback_leibler_divergence": KLDivergence, "poisson": Poisson, "hinge": Hinge,
    "squared_hinge": SquaredHinge, "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
}
_FUNCTIONS = {
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError, huber: Huber, log_cosh: LogCosh,
    cosine_similarity: CosineSimilarity, kl_divergence: KLDivergence, poisson: Poisson, hinge: Hinge,
    squared_hinge: SquaredHinge, binary_crossentropy: BinaryCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
}


def _key(name):
    return name.lower().replace("_", "").replace("-", "").replace(" ", "")


_LOOKUP = {_key(k): v for k, v in _NAMES.items()}
_LOOKUP.update({_key(k): v for k, v in _CLASSES.items()})


def get(identifier):
    """A Loss instance for a name (case-insensitive: 'mse', 'SparseCategoricalCrossentropy',
    'sparse_categorical_crossentropy'), a Loss, a loss class, a config dict or a callable."""
    if identifier is None:
        return None
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _LOOKUP.get(_key(identifier))
        if cls is None:
            raise ValueError(
                f"Unknown loss function: {identifier!r}. Valid names (case-insensitive): {sorted(_NAMES)}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        cls = _FUNCTIONS.get(identifier)
        return cls() if cls is not None else LossFunctionWrapper(identifier)
    raise TypeError(f"Could not interpret loss identifier: {identifier!r} (of type {type(identifier).__name__})")


def serialize(loss):
    if loss is None:
        return None
    if isinstance(loss, Loss) and type(loss).__name__ in _CLASSES:
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    if isinstance(loss, str):
        return loss
    return getattr(loss, "__name__", None) or getattr(loss, "name", None)


def deserialize(config, custom_objects=None):
    if config is None:
        return None
    if isinstance(config, str):
        if custom_objects and config in custom_objects:
            return get(custom_objects[config])
        return get(config)
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown loss class {name!r}. Known: {sorted(_CLASSES)}")
    return cls.from_config(config.get("config", {}))

"""``keras.losses``: loss classes, per-sample loss functions and lookup by name."""

from ..utils.lookup import Lookup
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

# canonical snake_case names accepted by compile(), with their aliases
_LOOKUP = Lookup("loss", {
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
}, base=Loss, wrap=LossFunctionWrapper, functions={
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError, huber: Huber, log_cosh: LogCosh,
    cosine_similarity: CosineSimilarity, kl_divergence: KLDivergence, poisson: Poisson, hinge: Hinge,
    squared_hinge: SquaredHinge, binary_crossentropy: BinaryCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
})
get, deserialize = _LOOKUP.get, _LOOKUP.deserialize


def serialize(loss):
    """As the other lookups, except that a Loss of a class not listed here (a user's subclass, a wrapped
    function) serializes to its name: saving stores that as a custom object, found again in custom_objects."""
    if isinstance(loss, Loss) and type(loss) is not _LOOKUP.classes.get(type(loss).__name__):
        return loss.name
    return _LOOKUP.serialize(loss)

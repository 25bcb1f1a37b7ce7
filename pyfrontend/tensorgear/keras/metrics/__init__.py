"""``keras.metrics``: stateful metric classes, per-sample metric functions, lookup by name."""

from .accuracy_metrics import (  # noqa: F401
    Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy, accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy, top_k_categorical_accuracy,
)
from .confusion_metrics import AUC, Precision, Recall  # noqa: F401
from .metric import Metric  # noqa: F401
from .reduction_metrics import Mean, MeanMetricWrapper, Sum  # noqa: F401
from .regression_metrics import (  # noqa: F401
    BinaryCrossentropy, CategoricalCrossentropy, CosineSimilarity, KLDivergence, MeanAbsoluteError,
    MeanAbsolutePercentageError, MeanSquaredError, RootMeanSquaredError, SparseCategoricalCrossentropy,
)
from ..losses.losses import (  # noqa: F401  (Keras re-exports these loss functions as metrics)
    binary_crossentropy, categorical_crossentropy, kl_divergence, mean_absolute_error,
    mean_absolute_percentage_error, mean_squared_error, sparse_categorical_crossentropy,
)

_CLASSES = {
    cls.__name__: cls for cls in (
        Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy, AUC, Precision, Recall, Mean, Sum, MeanSquaredError, MeanAbsoluteError,
        MeanAbsolutePercentageError, RootMeanSquaredError, BinaryCrossentropy, CategoricalCrossentropy,
        SparseCategoricalCrossentropy, KLDivergence, CosineSimilarity)
}
# snake_case names accepted by compile(metrics=[...]); "accuracy"/"acc" are resolved
# by the trainer from the targets' and predictions' shapes, as Keras does.
_NAMES = {
    "accuracy": Accuracy, "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy, "auc": AUC, "precision": Precision,
    "recall": Recall, "mean": Mean, "sum": Sum, "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError, "mape": MeanAbsolutePercentageError,
    "root_mean_squared_error": RootMeanSquaredError, "rmse": RootMeanSquaredError,
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy, "kl_divergence": KLDivergence,
    "kld": KLDivergence, "cosine_similarity": CosineSimilarity,
}
_FUNCTIONS = {
    accuracy: Accuracy, binary_accuracy: BinaryAccuracy, categorical_accuracy: CategoricalAccuracy,
    sparse_categorical_accuracy: SparseCategoricalAccuracy, top_k_categorical_accuracy: TopKCategoricalAccuracy,
    sparse_top_k_categorical_accuracy: SparseTopKCategoricalAccuracy, mean_squared_error: MeanSquaredError,
    mean_absolute_error: MeanAbsoluteError, mean_absolute_percentage_error: MeanAbsolutePercentageError,
    binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy, kl_divergence: KLDivergence,
}


def _key(name):
    return name.lower().replace("_", "").replace("-", "").replace(" ", "")


_LOOKUP = {_key(k): v for k, v in _NAMES.items()}
_LOOKUP.update({_key(k): v for k, v in _CLASSES.items()})


def valid_names():
    return sorted(_NAMES) + ["acc"]


def get(identifier):
    """A Metric for a name (case-insensitive), a Metric instance or class, a config dict, or a
    function fn(y_true, y_pred) (wrapped in a MeanMetricWrapper)."""
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _LOOKUP.get(_key(identifier))
        if cls is None:
            raise ValueError(
                f"Unknown metric function: {identifier!r}. Valid names (case-insensitive): {valid_names()}")
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        cls = _FUNCTIONS.get(identifier)
        if cls is not None:
            return cls()
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise TypeError(f"Could not interpret metric identifier: {identifier!r} (of type {type(identifier).__name__})")


def serialize(metric):
    return {"class_name": type(metric).__name__, "config": metric.get_config()}


def deserialize(config, custom_objects=None):
    if isinstance(config, str):
        return get(config)
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _CLASSES.get(name)
    if cls is None:
        raise ValueError(f"Unknown metric class {name!r}. Known: {sorted(_CLASSES)}")
    return cls.from_config(config.get("config", {}))

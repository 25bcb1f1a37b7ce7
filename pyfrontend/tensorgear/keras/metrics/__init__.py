"""``keras.metrics``: stateful metric classes, per-sample metric functions, lookup by name."""

from ..utils.lookup import Lookup
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

# snake_case names accepted by compile(metrics=[...]); compile() itself resolves "accuracy"/"acc" from the
# targets' and predictions' shapes, as Keras does: here they give plain Accuracy
_LOOKUP = Lookup("metric", {
    "accuracy": Accuracy, "acc": Accuracy, "binary_accuracy": BinaryAccuracy,
    "categorical_accuracy": CategoricalAccuracy, "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "top_k_categorical_accuracy": TopKCategoricalAccuracy,
    "sparse_top_k_categorical_accuracy": SparseTopKCategoricalAccuracy, "auc": AUC, "precision": Precision,
    "recall": Recall, "mean": Mean, "sum": Sum, "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "mean_absolute_percentage_error": MeanAbsolutePercentageError, "mape": MeanAbsolutePercentageError,
    "root_mean_squared_error": RootMeanSquaredError, "rmse": RootMeanSquaredError,
    "binary_crossentropy": BinaryCrossentropy, "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy, "kl_divergence": KLDivergence,
    "kld": KLDivergence, "cosine_similarity": CosineSimilarity,
}, base=Metric, wrap=MeanMetricWrapper, functions={
    accuracy: Accuracy, binary_accuracy: BinaryAccuracy, categorical_accuracy: CategoricalAccuracy,
    sparse_categorical_accuracy: SparseCategoricalAccuracy, top_k_categorical_accuracy: TopKCategoricalAccuracy,
    sparse_top_k_categorical_accuracy: SparseTopKCategoricalAccuracy, mean_squared_error: MeanSquaredError,
    mean_absolute_error: MeanAbsoluteError, mean_absolute_percentage_error: MeanAbsolutePercentageError,
    binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy, kl_divergence: KLDivergence,
})
get, serialize, deserialize = _LOOKUP.get, _LOOKUP.serialize, _LOOKUP.deserialize
_CLASSES = _LOOKUP.classes  # saving stores metrics of these classes as configs, others as custom objects

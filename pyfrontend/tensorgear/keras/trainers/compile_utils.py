"""What compile() sets up: the loss and the metrics.

(A softmax/sigmoid output carries its logits, and the cross-entropies use
them: see losses/losses.py. Nothing here needs to know the model's last layer.)

"accuracy" (and "acc", "crossentropy", "ce") resolve from the shapes of the
first batch, as Keras does: a 1-wide output means binary, integer labels with
one axis less than the predictions mean sparse, otherwise categorical.
"""

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..metrics.metric import Metric


class LossTracker:
    """The running, batch-size weighted mean of the loss (Keras's "loss" metric).

    Kept as Python floats: reading a finished scalar costs less than updating two
    tensor variables on every step.
    """

    name = "loss"
    _direction = "down"

    def __init__(self):
        self.total = 0.0
        self.count = 0

    def update_state(self, loss, batch_size):
        self.total += float(loss) * batch_size
        self.count += batch_size

    def result(self):
        return self.total / self.count if self.count else 0.0

    def reset_state(self):
        self.total = 0.0
        self.count = 0

    reset_states = reset_state


class CompileLoss:
    """The loss of a model with one output (multi_output.py has the several-output case)."""

    trackers = ()  # no per-output losses to record

    def __init__(self, loss):
        self.identifier = loss
        self.loss = losses_module.get(loss) if loss is not None else None
        self.is_sparse = bool(getattr(self.loss, "is_sparse_categorical", False))

    @property
    def has_loss(self):
        return self.loss is not None

    def record(self, batch_size):
        pass

    def results(self):
        return {}

    @property
    def target_kind(self):
        """How targets should be pre-converted: int64 class ids for sparse losses, floats otherwise."""
        if self.loss is None:
            return None
        return "sparse" if self.is_sparse else "float"

    def __call__(self, y_true, y_pred, sample_weight=None):
        return self.loss(y_true, y_pred, sample_weight)


_ACCURACY = ("accuracy", "acc")
_CROSSENTROPY = ("crossentropy", "ce")


def _resolve(identifier, y_true, y_pred):
    """A Metric for one compile() metric entry, given a batch of targets and predictions."""
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in _ACCURACY or key in _CROSSENTROPY:
            true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
            is_binary = len(pred_shape) > 0 and pred_shape[-1] == 1
            is_sparse = len(true_shape) < len(pred_shape) or (
                len(true_shape) > 0 and true_shape[-1] == 1 and len(pred_shape) > 0 and pred_shape[-1] > 1)
            if key in _ACCURACY:
                cls = (metrics_module.BinaryAccuracy if is_binary else
                       metrics_module.SparseCategoricalAccuracy if is_sparse else metrics_module.CategoricalAccuracy)
            else:
                cls = (metrics_module.BinaryCrossentropy if is_binary else
                       metrics_module.SparseCategoricalCrossentropy if is_sparse else
                       metrics_module.CategoricalCrossentropy)
            return cls(name=key)
        metric = metrics_module.get(identifier)
        metric.name = key
        return metric
    return metrics_module.get(identifier)


def _name_of(identifier):
    if isinstance(identifier, str):
        return identifier.lower()
    if isinstance(identifier, Metric):
        return identifier.name
    if isinstance(identifier, type):
        return metrics_module.get(identifier).name
    return getattr(identifier, "__name__", str(identifier))


class CompileMetrics:
    """The compiled metrics (plain and weighted), resolved on the first batch."""

    def __init__(self, metrics=None, weighted_metrics=None):
        self._specs = self._check(metrics, "metrics")
        self._weighted_specs = self._check(weighted_metrics, "weighted_metrics")
        self.metrics = None           # resolved, unweighted
        self.weighted_metrics = None  # resolved, use sample weights

    @staticmethod
    def _check(specs, arg):
        if specs is None:
            return []
        if isinstance(specs, (str, Metric)) or callable(specs) and not isinstance(specs, (list, tuple)):
            specs = [specs]
        if isinstance(specs, dict):
            raise ValueError(f"compile(): `{arg}` given as a dict needs a multi-output model, which tensorgear's "
                             f"trainer does not support yet; pass a list")
        specs = list(specs)
        for s in specs:
            if isinstance(s, str):
                key = s.lower()
                if key not in _ACCURACY + _CROSSENTROPY:
                    metrics_module.get(key)  # ValueError listing the valid names
            elif not (isinstance(s, Metric) or callable(s)):
                raise TypeError(f"compile(): could not interpret metric {s!r} (of type {type(s).__name__})")
        return specs

    @property
    def built(self):
        return self.metrics is not None

    def names(self):
        if self.built:
            return [m.name for m in self.metrics + self.weighted_metrics]
        return [_name_of(s) for s in self._specs + self._weighted_specs]

    def all_metrics(self):
        return (self.metrics or []) + (self.weighted_metrics or [])

    def build(self, y_true, y_pred):
        self.metrics = [_resolve(s, y_true, y_pred) for s in self._specs]
        self.weighted_metrics = [_resolve(s, y_true, y_pred) for s in self._weighted_specs]
        seen = set()
        for m in self.all_metrics():
            if m.name in seen:
                # Keras makes duplicate names unique with a suffix
                i = 1
                while f"{m.name}_{i}" in seen:
                    i += 1
                m.name = f"{m.name}_{i}"
            seen.add(m.name)

    def make_updater(self, target_kind):
        """update(y, y_pred, sample_weight, batch_size) for the fit loop: built once, with the
        sparse-accuracy fast path when targets arrive as int64 class ids (`target_kind` "sparse",
        or the compile loss, whose target_kind it is)."""
        if not isinstance(target_kind, (str, type(None))):
            target_kind = target_kind.target_kind
        def is_fast(m):
            return target_kind == "sparse" and type(m) is metrics_module.SparseCategoricalAccuracy

        fast = [m._update_sparse_fast for m in self.metrics if is_fast(m)]
        plain = [m.update_state for m in self.metrics if not is_fast(m)]
        weighted = [m.update_state for m in self.weighted_metrics]

        def update(y_true, y_pred, sample_weight, batch_size):
            for fn in fast:
                fn(y_true, y_pred, batch_size)
            for fn in plain:
                fn(y_true, y_pred)
            for fn in weighted:
                fn(y_true, y_pred, sample_weight=sample_weight)

        return update

    def update(self, y_true, y_pred, sample_weight=None):
        for m in self.metrics:
            m.update_state(y_true, y_pred)
        for m in self.weighted_metrics:
            m.update_state(y_true, y_pred, sample_weight=sample_weight)

    def reset(self):
        for m in self.all_metrics():
            m.reset_state()

    def results(self):
        return {m.name: _to_float(m.result()) for m in self.all_metrics()}


def _to_float(value):
    if hasattr(value, "numpy"):
        value = value.numpy()
    try:
        return float(value)
    except (TypeError, ValueError):
        return value.tolist() if hasattr(value, "tolist") else value

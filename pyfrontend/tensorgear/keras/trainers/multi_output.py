"""compile() for a model with several outputs: a loss, a weight and metrics per output.

Keras 3's rules, for outputs given as a list (or tuple) or a dict:

- ``loss``: one loss (applied to every output), a list with one entry per
  output, or a dict keyed by output name (an output without an entry, or
  with ``None``, has no loss);
- ``loss_weights``: one number (every output), a list, or a dict by name;
- ``metrics`` / ``weighted_metrics``: a list with one entry (a metric or a
  list of metrics) per output, or a dict by name;
- targets and sample weights: a list in output order or a dict by name; one
  array of sample weights applies to every output.

The output names are the model's ``output_names`` (the layers that make the
outputs), or the keys when the model returns a dict. History then holds
``loss`` (the weighted sum), ``<name>_loss`` per output when more than one
output has a loss (unweighted, as Keras records them) and
``<name>_<metric>`` per metric.
"""

from .. import losses as losses_module
from .compile_utils import CompileMetrics, LossTracker


def is_multi_output(model):
    """Whether `model` has several outputs, as far as is known before it is called."""
    names = _declared_output_names(model)
    return names is not None and len(names) > 1


def _declared_output_names(model):
    struct = model.__dict__.get("_outputs_struct")
    if isinstance(struct, dict):  # a functional model returning a dict: its keys name the outputs
        return list(struct)
    try:
        names = model.output_names
    except (AttributeError, ValueError):
        return None
    return list(names) if names is not None else None


def is_structured(spec):
    return isinstance(spec, (list, tuple, dict))


class OutputNames:
    """The names of a model's outputs, in the order the model returns them, and how targets,
    predictions and sample weights given as a list or dict line up with them."""

    def __init__(self, model):
        self._declared = _declared_output_names(model)
        self.names = None

    def resolve(self, y_pred):
        """Fixes the names on the first batch of predictions: a dict's keys (in the declared order
        when they are the declared names), else the declared names, else output_1, output_2, ..."""
        if self.names is not None:
            return self.names
        if isinstance(y_pred, dict):
            keys = list(y_pred)
            if self._declared and set(keys) == set(self._declared):
                self.names = list(self._declared)
            else:
                self.names = sorted(keys)
        else:
            n = len(y_pred) if isinstance(y_pred, (list, tuple)) else 1
            if self._declared and len(self._declared) == n:
                self.names = list(self._declared)
            else:
                self.names = [f"output_{i + 1}" for i in range(n)]
        return self.names

    def known(self):
        return self.names if self.names is not None else self._declared

    def flat(self, values, what):
        """`values` (one per output: a list in output order or a dict by name) as a list in output order."""
        names = self.names
        if len(names) == 1 and not is_structured(values):
            return [values]
        if isinstance(values, dict):
            unknown = [k for k in values if k not in names]
            if unknown:
                raise ValueError(f"{what}: the keys {unknown} name no output of the model; its outputs are "
                                 f"{names}")
            missing = [n for n in names if n not in values]
            if missing:
                raise ValueError(f"{what}: no entry for the output(s) {missing}; expected one per output "
                                 f"{names}")
            return [values[n] for n in names]
        if isinstance(values, (list, tuple)):
            if len(values) != len(names):
                raise ValueError(f"{what}: expected {len(names)} entries, one per output {names}; got "
                                 f"{len(values)}")
            return list(values)
        raise ValueError(f"{what}: the model has {len(names)} outputs {names}; give a list (in that order) or a "
                         f"dict keyed by output name, not a single {type(values).__name__}")

    def per_output(self, spec, what, default=None):
        """A compile() argument that may be one value for every output, a list, or a dict by name."""
        names = self.names
        if isinstance(spec, dict):
            unknown = [k for k in spec if k not in names]
            if unknown:
                raise ValueError(f"compile(): `{what}` has the keys {unknown}, which name no output of the "
                                 f"model; its outputs are {names}")
            return [spec.get(n, default) for n in names]
        if isinstance(spec, (list, tuple)):
            if len(spec) != len(names):
                raise ValueError(f"compile(): `{what}` is a list of {len(spec)} entries, but the model has "
                                 f"{len(names)} outputs {names}: give one entry per output, or a dict keyed "
                                 f"by output name")
            return list(spec)
        return [spec] * len(names)


class OutputKinds:
    """How each output's targets are pre-converted (see CompileLoss.target_kind): by position
    for a list of targets, by name for a dict."""

    def __init__(self, names, kinds):
        self.names = names
        self.kinds = kinds

    def by_index(self, i):
        return self.kinds[i] if i < len(self.kinds) else None

    def by_name(self, name):
        return self.kinds[self.names.index(name)] if name in self.names else None


class MultiOutputLoss:
    """The weighted sum of the per-output losses; records each (unweighted) for History."""

    is_sparse = False

    def __init__(self, model, loss, loss_weights):
        self.identifier = loss
        self.output_names = OutputNames(model)
        self._loss_spec = loss
        self._weight_spec = loss_weights
        self.losses = None   # per output: a Loss, or None
        self.weights = None  # per output: a float
        self.trackers = []   # per output with a loss, when more than one has one
        self._tracked = []   # the output index of each tracker
        self.last_values = None
        if model is not None and self.output_names.known() is not None:
            self._build(self.output_names.known())

    @property
    def has_loss(self):
        return self.losses is None or any(fn is not None for fn in self.losses)

    def _build(self, names):
        self.output_names.names = list(names)
        per = self.output_names.per_output
        specs = per(self._loss_spec, "loss")
        self.losses = [losses_module.get(s) if s is not None else None for s in specs]
        weights = per(1.0 if self._weight_spec is None else self._weight_spec, "loss_weights", 1.0)
        for w in weights:
            if not isinstance(w, (int, float)) or isinstance(w, bool):
                raise TypeError(f"compile(): each loss weight must be a number; got {w!r}")
        self.weights = [float(w) for w in weights]
        self._tracked = [i for i, fn in enumerate(self.losses) if fn is not None]
        if len(self._tracked) < 2:
            self._tracked = []
        self.trackers = [_NamedLossTracker(f"{names[i]}_loss") for i in self._tracked]

    @property
    def target_kind(self):
        if self.losses is None:
            return None
        kinds = ["sparse" if getattr(fn, "is_sparse_categorical", False) else "float" if fn is not None else None
                 for fn in self.losses]
        return OutputKinds(self.output_names.names, kinds)

    def flatten(self, y, y_pred, sample_weight):
        """(targets, predictions, sample weights) as lists in output order."""
        if self.losses is None:
            self._build(self.output_names.resolve(y_pred))
        names = self.output_names
        flat_pred = names.flat(y_pred, "the model's outputs")
        flat_true = names.flat(y, "the targets `y`") if y is not None else [None] * len(flat_pred)
        if sample_weight is None or not is_structured(sample_weight):
            flat_sw = [sample_weight] * len(flat_pred)
        else:
            flat_sw = names.flat(sample_weight, "`sample_weight`")
        return flat_true, flat_pred, flat_sw

    def __call__(self, y, y_pred, sample_weight=None):
        flat_true, flat_pred, flat_sw = self.flatten(y, y_pred, sample_weight)
        total = None
        values = []
        for fn, w, yt, yp, sw in zip(self.losses, self.weights, flat_true, flat_pred, flat_sw):
            if fn is None:
                values.append(None)
                continue
            value = fn(yt, yp, sw)
            values.append(value)
            term = value if w == 1.0 else value * w
            total = term if total is None else total + term
        self.last_values = values
        return total

    def record(self, batch_size):
        for tracker, i in zip(self.trackers, self._tracked):
            tracker.update_state(self.last_values[i], batch_size)

    def results(self):
        return {t.name: t.result() for t in self.trackers}


class _NamedLossTracker(LossTracker):
    def __init__(self, name):
        super().__init__()
        self.name = name


class MultiOutputMetrics:
    """One CompileMetrics per output; each result named ``<output>_<metric>``."""

    def __init__(self, loss, metrics=None, weighted_metrics=None):
        self._names = loss.output_names
        self._specs = metrics
        self._weighted_specs = weighted_metrics
        for spec, arg in ((metrics, "metrics"), (weighted_metrics, "weighted_metrics")):
            if spec is not None and not is_structured(spec):
                raise ValueError(f"compile(): `{arg}` must be a list or a dict for a model with several outputs; "
                                 f"got {spec!r}")
        self.per_output = None
        if self._names.known() is not None:
            self._make(self._names.known())

    def _make(self, names):
        def entries(spec, arg):
            if spec is None:
                return [None] * len(names)
            if len(names) == 1:  # one output: every metric is its own, as for CompileMetrics
                return [spec.get(names[0]) if isinstance(spec, dict) else spec]
            if isinstance(spec, (list, tuple)) and len(spec) != len(names):
                raise ValueError(
                    f"compile(): `{arg}` for a model with {len(names)} outputs {names} must hold one entry (a "
                    f"metric or a list of metrics) per output, or be a dict keyed by output name; got {spec!r}")
            return self._names.per_output(spec, arg)

        self._names.names = list(names)
        plain = entries(self._specs, "metrics")
        weighted = entries(self._weighted_specs, "weighted_metrics")
        self.per_output = [CompileMetrics(p, w) for p, w in zip(plain, weighted)]

    def _ensure(self, y_pred):
        if self.per_output is None:
            self._make(self._names.resolve(y_pred))

    @property
    def built(self):
        return self.per_output is not None and all(m.built for m in self.per_output)

    def names(self):
        if self.per_output is None:
            return []
        return [self._prefixed(n, m) for n, cm in zip(self._names.names, self.per_output) for m in cm.names()]

    def _prefixed(self, output_name, metric_name):
        return f"{output_name}_{metric_name}" if len(self._names.names) > 1 else metric_name

    def all_metrics(self):
        return [m for cm in (self.per_output or []) for m in cm.all_metrics()]

    def build(self, y_true, y_pred):
        self._ensure(y_pred)

    def make_updater(self, loss):
        """update(y, y_pred, sample_weight, batch_size) over every output; `loss` flattens the structures."""
        updaters = None

        def update(y_true, y_pred, sample_weight, batch_size):
            nonlocal updaters
            flat_true, flat_pred, flat_sw = loss.flatten(y_true, y_pred, sample_weight)
            if updaters is None:
                self._ensure(y_pred)
                kinds = loss.target_kind.kinds
                for cm, yt, yp in zip(self.per_output, flat_true, flat_pred):
                    if not cm.built and yt is not None:
                        cm.build(yt, yp)
                updaters = [cm.make_updater(kind) if cm.built else None
                            for cm, kind in zip(self.per_output, kinds)]
            for fn, yt, yp, sw in zip(updaters, flat_true, flat_pred, flat_sw):
                if fn is not None:
                    fn(yt, yp, sw, batch_size)

        return update

    def reset(self):
        for cm in self.per_output or []:
            cm.reset()

    def results(self):
        out = {}
        for name, cm in zip(self._names.names or [], self.per_output or []):
            if cm.built:
                for key, value in cm.results().items():
                    out[self._prefixed(name, key)] = value
        return out

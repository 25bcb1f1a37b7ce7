"""The compiled step: one object per compile(), built on first use and cached on the model.

It holds what stays fixed from one batch to the next (the loss, the metrics'
update functions, the optimizer and its prepared slot lists, the trainable
variables, the weight constraints), so a training step does only its work:
one GradientTape, the forward pass, one gradient call, one fused optimizer call
and the metric updates. ``Trainer.make_train_function`` hands out its ``train``
when the model keeps Keras's default ``train_step``.

The variables, constraints and regularization are read again whenever the
model's structure changed since they were (a layer built, added or removed, a
``trainable`` flag set): ``Layer.structure_version`` says when.
"""

import warnings

import tensorgear as tg

from ..layers.layer import Layer


def _add_n(values):
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


class CompiledStep:
    def __init__(self, model):
        self.model = model
        self.loss = model._compile_loss
        self.metrics = model._compile_metrics
        self.tracker = model._loss_tracker
        self.optimizer = model.optimizer
        self.loss_weight = model._loss_weight
        self.logs = model._logs
        self._update_metrics = None  # made on the first batch, once the metrics know their shapes
        self._version = None         # Layer.structure_version the lists below were read at
        self._variables = None
        self._plan = None
        self._constraints = ()
        self._has_regularization = True

    @property
    def trackers(self):
        """The loss tracker and, for several outputs, each output's (made once the names are known)."""
        return [self.tracker, *self.loss.trackers]

    def _read_structure(self):
        model = self.model
        variables = model.trainable_weights
        if not variables:
            warnings.warn("The model does not have any trainable weights.", stacklevel=4)
        self._variables = variables
        self._plan = self.optimizer._plan_for(variables) if variables else None
        self._constraints = [(v, c) for layer in model._flatten_layers() for v, c in layer._constraints]
        self._has_regularization = model._has_regularization()
        self._version = Layer.structure_version

    def _forward(self, x, y, sw, training):
        """(loss, predictions) for one batch."""
        if not self.loss.has_loss:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`, or override "
                             "`train_step` / `test_step` to compute your own.")
        model = self.model
        y_pred = model(x, training=training)
        loss = self.loss(y, y_pred, sw)
        if self._update_metrics is None:
            if not self.metrics.built:
                self.metrics.build(y, y_pred)
            self._update_metrics = self.metrics.make_updater(self.loss)
        if self.loss_weight != 1.0:
            loss = loss * self.loss_weight
        if self._has_regularization:
            reg = model.losses
            if reg:
                loss = loss + _add_n(reg)
        return loss, y_pred

    def train(self, x, y, sw, batch_size):
        """One update on a prepared batch (see data_adapter); returns the model's logs function."""
        with tg.GradientTape() as tape:
            loss, y_pred = self._forward(x, y, sw, True)
        # after the forward pass: a model's first call is what creates its weights
        if self._version != Layer.structure_version:
            self._read_structure()
        variables = self._variables
        if variables:
            grads = tape.gradient(loss, variables)
            if any(g is None for g in grads):
                self.optimizer.apply(grads, variables)
            else:
                self.optimizer._apply_plan(self._plan, grads)
            self._apply_constraints()
        return self._record(loss, y, y_pred, sw, batch_size)

    def test(self, x, y, sw, batch_size):
        """Loss and metrics on a prepared batch, no update; returns the model's logs function."""
        if self._version != Layer.structure_version:
            self._has_regularization = self.model._has_regularization()
        loss, y_pred = self._forward(x, y, sw, False)
        return self._record(loss, y, y_pred, sw, batch_size)

    def _apply_constraints(self):
        for v, c in self._constraints:
            v.assign(c(v))

    def _record(self, loss, y, y_pred, sw, batch_size):
        """The batch's loss and predictions into the loss tracker and the metrics."""
        self.tracker.update_state(loss, batch_size)
        self.loss.record(batch_size)
        self._update_metrics(y, y_pred, sw, batch_size)
        return self.logs

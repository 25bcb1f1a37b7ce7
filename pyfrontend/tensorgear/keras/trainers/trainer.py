"""compile / fit / evaluate / predict / train_on_batch / test_on_batch (Keras semantics).

The training step is built once per fit() call as a closure over everything it
needs (the variable list, the optimizer's prepared slot lists, the loss, the
metrics), so a step does no lookups or checks that could be hoisted: one
GradientTape, the forward pass, one gradient call, one fused optimizer call,
and the metric updates. Batches come from arrays converted to tensors once
(see data_adapter.py).

A model may override ``train_step(data)`` / ``test_step(data)`` /
``predict_step(data)`` as in Keras; the loops then call those instead.
"""

import math
import warnings

import numpy as np

import tensorgear as tg

from .. import callbacks as callbacks_module
from .. import optimizers as optimizers_module
from ..layers.layer import _CTX
from . import data_adapter
from .compile_utils import CompileLoss, CompileMetrics


class _LossTracker:
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


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2; got verbose={verbose!r}")
    return int(verbose)


def _first(x):
    while isinstance(x, (list, tuple)):
        x = x[0]
    if isinstance(x, dict):
        return _first(x[sorted(x)[0]])
    return x


def _add_n(values):
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


def _concat_outputs(batches):
    if not batches:
        return np.zeros((0,), dtype=np.float32)
    first = batches[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_concat_outputs([b[i] for b in batches]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _concat_outputs([b[k] for b in batches]) for k in first}
    concat = getattr(tg, "concat", None)
    if concat is not None and len(batches) > 1:
        return concat(batches, axis=0).numpy()
    arrays = [b.numpy() if hasattr(b, "numpy") else np.asarray(b) for b in batches]
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays, axis=0)


class Trainer:
    """Mixed into keras.Model: the training API."""

    def _init_trainer(self):
        d = self.__dict__
        d["compiled"] = False
        d["optimizer"] = None
        d["loss"] = None
        d["_compile_loss"] = None
        d["_compile_metrics"] = None
        d["_loss_tracker"] = _LossTracker()
        d["stop_training"] = False
        d["history"] = None
        d["_compile_config"] = None

    # ---- compile ------------------------------------------------------------------------

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Configures training: optimizer, loss and metrics (names are case-insensitive)."""
        if "_loss_tracker" not in self.__dict__:
            self._init_trainer()
        if loss_weights is not None and not isinstance(loss_weights, (int, float)):
            raise ValueError("compile(): loss_weights for several outputs are not supported by tensorgear yet")
        d = self.__dict__
        d["optimizer"] = optimizers_module.get(optimizer)
        d["_compile_loss"] = CompileLoss(loss)
        d["loss"] = loss
        d["_loss_weight"] = 1.0 if loss_weights is None else float(loss_weights)
        d["_compile_metrics"] = CompileMetrics(metrics, weighted_metrics)
        d["_loss_tracker"] = _LossTracker()
        d["compiled"] = True
        d["_compile_config"] = {"optimizer": optimizer, "loss": loss, "metrics": metrics,
                                "weighted_metrics": weighted_metrics, "loss_weights": loss_weights}

    def _assert_compiled(self, method):
        if not self.__dict__.get("compiled"):
            raise ValueError(f"You must call `compile()` before using the model (in `{method}()`).")

    @property
    def metrics(self):
        """The loss tracker followed by the compiled metrics (once resolved)."""
        out = [self._loss_tracker] if "_loss_tracker" in self.__dict__ else []
        cm = self.__dict__.get("_compile_metrics")
        if cm is not None:
            out.extend(cm.all_metrics())
        return out

    @property
    def metrics_names(self):
        """['loss', <metric names>], the order of evaluate()'s list."""
        cm = self.__dict__.get("_compile_metrics")
        return ["loss"] + (cm.names() if cm is not None else [])

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _logs(self):
        logs = {"loss": self._loss_tracker.result()}
        cm = self._compile_metrics
        if cm.built:
            logs.update(cm.results())
        return logs

    def get_metrics_result(self):
        return self._logs()

    # ---- the steps --------------------------------------------------------------------------

    def _fused_plan(self):
        """(forward_to_logits, fused_loss, activation) when the loss can absorb the model's
        last activation, else None."""
        plan_fn = getattr(self, "_logits_forward_plan", None)
        if plan_fn is None or self._compile_loss.loss is None:
            return None
        plan = plan_fn()
        if plan is None:
            return None
        activation, forward = plan
        fused = self._compile_loss.fused_loss(activation)
        if fused is None:
            return None
        return forward, fused, activation

    def _make_step_functions(self):
        """Closures for one training / test step, over everything that stays fixed in a fit."""
        model = self
        compile_loss = self._compile_loss
        if compile_loss.loss is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")
        metrics = self._compile_metrics
        tracker = self._loss_tracker
        optimizer = self.optimizer
        GradientTape = tg.GradientTape
        loss_weight = self.__dict__.get("_loss_weight", 1.0)
        fused = self._fused_plan()
        has_reg = self._has_regularization()
        constraints = [(v, c) for layer in self._flatten_layers() for v, c in layer._constraints]
        softmax = tg.nn.softmax
        sigmoid = tg.nn.sigmoid

        def predictions_from_logits(logits, activation):
            return softmax(logits) if activation == "softmax" else sigmoid(logits)

        target_kind = compile_loss.target_kind
        # filled on the first batch, once the metrics know their shapes
        state = {"variables": None, "plan": None, "update": None, "probs": False}

        def first_batch(y, y_pred):
            if not metrics.built:
                metrics.build(y, y_pred)
            state["update"] = metrics.make_updater(target_kind)
            state["probs"] = metrics.need_probabilities()

        def forward(x, y, sw, training):
            """(loss, predictions for the metrics)."""
            if fused is not None:
                forward_logits, fused_loss, activation = fused
                logits = forward_logits(x, training)
                loss = fused_loss(y, logits, sw)
                if state["update"] is None:
                    first_batch(y, predictions_from_logits(logits, activation))
                y_pred = predictions_from_logits(logits, activation) if state["probs"] else logits
            else:
                y_pred = model(x, training=training)
                loss = compile_loss(y, y_pred, sw)
                if state["update"] is None:
                    first_batch(y, y_pred)
            if loss_weight != 1.0:
                loss = loss * loss_weight
            if has_reg:
                reg = model.losses
                if reg:
                    loss = loss + _add_n(reg)
            return loss, y_pred

        def train_step(x, y, sw, batch_size):
            with GradientTape() as tape:
                loss, y_pred = forward(x, y, sw, True)
            variables = state["variables"]
            if variables is None:  # weights exist only after the first forward pass
                variables = model.trainable_weights
                if not variables:
                    warnings.warn("The model does not have any trainable weights.", stacklevel=3)
                state["variables"] = variables
                state["plan"] = optimizer._plan_for(variables) if variables else None
            if variables:
                grads = tape.gradient(loss, variables)
                if any(g is None for g in grads):
                    optimizer.apply(grads, variables)
                else:
                    optimizer._apply_plan(state["plan"], grads)
                for v, c in constraints:
                    v.assign(c(v))
            tracker.update_state(loss, batch_size)
            state["update"](y, y_pred, sw, batch_size)

        def test_step(x, y, sw, batch_size):
            loss, y_pred = forward(x, y, sw, False)
            tracker.update_state(loss, batch_size)
            state["update"](y, y_pred, sw, batch_size)

        return train_step, test_step

    def _custom_step(self, name):
        """The user's train_step / test_step override, or None."""
        fn = getattr(type(self), name)
        return None if fn is getattr(Trainer, name) else getattr(self, name)

    def train_step(self, data):
        """One training step on `data` = (x, y) or (x, y, sample_weight); returns the logs.
        Override in a subclass to customize training (the loops then call yours)."""
        x, y, sw = _unpack(data)
        train_step, _ = self._make_step_functions()
        x, y, sw, n = self._prepare_batch(x, y, sw)
        train_step(x, y, sw, n)
        return self._logs()

    def test_step(self, data):
        x, y, sw = _unpack(data)
        _, test_step = self._make_step_functions()
        x, y, sw, n = self._prepare_batch(x, y, sw)
        test_step(x, y, sw, n)
        return self._logs()

    def predict_step(self, data):
        x, _, _ = _unpack(data)
        return self(x, training=False)

    def _prepare_batch(self, x, y, sw):
        x = data_adapter.convert_inputs(x)
        y = data_adapter.convert_targets(y, self._compile_loss.target_kind)
        sw = data_adapter.convert_targets(sw, "float")
        first = _first(x)
        return x, y, sw, int(first.shape[0]) if len(first.shape) else 1

    # ---- checks made before training starts ----------------------------------------------------

    def _check_before_training(self, batches, what):
        """Builds the model on one sample and validates widths and sparse label ranges, so bad
        input fails with a clear message before any update."""
        if not isinstance(batches, data_adapter.ArrayBatches) or batches.num_samples == 0:
            return
        sample = batches.first_inputs(1)
        prev = _CTX.training
        _CTX.training = False
        try:
            out = self(sample, training=False)
        finally:
            _CTX.training = prev
        loss = self._compile_loss
        if loss is None or not loss.is_sparse or batches.y is None or isinstance(out, (list, tuple, dict)):
            return
        y = batches.y
        if isinstance(y, (list, tuple, dict)) or len(out.shape) < 1:
            return
        num_classes = int(out.shape[-1])
        y_np = y.numpy()
        if y_np.size == 0:
            return
        lo, hi = int(y_np.min()), int(y_np.max())
        if lo < 0 or hi >= num_classes:
            bad = lo if lo < 0 else hi
            raise ValueError(
                f"{what}(): received a label value of {bad} which is outside the valid range of [0, {num_classes}) "
                f"for the model's {num_classes} outputs (loss '{loss.loss.name}'). Labels must be integer class "
                f"ids from 0 to {num_classes - 1}.")

    # ---- fit ------------------------------------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1):
        """Trains for `epochs` epochs; returns the History (``history.history`` per-epoch lists)."""
        self._assert_compiled("fit")
        verbose = _verbose(verbose)
        if not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"epochs must be a non-negative integer, got epochs={epochs!r}")
        x, y = data_adapter.lists_to_arrays(x), data_adapter.lists_to_arrays(y)
        if validation_split and validation_data is None:
            if not data_adapter.is_array_data(x):
                raise ValueError("`validation_split` is only supported for arrays and tensors, not for a "
                                 f"{type(x).__name__}; pass `validation_data` instead")
            (x, y, sample_weight), validation_data = data_adapter.split_for_validation(
                x, y, sample_weight, validation_split)
        target_kind = self._compile_loss.target_kind
        if class_weight is not None:
            sample_weight = self._class_weights_to_sample_weights(x, y, sample_weight, class_weight)
        batches = data_adapter.make_batches(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                                            target_kind=target_kind, steps=steps_per_epoch, what="fit")
        if isinstance(batches, data_adapter.ArrayBatches):
            if y is None:
                raise ValueError("fit(): `y` (the targets) is required when `x` is an array")
            if batches.num_samples == 0:
                raise ValueError("fit(): the training data is empty (0 samples)")
        val_batches = None
        if validation_data is not None:
            val_batches = self._validation_batches(validation_data, validation_batch_size or batch_size,
                                                   validation_steps, target_kind)
        self._check_before_training(batches, "fit")
        if val_batches is not None:
            self._check_before_training(val_batches, "fit")

        train_step, test_step = self._make_step_functions()
        custom_train = self._custom_step("train_step")
        custom_test = self._custom_step("test_step")

        cbs = callbacks_module.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                            verbose=verbose, epochs=epochs, steps=batches.num_batches)
        self.stop_training = False
        logs_fn = self._logs
        cbs.on_train_begin()
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            step = -1
            custom_logs = None
            for step, (xb, yb, swb, n) in enumerate(batches):
                cbs.train_batch_begin(step)
                if custom_train is not None:
                    custom_logs = custom_train((xb, yb, swb) if swb is not None else (xb, yb))
                    cbs.train_batch_end(step, lambda: _floats(custom_logs))
                else:
                    train_step(xb, yb, swb, n)
                    cbs.train_batch_end(step, logs_fn)
                if self.stop_training:
                    break
            if step < 0:
                raise ValueError("fit(): the training data produced no batches in epoch "
                                 f"{epoch + 1} (an exhausted iterator or an empty dataset?)")
            epoch_logs = _floats(custom_logs) if custom_logs is not None else logs_fn()
            if val_batches is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_test_loop(val_batches, test_step, custom_test, cbs, in_fit=True)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            loss = epoch_logs.get("loss")
            if isinstance(loss, float) and not math.isfinite(loss):
                print(f"Epoch {epoch + 1}: the training loss is {loss}; stopping training. Lower the learning "
                      f"rate, or check the data for NaN/inf values.")
                self.stop_training = True
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        cbs.on_train_end(epoch_logs)
        return cbs.history

    def _validation_batches(self, validation_data, batch_size, steps, target_kind):
        if isinstance(validation_data, (list, tuple)) and len(validation_data) in (2, 3) and \
                data_adapter.is_array_data(validation_data[0]):
            vx, vy = validation_data[0], validation_data[1]
            vsw = validation_data[2] if len(validation_data) == 3 else None
            return data_adapter.make_batches(vx, vy, vsw, batch_size=batch_size, shuffle=False,
                                             target_kind=target_kind, steps=steps, what="fit")
        if isinstance(validation_data, (list, tuple)):
            raise ValueError("validation_data must be a tuple (x_val, y_val) or (x_val, y_val, val_sample_weight), "
                             f"or a dataset; got a {type(validation_data).__name__} of length {len(validation_data)}")
        return data_adapter.make_batches(validation_data, batch_size=batch_size, target_kind=target_kind,
                                         steps=steps, what="fit")

    def _class_weights_to_sample_weights(self, x, y, sample_weight, class_weight):
        if y is None or not data_adapter.is_array_data(y) or isinstance(y, (list, tuple, dict)):
            raise ValueError("class_weight is supported only with a single array of targets `y`")
        if sample_weight is not None:
            raise ValueError("You cannot use `class_weight` and `sample_weight` at the same time.")
        y_np = y.numpy() if hasattr(y, "numpy") else np.asarray(y)
        if y_np.ndim == 2 and y_np.shape[1] > 1:
            labels = np.argmax(y_np, axis=1)
        else:
            labels = np.rint(y_np.reshape(len(y_np), -1)[:, 0]).astype(np.int64)
        table = np.ones(int(max(labels.max(), max(class_weight)) + 1), dtype=np.float32)
        for k, w in class_weight.items():
            table[int(k)] = float(w)
        return tg.gather(tg.convert_to_tensor(table), tg.convert_to_tensor(labels)).numpy()

    # ---- evaluate ---------------------------------------------------------------------------

    def _run_test_loop(self, batches, test_step, custom_test, cbs, in_fit=False):
        self.reset_metrics()
        cbs.on_test_begin()
        logs_fn = self._logs
        custom_logs = None
        for step, (xb, yb, swb, n) in enumerate(batches):
            cbs.test_batch_begin(step)
            if custom_test is not None:
                custom_logs = custom_test((xb, yb, swb) if swb is not None else (xb, yb))
                cbs.test_batch_end(step, lambda: _floats(custom_logs))
            else:
                test_step(xb, yb, swb, n)
                cbs.test_batch_end(step, logs_fn)
        logs = _floats(custom_logs) if custom_logs is not None else logs_fn()
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics on the given data: [loss, *metrics] (a scalar without metrics)."""
        self._assert_compiled("evaluate")
        verbose = _verbose(verbose)
        batches = data_adapter.make_batches(x, y, sample_weight, batch_size=batch_size, shuffle=False,
                                            target_kind=self._compile_loss.target_kind, steps=steps,
                                            what="evaluate")
        if isinstance(batches, data_adapter.ArrayBatches) and y is None:
            raise ValueError("evaluate(): `y` (the targets) is required when `x` is an array")
        self._check_before_training(batches, "evaluate")
        _, test_step = self._make_step_functions()
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                                            epochs=1, steps=batches.num_batches)
        logs = self._run_test_loop(batches, test_step, self._custom_step("test_step"), cbs)
        if return_dict:
            return logs
        return self._flatten_logs(logs)

    def _flatten_logs(self, logs):
        names = self.metrics_names
        values = [logs[n] for n in names if n in logs]
        values += [v for k, v in logs.items() if k not in names]
        return values[0] if len(values) == 1 else values

    # ---- predict ----------------------------------------------------------------------------

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """Model outputs for x, computed in batches, as a NumPy array."""
        verbose = _verbose(verbose)
        x = data_adapter.lists_to_arrays(x)
        if data_adapter.is_array_data(x):
            batches = data_adapter.ArrayBatches(x, None, None, batch_size=batch_size, shuffle=False, steps=steps)
        else:
            batches = data_adapter.IterableBatches(x, target_kind=None, steps=steps)
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                                            epochs=1, steps=batches.num_batches)
        custom = self._custom_step("predict_step")
        cbs.on_predict_begin()
        outputs = []
        prev = _CTX.training
        try:
            for step, (xb, _, _, _) in enumerate(batches):
                cbs.predict_batch_begin(step)
                out = custom((xb,)) if custom is not None else self(xb, training=False)
                outputs.append(out)
                cbs.predict_batch_end(step, out)
        finally:
            _CTX.training = prev
        cbs.on_predict_end()
        return _concat_outputs(outputs)

    # ---- single batches ---------------------------------------------------------------------

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient update on one batch; returns the running loss (and metrics)."""
        self._assert_compiled("train_on_batch")
        if class_weight is not None:
            sample_weight = self._class_weights_to_sample_weights(x, y, sample_weight, class_weight)
        x, y, sw, n = self._prepare_batch(x, y, sample_weight)
        data_adapter.check_cardinality(x, y, sw)
        custom = self._custom_step("train_step")
        if custom is not None:
            logs = _floats(custom((x, y, sw) if sw is not None else (x, y)))
        else:
            train_step, _ = self._make_step_functions()
            train_step(x, y, sw, n)
            logs = self._logs()
        return logs if return_dict else self._flatten_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        x, y, sw, n = self._prepare_batch(x, y, sample_weight)
        data_adapter.check_cardinality(x, y, sw)
        custom = self._custom_step("test_step")
        if custom is not None:
            logs = _floats(custom((x, y, sw) if sw is not None else (x, y)))
        else:
            _, test_step = self._make_step_functions()
            test_step(x, y, sw, n)
            logs = self._logs()
        return logs if return_dict else self._flatten_logs(logs)

    def predict_on_batch(self, x):
        x = data_adapter.convert_inputs(x)
        out = self(x, training=False)
        if isinstance(out, (list, tuple)):
            return type(out)(o.numpy() for o in out)
        return out.numpy()

    # ---- config for saving ----------------------------------------------------------------------

    def get_compile_config(self):
        from ..saving.serialization import serialize_compile_args

        if not self.__dict__.get("compiled"):
            return None
        return serialize_compile_args(self.optimizer, self._compile_config)

    def compile_from_config(self, config):
        from ..saving.serialization import deserialize_compile_args

        self.compile(**deserialize_compile_args(config))


def _unpack(data):
    if isinstance(data, (list, tuple)):
        if len(data) == 1:
            return data[0], None, None
        if len(data) == 2:
            return data[0], data[1], None
        if len(data) == 3:
            return data[0], data[1], data[2]
    return data, None, None


def _floats(logs):
    out = {}
    for k, v in (logs or {}).items():
        if hasattr(v, "numpy"):
            v = v.numpy()
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            out[k] = v
    return out

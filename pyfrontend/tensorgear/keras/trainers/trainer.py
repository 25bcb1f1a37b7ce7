"""compile / fit / evaluate / predict / train_on_batch / test_on_batch (Keras semantics).

The loops here call one step function per batch. ``make_train_function`` (and
``make_test_function``, ``make_predict_function``), as in Keras 3, build it
once and cache it on the model until the next compile(): the compiled step's
``train`` (step.py) when the model keeps Keras's default ``train_step``, the
model's own ``train_step(data)`` when a subclass overrides it. Batches come
from the data adapter (data_adapter.py), which also checks and converts the
inputs before the loop starts.
"""

import math

import numpy as np

import tensorgear as tg

from ...distribute import strategy as strategy_module
from .. import callbacks as callbacks_module
from .. import optimizers as optimizers_module
from ..backend.call_context import inference_mode
from . import data_adapter, multi_output
from .compile_utils import CompileLoss, CompileMetrics, LossTracker
from .distributed_step import DistributedStep
from .step import CompiledStep


def _verbose(verbose):
    if verbose == "auto":
        return 1
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"verbose must be 'auto', 0, 1 or 2; got verbose={verbose!r}")
    return int(verbose)


def _concat_outputs(batches):
    if not batches:
        return np.zeros((0,), dtype=np.float32)
    first = batches[0]
    if isinstance(first, (list, tuple)):
        return type(first)(_concat_outputs([b[i] for b in batches]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: _concat_outputs([b[k] for b in batches]) for k in first}
    if len(batches) > 1:
        return tg.concat(batches, axis=0).numpy()
    return first.numpy() if hasattr(first, "numpy") else np.asarray(first)


class Trainer:
    """Mixed into keras.Model: the training API."""

    def _init_trainer(self):
        d = self.__dict__
        d["compiled"] = False
        d["optimizer"] = None
        d["loss"] = None
        d["_compile_loss"] = None
        d["_compile_metrics"] = None
        d["_loss_tracker"] = LossTracker()
        d["stop_training"] = False
        d["history"] = None
        d["_compile_config"] = None
        # Keras's model.distribute_strategy: the strategy whose scope the model was made (or compiled) in
        d["distribute_strategy"] = strategy_module.get_strategy()
        self._reset_step_functions()

    def _reset_step_functions(self):
        d = self.__dict__
        d["_compiled_step"] = None
        d["train_function"] = None
        d["test_function"] = None
        d["predict_function"] = None

    # ---- compile ------------------------------------------------------------------------

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution=1, jit_compile="auto", auto_scale_loss=True):
        """Configures training: optimizer, loss and metrics (names are case-insensitive)."""
        if "_loss_tracker" not in self.__dict__:
            self._init_trainer()
        d = self.__dict__
        d["optimizer"] = optimizers_module.get(optimizer)
        if multi_output.is_multi_output(self) or any(
                multi_output.is_structured(a) for a in (loss, loss_weights)) or any(
                isinstance(a, dict) for a in (metrics, weighted_metrics)):
            compile_loss = multi_output.MultiOutputLoss(self, loss, loss_weights)
            d["_compile_loss"] = compile_loss
            d["_loss_weight"] = 1.0
            d["_compile_metrics"] = multi_output.MultiOutputMetrics(compile_loss, metrics, weighted_metrics)
        else:
            if loss_weights is not None and (not isinstance(loss_weights, (int, float)) or
                                             isinstance(loss_weights, bool)):
                raise TypeError(f"compile(): loss_weights must be a number, a list or a dict; got "
                                f"{loss_weights!r}")
            d["_compile_loss"] = CompileLoss(loss)
            d["_loss_weight"] = 1.0 if loss_weights is None else float(loss_weights)
            d["_compile_metrics"] = CompileMetrics(metrics, weighted_metrics)
        d["loss"] = loss
        d["_loss_tracker"] = LossTracker()
        if strategy_module.has_strategy():
            d["distribute_strategy"] = strategy_module.get_strategy()
        self._reset_step_functions()
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
        compile_loss = self.__dict__.get("_compile_loss")
        if compile_loss is not None:
            out.extend(compile_loss.trackers)
        cm = self.__dict__.get("_compile_metrics")
        if cm is not None:
            out.extend(cm.all_metrics())
        return out

    @property
    def metrics_names(self):
        """['loss', <per-output losses>, <metric names>], the order of evaluate()'s list."""
        compile_loss = self.__dict__.get("_compile_loss")
        cm = self.__dict__.get("_compile_metrics")
        return (["loss"] + [t.name for t in (compile_loss.trackers if compile_loss is not None else ())] +
                (cm.names() if cm is not None else []))

    def reset_metrics(self):
        for m in self.metrics:
            m.reset_state()

    def _logs(self):
        logs = {"loss": self._loss_tracker.result()}
        logs.update(self._compile_loss.results())
        cm = self._compile_metrics
        if cm.built:
            logs.update(cm.results())
        return logs

    def get_metrics_result(self):
        return self._logs()

    # ---- the step functions (Keras 3's make_*_function) ------------------------------------

    def _step(self, method):
        step = self.__dict__.get("_compiled_step")
        if step is None:
            self._assert_compiled(method)
            strategy = self.distribute_strategy
            step = DistributedStep(self, strategy.world) if strategy.distributed else CompiledStep(self)
            self.__dict__["_compiled_step"] = step
        return step

    def _overrides(self, name):
        """Whether the model's class, or the model itself, replaces Trainer's `name`."""
        return name in self.__dict__ or getattr(type(self), name) is not getattr(Trainer, name)

    def _make_batch_function(self, step_name, method, force):
        """The cached per-batch function of fit ("train_step") or evaluate ("test_step"):
        (x, y, sample_weight, batch_size) from the data adapter -> a function returning the logs."""
        attr = step_name.replace("_step", "_function")
        function = self.__dict__.get(attr)
        if function is not None and not force:
            return function
        if self._overrides(step_name):
            user_step = getattr(self, step_name)

            def function(x, y, sw, batch_size):
                return _logs_function(user_step((x, y, sw) if sw is not None else (x, y)))
        else:
            function = getattr(self._step(method), step_name[:-len("_step")])
        self.__dict__[attr] = function
        return function

    def make_train_function(self, force=False):
        """The function fit() and train_on_batch() call per batch. Cached until compile()."""
        return self._make_batch_function("train_step", "fit", force)

    def make_test_function(self, force=False):
        """As make_train_function, for evaluate(), validation and test_on_batch()."""
        return self._make_batch_function("test_step", "evaluate", force)

    def make_predict_function(self, force=False):
        """The function predict() calls per batch of inputs."""
        if self.predict_function is not None and not force:
            return self.predict_function
        if self._overrides("predict_step"):
            def predict_function(x):
                return self.predict_step((x,))
        else:
            def predict_function(x):
                return self(x, training=False)
        self.__dict__["predict_function"] = predict_function
        return predict_function

    def train_step(self, data):
        """One training step on `data` = (x, y) or (x, y, sample_weight); returns the logs.
        Override in a subclass to customize training (fit then calls yours)."""
        x, y, sw = data_adapter.unpack_x_y_sample_weight(data)
        self._step("train_step").train(*data_adapter.prepare_batch(x, y, sw, self._compile_loss.target_kind))
        return self._logs()

    def test_step(self, data):
        x, y, sw = data_adapter.unpack_x_y_sample_weight(data)
        self._step("test_step").test(*data_adapter.prepare_batch(x, y, sw, self._compile_loss.target_kind))
        return self._logs()

    def predict_step(self, data):
        x, _, _ = data_adapter.unpack_x_y_sample_weight(data)
        return self(x, training=False)

    # ---- several ranks (tf.distribute) ---------------------------------------------------------

    def _replica_world(self):
        """The process group whose ranks share each batch, or None for one process."""
        strategy = self.distribute_strategy
        return strategy.world if strategy.distributed else None

    def _verbosity(self, verbose):
        verbose = _verbose(verbose)
        world = self._replica_world()
        return 0 if world is not None and world.rank != 0 else verbose

    def _final_logs(self, logs):
        """The logs at the end of an epoch or test loop: over every rank's samples when the compiled
        step ran on several ranks (every rank calls this at the same point)."""
        step = self.__dict__.get("_compiled_step")
        if isinstance(step, DistributedStep) and logs == step.logs:
            return step.global_logs()
        return logs()

    # ---- fit ------------------------------------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1):
        """Trains for `epochs` epochs; returns the History (``history.history`` per-epoch lists)."""
        self._assert_compiled("fit")
        verbose = self._verbosity(verbose)
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
            sample_weight = data_adapter.class_weights_to_sample_weights(y, sample_weight, class_weight)
        batches = data_adapter.make_batches(x, y, sample_weight, batch_size=batch_size, shuffle=shuffle,
                                            target_kind=target_kind, steps=steps_per_epoch, what="fit",
                                            world=self._replica_world())
        if isinstance(batches, data_adapter.ArrayBatches):
            if y is None:
                raise ValueError("fit(): `y` (the targets) is required when `x` is an array")
            if batches.num_samples == 0:
                raise ValueError("fit(): the training data is empty (0 samples)")
        val_batches = None
        if validation_data is not None:
            val_batches = data_adapter.validation_batches(validation_data, validation_batch_size or batch_size,
                                                          validation_steps, target_kind, self._replica_world())
        data_adapter.check_model_accepts(self, batches, "fit")
        if val_batches is not None:
            data_adapter.check_model_accepts(self, val_batches, "fit")

        train_function = self.make_train_function()
        cbs = callbacks_module.CallbackList(callbacks, add_history=True, add_progbar=verbose != 0, model=self,
                                            verbose=verbose, epochs=epochs, steps=batches.num_batches)
        self.stop_training = False
        self.__dict__["_initial_epoch"] = None
        cbs.on_train_begin()
        if self._initial_epoch is not None:  # BackupAndRestore resumes a run that was interrupted
            initial_epoch = self._initial_epoch
        epoch_logs = {}
        for epoch in range(initial_epoch, epochs):
            self.reset_metrics()
            cbs.on_epoch_begin(epoch)
            step = -1
            for step, (xb, yb, swb, n) in enumerate(batches):
                cbs.train_batch_begin(step)
                logs = train_function(xb, yb, swb, n)
                cbs.train_batch_end(step, logs)
                if self.stop_training:
                    break
            if step < 0:
                raise ValueError("fit(): the training data produced no batches in epoch "
                                 f"{epoch + 1} (an exhausted iterator or an empty dataset?)")
            epoch_logs = self._final_logs(logs)
            if val_batches is not None and (epoch + 1) % validation_freq == 0:
                val_logs = self._run_test_loop(val_batches, cbs)
                epoch_logs.update({"val_" + k: v for k, v in val_logs.items()})
            loss = epoch_logs.get("loss")
            if isinstance(loss, float) and not math.isfinite(loss):
                print(f"Epoch {epoch + 1}: the training loss is {loss}; stopping training. Lower the learning "
                      f"rate, or check the data for NaN/inf values.")
                self.stop_training = True
            cbs.on_epoch_end(epoch, epoch_logs)
            if self.stop_training:
                break
        if epochs > 0:  # with use_ema, the weights become their moving averages (Keras)
            self.optimizer.finalize_variable_values(self.trainable_weights)
        cbs.on_train_end(epoch_logs)
        return cbs.history

    # ---- evaluate ---------------------------------------------------------------------------

    def _run_test_loop(self, batches, cbs):
        test_function = self.make_test_function()
        self.reset_metrics()
        cbs.on_test_begin()
        logs = self._logs
        for step, (xb, yb, swb, n) in enumerate(batches):
            cbs.test_batch_begin(step)
            logs = test_function(xb, yb, swb, n)
            cbs.test_batch_end(step, logs)
        logs = self._final_logs(logs)
        cbs.on_test_end(logs)
        return logs

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Loss and metrics on the given data: [loss, *metrics] (a scalar without metrics)."""
        self._assert_compiled("evaluate")
        verbose = self._verbosity(verbose)
        batches = data_adapter.make_batches(x, y, sample_weight, batch_size=batch_size, shuffle=False,
                                            target_kind=self._compile_loss.target_kind, steps=steps,
                                            what="evaluate", world=self._replica_world())
        if isinstance(batches, data_adapter.ArrayBatches) and y is None:
            raise ValueError("evaluate(): `y` (the targets) is required when `x` is an array")
        data_adapter.check_model_accepts(self, batches, "evaluate")
        cbs = callbacks_module.CallbackList(callbacks, add_progbar=verbose != 0, model=self, verbose=verbose,
                                            epochs=1, steps=batches.num_batches)
        logs = self._run_test_loop(batches, cbs)
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
        predict_function = self.make_predict_function()
        cbs.on_predict_begin()
        outputs = []
        with inference_mode():
            for step, (xb, _, _, _) in enumerate(batches):
                cbs.predict_batch_begin(step)
                out = predict_function(xb)
                outputs.append(out)
                cbs.predict_batch_end(step, out)
        cbs.on_predict_end()
        return _concat_outputs(outputs)

    # ---- single batches ---------------------------------------------------------------------

    def _one_batch(self, x, y, sample_weight):
        batch = data_adapter.prepare_batch(x, y, sample_weight, self._compile_loss.target_kind)
        data_adapter.check_cardinality(*batch[:3])
        return batch

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """One gradient update on one batch; returns the running loss (and metrics)."""
        self._assert_compiled("train_on_batch")
        if class_weight is not None:
            sample_weight = data_adapter.class_weights_to_sample_weights(y, sample_weight, class_weight)
        logs = self.make_train_function()(*self._one_batch(x, y, sample_weight))()
        return logs if return_dict else self._flatten_logs(logs)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._assert_compiled("test_on_batch")
        logs = self.make_test_function()(*self._one_batch(x, y, sample_weight))()
        return logs if return_dict else self._flatten_logs(logs)

    def predict_on_batch(self, x):
        out = self.make_predict_function()(data_adapter.convert_inputs(x))
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


def _logs_function(logs):
    """What a step function returns: a function giving the logs as floats (see CallbackList)."""
    return lambda: _floats(logs)


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

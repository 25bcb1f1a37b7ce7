"""The Optimizer base class: slot variables, learning rate (or schedule), clipping,
weight decay, and ``apply_gradients``.

Each subclass names its slots and hands whole lists of (variable, gradient,
slots) to one fused C++ kernel from ``tensorgear._C.optim``, which updates every
variable and its slots in a single pass over memory. The per-step Python work
is: read the learning rate, look up the cached slot lists for this exact list of
variables, and make that one call. The tests check each kernel against a NumPy
transcription of Keras's update rule.
"""

import warnings

import tensorgear as tg
from tensorgear._C import optim

from ..backend.tensor_utils import dtype_name
from ..utils.naming import to_snake_case
from .schedules import LearningRateSchedule, schedule_value
from .schedules import deserialize as deserialize_schedule
from .schedules import serialize as serialize_schedule



class _Plan:
    """Cached per list of variables: the variables grouped by weight decay, with their slots."""

    __slots__ = ("key", "variables", "groups", "averages")

    def __init__(self, key, variables, groups, averages):
        self.key = key
        self.variables = variables
        self.averages = averages  # the moving averages of `variables` (use_ema), else empty
        # each group: (indices into the gradient list, variables, {slot name: [slot vars]}, weight_decay)
        self.groups = groups


class Optimizer:
    """Base optimizer (Keras 3 arguments and defaults)."""

    # slot names, in the order the fused kernel takes them; subclasses narrow by options
    _slot_names = ()

    def __init__(self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, loss_scale_factor=None,
                 gradient_accumulation_steps=None, name=None, **kwargs):
        if "lr" in kwargs:  # Keras 2 spelling
            learning_rate = kwargs.pop("lr")
        if "decay" in kwargs and kwargs.pop("decay"):
            raise ValueError("The `decay` argument is deprecated in Keras; use a learning rate schedule "
                             "(keras.optimizers.schedules.ExponentialDecay) instead")
        kwargs.pop("jit_compile", None)
        kwargs.pop("is_legacy_optimizer", None)
        if kwargs:
            raise TypeError(f"Argument(s) not recognized by {type(self).__name__}: {sorted(kwargs)}")
        if use_ema:
            if not 0 <= ema_momentum <= 1:
                raise ValueError(f"`ema_momentum` must be in the range [0, 1]. Received: ema_momentum={ema_momentum}")
            if ema_overwrite_frequency and (not isinstance(ema_overwrite_frequency, int)
                                            or ema_overwrite_frequency < 1):
                raise ValueError("`ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
                                 f"ema_overwrite_frequency={ema_overwrite_frequency}")
        if gradient_accumulation_steps:
            raise NotImplementedError("gradient_accumulation_steps is not supported by tensorgear optimizers yet")
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(
                f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. Received: "
                f"clipnorm={clipnorm}, clipvalue={clipvalue}, global_clipnorm={global_clipnorm}")
        if weight_decay is not None and (not isinstance(weight_decay, (int, float)) or weight_decay < 0):
            raise ValueError(f"Argument `weight_decay` must be a non-negative float. Received: "
                             f"weight_decay={weight_decay!r}")
        self.name = name or to_snake_case(type(self).__name__)
        self.weight_decay = None if weight_decay is None else float(weight_decay)
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self.use_ema = bool(use_ema)
        self.ema_momentum = float(ema_momentum)
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self._averages = {}       # id(var) -> the moving average of var (use_ema)
        self._average_order = []  # the averages in creation order, for .variables / saving
        self.loss_scale_factor = loss_scale_factor
        self._iterations = 0
        self._iterations_var = None
        self._lr_schedule = None
        self._lr_var = None
        self._lr_float = None
        self._set_learning_rate(learning_rate)
        self._slots = {}          # id(var) -> {slot name: slot variable}
        self._slot_order = []     # (var, {name: slot}) in creation order, for .variables / saving
        self._exclude_ids = set()
        self._exclude_names = ()
        self._plan = None
        self.built = False

    # ---- learning rate and step count ---------------------------------------------------

    def _set_learning_rate(self, value):
        if isinstance(value, LearningRateSchedule) or (callable(value) and not isinstance(value, (int, float))
                                                       and not hasattr(value, "numpy")):
            self._lr_schedule = value
            self._lr_var = None
            return
        if self._lr_schedule is not None:
            raise TypeError(
                "This optimizer was created with a `LearningRateSchedule` object as its `learning_rate` "
                "constructor argument, hence its learning rate is not settable.")
        try:
            lr = float(value.numpy() if hasattr(value, "numpy") else value)
        except (TypeError, ValueError):
            raise TypeError(f"learning_rate must be a float or a LearningRateSchedule, got {value!r}") from None
        if lr != lr or lr < 0:
            raise ValueError(f"learning_rate must be a non-negative number, got {lr}")
        self._lr_float = lr
        if self._lr_var is None:
            self._lr_var = tg.Variable(tg.constant(lr, dtype="float32"), trainable=False, name="learning_rate")
        else:
            self._lr_var.assign(tg.constant(lr, dtype="float32"))

    @property
    def learning_rate(self):
        """The current learning rate: a scalar variable (settable), or the schedule's value now."""
        if self._lr_schedule is not None:
            return tg.constant(schedule_value(self._lr_schedule, self._iterations), dtype="float32")
        return self._lr_var

    @learning_rate.setter
    def learning_rate(self, value):
        self._set_learning_rate(value)

    lr = learning_rate

    def _current_learning_rate(self):
        """The learning rate for the next update, as a Python float."""
        if self._lr_schedule is not None:
            return schedule_value(self._lr_schedule, self._iterations)
        # read the variable: users may have assigned it directly
        return float(self._lr_var)

    @property
    def iterations(self):
        """Number of updates applied so far (an int64 variable)."""
        if self._iterations_var is None:
            self._iterations_var = tg.Variable(tg.constant(self._iterations, dtype="int64"), trainable=False,
                                               name="iteration")
        else:
            self._iterations_var.assign(tg.constant(self._iterations, dtype="int64"))
        return self._iterations_var

    @iterations.setter
    def iterations(self, value):
        self._iterations = int(value.numpy() if hasattr(value, "numpy") else value)

    # ---- slots ------------------------------------------------------------------------

    def _active_slot_names(self):
        return self._slot_names

    def _slot_initial_value(self, slot_name, var):
        return tg.zeros(tuple(var.shape), dtype=var.dtype)

    def _slots_for(self, var):
        slots = self._slots.get(id(var))
        if slots is None:
            slots = {}
            base = (getattr(var, "name", None) or "variable").replace("/", "_").split(":")[0]
            for slot_name in self._active_slot_names():
                init = self._slot_initial_value(slot_name, var)
                slots[slot_name] = tg.Variable(init, trainable=False, name=f"{base}_{slot_name}")
            self._slots[id(var)] = slots
            self._slot_order.append((var, slots))
        return slots

    def build(self, var_list):
        """Creates the slot variables of every variable in var_list."""
        for var in var_list:
            self._check_variable(var)
            self._slots_for(var)
        self._averages_for(var_list)
        self.built = True

    def _averages_for(self, var_list):
        """The moving averages of var_list (use_ema), created on first use as zeros of the weights'
        shapes (Keras's "average" variables)."""
        if not self.use_ema:
            return []
        out = []
        for var in var_list:
            avg = self._averages.get(id(var))
            if avg is None:
                base = (getattr(var, "name", None) or "variable").replace("/", "_").split(":")[0]
                avg = tg.Variable(tg.zeros(tuple(var.shape), dtype=var.dtype), trainable=False,
                                  name=f"{base}_average")
                self._averages[id(var)] = avg
                self._average_order.append(avg)
            out.append(avg)
        return out

    def add_variable_from_reference(self, reference_variable, name=None, initializer="zeros"):
        from .. import initializers

        value = initializers.get(initializer)(tuple(reference_variable.shape), dtype=reference_variable.dtype)
        return tg.Variable(value, trainable=False, name=name or "slot")

    @property
    def variables(self):
        """The optimizer's state: iterations, then the learning rate (unless scheduled), then slots."""
        out = [self.iterations]
        if self._lr_schedule is None:
            out.append(self._lr_var)
        out.extend(self._average_order)
        for _, slots in self._slot_order:
            out.extend(slots.values())
        out.extend(self._extra_variables())
        return out

    def _extra_variables(self):
        """Optimizer-wide state kept after the slots (Nadam's momentum-schedule product), as Keras
        lists it."""
        return []

    # Keras 3 creates each optimizer's slots in groups: within a group, per variable, one slot of
    # each name in turn; group after group. Its saved files list them in that order.
    _keras_slot_groups = None  # None: one group of every slot name

    def _keras_variables(self, var_list):
        """The state in Keras 3's order (its weight files): iterations, the learning rate unless
        scheduled, then the slots of `var_list` by ``_keras_slot_groups``."""
        self.build(var_list)
        active = self._active_slot_names()
        groups = self._keras_slot_groups or (active,)
        out = [self.iterations]
        if self._lr_schedule is None:
            out.append(self._lr_var)
        out.extend(self._averages_for(var_list))  # Keras's base build makes them before any slot
        for group in groups:
            names = [n for n in group if n in active]
            for var in var_list:
                slots = self._slots[id(var)]
                out.extend(slots[n] for n in names)
        out.extend(self._extra_variables())
        return out

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Variables (or variables whose name contains one of var_names) get no weight decay."""
        if var_list:
            self._exclude_ids.update(id(v) for v in var_list)
        if var_names:
            self._exclude_names = tuple(var_names)
        self._plan = None

    def _use_weight_decay(self, var):
        if id(var) in self._exclude_ids:
            return False
        name = getattr(var, "name", "") or ""
        return not any(n in name for n in self._exclude_names)

    # ---- applying gradients ---------------------------------------------------------------

    @staticmethod
    def _check_variable(var):
        if not isinstance(var, tg.Variable):
            raise TypeError(
                f"Optimizers update tg.Variable objects; got {type(var).__name__}. Create weights with "
                f"tg.Variable(...) or layer.add_weight(...).")

    def _plan_for(self, variables):
        key = tuple(id(v) for v in variables)
        plan = self._plan
        if plan is not None and plan.key == key:
            return plan
        decayed, plain = [], []
        for i, var in enumerate(variables):
            self._check_variable(var)
            self._slots_for(var)
            wd = self.weight_decay if (self.weight_decay and self._use_weight_decay(var)) else 0.0
            (decayed if wd else plain).append(i)
        groups = []
        for indices, wd in ((plain, 0.0), (decayed, self.weight_decay or 0.0)):
            if not indices:
                continue
            vs = [variables[i] for i in indices]
            slots = {name: [self._slots[id(v)][name] for v in vs] for name in self._active_slot_names()}
            groups.append((indices, vs, slots, wd))
        plan = _Plan(key, list(variables), groups, self._averages_for(variables))
        self._plan = plan
        self.built = True
        return plan

    def apply_gradients(self, grads_and_vars):
        """Applies one update: ``optimizer.apply_gradients(zip(grads, variables))``."""
        pairs = list(grads_and_vars)
        grads = [g for g, _ in pairs]
        variables = [v for _, v in pairs]
        self.apply(grads, variables)
        return self.iterations

    def apply(self, grads, trainable_variables=None):
        grads = list(grads)
        if trainable_variables is None:
            if self._plan is None:
                raise ValueError("apply(grads) without variables needs a previous build(var_list) or apply() call")
            trainable_variables = self._plan.variables
        variables = list(trainable_variables)
        if len(grads) != len(variables):
            raise ValueError(f"Got {len(grads)} gradients for {len(variables)} variables")
        missing = [i for i, g in enumerate(grads) if g is None]
        if missing:
            if len(missing) == len(grads):
                names = [getattr(v, "name", "?") for v in variables]
                raise ValueError(f"No gradients provided for any variable: {names}. The loss may not depend on "
                                 f"the variables (was the forward pass run inside the GradientTape?).")
            warnings.warn(
                "Gradients do not exist for variables "
                f"{[getattr(variables[i], 'name', '?') for i in missing]} when minimizing the loss. If "
                "using `model.compile()`, did you forget to provide a `loss` argument?", stacklevel=2)
            keep = [i for i, g in enumerate(grads) if g is not None]
            grads = [grads[i] for i in keep]
            variables = [variables[i] for i in keep]
        grads = [g if isinstance(g, tg.Tensor) else tg.convert_to_tensor(g) for g in grads]
        self._apply_plan(self._plan_for(variables), grads)

    def _apply_plan(self, plan, grads):
        """One optimizer step over a prepared plan (the fit loop calls this directly)."""
        if self.clipnorm is not None or self.clipvalue is not None or self.global_clipnorm is not None:
            grads = self._clip_gradients(grads)
        lr = self._current_learning_rate()
        step = self._iterations + 1
        for indices, variables, slots, wd in plan.groups:
            group_grads = grads if len(indices) == len(grads) else [grads[i] for i in indices]
            self._update_fused(variables, group_grads, slots, lr, wd, step)
        if plan.averages:
            self._update_averages(plan, step)
        self._iterations = step

    def _update_averages(self, plan, step):
        # Keras: the first step copies the weights (momentum 0), later steps blend them in
        momentum = self.ema_momentum if step > 1 else 0.0
        optim.ema_update(plan.averages, [v.value() for v in plan.variables], momentum)
        if self.ema_overwrite_frequency and step % self.ema_overwrite_frequency == 0:
            self._overwrite_with_averages(plan.variables)

    def _overwrite_with_averages(self, var_list):
        for var in var_list:
            avg = self._averages.get(id(var))
            if avg is not None:
                var.assign(avg.value())

    def finalize_variable_values(self, var_list):
        """Called at the end of fit: with use_ema, the weights become their moving averages."""
        if self.use_ema:
            self._overwrite_with_averages(var_list)

    def minimize(self, loss, var_list, tape=None):
        """TensorFlow's minimize: loss is a tensor (with its tape) or a zero-argument callable."""
        if callable(loss):
            with tg.GradientTape() as tape:
                value = loss()
        else:
            if tape is None:
                raise ValueError("`tape` is required when a `Tensor` loss is passed to minimize()")
            value = loss
        var_list = list(var_list() if callable(var_list) else var_list)
        grads = tape.gradient(value, var_list)
        self.apply(grads, var_list)
        return self.iterations

    def _clip_gradients(self, grads):
        if self.clipvalue is not None:
            c = float(self.clipvalue)
            return [tg.clip_by_value(g, -c, c) for g in grads]
        if self.clipnorm is not None:
            c = float(self.clipnorm)
            out = []
            for g in grads:
                norm = tg.sqrt(tg.reduce_sum(tg.square(g)))
                out.append(g * (c / tg.maximum(norm, tg.constant(c, dtype=g.dtype))))
            return out
        c = float(self.global_clipnorm)
        total = None
        for g in grads:
            s = tg.reduce_sum(tg.square(tg.cast(g, "float32")))
            total = s if total is None else total + s
        norm = tg.sqrt(total)
        scale = c / tg.maximum(norm, tg.constant(c, dtype="float32"))
        return [g * tg.cast(scale, g.dtype) for g in grads]

    def _update_fused(self, variables, grads, slots, lr, weight_decay, step):
        """One call of the subclass's kernel in tensorgear._C.optim, for variables sharing a weight decay."""
        raise NotImplementedError

    # ---- config -----------------------------------------------------------------------------

    def get_config(self):
        if self._lr_schedule is not None:
            lr = serialize_schedule(self._lr_schedule) if isinstance(self._lr_schedule, LearningRateSchedule) \
                else None
        else:
            lr = self._current_learning_rate()
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": self.loss_scale_factor}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            config["learning_rate"] = deserialize_schedule(lr, custom_objects)
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, learning_rate={self.get_config()['learning_rate']}>"


def var_dtype_name(var):
    return dtype_name(var.dtype)

"""Keras's progress bar (the tf.keras 2 text format).

    469/469 [==============================] - 1s 2ms/step - loss: 0.2000 - accuracy: 0.9000

On a terminal (or in Jupyter) the bar is redrawn in place, at most every
``interval`` seconds; otherwise only the finished line of each epoch is printed.
verbose=2 prints one summary line per epoch:

    469/469 - 1s - loss: 0.2000 - accuracy: 0.9000 - 1s/epoch - 2ms/step

Values are rendered as Keras does: ``%.4f`` when |v| > 1e-3, else ``%.4e``.
"""

import math
import os
import sys
import time


def _dynamic_display(stream):
    isatty = getattr(stream, "isatty", None)
    return bool((isatty is not None and isatty()) or "ipykernel" in sys.modules
                or "PYCHARM_HOSTED" in os.environ)


def format_value(value):
    """A logged value as Keras prints it."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return f" {value}"
    if abs(v) > 1e-3:
        return f" {v:.4f}"
    return f" {v:.4e}"


def format_time_per_unit(seconds, unit_name="step"):
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


class Progbar:
    """Progress display for a loop of `target` steps (None when unknown)."""

    def __init__(self, target, width=30, verbose=1, interval=0.05, stateful_metrics=None, unit_name="step",
                 stream=None):
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        # "all": every value is already a running result (what fit() logs)
        self._stateful_all = stateful_metrics == "all"
        self.stateful_metrics = set(stateful_metrics) if stateful_metrics and not self._stateful_all else set()
        self._sums = {}
        self._stream = stream
        self._dynamic = _dynamic_display(self.stream)
        self._total_width = 0
        self._seen_so_far = 0
        self._values = {}
        self._values_order = []
        self._start = time.time()
        self._last_update = 0.0
        self._time_after_first_step = None

    @property
    def stream(self):
        return self._stream if self._stream is not None else sys.stdout

    def wants_update(self, current):
        """Whether update(current) would draw something now (lets callers skip building values)."""
        if self.verbose != 1:
            return self.target is not None and current >= self.target
        if not self._dynamic:
            return self.target is not None and current >= self.target
        return (time.time() - self._last_update >= self.interval) or (
            self.target is not None and current >= self.target)

    def update(self, current, values=None, finalize=None):
        """Records `values` (name -> number) at step `current` and redraws if due."""
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for k, v in (values or {}).items():
            if k not in self._values_order:
                self._values_order.append(k)
            if k in self.stateful_metrics or self._stateful_all:
                self._values[k] = v
            else:
                # a per-step value: display its average, weighted by steps since the last update
                steps = max(current - self._seen_so_far, 1)
                total, count = self._sums.get(k, (0.0, 0))
                self._sums[k] = (total + float(v) * steps, count + steps)
                self._values[k] = self._sums[k][0] / self._sums[k][1]
        self._seen_so_far = current
        now = time.time()
        if current == 1 and self._time_after_first_step is None:
            self._time_after_first_step = now

        if self.verbose == 1:
            if not finalize and (not self._dynamic or now - self._last_update < self.interval):
                return
            self._draw_bar(current, now, finalize)
        elif self.verbose == 2 and finalize:
            self._draw_summary(current, now)
        self._last_update = now

    def add(self, n, values=None):
        self.update(self._seen_so_far + n, values)

    def _time_per_unit(self, current, now):
        if current > 1 and self._time_after_first_step is not None:
            return (now - self._time_after_first_step) / (current - 1)
        return (now - self._start) / current if current else 0.0

    def _values_text(self):
        return "".join(f" - {k}:{format_value(self._values[k])}" for k in self._values_order)

    def _draw_bar(self, current, now, finalize):
        prev_total_width = self._total_width
        if self.target is not None:
            numdigits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
            bar = f"{current:{numdigits}d}/{self.target} ["
            prog = float(current) / self.target if self.target else 1.0
            prog_width = int(self.width * prog)
            if prog_width > 0:
                bar += "=" * (prog_width - 1)
                bar += ">" if current < self.target else "="
            bar += "." * (self.width - prog_width)
            bar += "]"
        else:
            bar = f"{current:7d}/Unknown"
        self._total_width = len(bar)
        time_per_unit = self._time_per_unit(current, now)
        if self.target is None or finalize:
            info = f" - {now - self._start:.0f}s {format_time_per_unit(time_per_unit, self.unit_name)}"
        else:
            eta = time_per_unit * (self.target - current)
            if eta > 3600:
                eta_format = f"{int(eta // 3600)}:{int((eta % 3600) // 60):02d}:{int(eta % 60):02d}"
            elif eta > 60:
                eta_format = f"{int(eta // 60)}:{int(eta % 60):02d}"
            else:
                eta_format = f"{int(eta)}s"
            info = f" - ETA: {eta_format}"
        info += self._values_text()
        self._total_width += len(info)
        if prev_total_width > self._total_width:
            info += " " * (prev_total_width - self._total_width)
        if finalize:
            info += "\n"
        prefix = "\r" if self._dynamic else ""
        self.stream.write(prefix + bar + info)
        self.stream.flush()

    def _draw_summary(self, current, now):
        numdigits = int(math.log10(self.target)) + 1 if self.target else 1
        count = f"{current:{numdigits}d}/{self.target}" if self.target is not None else f"{current}/Unknown"
        elapsed = now - self._start
        info = f"{count} - {elapsed:.0f}s" + self._values_text()
        info += f" - {elapsed:.0f}s/epoch - {format_time_per_unit(self._time_per_unit(current, now), self.unit_name)}"
        self.stream.write(info + "\n")
        self.stream.flush()

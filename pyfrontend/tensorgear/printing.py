"""tf.print: prints tensors (and any other values) the way TensorFlow formats them, to
standard error by default, with long dimensions summarized to their first and last
`summarize` entries."""

import sys

import numpy as np

from . import _C


def _format(value, summarize):
    if isinstance(value, (_C.Tensor, _C.Variable)):
        value = value.numpy()
    if isinstance(value, np.ndarray):
        if value.ndim == 0:
            return str(value.item())
        edge = summarize if summarize is not None and summarize >= 0 else None
        threshold = sys.maxsize if edge is None else 2 * edge
        # floats without trailing zeros ("[1.5 2]"), as TensorFlow writes them
        formatter = {"float_kind": lambda v: np.format_float_positional(v, trim="-")} if value.dtype.kind == "f" \
            else None
        return np.array2string(value, separator=" ", threshold=threshold, edgeitems=edge or 3,
                               max_line_width=sys.maxsize, formatter=formatter)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(_format(v, summarize) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_format(v, summarize)}" for k, v in value.items()) + "}"
    return str(value)


def print_(*inputs, output_stream=sys.stderr, summarize=3, sep=" ", end="\n", name=None):
    """Writes the inputs separated by `sep` and followed by `end` to output_stream (a file
    object, or a string "file://path" to append to)."""
    text = sep.join(_format(v, summarize) for v in inputs) + end
    if isinstance(output_stream, str):
        if not output_stream.startswith("file://"):
            raise ValueError(f"print: output_stream must be a file object or 'file://<path>', got {output_stream!r}")
        with open(output_stream[len("file://"):], "a", encoding="utf-8") as f:
            f.write(text)
        return
    output_stream.write(text)
    if hasattr(output_stream, "flush"):
        output_stream.flush()

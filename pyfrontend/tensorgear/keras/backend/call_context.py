"""The state of the layer call in progress: its ``training`` flag and nesting depth.

Layers, models and the trainer read and set it; it lives below all of them.
A plain object rather than a threading.local: it is read and written several
times in every layer call, and thread-local attributes cost more per call.
Calling one model from several threads at once is not supported.
"""

import contextlib


class CallContext:
    __slots__ = ("training", "depth", "add_loss_used")

    def __init__(self):
        self.training = None
        self.depth = 0
        # set once any layer calls add_loss: from then on, losses are cleared per outer call
        self.add_loss_used = False


CALL_CONTEXT = CallContext()


@contextlib.contextmanager
def inference_mode():
    """``training=False`` for the layer calls inside; the previous flag afterwards."""
    ctx = CALL_CONTEXT
    prev = ctx.training
    ctx.training = False
    try:
        yield
    finally:
        ctx.training = prev

"""The tensorgear benchmark suite (``tensorgear bench``, ``python -m bench``).

Three sections, each selectable:

* ``kernels``: native kernels against NumPy (and PyTorch when importable) over
  sizes 1e3..1.6e7, every output checked against NumPy before it is timed.
* ``overheads``: per-op dispatch on 4x4 tensors (plain and tape-recorded), a
  tiny forward+backward, and ``import tensorgear`` in a fresh interpreter.
* ``training``: the seeds' MNIST model through ``model.fit`` beside PyTorch, a
  hand-written NumPy MLP and Keras/TensorFlow, each framework in its own
  subprocess (so peak RSS is per framework), one after the other.

The suite lives inside the package so that ``tensorgear bench`` works from a
wheel; ``bench/`` in the source tree holds thin wrappers.
"""

from .cli import main, run  # noqa: F401

"""``keras.random``: seeded random tensors with Keras 3's arguments, on tensorgear's Philox
generator (tg.random).

Seeds as in Keras: an int seed gives the same numbers on every call (a stateless draw); a
SeedGenerator advances its state on every call, so successive calls differ and the sequence
repeats for the same starting seed; no seed draws from the global generator (reproducible after
keras.utils.set_random_seed).
"""

from .random import (  # noqa: F401
    SeedGenerator, categorical, dropout, normal, randint, shuffle, truncated_normal, uniform,
)

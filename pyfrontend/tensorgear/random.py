"""tg.random: seeded, counter-based random tensors (TensorFlow's tf.random names)."""

"""The training loop behind keras.Model (compile / fit / evaluate / predict)."""

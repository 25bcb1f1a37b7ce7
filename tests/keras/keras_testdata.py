"""Synthetic data sets shared by the Keras tests."""

import numpy as np


def synthetic_digits(n=2000, classes=10, features=64, seed=0):
    """A learnable stand-in for MNIST: class centroids plus noise, float32 in [0, 1]."""
    rng = np.random.default_rng(seed)
    centers = rng.uniform(0, 1, size=(classes, features)).astype(np.float32)
    labels = rng.integers(0, classes, size=n).astype(np.uint8)
    x = centers[labels] + rng.normal(0, 0.15, size=(n, features)).astype(np.float32)
    return np.clip(x, 0, 1).astype(np.float32), labels


def two_class_points(num_samples_per_class=1000, seed=0):
    """Listings 3.13-3.15: two Gaussian clouds in the plane and their 0/1 targets."""
    rng = np.random.default_rng(seed)
    negative = rng.multivariate_normal(mean=[0, 3], cov=[[1, 0.5], [0.5, 1]], size=num_samples_per_class)
    positive = rng.multivariate_normal(mean=[3, 0], cov=[[1, 0.5], [0.5, 1]], size=num_samples_per_class)
    inputs = np.vstack((negative, positive)).astype(np.float32)
    targets = np.vstack((np.zeros((num_samples_per_class, 1), dtype="float32"),
                         np.ones((num_samples_per_class, 1), dtype="float32")))
    return inputs, targets

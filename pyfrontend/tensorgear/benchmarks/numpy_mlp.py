"""The hand-written NumPy baseline: the seeds' MNIST model (Dense 512 relu ->
Dense 10 softmax, sparse categorical cross-entropy) with manual backprop and
Keras 3's RMSprop, written the way a careful NumPy user would (in-place where
it is natural, five GEMMs per step, transposes passed to BLAS as views).

Self-contained (NumPy only): the training worker loads it by file path so that
the NumPy run never imports tensorgear.
"""

from __future__ import annotations

from typing import List, Tuple

import numpy as np


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int, dtype) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out)).astype(dtype)


class MLP:
    def __init__(self, n_in: int = 784, hidden: int = 512, n_out: int = 10, seed: int = 0,
                 lr: float = 1e-3, rho: float = 0.9, epsilon: float = 1e-7, dtype=np.float32):
        rng = np.random.default_rng(seed)
        self.params: List[np.ndarray] = [
            glorot_uniform(rng, n_in, hidden, dtype), np.zeros(hidden, dtype),
            glorot_uniform(rng, hidden, n_out, dtype), np.zeros(n_out, dtype)]
        self.velocity = [np.zeros_like(p) for p in self.params]
        self.lr, self.rho, self.epsilon = lr, rho, epsilon
        self.dtype = dtype

    def logits(self, x: np.ndarray) -> np.ndarray:
        w1, b1, w2, b2 = self.params
        h = x @ w1
        h += b1
        np.maximum(h, 0, out=h)
        z = h @ w2
        z += b2
        return z

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> Tuple[float, int, List[np.ndarray]]:
        """Mean cross-entropy of softmax(logits) against integer labels, the
        number of correct predictions, and the gradients of the mean loss."""
        w1, b1, w2, b2 = self.params
        n = x.shape[0]
        rows = np.arange(n)
        h = x @ w1
        h += b1
        np.maximum(h, 0, out=h)
        z = h @ w2
        z += b2
        correct = int(np.count_nonzero(z.argmax(axis=1) == y))
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        s = e.sum(axis=1, keepdims=True)
        loss = float(np.mean(np.log(s[:, 0]) - z[rows, y]))
        dz = e
        dz /= s
        dz[rows, y] -= 1
        dz *= self.dtype(1.0 / n)
        g_w2 = h.T @ dz
        g_b2 = dz.sum(axis=0)
        dh = dz @ w2.T
        dh *= h > 0
        g_w1 = x.T @ dh
        g_b1 = dh.sum(axis=0)
        return loss, correct, [g_w1, g_b1, g_w2, g_b2]

    def apply_rmsprop(self, grads: List[np.ndarray]) -> None:
        # Keras 3: v = rho v + (1 - rho) g^2;  p -= lr g / sqrt(v + eps)
        rho, lr, eps = self.dtype(self.rho), self.dtype(self.lr), self.dtype(self.epsilon)
        for p, g, v in zip(self.params, grads, self.velocity):
            v *= rho
            v += (1 - rho) * np.square(g)
            denom = v + eps
            np.sqrt(denom, out=denom)
            g *= lr
            g /= denom
            p -= g

    def train_step(self, x: np.ndarray, y: np.ndarray) -> Tuple[float, int]:
        loss, correct, grads = self.loss_and_grads(x, y)
        self.apply_rmsprop(grads)
        return loss, correct

    def evaluate(self, x: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> Tuple[float, float]:
        total, correct = 0.0, 0
        for i in range(0, x.shape[0], batch_size):
            z = self.logits(x[i:i + batch_size]).astype(np.float64)
            yb = y[i:i + batch_size]
            z -= z.max(axis=1, keepdims=True)
            lse = np.log(np.exp(z).sum(axis=1))
            total += float(np.sum(lse - z[np.arange(len(yb)), yb]))
            correct += int(np.count_nonzero(z.argmax(axis=1) == yb))
        return total / x.shape[0], correct / x.shape[0]

"""Listings 3.13–3.21: the linear classifier trained with a bare GradientTape."""

import numpy as np

import tensorgear as tf  # the seeds' import, changed only here


def make_data(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    cov = [[1, 0.5], [0.5, 1]]
    negative_samples = rng.multivariate_normal(mean=[0, 3], cov=cov, size=n)
    positive_samples = rng.multivariate_normal(mean=[3, 0], cov=cov, size=n)
    inputs = np.vstack((negative_samples, positive_samples)).astype(np.float32)
    targets = np.vstack((np.zeros((n, 1), dtype="float32"), np.ones((n, 1), dtype="float32")))
    return inputs, targets


def test_linear_classifier_converges():
    inputs, targets = make_data()
    tf.random.set_seed(0)
    input_dim, output_dim = 2, 1
    W = tf.Variable(initial_value=tf.random.uniform(shape=(input_dim, output_dim)))
    b = tf.Variable(initial_value=tf.zeros(shape=(output_dim,)))

    def model(inputs):
        return tf.matmul(inputs, W) + b

    def square_loss(targets, predictions):
        per_sample_losses = tf.square(targets - predictions)
        return tf.reduce_mean(per_sample_losses)

    learning_rate = 0.1

    def training_step(inputs, targets):
        with tf.GradientTape() as tape:
            predictions = model(inputs)
            loss = square_loss(targets, predictions)
        grad_loss_wrt_W, grad_loss_wrt_b = tape.gradient(loss, [W, b])
        W.assign_sub(grad_loss_wrt_W * learning_rate)
        b.assign_sub(grad_loss_wrt_b * learning_rate)
        return loss

    losses = [float(training_step(inputs, targets)) for _ in range(40)]
    assert losses[-1] < 0.05, losses[-5:]
    assert losses[-1] < losses[0]

    predictions = model(inputs)
    accuracy = np.mean((predictions.numpy() > 0.5) == targets)
    assert accuracy > 0.95

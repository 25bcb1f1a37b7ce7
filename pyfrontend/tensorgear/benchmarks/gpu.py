"""GPU timings, side by side in one run (part of `make gpu-check`).

    python -m tensorgear.benchmarks.gpu [--epochs 3] [--json out.json] [--profile out.txt]

1. The seeds' MNIST MLP (Dense(512, relu) -> Dense(10, softmax), RMSprop,
   sparse categorical cross-entropy) for one epoch at batch 128 and 1024:
   tensorgear's `fit` against a PyTorch CUDA eager loop doing the same work
   (data on the GPU up front, a reshuffle per epoch, the loss and accuracy
   accumulated on the device). The epoch time is the best of the epochs after
   the first (which pays start-up costs on both sides).
2. Element-wise bandwidth at 64M float32 elements: tg.add (two reads, one
   write) and tg.multiply by a Python scalar against a device-to-device copy
   (tf.identity), each as bytes moved per second.

The goals (issue 14): epoch <= 1.0x PyTorch's; element-wise >= 80% of the copy.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def _mnist():
    from tensorgear import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    prep = lambda x: (x.reshape(len(x), 784).astype(np.float32) / 255.0)  # noqa: E731
    return prep(x_train), y_train.astype(np.int64), prep(x_test), y_test.astype(np.int64)


def tensorgear_epochs(data, batch, epochs):
    import tensorgear as tg
    from tensorgear import keras

    x_train, y_train, x_test, y_test = data
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    xg, yg = tg.constant(x_train), tg.constant(y_train)  # on the GPU (the default device)
    times = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            tg._C.cuda_synchronize()
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            tg._C.cuda_synchronize()
            times.append(time.perf_counter() - self.t)

    model.fit(xg, yg, batch_size=batch, epochs=epochs, verbose=0, callbacks=[Timer()])
    _, acc = model.evaluate(tg.constant(x_test), tg.constant(y_test), verbose=0)
    return min(times[1:] or times), float(acc), model.trainable_variables[0].device


def torch_epochs(data, batch, epochs):
    import torch
    from torch import nn

    x_train, y_train, x_test, y_test = data
    dev = torch.device("cuda")
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10)).to(dev)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    x, y = torch.from_numpy(x_train).to(dev), torch.from_numpy(y_train).to(dev)
    n, times = len(x), []
    for _ in range(epochs):
        torch.cuda.synchronize()
        t = time.perf_counter()
        perm = torch.randperm(n, device=dev)
        loss_sum = torch.zeros((), device=dev)
        correct = torch.zeros((), dtype=torch.int64, device=dev)
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = x[idx], y[idx]
            out = model(xb)
            loss = loss_fn(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum += loss.detach() * len(idx)
                correct += (out.argmax(1) == yb).sum()
        float(loss_sum)  # what a progress bar reads once per epoch
        torch.cuda.synchronize()
        times.append(time.perf_counter() - t)
    with torch.no_grad():
        acc = (model(torch.from_numpy(x_test).to(dev)).argmax(1).cpu().numpy() == y_test).mean()
    return min(times[1:] or times), float(acc)


def _timed(fn, sync, repeats=20):
    fn()
    sync()
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        sync()
        best = min(best, time.perf_counter() - t)
    return best


def bandwidth(n=64 << 20):
    import tensorgear as tg

    sync = tg._C.cuda_synchronize
    a, b = tg.random.uniform([n]), tg.random.uniform([n])
    nbytes = 4 * n
    copy = 2 * nbytes / _timed(lambda: tg._C.identity(a), sync)
    add = 3 * nbytes / _timed(lambda: tg.add(a, b), sync)
    scale = 2 * nbytes / _timed(lambda: a * 2.0, sync)
    return {"copy_GBps": copy / 1e9, "add_GBps": add / 1e9, "scale_GBps": scale / 1e9,
            "add_vs_copy": add / copy, "scale_vs_copy": scale / copy}


def profile_epoch(data, batch, path):
    """cProfile of one tensorgear epoch after a warm-up one: where the host's time goes."""
    import cProfile
    import io
    import pstats

    import tensorgear as tg
    from tensorgear import keras

    x_train, y_train = data[0], data[1]
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(512, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    xg, yg = tg.constant(x_train), tg.constant(y_train)
    model.fit(xg, yg, batch_size=batch, epochs=1, verbose=0)
    profiler = cProfile.Profile()
    profiler.enable()
    model.fit(xg, yg, batch_size=batch, epochs=1, verbose=0)
    tg._C.cuda_synchronize()
    profiler.disable()
    text = io.StringIO()
    for key in ("tottime", "cumulative"):
        pstats.Stats(profiler, stream=text).sort_stats(key).print_stats(35)
    with open(path, "w") as f:
        f.write(text.getvalue())


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--json", default=None)
    p.add_argument("--profile", default=None, help="write a cProfile of one epoch at batch 128 here")
    args = p.parse_args(argv)
    import tensorgear as tg

    if tg._C.cuda_device_count() == 0:
        raise SystemExit("no CUDA GPU: nothing to time")
    data = _mnist()
    report = {"device": tg._C.cuda_device_name(0) if hasattr(tg._C, "cuda_device_name") else "GPU:0"}
    for batch in (128, 1024):
        tg_s, tg_acc, where = tensorgear_epochs(data, batch, args.epochs)
        row = {"tensorgear_s": tg_s, "tensorgear_test_acc": tg_acc, "variables_on": where}
        try:
            th_s, th_acc = torch_epochs(data, batch, args.epochs)
            row.update(torch_s=th_s, torch_test_acc=th_acc, ratio=tg_s / th_s)
        except ImportError as e:
            row["torch"] = f"not available: {e}"
        report[f"mnist_epoch_batch{batch}"] = row
        print(f"MNIST MLP epoch, batch {batch}: {row}", flush=True)
    if args.profile:
        profile_epoch(data, 128, args.profile)
    report["elementwise_64M"] = bandwidth()
    print(f"element-wise bandwidth at 64M float32: {report['elementwise_64M']}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

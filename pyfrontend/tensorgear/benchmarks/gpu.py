"""GPU timings, side by side in one run (part of `make gpu-check`).

    python -m tensorgear.benchmarks.gpu [--epochs 3] [--json out.json] [--profile out.txt]

1. The seeds' MNIST MLP (Dense(512, relu) -> Dense(10, softmax), RMSprop,
   sparse categorical cross-entropy) for one epoch at batch 128 and 1024, and
   the book's first convnet (ch. 8: Conv2D 32 > MaxPool > Conv2D 64 > MaxPool >
   Conv2D 128 > Flatten > Dense 10) at batch 64: tensorgear's `fit` against a
   PyTorch CUDA eager loop doing the same work (data on the GPU up front, a
   reshuffle per epoch, the loss and accuracy accumulated on the device;
   PyTorch's convnet on channels-last tensors). The epoch time is the best of
   the epochs after the first (which pays start-up costs on both sides).
2. Element-wise bandwidth at 64M float32 elements: tg.add (two reads, one
   write) and tg.multiply by a Python scalar against a device-to-device copy
   (tf.identity), each as bytes moved per second.

The goals (issue 14): epoch <= 1.0x PyTorch's; element-wise >= 80% of the copy.
`--cpu-dry-run` runs every path on the CPU with a few hundred images (a test
runs it; the timings then mean nothing).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

# model -> the batch sizes timed
MODELS = {"mlp": (128, 1024), "cnn": (64,)}


def _mnist(limit=None):
    from tensorgear import keras

    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    if limit:
        x_train, y_train, x_test, y_test = x_train[:limit], y_train[:limit], x_test[:limit], y_test[:limit]
    prep = lambda x: (x.reshape(len(x), 784).astype(np.float32) / 255.0)  # noqa: E731
    return prep(x_train), y_train.astype(np.int64), prep(x_test), y_test.astype(np.int64)


def _images(x, model):
    """Flat rows for the MLP, NHWC images for the convnet."""
    return x if model == "mlp" else x.reshape(len(x), 28, 28, 1)


def _keras_model(keras, model):
    L = keras.layers
    if model == "cnn":
        return keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
                                 L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2),
                                 L.Conv2D(128, 3, activation="relu"), L.Flatten(), L.Dense(10, activation="softmax")])
    return keras.Sequential([keras.Input((784,)), L.Dense(512, activation="relu"), L.Dense(10, activation="softmax")])


def _sync(tg, device):
    if device.startswith("GPU"):
        tg._C.cuda_synchronize()


def tensorgear_epochs(data, model_name, batch, epochs, device="GPU:0"):
    import tensorgear as tg
    from tensorgear import keras

    x_train, y_train, x_test, y_test = data
    keras.utils.set_random_seed(0)
    with tg.device(device):
        model = _keras_model(keras, model_name)
        model.compile(optimizer=keras.optimizers.RMSprop(1e-3), loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        xg, yg = tg.constant(_images(x_train, model_name)), tg.constant(y_train)
        times = []

        class Timer(keras.callbacks.Callback):
            def on_epoch_begin(self, epoch, logs=None):
                _sync(tg, device)
                self.t = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                _sync(tg, device)
                times.append(time.perf_counter() - self.t)

        model.fit(xg, yg, batch_size=batch, epochs=epochs, verbose=0, callbacks=[Timer()])
        _, acc = model.evaluate(tg.constant(_images(x_test, model_name)), tg.constant(y_test), verbose=0)
    return min(times[1:] or times), float(acc), model.trainable_variables[0].device


def _torch_model(nn, model_name):
    if model_name == "cnn":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Conv2d(64, 128, 3), nn.ReLU(), nn.Flatten(), nn.Linear(128 * 9, 10))
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))


def torch_epochs(data, model_name, batch, epochs, device="cuda"):
    import torch
    from torch import nn

    x_train, y_train, x_test, y_test = data
    dev = torch.device(device)
    torch.manual_seed(0)
    channels_last = model_name == "cnn"
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model = _torch_model(nn, model_name).to(dev)
    if channels_last:
        model = model.to(memory_format=fmt)

    def as_input(x):
        t = torch.from_numpy(np.ascontiguousarray(x)).to(dev)
        return t.reshape(len(x), 1, 28, 28).contiguous(memory_format=fmt) if channels_last else t

    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    x, y = as_input(x_train), torch.from_numpy(y_train).to(dev)
    n, times = len(x), []
    sync = torch.cuda.synchronize if dev.type == "cuda" else (lambda: None)
    for _ in range(epochs):
        sync()
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
        sync()
        times.append(time.perf_counter() - t)
    with torch.no_grad():
        acc = (model(as_input(x_test)).argmax(1).cpu().numpy() == y_test).mean()
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
    """cProfile of one tensorgear MLP epoch after a warm-up one: where the host's time goes."""
    import cProfile
    import io
    import pstats

    import tensorgear as tg
    from tensorgear import keras

    x_train, y_train = data[0], data[1]
    model = _keras_model(keras, "mlp")
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
    p.add_argument("--models", default="mlp,cnn", help="comma-separated: " + ", ".join(MODELS))
    p.add_argument("--json", default=None)
    p.add_argument("--profile", default=None, help="write a cProfile of one MLP epoch at batch 128 here")
    p.add_argument("--cpu-dry-run", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        p.error(f"unknown model(s) {unknown}: choose from {sorted(MODELS)}")
    import tensorgear as tg

    dry = args.cpu_dry_run
    if not dry and tg._C.cuda_device_count() == 0:
        raise SystemExit("no CUDA GPU: nothing to time")
    data = _mnist(limit=512 if dry else None)
    device, torch_device = ("CPU:0", "cpu") if dry else ("GPU:0", "cuda")
    report = {"device": "CPU (dry run)" if dry else tg._C.cuda_device_name(0)}
    for model_name in models:
        for batch in MODELS[model_name]:
            tg_s, tg_acc, where = tensorgear_epochs(data, model_name, batch, args.epochs, device)
            row = {"tensorgear_s": tg_s, "tensorgear_test_acc": tg_acc, "variables_on": where}
            try:
                th_s, th_acc = torch_epochs(data, model_name, batch, args.epochs, torch_device)
                row.update(torch_s=th_s, torch_test_acc=th_acc, ratio=tg_s / th_s)
            except ImportError as e:
                row["torch"] = f"not available: {e}"
            report[f"mnist_{model_name}_epoch_batch{batch}"] = row
            print(f"MNIST {model_name} epoch, batch {batch}: {row}", flush=True)
    if not dry:
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

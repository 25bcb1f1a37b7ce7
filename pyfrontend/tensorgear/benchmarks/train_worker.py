"""One framework's training run (MNIST, or a sequence model), in a process of its own.

    python train_worker.py --framework {tensorgear,torch,numpy,keras} --data D.npz
                           --epochs 5 --batch-size 128 --out RESULT.json

Run by file path (not ``-m``) so that the PyTorch, NumPy and Keras runs never
import tensorgear: the peak RSS it reports (getrusage) is that framework's alone.
Every framework trains the seeds' model the same way: Dense(512, relu) ->
Dense(10, softmax), sparse categorical cross-entropy, RMSprop(1e-3, rho 0.9,
epsilon 1e-7), batch 128, reshuffled every epoch, training accuracy tracked as
``fit`` does, then test loss and accuracy. The sequence models (--model lstm / transformer:
sequence_models.py) train the same way with their own data, loss and optimizer.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import sys
import time
import traceback

# The script's folder would shadow top-level modules (env, timing, ...) for the
# frameworks imported below.
_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or ".") == _HERE:
    del sys.path[0]

import numpy as np  # noqa: E402


def peak_rss_bytes() -> int:
    """This process's peak RSS.  /proc's VmHWM belongs to this process's own address
    space; getrusage's ru_maxrss is not used first because, after a vfork+exec
    (what subprocess does), it starts at the parent's RSS."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # KiB on Linux


def current_rss_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


SEQUENCE_MODELS = ("lstm", "transformer")


def load_data(path: str, model: str = "mlp"):
    """uint8 MNIST from the parent's .npz -> float32 pixels/255, in place (the
    same memory for every framework): rows of 784 for the MLP, 28x28x1 images
    (channels last) for the convnet. A sequence model's ids and labels as written."""
    with np.load(path) as d:
        x_train, y_train, x_test, y_test = (d[k] for k in ("x_train", "y_train", "x_test", "y_test"))
    if model in SEQUENCE_MODELS:
        return x_train.astype(np.int64), y_train.astype(np.float32), x_test.astype(np.int64), y_test.astype(np.float32)
    sample = (28, 28, 1) if model == "cnn" else (-1,)
    x_train = x_train.reshape((len(x_train),) + sample).astype(np.float32)
    x_train /= 255
    x_test = x_test.reshape((len(x_test),) + sample).astype(np.float32)
    x_test /= 255
    return x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64)


def _load_sibling(name):
    """A module of this folder, loaded by path (the worker never imports the tensorgear package
    for the other frameworks)."""
    spec = importlib.util.spec_from_file_location(f"_tg_bench_{name}", os.path.join(_HERE, f"{name}.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _load_numpy_mlp():
    return _load_sibling("numpy_mlp")


# ------------------------------------------------------------------ frameworks


def train_keras_like(keras, data, args, result):
    """tensorgear.keras and Keras share this: the seeds' code, timed per epoch."""
    x_train, y_train, x_test, y_test = data
    if hasattr(keras, "utils") and hasattr(keras.utils, "set_random_seed"):
        keras.utils.set_random_seed(args.seed)
    L = keras.layers
    if args.model in SEQUENCE_MODELS:
        model = _load_sibling("sequence_models").keras_model(keras, args.model)
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="binary_crossentropy",
                      metrics=["accuracy"])
    elif args.model == "cnn":  # Deep Learning with Python, ch. 8's first convnet
        model = keras.Sequential([keras.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
                                  L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2),
                                  L.Conv2D(128, 3, activation="relu"), L.Flatten(),
                                  L.Dense(10, activation="softmax")])
    else:
        model = keras.Sequential([L.Dense(args.hidden, activation="relu"), L.Dense(10, activation="softmax")])
    if args.model not in SEQUENCE_MODELS:
        model.compile(optimizer=keras.optimizers.RMSprop(learning_rate=1e-3),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.t0 = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.t0)

    t0 = time.perf_counter()
    history = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                        verbose=0, callbacks=[EpochTimer()])
    result["fit_s"] = time.perf_counter() - t0
    result["epoch_s"] = times
    hist = getattr(history, "history", {}) or {}
    result["train_loss"] = [float(v) for v in hist.get("loss", [])]
    result["train_accuracy"] = [float(v) for v in hist.get("accuracy", [])]
    out = model.evaluate(x_test, y_test, batch_size=args.batch_size, verbose=0)
    result["test_loss"], result["test_accuracy"] = float(out[0]), float(out[1])


def train_tensorgear(data, args, result):
    import tensorgear as tg
    from tensorgear import keras

    result["version"] = tg.__version__
    if args.threads:
        tg._C.set_num_threads(args.threads)  # BLAS runs one thread per call (the GEMM policy)
    train_keras_like(keras, data, args, result)
    try:  # after training: what the GEMMs actually ran with
        result["threads"] = {"kernels": int(tg._C.num_threads()),
                             "blas": int(tg._C.blas_info().get("threads", -1))}
    except Exception:  # noqa: BLE001
        pass


def train_keras(data, args, result):
    try:
        import keras
    except ImportError:
        from tensorflow import keras
    result["version"] = f"keras {keras.__version__}"
    try:
        result["version"] += f" ({keras.backend.backend()} backend)"
    except Exception:  # noqa: BLE001
        pass
    train_keras_like(keras, data, args, result)


def train_torch(data, args, result):
    import torch
    from torch import nn

    x_train, y_train, x_test, y_test = data
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    result["version"] = torch.__version__
    result["threads"] = {"intra_op": torch.get_num_threads()}
    if args.model in SEQUENCE_MODELS:
        return _train_torch_sequence(torch, data, args, result)
    if args.model == "cnn":  # NCHW, PyTorch's native layout for its (oneDNN) convolutions
        x_train, x_test = (np.ascontiguousarray(v.transpose(0, 3, 1, 2)) for v in (x_train, x_test))
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Conv2d(64, 128, 3), nn.ReLU(), nn.Flatten(),
                              nn.Linear(128 * 3 * 3, 10))
    else:
        model = nn.Sequential(nn.Linear(x_train.shape[1], args.hidden), nn.ReLU(),
                              nn.Linear(args.hidden, 10))
    for m in model:
        if isinstance(m, (nn.Linear, nn.Conv2d)):  # Keras's defaults, for the same accuracy
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()  # softmax + cross-entropy on logits, fused
    _torch_fit(torch, model, opt, loss_fn, lambda out, yb: (out.argmax(1) == yb).sum(),
               (x_train, y_train, x_test, y_test), args, result)


def _torch_fit(torch, model, opt, loss_fn, count_correct, data, args, result):
    """PyTorch's training loop as fit runs it: reshuffled batches each epoch, the loss and the
    correct predictions (count_correct(outputs, targets)) summed as it goes; then the test set."""
    x_train, y_train, x_test, y_test = data
    x, y = torch.from_numpy(x_train), torch.from_numpy(y_train)
    n, bs = x.shape[0], args.batch_size
    times, losses, accs = [], [], []
    t_fit = time.perf_counter()
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            out = model(xb)
            loss = loss_fn(out, yb)
            loss.backward()
            opt.step()
            with torch.no_grad():
                loss_sum += loss.detach() * len(idx)
                correct += count_correct(out, yb)
        times.append(time.perf_counter() - t0)
        losses.append(float(loss_sum) / n)
        accs.append(int(correct) / n)
    result["fit_s"] = time.perf_counter() - t_fit
    result["epoch_s"], result["train_loss"], result["train_accuracy"] = times, losses, accs
    with torch.no_grad():
        out = torch.cat([model(torch.from_numpy(x_test[i:i + 1000])) for i in range(0, len(x_test), 1000)])
        yt = torch.from_numpy(y_test)
        result["test_loss"] = float(loss_fn(out, yt))
        result["test_accuracy"] = float(count_correct(out, yt)) / len(y_test)


def _train_torch_sequence(torch, data, args, result):
    """A sequence model in PyTorch: BCE on logits, Adam 1e-3 (Keras's epsilon)."""
    model = _load_sibling("sequence_models").torch_model(torch, args.model)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    _torch_fit(torch, model, opt, torch.nn.BCEWithLogitsLoss(), lambda out, yb: ((out > 0).float() == yb).sum(),
               data, args, result)


def train_numpy(data, args, result):
    if args.model != "mlp":
        raise ValueError(f"the NumPy baseline is an MLP only (no {args.model})")
    x_train, y_train, x_test, y_test = data
    mlp_mod = _load_numpy_mlp()
    result["version"] = f"numpy {np.__version__}"
    try:
        from threadpoolctl import threadpool_info

        result["threads"] = {d["internal_api"]: d["num_threads"] for d in threadpool_info()}
    except ImportError:
        pass
    model = mlp_mod.MLP(n_in=x_train.shape[1], hidden=args.hidden, seed=args.seed)
    rng = np.random.default_rng(args.seed)
    n, bs = x_train.shape[0], args.batch_size
    times, losses, accs = [], [], []
    t_fit = time.perf_counter()
    for _ in range(args.epochs):
        t0 = time.perf_counter()
        perm = rng.permutation(n)
        loss_sum, correct = 0.0, 0
        for i in range(0, n, bs):
            idx = perm[i:i + bs]
            loss, c = model.train_step(x_train[idx], y_train[idx])
            loss_sum += loss * len(idx)
            correct += c
        times.append(time.perf_counter() - t0)
        losses.append(loss_sum / n)
        accs.append(correct / n)
    result["fit_s"] = time.perf_counter() - t_fit
    result["epoch_s"], result["train_loss"], result["train_accuracy"] = times, losses, accs
    result["test_loss"], result["test_accuracy"] = model.evaluate(x_test, y_test)


TRAINERS = {"tensorgear": train_tensorgear, "torch": train_torch, "numpy": train_numpy,
            "keras": train_keras}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--framework", required=True, choices=sorted(TRAINERS))
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--hidden", type=int, default=512)
    p.add_argument("--model", choices=("mlp", "cnn") + SEQUENCE_MODELS, default="mlp")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=0, help="0: the framework's default")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    result = {"framework": args.framework, "epochs": args.epochs, "batch_size": args.batch_size}
    rc = 0
    try:
        t0 = time.perf_counter()
        data = load_data(args.data, args.model)
        result["load_s"] = time.perf_counter() - t0
        result["n_train"], result["n_test"] = len(data[0]), len(data[2])
        result["steps_per_epoch"] = -(-len(data[0]) // args.batch_size)
        result["rss_after_data_bytes"] = current_rss_bytes()
        TRAINERS[args.framework](data, args, result)
    except Exception as e:  # noqa: BLE001 - the parent reports it as a skip
        result["error"] = f"{type(e).__name__}: {e}"[:300]
        result["traceback"] = traceback.format_exc()[-3000:]
        rc = 1
    result["peak_rss_bytes"] = peak_rss_bytes()
    with open(args.out, "w") as f:
        json.dump(result, f)
    return rc


if __name__ == "__main__":
    sys.exit(main())

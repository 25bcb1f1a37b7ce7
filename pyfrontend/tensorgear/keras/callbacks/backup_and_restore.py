"""BackupAndRestore: an interrupted fit() resumes where it stopped, with nothing lost.

At the end of every epoch the model's weights, the optimizer's state, the
epoch and NumPy's random state (the shuffling order) are written to one file
in ``backup_dir``, atomically. A fit() that finds that file starts from it, at
the next epoch; a fit() that finishes deletes it. Under a multi-rank strategy
rank 0 writes and every rank reads, so ``backup_dir`` must be visible to all
of them (a shared folder), as Keras requires.
"""

import io
import json
import os
import zipfile

import numpy as np

from ..saving import keras_weights
from ..saving.saving_api import restore_optimizer_state
from ..saving.weights_io import assign_weights, atomic_write, read_weights_archive
from .callback import Callback


class BackupAndRestore(Callback):
    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore needs a backup_dir (a folder for the backup file)")
        if save_freq != "epoch":
            raise ValueError(f"BackupAndRestore: save_freq={save_freq!r} is not supported; tensorgear resumes at "
                             f"epoch boundaries only (save_freq='epoch')")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.path = os.path.join(self.backup_dir, "backup.tgbackup")

    def _writes(self):
        writes = getattr(self.model, "_writes_files", None)
        return writes() if writes is not None else True

    def on_train_begin(self, logs=None):
        if not os.path.exists(self.path):
            return
        if not self.model.built:
            raise ValueError(f"BackupAndRestore: a backup exists in {self.backup_dir}, but the model is not built "
                             f"yet; give it its input shape (keras.Input or model.build) before fit()")
        try:
            with zipfile.ZipFile(self.path) as zf:
                state = json.loads(zf.read("training.json").decode("utf-8"))
                names = zf.namelist()
                h5 = "model.weights.h5" in names
                weights = zf.read("model.weights.h5" if h5 else "model.weights.npz")
                optimizer = zf.read("optimizer.npz") if "optimizer.npz" in names else None
                rng_keys = np.load(io.BytesIO(zf.read("numpy_rng.npy")), allow_pickle=False)
        except (zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
            raise ValueError(f"BackupAndRestore: the backup '{self.path}' is corrupt ({type(exc).__name__}: "
                             f"{exc}); delete it to start over") from exc
        if h5:  # weights and optimizer state in Keras's layout
            keras_weights.read_h5(self.model, weights, f"'{self.path}'", load_optimizer=True)
        else:  # a backup written by an older tensorgear
            meta, arrays = read_weights_archive(weights, f"'{self.path}'")
            assign_weights(self.model, meta, arrays, f"'{self.path}'")
            if optimizer is not None:
                restore_optimizer_state(self.model, optimizer, self.path)
        rng = state["numpy_rng"]
        np.random.set_state((rng[0], rng_keys, rng[1], rng[2], rng[3]))
        self.model.__dict__["_initial_epoch"] = int(state["epoch"]) + 1

    def on_epoch_end(self, epoch, logs=None):
        if not self._writes():
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        name, keys, pos, has_gauss, cached = np.random.get_state()
        rng_keys = io.BytesIO()
        np.save(rng_keys, keys, allow_pickle=False)
        state = {"epoch": int(epoch), "numpy_rng": [name, int(pos), int(has_gauss), float(cached)]}
        weights = keras_weights.h5_bytes(self.model)

        def write(f):
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
                zf.writestr("training.json", json.dumps(state))
                zf.writestr("model.weights.h5", weights)
                zf.writestr("numpy_rng.npy", rng_keys.getvalue())

        atomic_write(self.path, write, overwrite=True)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and self._writes() and os.path.exists(self.path):
            os.remove(self.path)

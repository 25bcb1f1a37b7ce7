"""The word-index datasets imdb and reuters share: Keras's shuffling, index shifting, start and
out-of-vocabulary characters, and the maxlen / num_words / skip_top filters."""

import io
import zipfile

import numpy as np

from .mnist import _NumpyArrayUnpickler


def encode(xs_parts, labels_parts, num_words, skip_top, maxlen, seed, start_char, oov_char, index_from, what):
    """Each part (train, test, or the whole set) shuffled with one RandomState(seed), as Keras
    does; returns the parts' sequences (object arrays of lists) and labels."""
    rng = np.random.RandomState(seed)
    parts = []
    for xs, labels in zip(xs_parts, labels_parts):
        order = np.arange(len(xs))
        rng.shuffle(order)
        xs, labels = xs[order], labels[order]
        if start_char is not None:
            xs = [[start_char] + [w + index_from for w in x] for x in xs]
        else:
            xs = [[w + index_from for w in x] for x in xs]
        if maxlen:
            keep = [i for i, x in enumerate(xs) if len(x) < maxlen]
            xs, labels = [xs[i] for i in keep], labels[keep]
            if not xs:
                raise ValueError(f"After filtering for sequences shorter than maxlen={maxlen}, no sequence was kept. "
                                 f"Increase maxlen.")
        parts.append((xs, labels))
    every = [x for xs, _ in parts for x in xs]
    if not num_words:
        num_words = max(max(x) for x in every if x)
    out = []
    for xs, labels in parts:
        if oov_char is not None:
            xs = [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
        else:
            xs = [[w for w in x if skip_top <= w < num_words] for x in xs]
        seqs = np.empty(len(xs), dtype=object)
        seqs[:] = xs
        out.append((seqs, np.asarray(labels)))
    return out


def _read_member(data):
    """One .npy member: numeric arrays without pickle; object arrays (the ragged sequences)
    through an unpickler that rebuilds NumPy arrays and nothing else."""
    fp = io.BytesIO(data)
    try:
        return np.lib.format.read_array(fp, allow_pickle=False)
    except ValueError:
        fp.seek(0)
        major, _ = np.lib.format.read_magic(fp)
        read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
        read_header(fp)
        return _NumpyArrayUnpickler(fp, encoding="latin1").load()


def load_npz_sequences(path, keys):
    """The arrays of a Keras .npz of sequences (object arrays of int lists, stored pickled)."""
    try:
        with zipfile.ZipFile(path) as z:
            names = {n[:-4]: n for n in z.namelist() if n.endswith(".npy")}
            missing = [k for k in keys if k not in names]
            if missing:
                raise ValueError(f"{path}: not Keras's file (no {missing} among {sorted(names)})")
            return [_read_member(z.read(names[k])) for k in keys]
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValueError(f"{path}: not a readable .npz file ({exc})") from exc

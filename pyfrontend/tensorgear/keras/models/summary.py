"""model.summary(): the tf.keras 2 table of layers, output shapes and parameter counts.

    Model: "sequential"
    _________________________________________________________________
     Layer (type)                Output Shape              Param #
    =================================================================
     dense (Dense)               (None, 512)               401920
    ...
    =================================================================
    Total params: 407050 (1.55 MB)
    Trainable params: 407050 (1.55 MB)
    Non-trainable params: 0 (0.00 Byte)
    _________________________________________________________________
"""

from ..backend.tensor_utils import dtype_name


def readable_memory_size(size):
    units = ["Byte", "KB", "MB", "GB", "TB", "PB"]
    scale = 1024
    for unit in units:
        if size / scale < 1:
            return f"{size:.2f} {unit}"
        size /= scale
    return f"{size:.2f} {units[-1]}"


def _bytes_of(variables):
    total = 0
    for v in variables:
        n = 1
        for d in v.shape:
            n *= int(d)
        itemsize = {"float64": 8, "int64": 8, "float32": 4, "int32": 4, "uint8": 1, "bool": 1}.get(
            dtype_name(v.dtype), 4)
        total += n * itemsize
    return total


def _count(variables):
    total = 0
    for v in variables:
        n = 1
        for d in v.shape:
            n *= int(d)
        total += n
    return total


def _format_shape(shape):
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_format_shape(s) for s in shape) + "]"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"'{k}': {_format_shape(v)}" for k, v in shape.items()) + "}"
    shape = tuple(shape)
    if shape:
        shape = (None,) + shape[1:]
    return str(shape)


def _print_row(fields, positions, print_fn):
    left = [str(f) for f in fields]
    while any(left):
        line = ""
        for col in range(len(left)):
            start = positions[col - 1] if col > 0 else 0
            end = positions[col]
            space = 2 if col != len(positions) - 1 else 0
            cutoff = end - start - space
            if col != len(positions) - 1:
                cutoff -= 1
            text = left[col][:cutoff]
            # break long entries after the end of a tuple/list element
            breaks = [text.find(b) + len(b) for b in ("),", "},", "],", "',") if text.find(b) >= 0]
            if breaks and len(left[col]) > cutoff:
                cutoff = min(breaks)
                text = text[:cutoff]
            if col == 0:
                line += " "
            line += text
            line += " " * space if space else ""
            left[col] = left[col][len(text):]
            line += " " * (positions[col] - len(line))
        print_fn(line)


def print_summary(model, line_length=None, positions=None, print_fn=None):
    from ..layers.core import InputLayer

    if not model.built:
        raise ValueError(
            "This model has not yet been built. Build the model first by calling `build()` or by calling the "
            "model on a batch of data.")
    print_fn = print_fn or print
    line_length = line_length or 65
    positions = positions or [0.45, 0.85, 1.0]
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    layers = list(model._layers)
    if type(model).__name__ == "Sequential":
        layers = [layer for layer in layers if not isinstance(layer, InputLayer)]
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    _print_row(["Layer (type)", "Output Shape", "Param #"], positions, print_fn)
    print_fn("=" * line_length)
    for i, layer in enumerate(layers):
        shape = layer._output_shape
        shape_text = f"[{_format_shape(shape)}]" if isinstance(layer, InputLayer) else _format_shape(shape)
        params = layer.count_params() if layer.built else 0
        _print_row([f"{layer.name} ({type(layer).__name__})", shape_text, params], positions, print_fn)
        if i < len(layers) - 1:
            print_fn(" " * line_length)
    print_fn(" " * line_length if layers else "")
    print_fn("=" * line_length)
    weights = model.weights
    trainable = model.trainable_weights
    trainable_ids = {id(v) for v in trainable}
    non_trainable = [v for v in weights if id(v) not in trainable_ids]
    print_fn(f"Total params: {_count(weights)} ({readable_memory_size(_bytes_of(weights))})")
    print_fn(f"Trainable params: {_count(trainable)} ({readable_memory_size(_bytes_of(trainable))})")
    print_fn(f"Non-trainable params: {_count(non_trainable)} ({readable_memory_size(_bytes_of(non_trainable))})")
    print_fn("_" * line_length)

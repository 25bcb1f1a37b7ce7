"""Keras masks: a boolean tensor of the leading (batch, timesteps) shape, attached to the
tensor it describes as ``_keras_mask``, as Keras 3 does.

``Layer.__call__`` reads the masks of its inputs, passes them to ``call(mask=...)`` (or
``<arg>_mask`` when a call takes several tensors) and attaches ``compute_mask``'s result
to the outputs; losses and metrics weight by the mask of ``y_pred``. ``IN_USE`` turns
true the first time any mask is attached, so a process without masks (every MLP and
convnet) skips the lookups on the hot path.
"""

from ... import nest

IN_USE = False


def get_keras_mask(x):
    """The mask attached to ``x``, or None."""
    return getattr(x, "_keras_mask", None)


def set_keras_mask(x, mask):
    """Attaches ``mask`` to ``x`` (None removes it)."""
    global IN_USE
    if mask is None:
        if getattr(x, "_keras_mask", None) is not None:
            x._keras_mask = None
        return
    IN_USE = True
    x._keras_mask = mask


def mask_of(structure):
    """The masks of a (nested) structure of tensors, in its shape, or None when it has none."""
    if not IN_USE:
        return None
    if not isinstance(structure, (list, tuple, dict)):
        return getattr(structure, "_keras_mask", None)
    masks = nest.map_structure(get_keras_mask, structure)
    return masks if any(m is not None for m in nest.flatten(masks)) else None


def attach_masks(outputs, masks):
    """Attaches each mask of ``masks`` (a structure like ``outputs``, or one mask) to the
    output that does not carry one yet."""
    flat_out = nest.flatten(outputs)
    flat_masks = nest.flatten(masks) if isinstance(masks, (list, tuple, dict)) else [masks]
    if len(flat_masks) == 1 and len(flat_out) > 1:
        flat_masks = flat_masks * len(flat_out)
    for tensor, mask in zip(flat_out, flat_masks):
        if mask is not None and getattr(tensor, "_keras_mask", None) is None:
            set_keras_mask(tensor, mask)

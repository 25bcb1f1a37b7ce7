"""tf.einsum: Einstein summation as a composition of the table's ops.

TensorFlow's equation language: subscripts are letters (a-z, A-Z), `...`
stands for broadcast dimensions (size-1 ellipsis dimensions broadcast
against the other operand's), spaces are ignored, and without `->` the
output is the ellipsis followed by the letters that appear exactly once, in
ASCII order. Lettered dimensions must match exactly.

How it runs: per operand, a repeated subscript takes the diagonal (a
multiply by an identity matrix and a sum) and a subscript that no other
operand and not the output has is summed away. Two operands are then
transposed to (batch, free, contracted) and (batch, contracted, free),
reshaped to one matmul (batch dimensions kept apart, so the ellipsis
broadcasts in it) and the result is transposed into the output's order.
More than two operands are contracted pairwise from the left. Gradients
come from those ops' rules.
"""

import string

from ._C import (
    convert_to_tensor as _tensor, eye as _eye, matmul as _matmul, multiply as _multiply,
    reduce_sum as _reduce_sum, reshape as _reshape, squeeze as _squeeze, transpose as _transpose,
    expand_dims as _expand_dims, broadcast_to as _broadcast_to,
)

_LETTERS = set(string.ascii_letters)


def einsum(equation, *inputs, **kwargs):
    """Evaluates the Einstein summation `equation` over `inputs` (tf.einsum)."""
    kwargs.pop("name", None)
    kwargs.pop("optimize", None)
    if kwargs:
        raise TypeError(f"einsum() got unexpected keyword arguments: {sorted(kwargs)}")
    if not isinstance(equation, str):
        raise TypeError(f"einsum: the equation must be a string, got {type(equation).__name__}")
    tensors = [_tensor(x) for x in inputs]
    in_subs, out_sub = _parse(equation, len(tensors))
    operands = [_Operand(t, _expand(s, t, i, equation)) for i, (t, s) in enumerate(zip(tensors, in_subs))]
    sizes = _label_sizes(operands, equation)
    ell_rank = max((sum(1 for lab in op.labels if isinstance(lab, int)) for op in operands), default=0)
    ellipsis = [-k for k in range(ell_rank, 0, -1)]  # the broadcast dims' labels, outermost first
    if out_sub is None:
        counts = {}
        for op in operands:
            for lab in op.labels:
                counts[lab] = counts.get(lab, 0) + 1
        output = ellipsis + sorted(lab for lab, c in counts.items() if c == 1 and isinstance(lab, str))
    else:
        output = _output_labels(out_sub, ellipsis, equation, operands)
    for op in operands:
        op.diagonalise()
    result = operands[0]
    for i, nxt in enumerate(operands[1:], start=1):
        later = {lab for op in operands[i + 1:] for lab in op.labels}
        result = _contract(result, nxt, set(output) | later, sizes)
    result.sum_except(set(output))
    return result.arranged(output, sizes)


# ---- parsing ---------------------------------------------------------------------------

def _parse(equation, n):
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->", 1)
        if "->" in out:
            raise ValueError(f"einsum: the equation {equation!r} has more than one '->'")
    else:
        lhs, out = eq, None
    subs = lhs.split(",")
    for s in subs + ([out] if out is not None else []):
        _check_subscripts(s, equation)
    if len(subs) != n:
        raise ValueError(f"einsum: the equation {equation!r} has {len(subs)} operand(s) but got {n} input(s)")
    if n == 0:
        raise ValueError("einsum: expected at least one input")
    return subs, out


def _check_subscripts(s, equation):
    rest = s.replace("...", "", 1)
    if "." in rest:
        raise ValueError(f"einsum: the equation {equation!r} has a '.' that is not part of one '...' in {s!r}")
    bad = [c for c in rest if c not in _LETTERS]
    if bad:
        raise ValueError(f"einsum: invalid subscript {bad[0]!r} in the equation {equation!r} "
                         "(subscripts are letters a-z, A-Z and one '...' per operand)")


def _expand(sub, tensor, index, equation):
    """The operand's labels: letters, and -k for its k-th ellipsis dimension from the right."""
    rank = tensor.ndim
    if "..." in sub:
        left, right = sub.split("...")
        n_ell = rank - len(left) - len(right)
        if n_ell < 0:
            raise ValueError(f"einsum: input {index} of shape {tuple(tensor.shape)} has rank {rank}, fewer "
                             f"dimensions than the subscripts {sub!r} of {equation!r} name")
        return list(left) + [-k for k in range(n_ell, 0, -1)] + list(right)
    if len(sub) != rank:
        raise ValueError(f"einsum: input {index} of shape {tuple(tensor.shape)} has rank {rank}, but its "
                         f"subscripts {sub!r} in {equation!r} name {len(sub)} dimension(s)")
    return list(sub)


def _output_labels(out, ellipsis, equation, operands):
    letters = [c for c in out.replace("...", "")]
    seen = set()
    for c in letters:
        if c in seen:
            raise ValueError(f"einsum: the output subscripts of {equation!r} contain {c!r} more than once")
        seen.add(c)
        if not any(c in op.labels for op in operands):
            raise ValueError(f"einsum: the output subscript {c!r} of {equation!r} is in no input's subscripts")
    if "..." not in out:
        if ellipsis:
            raise ValueError(f"einsum: the inputs of {equation!r} have {len(ellipsis)} broadcast dimension(s) "
                             "('...') but the output subscripts have no '...'")
        return letters
    left, right = out.split("...")
    return list(left) + ellipsis + list(right)


def _label_sizes(operands, equation):
    """Each label's size: letters must agree exactly, ellipsis dims broadcast (1 against n)."""
    sizes = {}
    for i, op in enumerate(operands):
        for lab, n in zip(op.labels, op.tensor.shape):
            n = int(n)
            have = sizes.get(lab)
            if have is None or have == n:
                sizes[lab] = n
            elif isinstance(lab, int) and (have == 1 or n == 1):
                sizes[lab] = max(have, n)
            else:
                what = "ellipsis dimension" if isinstance(lab, int) else f"subscript {lab!r}"
                raise ValueError(f"einsum: {what} of {equation!r} has size {n} in input {i} of shape "
                                 f"{tuple(op.tensor.shape)} but size {have} elsewhere")
    return sizes


# ---- the operands --------------------------------------------------------------------------

class _Operand:
    """A tensor and one label per dimension."""

    def __init__(self, tensor, labels):
        self.tensor, self.labels = tensor, labels

    def diagonalise(self):
        """A label repeated within the operand keeps only the diagonal (x * I summed once)."""
        while True:
            dup = next((lab for lab in self.labels if self.labels.count(lab) > 1), None)
            if dup is None:
                return
            i = self.labels.index(dup)
            j = self.labels.index(dup, i + 1)
            n = int(self.tensor.shape[i])
            shape = [1] * len(self.labels)
            shape[i] = shape[j] = n
            identity = _reshape(_eye(n, dtype=self.tensor.dtype), shape)
            self.tensor = _reduce_sum(_multiply(self.tensor, identity), axis=j)
            del self.labels[j]

    def sum_except(self, keep):
        axes = [d for d, lab in enumerate(self.labels) if lab not in keep]
        if axes:
            self.tensor = _reduce_sum(self.tensor, axis=axes)
            self.labels = [lab for lab in self.labels if lab in keep]

    def drop_broadcast(self, lab):
        """Removes a size-1 ellipsis dim that the other operand has at full size."""
        d = self.labels.index(lab)
        self.tensor = _squeeze(self.tensor, axis=[d])
        del self.labels[d]

    def arranged(self, output, sizes):
        """The tensor with dims in the output's order (broadcast ellipsis dims it lacks or has at 1)."""
        for lab in output:
            if lab not in self.labels:  # an ellipsis dim only the other operand had, at size 1
                self.tensor = _expand_dims(self.tensor, 0)
                self.labels.insert(0, lab)
        perm = [self.labels.index(lab) for lab in output]
        t = self.tensor if perm == list(range(len(perm))) else _transpose(self.tensor, perm)
        target = tuple(sizes[lab] for lab in output)
        if tuple(int(d) for d in t.shape) != target:
            t = _broadcast_to(t, target)
        return t


def _contract(a, b, keep, sizes):
    """a and b as one operand: labels in both and not kept are summed over (one matmul)."""
    for op, other in ((a, b), (b, a)):
        for lab in list(op.labels):
            if lab in other.labels:
                n_op = int(op.tensor.shape[op.labels.index(lab)])
                n_other = int(other.tensor.shape[other.labels.index(lab)])
                if n_op == 1 and n_other != 1:
                    op.drop_broadcast(lab)
    a.sum_except(keep | set(b.labels))
    b.sum_except(keep | set(a.labels))
    batch = [lab for lab in a.labels if lab in b.labels and lab in keep]
    contracted = [lab for lab in a.labels if lab in b.labels and lab not in keep]
    free_a = [lab for lab in a.labels if lab not in b.labels]
    free_b = [lab for lab in b.labels if lab not in a.labels]
    lhs, dims_a = _grouped(a, batch, free_a, contracted)
    rhs, dims_b = _grouped(b, batch, contracted, free_b)
    out = _matmul(lhs, rhs)
    shape = dims_a[:len(batch)] + dims_a[len(batch):len(batch) + len(free_a)] + dims_b[len(batch) + len(contracted):]
    return _Operand(_reshape(out, shape), batch + free_a + free_b)


def _grouped(op, batch, rows, cols):
    """op transposed to (batch..., rows..., cols...) and reshaped to (batch..., R, C); and
    the transposed dims."""
    order = batch + rows + cols
    perm = [op.labels.index(lab) for lab in order]
    t = op.tensor if perm == list(range(len(perm))) else _transpose(op.tensor, perm)
    dims = [int(d) for d in t.shape]
    nb = len(batch)
    r = 1
    for d in dims[nb:nb + len(rows)]:
        r *= d
    c = 1
    for d in dims[nb + len(rows):]:
        c *= d
    return _reshape(t, dims[:nb] + [r, c]), dims

"""tg.einsum (pyfrontend/tensorgear/einsum.py) against np.einsum: one, two and
three operands, ellipses, implicit outputs, diagonals, broadcasting, float32
and float64, contiguous and strided inputs, float64 gradients by finite
differences, and TensorFlow's errors for malformed equations."""

import numpy as np
import pytest

import tensorgear as tg
from gradcheck import check_grad

# (equation, input shapes)
CASES = [
    ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ij", [(3, 4)]),
    ("ii->i", [(4, 4)]),
    ("ii", [(4, 4)]),
    ("iij->j", [(3, 3, 2)]),
    ("...ij->...ji", [(2, 3, 4, 5)]),
    ("i,i->", [(5,), (5,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,j", [(3,), (4,)]),
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("ij,kj->ik", [(3, 4), (5, 4)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("bij,jk->bik", [(2, 3, 4), (4, 5)]),
    ("abc,cd->abd", [(2, 3, 4), (4, 5)]),
    ("abc,cde->abde", [(2, 3, 4), (4, 5, 6)]),
    ("abcd,cde->abe", [(2, 3, 4, 5), (4, 5, 6)]),
    ("btnh,bsnh->bnts", [(2, 3, 4, 5), (2, 6, 4, 5)]),
    ("aecd,abcd->acbe", [(2, 6, 4, 5), (2, 3, 4, 5)]),  # Keras MHA's dot-product equation
    ("acbe,aecd->abcd", [(2, 4, 3, 6), (2, 6, 4, 5)]),  # ... and its combine equation
    ("abcd,cde->abe", [(2, 3, 4, 5), (4, 5, 7)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 6)]),  # broadcast ellipsis dims
    ("...ij,jk->...ik", [(2, 3, 4), (4, 5)]),
    ("ij...,jk...->ik...", [(2, 3, 5), (3, 4, 1)]),
    ("...i,...i->...", [(3, 1, 4), (2, 4)]),
    ("bi,bj->bij", [(2, 3), (2, 4)]),
    ("ab,cd->abcd", [(2, 3), (4, 5)]),
    ("ab,ab->ba", [(2, 3), (2, 3)]),
    ("abc,b->ac", [(2, 3, 4), (3,)]),
    ("ijk,ik->j", [(2, 3, 4), (2, 4)]),
    ("iij,jk->ik", [(3, 3, 4), (4, 2)]),
    ("aB,c", [(2, 3), (4,)]),  # implicit output in ASCII order: B, a, c
    ("ba...,c", [(2, 3, 5), (4,)]),
    ("i j , j k -> i k", [(2, 3), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("i,i,i->i", [(3,), (3,), (3,)]),
    ("->", [()]),
    (",->", [(), ()]),
    ("i,->i", [(3,), ()]),
    ("ij,jk->ik", [(0, 4), (4, 5)]),
    ("ij,jk->ik", [(3, 0), (0, 5)]),
]


def _arrays(shapes, dtype, seed=0):
    r = np.random.default_rng(seed)
    return [r.uniform(-2, 2, size=s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("equation,shapes", CASES)
def test_einsum_matches_numpy(equation, shapes, dtype):
    xs = _arrays(shapes, dtype)
    got = tg.einsum(equation, *[tg.constant(x) for x in xs])
    expected = np.einsum(equation, *[x.astype(np.float64) for x in xs])
    assert got.shape == expected.shape, (equation, got.shape, expected.shape)
    assert got.dtype == tg.as_dtype(dtype)
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got.numpy(), expected, rtol=tol, atol=tol)


@pytest.mark.parametrize("equation,shapes", [c for c in CASES if all(s and 0 not in s for s in c[1])])
def test_einsum_of_strided_views(equation, shapes):
    xs = _arrays(shapes, "float64")
    wide = [tg.constant(np.repeat(x, 2, axis=-1))[..., ::2] for x in xs]
    np.testing.assert_allclose(tg.einsum(equation, *wide).numpy(), np.einsum(equation, *xs), rtol=1e-12, atol=1e-12)


GRAD_CASES = ["ij->ji", "ii->i", "ij->", "ij,jk->ik", "bij,bjk->bik", "abcd,cde->abe", "btnh,bsnh->bnts",
              "...ij,...jk->...ik", "...i,...i->...", "i,j->ij", "iij,jk->ik", "ij,jk,kl->il"]


@pytest.mark.parametrize("equation", GRAD_CASES)
def test_einsum_gradients_match_finite_differences(equation):
    shapes = next(s for e, s in CASES if e == equation)
    check_grad(lambda *ts: tg.einsum(equation, *ts), *_arrays(shapes, "float64", 1), rtol=1e-6, atol=1e-8)


def test_einsum_takes_arrays_and_tensorflow_keywords():
    a, b = _arrays([(2, 3), (3, 4)], "float32")
    np.testing.assert_allclose(tg.einsum("ij,jk->ik", a, b, name="mm").numpy(), a @ b, rtol=1e-6)
    with pytest.raises(TypeError, match="unexpected keyword arguments: \\['bogus'\\]"):
        tg.einsum("ij->ji", a, bogus=1)
    with pytest.raises(TypeError, match="equation must be a string"):
        tg.einsum(3, a)


@pytest.mark.parametrize("equation,shapes,message", [
    ("ij-ji", [(3, 2)], r"invalid subscript '-'"),
    ("ab.c", [(2, 3)], r"'\.' that is not part of one '\.\.\.'"),
    ("a1", [(2, 3)], r"invalid subscript '1'"),
    ("ij->ji->ij", [(2, 3)], r"more than one '->'"),
    ("ij", [(2, 3), (3, 4)], r"has 1 operand\(s\) but got 2 input\(s\)"),
    ("ij,jk->ik", [(2, 3)], r"has 2 operand\(s\) but got 1 input\(s\)"),
    ("ij->jj", [(2, 3)], r"contain 'j' more than once"),
    ("ij->k", [(2, 3)], r"output subscript 'k' .* is in no input's subscripts"),
    ("ij,jk->ik", [(2, 3), (4, 5)], r"subscript 'j' of 'ij,jk->ik' has size 4 in input 1 of shape \(4, 5\) but size 3"),
    ("ij,jk->ik", [(2, 3), (1, 5)], r"subscript 'j' .* has size 1 in input 1"),
    ("ij,jk->ik", [(2, 3), (3, 4, 5)], r"input 1 of shape \(3, 4, 5\) has rank 3, but its subscripts 'jk'"),
    ("...ij->...ji", [(3,)], r"input 0 of shape \(3,\) has rank 1, fewer dimensions than the subscripts"),
    ("...ij,...jk->ik", [(2, 2, 3), (3, 4)], r"1 broadcast dimension\(s\) \('\.\.\.'\) but the output"),
    ("...i,...i->...i", [(2, 3), (4, 3)], r"ellipsis dimension .* has size 4 in input 1"),
])
def test_malformed_equations_and_mismatched_dimensions_raise_value_error(equation, shapes, message):
    with pytest.raises(ValueError, match=message):
        tg.einsum(equation, *_arrays(shapes, "float32"))

"""Python operators on Tensor: every arithmetic, comparison and logical
operator with tensors, Python scalars and NumPy arrays on either side
(reflected forms), the weak-scalar dtype rule (`2 * x` stays float32),
NumPy deferring to us (`ndarray + tensor` is a Tensor), results against
NumPy, gradients through operators, and operands we do not understand."""

import operator

import numpy as np
import pytest

import tensorgear as tg

rng = np.random.default_rng(99)

ARITH = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "%": operator.mod, "**": operator.pow,
}
COMPARE = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq, "!=": operator.ne,
}


def values(shape, dtype):
    if dtype.startswith("float"):
        return rng.uniform(0.5, 3.0, shape).astype(dtype)
    return rng.integers(1, 6, shape).astype(dtype)


def check(got, expected, dtype):
    assert isinstance(got, tg.Tensor), type(got)
    assert got.dtype == dtype, (got.dtype, dtype)
    np.testing.assert_allclose(got.numpy(), np.asarray(expected, dtype=got.numpy().dtype), rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
@pytest.mark.parametrize("sym", list(ARITH))
def test_arithmetic_tensor_tensor(sym, dtype):
    op = ARITH[sym]
    a, b = values((3, 4), dtype), values((4,), dtype)
    want = "float32" if sym == "/" and dtype.startswith("int") else dtype
    check(op(tg.constant(a), tg.constant(b)), op(a, b), want)


@pytest.mark.parametrize("sym", list(ARITH))
def test_arithmetic_with_python_scalars_both_sides(sym):
    op = ARITH[sym]
    a = values((5,), "float32")
    x = tg.constant(a)
    for s in (2, 3.0):
        check(op(x, s), op(a.astype(np.float64), s), "float32")   # weak scalar: float32 stays
        check(op(s, x), op(s, a.astype(np.float64)), "float32")   # reflected form


def test_weak_scalars_keep_the_tensor_dtype():
    x = tg.constant([1.0, 2.0])
    assert (2 * x).dtype == "float32"
    assert (x * 0.1).dtype == "float32"
    assert (x - 1).dtype == "float32"
    i = tg.constant([1, 2], dtype=tg.int32)
    assert (i + 1).dtype == "int32"
    assert (3 * i).dtype == "int32"
    assert (i * 0.5).dtype == "float32"    # a float scalar with integers gives float32
    assert (i / 2).dtype == "float32"      # true division of integers
    assert (i // 2).dtype == "int32"
    assert (i ** 2).dtype == "int32"
    assert (2 ** i).dtype == "int32"
    assert (i < 1.5).dtype == "bool"
    d = tg.constant(np.array([1.0, 2.0]))
    assert (d * 2.5).dtype == "float64"


@pytest.mark.parametrize("sym", list(ARITH) + list(COMPARE))
def test_ndarray_on_either_side_gives_a_tensor(sym):
    op = {**ARITH, **COMPARE}[sym]
    a = values((2, 3), "float32")
    n = values((3,), "float32")
    x = tg.constant(a)
    for left, right, ln, rn in [(x, n, a, n), (n, x, n, a)]:
        got = op(left, right)
        assert isinstance(got, tg.Tensor), (sym, type(got))
        expected = op(ln, rn)
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-6)
        assert got.dtype == str(expected.dtype)


def test_ndarray_dtype_is_strong():
    x = tg.constant([1.0, 2.0])  # float32
    assert (np.array([1.0, 2.0]) + x).dtype == "float64"
    assert (x + np.array([1.0, 2.0])).dtype == "float64"
    assert (np.array([1, 2], np.int32) * x).dtype == "float32"


@pytest.mark.parametrize("sym", list(COMPARE))
def test_comparisons_give_bool(sym):
    op = COMPARE[sym]
    a = rng.integers(0, 3, (4, 3)).astype(np.float32)
    b = rng.integers(0, 3, (3,)).astype(np.float32)
    got = op(tg.constant(a), tg.constant(b))
    assert got.dtype == "bool"
    np.testing.assert_array_equal(got.numpy(), op(a, b))
    # reflected: 1 < x is x > 1
    np.testing.assert_array_equal(op(1.0, tg.constant(a)).numpy(), op(1.0, a))
    np.testing.assert_array_equal(op(tg.constant(a), 1).numpy(), op(a, 1))


def test_equality_with_none():
    x = tg.constant([1.0])
    assert (x == None) is False  # noqa: E711  (TF 2 behaviour)
    assert (x != None) is True  # noqa: E711


def test_unary_operators():
    a = np.array([-1.5, 0.0, 2.0], np.float32)
    x = tg.constant(a)
    check(-x, -a, "float32")
    check(+x, a, "float32")
    check(abs(x), np.abs(a), "float32")
    m = tg.constant([True, False])
    np.testing.assert_array_equal((~m).numpy(), [False, True])
    with pytest.raises(TypeError, match="bool"):
        ~tg.constant([1, 2])


def test_logical_operators_on_bools():
    a, b = np.array([True, True, False, False]), np.array([True, False, True, False])
    ta, tb = tg.constant(a), tg.constant(b)
    np.testing.assert_array_equal((ta & tb).numpy(), a & b)
    np.testing.assert_array_equal((ta | tb).numpy(), a | b)
    np.testing.assert_array_equal((ta ^ tb).numpy(), a ^ b)
    np.testing.assert_array_equal((ta & True).numpy(), a)
    np.testing.assert_array_equal((False | ta).numpy(), a)
    np.testing.assert_array_equal((b ^ ta).numpy(), a ^ b)  # ndarray on the left
    for op in (operator.and_, operator.or_, operator.xor):
        with pytest.raises(TypeError, match="bool"):
            op(tg.constant([1, 2]), tg.constant([3, 4]))


def test_bool_arithmetic_raises_but_mixes_with_numbers():
    m = tg.constant([True, False])
    with pytest.raises(TypeError, match="arithmetic on bool"):
        m + m
    with pytest.raises(TypeError, match="arithmetic on bool"):
        m * True
    check(m * tg.constant([2.0, 3.0]), [2.0, 0.0], "float32")
    check(m * 1.5, [1.5, 0.0], "float32")


def test_python_semantics_of_floordiv_and_mod():
    a = np.array([7, -7, 7, -7])
    b = np.array([2, 2, -2, -2])
    x, y = tg.constant(a), tg.constant(b)
    assert (x // y).numpy().tolist() == [int(p) // int(q) for p, q in zip(a, b)]
    assert (x % y).numpy().tolist() == [int(p) % int(q) for p, q in zip(a, b)]
    assert (-7 % y).numpy().tolist() == [-7 % int(q) for q in b]
    assert float(tg.constant(1.0) // 0.1) == 1.0 // 0.1
    assert float(tg.constant(-1.0) % 0.3) == pytest.approx(-1.0 % 0.3)


def test_matmul_operator_defers_to_the_engine():
    a = values((2, 3), "float32")
    b = values((3, 2), "float32")
    try:
        got = tg.constant(a) @ b
    except RuntimeError as e:  # matmul lands separately
        pytest.skip(str(e))
    assert isinstance(got, tg.Tensor)
    np.testing.assert_allclose(got.numpy(), a @ b, rtol=1e-5)
    np.testing.assert_allclose((a @ tg.constant(b)).numpy(), a @ b, rtol=1e-5)


def test_in_place_operators_make_new_tensors():
    x = tg.constant([1.0, 2.0])
    y = x
    y += 1
    assert y is not x
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])
    np.testing.assert_array_equal(y.numpy(), [2.0, 3.0])
    y *= 2
    y **= 2
    np.testing.assert_array_equal(y.numpy(), [16.0, 36.0])


def test_gradients_through_operators():
    x = tg.constant([1.0, 2.0, 3.0])
    with tg.GradientTape() as t:
        t.watch(x)
        y = 3 * x ** 2 - x / 2 + 1 + (-x) * 0.5 + abs(x) % 2.5
    g = t.gradient(y, x)
    np.testing.assert_allclose(g.numpy(), 6 * np.array([1.0, 2.0, 3.0]) - 0.5 - 0.5 + 1.0, rtol=1e-6)


def test_variables_work_with_operators():
    v = tg.Variable([1.0, 2.0])
    check(v * 2, [2.0, 4.0], "float32")
    check(2 * v, [2.0, 4.0], "float32")
    check(np.array([1.0, 1.0], np.float32) + v, [2.0, 3.0], "float32")
    with tg.GradientTape() as t:
        y = v ** 3
    np.testing.assert_allclose(t.gradient(y, v).numpy(), [3.0, 12.0])


@pytest.mark.parametrize("sym", list(ARITH) + ["<", "&"])
def test_operands_we_do_not_understand(sym):
    op = {**ARITH, **COMPARE, "&": operator.and_}[sym]
    x = tg.constant([1.0])
    for other in (object(), "text", {"a": 1}):
        with pytest.raises(TypeError):
            op(x, other)
        if sym == "%" and isinstance(other, str):
            continue  # "text" % x is string formatting (x has __getitem__), as with ndarrays
        with pytest.raises(TypeError):
            op(other, x)


def test_incompatible_shapes_through_operators():
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        tg.constant([1.0, 2.0]) + tg.constant([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        np.ones(3) < tg.constant([1.0, 2.0])


def test_tensors_are_unhashable():
    with pytest.raises(TypeError):
        hash(tg.constant([1.0]))

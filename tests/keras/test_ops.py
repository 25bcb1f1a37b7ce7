"""keras.ops against NumPy (one table, one helper), Keras 3's dtype rules, the symbolic path
(functional models built with keras.ops and KerasTensor arithmetic, saved and loaded), and
keras.random's seeds and distributions."""

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import keras
from tensorgear.keras import ops

R = np.random.default_rng(0)
A = R.normal(size=(3, 4))
B = R.normal(size=(3, 4))
P = R.uniform(0.1, 2.0, size=(3, 4))
I = R.integers(-5, 6, size=(3, 4))
SQ = R.normal(size=(4, 4))

# (id, keras.ops call, NumPy's answer)
CASES = [
    ("add", lambda: ops.add(A, B), lambda: A + B),
    ("subtract", lambda: ops.subtract(A, 2.0), lambda: A - 2.0),
    ("multiply", lambda: ops.multiply(A, B), lambda: A * B),
    ("divide_ints", lambda: ops.divide(I, 4), lambda: I / 4),
    ("power", lambda: ops.power(P, 1.5), lambda: P ** 1.5),
    ("maximum", lambda: ops.maximum(A, B), lambda: np.maximum(A, B)),
    ("minimum", lambda: ops.minimum(A, 0.0), lambda: np.minimum(A, 0.0)),
    ("mod", lambda: ops.mod(I, 3), lambda: np.mod(I, 3)),
    ("floor_divide", lambda: ops.floor_divide(I, 3), lambda: np.floor_divide(I, 3)),
    ("equal", lambda: ops.equal(I, 0), lambda: I == 0),
    ("greater", lambda: ops.greater(A, B), lambda: A > B),
    ("logical_and", lambda: ops.logical_and(A > 0, B > 0), lambda: (A > 0) & (B > 0)),
    ("logical_not", lambda: ops.logical_not(A > 0), lambda: ~(A > 0)),
    ("abs", lambda: ops.abs(A), lambda: np.abs(A)),
    ("negative", lambda: ops.negative(A), lambda: -A),
    ("sign", lambda: ops.sign(I), lambda: np.sign(I)),
    ("square", lambda: ops.square(A), lambda: A ** 2),
    ("sqrt", lambda: ops.sqrt(P), lambda: np.sqrt(P)),
    ("exp", lambda: ops.exp(A), lambda: np.exp(A)),
    ("log", lambda: ops.log(P), lambda: np.log(P)),
    ("log1p", lambda: ops.log1p(P), lambda: np.log1p(P)),
    ("tanh", lambda: ops.tanh(A), lambda: np.tanh(A)),
    ("floor", lambda: ops.floor(A * 3), lambda: np.floor(A * 3)),
    ("ceil", lambda: ops.ceil(A * 3), lambda: np.ceil(A * 3)),
    ("round", lambda: ops.round(np.array([0.5, 1.5, 2.5, -0.5, 1.25])), lambda: np.round([0.5, 1.5, 2.5, -0.5, 1.25])),
    ("round_decimals", lambda: ops.round(A, 2), lambda: np.round(A, 2)),
    ("clip", lambda: ops.clip(A, -0.5, 0.5), lambda: np.clip(A, -0.5, 0.5)),
    ("isnan", lambda: ops.isnan(np.array([1.0, np.nan])), lambda: np.array([False, True])),
    ("sum", lambda: ops.sum(A, axis=1), lambda: A.sum(1)),
    ("sum_keepdims", lambda: ops.sum(A, axis=(0, 1), keepdims=True), lambda: A.sum((0, 1), keepdims=True)),
    ("mean", lambda: ops.mean(A), lambda: A.mean()),
    ("mean_ints", lambda: ops.mean(I, axis=0), lambda: I.mean(0)),
    ("max", lambda: ops.max(A, axis=0), lambda: A.max(0)),
    ("max_initial", lambda: ops.max(A, initial=10.0), lambda: np.max(A, initial=10.0)),
    ("min", lambda: ops.min(A, axis=-1, keepdims=True), lambda: A.min(-1, keepdims=True)),
    ("prod", lambda: ops.prod(P, axis=1), lambda: P.prod(1)),
    ("var", lambda: ops.var(A, axis=0), lambda: A.var(0)),
    ("std", lambda: ops.std(A), lambda: A.std()),
    ("any", lambda: ops.any(I > 4, axis=1), lambda: (I > 4).any(1)),
    ("all", lambda: ops.all(I > -6), lambda: (I > -6).all()),
    ("argmax", lambda: ops.argmax(A, axis=1), lambda: A.argmax(1)),
    ("argmax_flat", lambda: ops.argmax(A), lambda: A.argmax()),
    ("argmin_keepdims", lambda: ops.argmin(A, axis=0, keepdims=True), lambda: A.argmin(0)[None]),
    ("count_nonzero", lambda: ops.count_nonzero(I, axis=0), lambda: np.count_nonzero(I, axis=0)),
    ("logsumexp", lambda: ops.logsumexp(A, axis=1), lambda: np.log(np.exp(A).sum(1))),
    ("cumsum", lambda: ops.cumsum(A, axis=1), lambda: np.cumsum(A, 1)),
    ("cumsum_flat", lambda: ops.cumsum(A), lambda: np.cumsum(A)),
    ("cumprod", lambda: ops.cumprod(P, axis=0), lambda: np.cumprod(P, 0)),
    ("sort", lambda: ops.sort(A), lambda: np.sort(A)),
    ("sort_axis0", lambda: ops.sort(A, axis=0), lambda: np.sort(A, 0)),
    ("argsort", lambda: ops.argsort(I, axis=1), lambda: np.argsort(I, 1, kind="stable")),
    ("take", lambda: ops.take(A, [2, 0, -1], axis=1), lambda: np.take(A, [2, 0, -1], axis=1)),
    ("take_flat", lambda: ops.take(A, [[0, 5], [11, 3]]), lambda: np.take(A, [[0, 5], [11, 3]])),
    ("take_along_axis", lambda: ops.take_along_axis(A, np.argsort(A, 1), axis=1), lambda: np.sort(A, 1)),
    ("where", lambda: ops.where(A > 0, A, 0.0), lambda: np.where(A > 0, A, 0.0)),
    ("where_nonzero", lambda: ops.where(I > 2), lambda: np.nonzero(I > 2)),
    ("stack", lambda: ops.stack([A, B], axis=1), lambda: np.stack([A, B], 1)),
    ("concatenate", lambda: ops.concatenate([A, B], axis=-1), lambda: np.concatenate([A, B], -1)),
    ("concatenate_flat", lambda: ops.concatenate([A, B], axis=None), lambda: np.concatenate([A, B], None)),
    ("vstack", lambda: ops.vstack([A, B[0]]), lambda: np.vstack([A, B[0]])),
    ("hstack", lambda: ops.hstack([A, B]), lambda: np.hstack([A, B])),
    ("reshape", lambda: ops.reshape(A, (2, -1)), lambda: A.reshape(2, -1)),
    ("transpose", lambda: ops.transpose(A), lambda: A.T),
    ("expand_dims", lambda: ops.expand_dims(A, (0, 3)), lambda: np.expand_dims(A, (0, 3))),
    ("squeeze", lambda: ops.squeeze(A[None, :, None]), lambda: A),
    ("tile", lambda: ops.tile(A, 2), lambda: np.tile(A, 2)),
    ("tile_rank_up", lambda: ops.tile(A[0], (2, 1)), lambda: np.tile(A[0], (2, 1))),
    ("repeat", lambda: ops.repeat(A, 2, axis=1), lambda: np.repeat(A, 2, 1)),
    ("repeat_each", lambda: ops.repeat(A, [1, 0, 2], axis=0), lambda: np.repeat(A, [1, 0, 2], 0)),
    ("repeat_flat", lambda: ops.repeat(A, 2), lambda: np.repeat(A, 2)),
    ("pad", lambda: ops.pad(A, ((1, 0), (2, 1))), lambda: np.pad(A, ((1, 0), (2, 1)))),
    ("pad_value", lambda: ops.pad(A, 1, constant_values=3.0), lambda: np.pad(A, 1, constant_values=3.0)),
    ("pad_reflect", lambda: ops.pad(A, ((1, 1), (2, 2)), mode="reflect"), lambda: np.pad(A, ((1, 1), (2, 2)), "reflect")),
    ("split", lambda: ops.split(A, 2, axis=1), lambda: np.split(A, 2, 1)),
    ("split_at", lambda: ops.split(A, [1, 3], axis=1), lambda: np.split(A, [1, 3], 1)),
    ("flip", lambda: ops.flip(A, axis=1), lambda: np.flip(A, 1)),
    ("flip_all", lambda: ops.flip(A), lambda: np.flip(A)),
    ("roll", lambda: ops.roll(A, 1, axis=1), lambda: np.roll(A, 1, 1)),
    ("roll_flat", lambda: ops.roll(A, -5), lambda: np.roll(A, -5)),
    ("roll_axes", lambda: ops.roll(A, (1, -2), axis=(0, 1)), lambda: np.roll(A, (1, -2), (0, 1))),
    ("tril", lambda: ops.tril(A), lambda: np.tril(A)),
    ("tril_k", lambda: ops.tril(A, -1), lambda: np.tril(A, -1)),
    ("triu", lambda: ops.triu(A, 1), lambda: np.triu(A, 1)),
    ("diag_vector", lambda: ops.diag(A[0], k=1), lambda: np.diag(A[0], 1)),
    ("diag_matrix", lambda: ops.diag(A, k=-1), lambda: np.diag(A, -1)),
    ("diagonal", lambda: ops.diagonal(A, offset=1), lambda: np.diagonal(A, 1)),
    ("trace", lambda: ops.trace(SQ), lambda: np.trace(SQ)),
    ("meshgrid", lambda: ops.meshgrid(np.arange(3.0), np.arange(2.0)), lambda: np.meshgrid(np.arange(3.0), np.arange(2.0))),
    ("meshgrid_ij", lambda: ops.meshgrid(np.arange(3.0), np.arange(2.0), indexing="ij"),
     lambda: np.meshgrid(np.arange(3.0), np.arange(2.0), indexing="ij")),
    ("matmul", lambda: ops.matmul(A, B.T), lambda: A @ B.T),
    ("dot", lambda: ops.dot(A, B[0]), lambda: np.dot(A, B[0])),
    ("dot_nd", lambda: ops.dot(np.ones((2, 3, 4)), np.ones((5, 4, 2))), lambda: np.dot(np.ones((2, 3, 4)), np.ones((5, 4, 2)))),
    ("outer", lambda: ops.outer(A[0], B[1]), lambda: np.outer(A[0], B[1])),
    ("einsum", lambda: ops.einsum("ij,kj->ik", A, B), lambda: np.einsum("ij,kj->ik", A, B)),
    ("arange", lambda: ops.arange(5), lambda: np.arange(5)),
    ("arange_float", lambda: ops.arange(0.5, 3, 0.5), lambda: np.arange(0.5, 3, 0.5)),
    ("linspace", lambda: ops.linspace(0, 1, 5), lambda: np.linspace(0, 1, 5)),
    ("linspace_open", lambda: ops.linspace(0, 1, 4, endpoint=False), lambda: np.linspace(0, 1, 4, endpoint=False)),
    ("ones", lambda: ops.ones((2, 3)), lambda: np.ones((2, 3))),
    ("zeros", lambda: ops.zeros((2,), dtype="int32"), lambda: np.zeros(2, np.int32)),
    ("full", lambda: ops.full((2, 2), 7.0), lambda: np.full((2, 2), 7.0)),
    ("full_like", lambda: ops.full_like(I, 3), lambda: np.full_like(I, 3)),
    ("ones_like", lambda: ops.ones_like(A), lambda: np.ones_like(A)),
    ("eye", lambda: ops.eye(3, 4, k=1), lambda: np.eye(3, 4, 1)),
    ("norm", lambda: ops.norm(A), lambda: np.linalg.norm(A)),
    ("norm_axis", lambda: ops.norm(A, axis=1), lambda: np.linalg.norm(A, axis=1)),
    ("norm_matrix", lambda: ops.norm(SQ, ord="fro", axis=(0, 1)), lambda: np.linalg.norm(SQ, "fro")),
    ("softmax", lambda: ops.softmax(A), lambda: np.exp(A) / np.exp(A).sum(-1, keepdims=True)),
    ("log_softmax", lambda: ops.log_softmax(A, axis=0), lambda: A - np.log(np.exp(A).sum(0, keepdims=True))),
    ("relu", lambda: ops.relu(A), lambda: np.maximum(A, 0)),
    ("relu6", lambda: ops.relu6(A * 10), lambda: np.clip(A * 10, 0, 6)),
    ("sigmoid", lambda: ops.sigmoid(A), lambda: 1 / (1 + np.exp(-A))),
    ("silu", lambda: ops.silu(A), lambda: A / (1 + np.exp(-A))),
    ("softplus", lambda: ops.softplus(A), lambda: np.log1p(np.exp(A))),
    ("gelu_tanh", lambda: ops.gelu(A), lambda: 0.5 * A * (1 + np.tanh(np.sqrt(2 / np.pi) * (A + 0.044715 * A ** 3)))),
    ("elu", lambda: ops.elu(A), lambda: np.where(A > 0, A, np.expm1(A))),
    ("leaky_relu", lambda: ops.leaky_relu(A), lambda: np.where(A > 0, A, 0.2 * A)),
    ("one_hot", lambda: ops.one_hot(np.array([0, 2, 1]), 3), lambda: np.eye(3)[[0, 2, 1]]),
    ("binary_crossentropy", lambda: ops.binary_crossentropy(P > 1, 1 / (1 + np.exp(-A)), from_logits=False),
     lambda: -((P > 1) * np.log(1 / (1 + np.exp(-A))) + (P <= 1) * np.log(1 - 1 / (1 + np.exp(-A))))),
    ("binary_crossentropy_logits", lambda: ops.binary_crossentropy((P > 1).astype(float), A, from_logits=True),
     lambda: np.maximum(A, 0) - A * (P > 1) + np.log1p(np.exp(-np.abs(A)))),
    ("categorical_crossentropy", lambda: ops.categorical_crossentropy(np.eye(4)[[0, 1, 3]], A, from_logits=True),
     lambda: -(A - np.log(np.exp(A).sum(-1, keepdims=True)))[[0, 1, 2], [0, 1, 3]]),
    ("sparse_categorical_crossentropy", lambda: ops.sparse_categorical_crossentropy(np.array([0, 1, 3]), A,
                                                                                    from_logits=True),
     lambda: -(A - np.log(np.exp(A).sum(-1, keepdims=True)))[[0, 1, 2], [0, 1, 3]]),
    ("moments", lambda: ops.moments(A, axes=[0]), lambda: (A.mean(0), A.var(0))),
    ("batch_normalization", lambda: ops.batch_normalization(A, A.mean(0), A.var(0), axis=1, offset=np.ones(4),
                                                            scale=np.full(4, 2.0), epsilon=1e-3),
     lambda: (A - A.mean(0)) / np.sqrt(A.var(0) + 1e-3) * 2 + 1),
    ("top_k", lambda: ops.top_k(A, 2), lambda: (-np.sort(-A, 1)[:, :2], np.argsort(-A, 1, kind="stable")[:, :2])),
    ("scatter", lambda: ops.scatter([[0, 1], [2, 3], [0, 1]], [1.0, 2.0, 3.0], (3, 4)),
     lambda: np.array([[0, 4.0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 2.0]])),
    ("scatter_update", lambda: ops.scatter_update(A, [[1, 1]], [9.0]),
     lambda: np.where(np.arange(12).reshape(3, 4) == 5, 9.0, A)),
    ("slice", lambda: ops.slice(A, (1, 1), (2, 2)), lambda: A[1:3, 1:3]),
    ("slice_update", lambda: ops.slice_update(A, (1, 2), np.zeros((2, 2))),
     lambda: np.concatenate([A[:1], np.concatenate([A[1:, :2], np.zeros((2, 2))], 1)], 0)),
    ("segment_sum", lambda: ops.segment_sum(A, np.array([0, 0, 2])), lambda: np.stack([A[0] + A[1], 0 * A[0], A[2]])),
    ("cast", lambda: ops.cast(A * 3, "int32"), lambda: (A * 3).astype(np.int32)),
]


def _compare(got, want):
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _compare(g, w)
        return
    got = got.numpy() if hasattr(got, "numpy") else np.asarray(got)
    want = np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind == "f" or got.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("call,ref", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matches_numpy(call, ref):
    _compare(call(), ref())


def test_keras_dtype_rules():
    assert ops.convert_to_tensor([1, 2]).dtype == tg.int32
    assert ops.convert_to_tensor(1.5).dtype == tg.float32
    assert ops.convert_to_tensor(np.zeros(2)).dtype == tg.float64
    assert ops.add(np.ones(2, np.int32), 1.5).dtype == tg.float32
    assert ops.add(np.ones(2, np.int32), 1).dtype == tg.int32
    assert ops.mean(np.ones(2, np.int32)).dtype == tg.float32
    assert ops.divide(np.ones(2, np.int32), 2).dtype == tg.float32
    assert ops.arange(3).dtype == tg.int32 and ops.ones(2).dtype == tg.float32
    assert ops.argmax(A).dtype == tg.int32
    assert isinstance(ops.convert_to_numpy(ops.ones(2)), np.ndarray)
    assert ops.shape(ops.ones((2, 3))) == (2, 3) and ops.ndim(A) == 2 and ops.size(A) == 12


def test_control_flow_and_differentiation():
    assert ops.cond(True, lambda: 1, lambda: 2) == 1
    assert ops.fori_loop(0, 4, lambda i, v: v + i, 0) == 6
    assert ops.while_loop(lambda a, b: a < 10, lambda a, b: (a + 1, b * 2), (0, 1)) == (10, 1024)
    assert ops.while_loop(lambda a: a < 10, lambda a: a + 3, 0, maximum_iterations=2) == 6
    x = tg.Variable(A)
    with tg.GradientTape() as tape:
        y = ops.sum(ops.stop_gradient(x) * x + ops.slice_update(x, (0, 0), np.zeros((1, 1))))
    g = tape.gradient(y, x).numpy()
    want = A + 1.0
    want[0, 0] = A[0, 0]
    np.testing.assert_allclose(g, want)


def test_functional_models_record_keras_ops_and_round_trip(tmp_path):
    x = keras.Input((4,))
    h = keras.layers.Dense(3)(x)
    y = ops.sum(ops.square(h + 1.0), axis=-1, keepdims=True) * 0.5 - ops.mean(h, axis=-1, keepdims=True)
    model = keras.Model(x, y)
    data = R.normal(size=(5, 4)).astype(np.float32)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense"]  # ops are not layers
    w, b = model.layers[0].get_weights()
    hv = data @ w + b
    want = 0.5 * ((hv + 1) ** 2).sum(-1, keepdims=True) - hv.mean(-1, keepdims=True)
    np.testing.assert_allclose(model.predict(data, verbose=0), want, rtol=1e-5, atol=1e-5)
    model.compile("sgd", "mse")
    model.fit(data, np.zeros((5, 1), np.float32), epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    again = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(again.predict(data, verbose=0), model.predict(data, verbose=0), rtol=1e-6)
    assert y.shape == (None, 1)


def test_errors_name_the_values():
    with pytest.raises(ValueError, match="do not split into 3 equal sections"):
        ops.split(A, 3, axis=1)
    with pytest.raises(ValueError, match="mode"):
        ops.pad(A, 1, mode="edge")
    with pytest.raises(ValueError, match="do not fit"):
        ops.slice_update(A, (2, 3), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="both x1 and x2"):
        ops.where(A > 0, A)
    with pytest.raises(ValueError, match="data_format"):
        ops.conv(np.zeros((1, 4, 4, 1)), np.zeros((2, 2, 1, 1)), data_format="nchw")


def test_conv_and_pools_match_tf_nn_in_both_layouts():
    x = R.normal(size=(2, 6, 6, 3)).astype(np.float32)
    k = R.normal(size=(3, 3, 3, 4)).astype(np.float32)
    want = tg.nn.conv2d(x, k, 1, "SAME").numpy()
    np.testing.assert_allclose(ops.conv(x, k, padding="same").numpy(), want, rtol=1e-5)
    first = ops.conv(np.transpose(x, (0, 3, 1, 2)), k, padding="same", data_format="channels_first").numpy()
    np.testing.assert_allclose(np.transpose(first, (0, 2, 3, 1)), want, rtol=1e-5)
    np.testing.assert_allclose(ops.max_pool(x, 2).numpy(), x.reshape(2, 3, 2, 3, 2, 3).max((2, 4)))
    np.testing.assert_allclose(ops.average_pool(x, 2).numpy(), x.reshape(2, 3, 2, 3, 2, 3).mean((2, 4)), rtol=1e-6)
    x1 = R.normal(size=(2, 8, 3)).astype(np.float32)
    k1 = R.normal(size=(3, 3, 2)).astype(np.float32)
    np.testing.assert_allclose(ops.conv(x1, k1).numpy(), tg.nn.conv1d(x1, k1, 1, "VALID").numpy(), rtol=1e-5)


# ---- keras.random -------------------------------------------------------------------------------

def test_random_seeds_follow_keras():
    r = keras.random
    np.testing.assert_array_equal(r.normal((3,), seed=4).numpy(), r.normal((3,), seed=4).numpy())
    assert not np.array_equal(r.normal((3,), seed=4).numpy(), r.normal((3,), seed=5).numpy())
    g1, g2 = r.SeedGenerator(7), r.SeedGenerator(7)
    a, b = r.uniform((3,), seed=g1).numpy(), r.uniform((3,), seed=g1).numpy()
    assert not np.array_equal(a, b)
    np.testing.assert_array_equal(a, r.uniform((3,), seed=g2).numpy())
    keras.utils.set_random_seed(1)
    first = r.normal((3,)).numpy()
    keras.utils.set_random_seed(1)
    np.testing.assert_array_equal(first, r.normal((3,)).numpy())
    with pytest.raises(ValueError, match="seed"):
        r.normal((2,), seed="x")


def test_random_distributions_and_helpers():
    r = keras.random
    n = r.normal((20000,), mean=2.0, stddev=3.0, seed=1).numpy()
    assert abs(n.mean() - 2.0) < 0.1 and abs(n.std() - 3.0) < 0.1
    u = r.uniform((20000,), minval=-1.0, maxval=3.0, seed=2).numpy()
    assert u.min() >= -1.0 and u.max() < 3.0 and abs(u.mean() - 1.0) < 0.05
    t = r.truncated_normal((20000,), seed=3).numpy()
    assert np.abs(t).max() <= 2.0
    i = r.randint((20000,), 2, 7, seed=4).numpy()
    assert i.dtype == np.int32 and set(np.unique(i)) == {2, 3, 4, 5, 6}
    d = r.dropout(np.ones(20000, np.float32), 0.25, seed=5).numpy()
    assert set(np.unique(d)) <= {0.0, np.float32(1 / 0.75)} and abs((d == 0).mean() - 0.25) < 0.02
    s = r.shuffle(np.arange(10), seed=6).numpy()
    assert sorted(s) == list(range(10)) and not np.array_equal(s, np.arange(10))
    c = r.categorical(np.log([[0.1, 0.9], [0.8, 0.2]]), 4000, seed=7).numpy()
    assert c.shape == (2, 4000) and abs(c[0].mean() - 0.9) < 0.03 and abs(c[1].mean() - 0.2) < 0.03
    with pytest.raises(ValueError, match="rate"):
        r.dropout(np.ones(3), 1.0)
    with pytest.raises(ValueError, match="maxval"):
        r.randint((2,), 3, 3)

"""The attention layers (keras/layers/attention.py, multi_head_attention.py,
einsum_dense.py) and Softmax with a mask.

Against Keras 3.15's own outputs with the same weights (fixtures written by
fixtures/make_attention_fixture.py), against NumPy references of their
equations, shapes of every return option, masks (padding, causal,
attention_mask broadcasting, fully masked rows), dropout in training only,
float64 gradients by finite differences, config and `.keras` round trips, a
Keras weight file, and the book's Transformer encoder and a GPT-style
decoder block trained for a few steps."""

import json
import os
import sys

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import keras
from tensorgear.keras import layers

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures"))
import make_attention_fixture as fx  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "core"))
from gradcheck import check_grad  # noqa: E402

REFERENCE = np.load(fx.REFERENCE)
DATA = {k[len("in/"):]: REFERENCE[k] for k in REFERENCE.files if k.startswith("in/")}


# ---- NumPy references ------------------------------------------------------------------------

def np_softmax(z, axis=-1):
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def np_masked_softmax(z, mask, axis=-1, all_masked="zeros"):
    """Keras's Softmax layer (masked logits -1e9, masked outputs 0), or equal weights in fully
    masked rows."""
    mask = np.broadcast_to(mask, z.shape)
    y = np_softmax(np.where(mask, z, -1e9), axis)
    return np.where(mask, y, 0.0) if all_masked == "zeros" else y


def np_mha(q_in, v_in, k_in, w, num_heads, key_dim, mask=None, all_masked="zeros", use_bias=True):
    """Keras's MultiHeadAttention for (B, T, dim) inputs: weights w in get_weights order."""
    if use_bias:
        wq, bq, wk, bk, wv, bv, wo, bo = w
    else:
        (wq, wk, wv, wo), bq = w, None
    q = np.einsum("btd,dnh->btnh", q_in, wq) + (bq if use_bias else 0)
    k = np.einsum("bsd,dnh->bsnh", k_in, wk) + (bk if use_bias else 0)
    v = np.einsum("bsd,dnh->bsnh", v_in, wv) + (bv if use_bias else 0)
    scores = np.einsum("bsnh,btnh->bnts", k, q / np.sqrt(key_dim))
    weights = np_softmax(scores) if mask is None else np_masked_softmax(scores, mask[:, None], -1, all_masked)
    ctx = np.einsum("bnts,bsnh->btnh", weights, v)
    return np.einsum("btnh,nho->bto", ctx, wo) + (bo if use_bias else 0), weights


def causal(t, s):
    return np.tril(np.ones((t, s), bool))[None]


# ---- against Keras 3.15 ----------------------------------------------------------------------

def _build_case(name):
    _, cls, kwargs, args, kw_inputs, call_kwargs, keras_mask = next(c for c in fx.cases() if c[0] == name)
    layer = getattr(layers, cls)(**kwargs)
    call_args = [tg.constant(a) if not isinstance(a, list) else [tg.constant(e) for e in a]
                 for a in fx.resolve(args, DATA)]
    call_kw = {k: fx.resolve(v, DATA) for k, v in kw_inputs.items()}
    if keras_mask is not None:  # Keras read it from the query's mask; here it is passed
        call_kw["query_mask"] = DATA[keras_mask]
    return layer, call_args, call_kw, call_kwargs


@pytest.mark.parametrize("name", [c[0] for c in fx.cases()])
def test_outputs_match_keras_with_keras_weights(name):
    layer, call_args, call_kw, call_kwargs = _build_case(name)
    layer(*call_args, **call_kw, **call_kwargs)  # builds
    weights = [REFERENCE[f"{name}/w{i}"] for i in range(len(layer.weights))]
    assert [tuple(w.shape) for w in layer.weights] == [w.shape for w in weights]
    assert f"{name}/w{len(weights)}" not in REFERENCE.files
    layer.set_weights(weights)
    result = layer(*call_args, **call_kw, **call_kwargs)
    results = result if isinstance(result, tuple) else (result,)
    assert f"{name}/out{len(results)}" not in REFERENCE.files
    for i, y in enumerate(results):
        expected = REFERENCE[f"{name}/out{i}"]
        assert tuple(y.shape) == expected.shape, (name, i)
        np.testing.assert_allclose(y.numpy(), expected, rtol=2e-5, atol=2e-6, err_msg=f"{name} output {i}")


@pytest.mark.parametrize("name", [c[0] for c in fx.cases()])
def test_config_matches_keras(name):
    layer, call_args, call_kw, call_kwargs = _build_case(name)
    layer(*call_args, **call_kw, **call_kwargs)
    ours = layer.get_config()
    theirs = json.loads(str(REFERENCE[f"{name}/config"]))
    for key in ("name", "dtype", "trainable", "quantization_config", "flash_attention"):
        theirs.pop(key, None)
        ours.pop(key, None)
    assert set(ours) == set(theirs), (set(ours) ^ set(theirs))
    for key, value in theirs.items():
        if isinstance(value, dict):  # initializers, regularizers
            assert value["class_name"] == ours[key]["class_name"] if isinstance(ours[key], dict) else False, key
        elif isinstance(value, list):
            assert list(ours[key]) == value, key
        else:
            assert ours[key] == value, key
    clone = type(layer).from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()


def test_keras_transformer_file_loads_and_predicts_like_keras():
    expected = np.load(fx.EXPECTED)
    model = keras.models.load_model(fx.MODEL)
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["y"], rtol=1e-4, atol=1e-5)
    mha = model.get_layer("self_attention")
    assert [tuple(w.shape) for w in mha.weights] == [(8, 2, 4), (2, 4)] * 3 + [(2, 4, 8), (8,)]


def test_keras_weights_file_loads_into_the_model_built_here():
    expected = np.load(fx.EXPECTED)
    model = fx.transformer(keras)
    model.load_weights(fx.WEIGHTS)
    np.testing.assert_allclose(model.predict(expected["x"], verbose=0), expected["y"], rtol=1e-4, atol=1e-5)


# ---- NumPy references of the equations -----------------------------------------------------------

def _random(shape, seed, dtype="float64"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_multi_head_attention_matches_numpy_with_every_mask(dtype):
    q, v, k = _random((2, 4, 6), 0, dtype), _random((2, 5, 6), 1, dtype), _random((2, 5, 3), 2, dtype)
    layer = layers.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=2, dtype=dtype)
    out, scores = layer(q, v, key=k, return_attention_scores=True)
    assert out.shape == (2, 4, 6) and scores.shape == (2, 3, 4, 5)
    assert out.dtype == tg.as_dtype(dtype)
    w = layer.get_weights()
    assert [x.shape for x in w] == [(6, 3, 2), (3, 2), (3, 3, 2), (3, 2), (6, 3, 2), (3, 2), (3, 2, 6), (6,)]
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-11, atol=1e-12)
    ref_out, ref_scores = np_mha(q, v, k, w, 3, 2)
    np.testing.assert_allclose(out.numpy(), ref_out, **tol)
    np.testing.assert_allclose(scores.numpy(), ref_scores, **tol)

    qm = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], bool)
    vm = np.array([[1, 1, 0, 1, 0], [1, 1, 1, 1, 1]], bool)
    km = np.array([[1, 1, 1, 1, 1], [0, 1, 1, 1, 1]], bool)
    am = np.random.default_rng(3).random((2, 4, 5)) < 0.8
    mask = qm[:, :, None] & vm[:, None, :] & km[:, None, :] & am & causal(4, 5)
    assert not mask.any(-1).all()  # some fully masked rows
    for return_scores, all_masked in ((True, "zeros"), (False, "uniform")):
        got = layer(q, v, key=k, query_mask=qm, value_mask=vm, key_mask=km, attention_mask=am, use_causal_mask=True,
                    return_attention_scores=return_scores)
        ref_out, ref_scores = np_mha(q, v, k, w, 3, 2, mask, all_masked)
        np.testing.assert_allclose((got[0] if return_scores else got).numpy(), ref_out, **tol)
        if return_scores:
            np.testing.assert_allclose(got[1].numpy(), ref_scores, **tol)
            # masked positions and fully masked rows have no weight
            assert np.all(got[1].numpy()[np.broadcast_to(~mask[:, None], ref_scores.shape)] == 0)


@pytest.mark.parametrize("mask_shape", [(5, 5), (1, 5, 5), (2, 5, 5), (2, 1, 5), (2, 1, 5, 5)])
def test_attention_mask_broadcasts_as_keras(mask_shape):
    x = _random((2, 5, 4), 0)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, dtype="float64")
    layer(x, x)
    mask = np.random.default_rng(1).random(mask_shape) < 0.7
    mask[..., 0] = True
    _, scores = layer(x, x, attention_mask=mask, return_attention_scores=True)
    full = mask if len(mask_shape) == 4 else np.broadcast_to(mask, (2, 5, 5))[:, None]
    _, ref = np_mha(x, x, x, layer.get_weights(), 2, 3, full[:, 0] if full.shape[1] == 1 else None)
    if full.shape[1] == 1:
        np.testing.assert_allclose(scores.numpy(), ref, rtol=1e-11, atol=1e-12)
    assert np.all(scores.numpy()[np.broadcast_to(~full, scores.shape)] == 0)


def test_attention_mask_that_cannot_broadcast_is_a_value_error():
    x = _random((2, 5, 4), 0)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    with pytest.raises(ValueError, match="mask"):
        layer(x, x, attention_mask=np.ones((2, 4, 5), bool))


def test_causal_mask_hides_the_future():
    x = _random((1, 6, 4), 0, "float32")
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    out, scores = layer(x, x, use_causal_mask=True, return_attention_scores=True)
    assert np.all(np.triu(scores.numpy()[0, 0], 1) == 0)
    np.testing.assert_allclose(scores.numpy().sum(-1), 1, rtol=1e-6)
    changed = x.copy()
    changed[0, 4:] += 5.0
    out2 = layer(changed, changed, use_causal_mask=True)
    np.testing.assert_allclose(out2.numpy()[0, :4], out.numpy()[0, :4], rtol=1e-6, atol=1e-6)
    assert not np.allclose(out2.numpy()[0, 4:], out.numpy()[0, 4:])


def test_query_mask_is_kept_on_the_output_and_the_inputs_masks_are_consumed():
    x = tg.constant(_random((2, 4, 6), 0, "float32"))
    qm = tg.constant(np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool))
    x._keras_mask = qm
    out = layers.MultiHeadAttention(num_heads=2, key_dim=3)(x, x)
    np.testing.assert_array_equal(out._keras_mask.numpy(), qm.numpy())
    assert getattr(x, "_keras_mask", None) is None  # Keras takes the masks off its inputs


def test_multi_head_attention_output_shape_axes_and_errors():
    x = _random((2, 3, 4, 8), 0, "float32")
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3, output_shape=(2, 5), attention_axes=(1, 2))
    out, scores = layer(x, x, return_attention_scores=True)
    assert out.shape == (2, 3, 4, 2, 5) and scores.shape == (2, 2, 3, 4, 3, 4)
    assert layer.compute_output_shape((2, 3, 4, 8), (2, 3, 4, 8)) == (2, 3, 4, 2, 5)
    out, scores = layers.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=-2)(
        x, x, return_attention_scores=True)
    assert out.shape == x.shape and scores.shape == (2, 3, 2, 4, 4)
    for kwargs, message in [(dict(num_heads=0, key_dim=2), "num_heads"), (dict(num_heads=2, key_dim=2.5), "key_dim"),
                            (dict(num_heads=2, key_dim=2, value_dim=-1), "value_dim"),
                            (dict(num_heads=2, key_dim=2, attention_axes="x"), "attention_axes"),
                            (dict(num_heads=2, key_dim=2, sliding_window=0), "sliding_window"),
                            (dict(num_heads=2, key_dim=2, dropout=1.5), "dropout"),
                            (dict(num_heads=2, key_dim=2, flash_attention=True), "flash_attention")]:
        with pytest.raises(ValueError, match=message):
            layers.MultiHeadAttention(**kwargs)
    with pytest.raises(ValueError, match="All dimensions of `value` and `key`, except the last one"):
        layers.MultiHeadAttention(num_heads=2, key_dim=2)(x[:, 0], x[:, 0], key=x[:, 0, :3])
    with pytest.raises(ValueError, match="attention_axes"):
        layers.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=3)(x, x)


def test_attention_layers_match_numpy():
    q, v, k = _random((2, 4, 3), 0), _random((2, 5, 3), 1), _random((2, 5, 3), 2)
    qm = np.array([[1, 1, 0, 1], [1, 1, 1, 1]], bool)
    vm = np.array([[1, 0, 1, 1, 0], [0, 0, 0, 0, 0]], bool)  # sample 1: every value masked

    def finish(scores, mask):
        weights = np_masked_softmax(scores, mask[:, None, :], all_masked="uniform")
        return np.where(qm[..., None], weights @ v, 0.0), weights

    dot = layers.Attention(use_scale=True, dtype="float64")
    out, weights = dot([q, v, k], mask=[qm, vm], return_attention_scores=True)
    dot.scale.assign(tg.constant(1.7, dtype="float64"))
    out, weights = dot([q, v, k], mask=[qm, vm], return_attention_scores=True)
    ref_out, ref_w = finish(1.7 * q @ k.transpose(0, 2, 1), vm)
    np.testing.assert_allclose(out.numpy(), ref_out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(weights.numpy(), ref_w, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(dot.compute_mask([q, v], [qm, vm]).numpy(), qm)
    assert dot.compute_mask([q, v]) is None

    concat = layers.Attention(score_mode="concat", use_scale=True, dtype="float64")
    concat([q, v, k])
    concat.set_weights([np.array(0.5), np.array(2.0)])
    out, weights = concat([q, v, k], mask=[qm, vm], return_attention_scores=True)
    scores = 2.0 * np.tanh(0.5 * (q[:, :, None] + k[:, None])).sum(-1)
    np.testing.assert_allclose(out.numpy(), finish(scores, vm)[0], rtol=1e-12, atol=1e-12)

    additive = layers.AdditiveAttention(dtype="float64")
    additive([q, v, k])
    scale = additive.get_weights()[0]
    assert scale.shape == (3,)
    out, weights = additive([q, v, k], mask=[qm, vm], return_attention_scores=True)
    scores = (scale * np.tanh(q[:, :, None] + k[:, None])).sum(-1)
    np.testing.assert_allclose(out.numpy(), finish(scores, vm)[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(weights.numpy(), finish(scores, vm)[1], rtol=1e-12, atol=1e-12)

    plain = layers.Attention(dtype="float64")
    out, weights = plain([q, v], use_causal_mask=True, return_attention_scores=True)
    ref = np_masked_softmax(q @ v.transpose(0, 2, 1), causal(4, 5))
    np.testing.assert_allclose(weights.numpy(), ref, rtol=1e-12, atol=1e-12)
    assert out.shape == (2, 4, 3) and plain.compute_output_shape([(2, 4, 3), (2, 5, 3)]) == (2, 4, 3)


def test_attention_call_errors_are_keras_value_errors():
    q = _random((2, 4, 3), 0, "float32")
    with pytest.raises(ValueError, match="must be called on a list of inputs"):
        layers.Attention()(q)
    with pytest.raises(ValueError, match="accepts inputs list of length 2 or 3"):
        layers.Attention()([q])
    with pytest.raises(ValueError, match="mask must be a list"):
        layers.Attention()([q, q], mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match="score_mode"):
        layers.Attention(score_mode="cosine")


@pytest.mark.parametrize("equation,output_shape,bias_axes,x_shape,kernel,bias", [
    ("ab,bc->ac", 4, "c", (3, 6), (6, 4), (4,)),
    ("abc,cd->abd", (None, 5), "d", (2, 3, 6), (6, 5), (5,)),
    ("abc,cde->abde", (None, 2, 3), "de", (2, 3, 6), (6, 2, 3), (2, 3)),
    ("abc,cde->abde", (None, 2, 3), "d", (2, 3, 6), (6, 2, 3), (2, 1)),
    ("abcd,cde->abe", (None, 7), "e", (2, 3, 4, 5), (4, 5, 7), (7,)),
    ("...b,bc->...c", 6, "c", (2, 3, 4, 5), (5, 6), (6,)),
    ("ab...,bc->ac...", 4, "c", (2, 5, 3), (5, 4), (4, 1)),
    ("abc,cd->abd", (None, 5), None, (2, 3, 6), (6, 5), None),
])
def test_einsum_dense_matches_numpy(equation, output_shape, bias_axes, x_shape, kernel, bias):
    x = _random(x_shape, 0)
    layer = layers.EinsumDense(equation, output_shape=output_shape, bias_axes=bias_axes, activation="tanh",
                               bias_initializer="random_normal", dtype="float64")
    y = layer(x)
    assert tuple(layer.kernel.shape) == kernel
    assert (layer.bias is None) == (bias is None) and (bias is None or tuple(layer.bias.shape) == bias)
    ref = np.einsum(equation, x, layer.kernel.numpy()) + (0 if bias is None else layer.bias.numpy())
    np.testing.assert_allclose(y.numpy(), np.tanh(ref), rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape(x_shape) == y.shape
    assert [w.name for w in layer.weights] == ["kernel"] + ([] if bias is None else ["bias"])


def test_einsum_dense_fans_follow_the_kernel_axes():
    # glorot over (in=64, out=2*8): limit sqrt(6 / (64 + 16)) as Keras 3 (not the conv fans)
    layer = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 8), kernel_initializer="glorot_uniform")
    layer.build((1, 3, 64))
    limit = np.sqrt(6 / (64 + 16))
    k = layer.kernel.numpy()
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.9 * limit


@pytest.mark.parametrize("equation,kwargs,message", [
    ("ab,bc", dict(output_shape=4), "Invalid einsum equation 'ab,bc'"),
    ("ab,bc->a1", dict(output_shape=4), "Invalid einsum equation"),
    ("ab,bc->ad", dict(output_shape=4), "Dimension 'd' was specified in the output 'ad'"),
    ("ab,bcx->ac", dict(output_shape=4), "Weight dimension 'x' did not have a match"),
    ("ab,bc->ac", dict(output_shape=4, bias_axes="b"), "Bias dimension 'b' was requested"),
    ("ab,bc->ac", dict(output_shape=[[1]]), "output_shape"),
])
def test_einsum_dense_equation_errors(equation, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        layers.EinsumDense(equation, **kwargs)


def test_einsum_dense_shape_errors():
    with pytest.raises(ValueError, match="Input shape and output shape do not match at shared dimension 'b'"):
        layers.EinsumDense("abc,cd->abd", output_shape=(7, 5))(np.zeros((2, 3, 6), np.float32))
    with pytest.raises(ValueError, match="does not fit the equation"):
        layers.EinsumDense("abc,cd->abd", output_shape=(None, 5))(np.zeros((2, 6), np.float32))


# ---- Softmax with a mask -------------------------------------------------------------------------

def test_softmax_layer_with_a_mask_is_keras_softmax():
    x = _random((2, 3, 4), 0)
    mask = np.random.default_rng(1).random((2, 1, 4)) < 0.5
    mask[0] = False
    got = layers.Softmax(dtype="float64")(x, mask=mask).numpy()
    np.testing.assert_allclose(got, np_masked_softmax(x, mask), rtol=1e-12, atol=1e-12)
    assert np.all(got[0] == 0)
    # several axes: one softmax over them together
    got = layers.Softmax(axis=(1, 2), dtype="float64")(x, mask=mask).numpy()
    flat = np_masked_softmax(x.reshape(2, 12), np.broadcast_to(mask, x.shape).reshape(2, 12))
    np.testing.assert_allclose(got, flat.reshape(x.shape), rtol=1e-12, atol=1e-12)
    got = layers.Softmax(axis=[-1, 0], dtype="float64")(x).numpy()
    np.testing.assert_allclose(got, np_softmax(x.transpose(1, 0, 2).reshape(3, 8)).reshape(3, 2, 4).transpose(1, 0, 2),
                               rtol=1e-12, atol=1e-12)
    # a float mask: kept where > 0.5
    got = layers.Softmax(dtype="float64")(x, mask=np.array([0.2, 0.9, 0.6, 0.5])).numpy()
    np.testing.assert_allclose(got, np_masked_softmax(x, np.array([False, True, True, False])), rtol=1e-12)
    with pytest.raises(ValueError, match="must not have more dimensions"):
        layers.Softmax()(x, mask=np.ones((1, 2, 3, 4), bool))
    with pytest.raises(ValueError, match="Each mask dimension must be 1 or match"):
        layers.Softmax()(x, mask=np.ones((2, 2, 4), bool))


# ---- training behaviour and gradients ---------------------------------------------------------------

def test_dropout_on_the_weights_only_in_training():
    x = _random((2, 5, 4), 0, "float32")
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=3, dropout=0.5, seed=3)
    plain, scores = mha(x, x, return_attention_scores=True)
    again = mha(x, x, training=False)
    np.testing.assert_allclose(again.numpy(), plain.numpy())
    _, ref_scores = np_mha(x, x, x, mha.get_weights(), 2, 3)
    np.testing.assert_allclose(scores.numpy(), ref_scores, rtol=1e-5, atol=1e-6)  # scores before dropout
    dropped = mha(x, x, training=True)
    assert not np.allclose(dropped.numpy(), plain.numpy())

    att = layers.Attention(dropout=0.5, seed=1)
    _, w_eval = att([x, x], return_attention_scores=True)
    _, w_train = att([x, x], return_attention_scores=True, training=True)
    kept = w_train.numpy() != 0
    assert 0.2 < kept.mean() < 0.8
    np.testing.assert_allclose(w_train.numpy()[kept], 2 * w_eval.numpy()[kept], rtol=1e-6)


def _numeric_variable_grad(loss, var, eps=1e-6):
    value = var.numpy()
    grad = np.zeros_like(value)
    flat = value.reshape(-1)
    for i in range(flat.size):
        for sign in (1, -1):
            bumped = flat.copy()
            bumped[i] += sign * eps
            var.assign(tg.constant(bumped.reshape(value.shape)))
            grad.reshape(-1)[i] += sign * loss() / (2 * eps)
    var.assign(tg.constant(value))
    return grad


def test_gradients_through_multi_head_attention_match_finite_differences():
    q, v = _random((2, 3, 4), 0), _random((2, 4, 4), 1)
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=2, dtype="float64", bias_initializer="random_normal")
    layer(q, v)
    mask = np.array([[[1, 1, 0, 1]] * 3, [[1, 0, 0, 0]] * 3], bool)
    mask[1, 2] = False  # a fully masked row
    for kwargs in (dict(attention_mask=mask), dict(attention_mask=mask, return_attention_scores=True),
                   dict(use_causal_mask=True)):
        def fn(a, b, kwargs=kwargs):
            out = layer(a, b, **kwargs)
            return out[0] if isinstance(out, tuple) else out

        check_grad(fn, q, v, rtol=1e-6, atol=1e-8)
    w = np.random.default_rng(5).standard_normal((2, 3, 4))

    def loss():
        return float(tg.reduce_sum(layer(tg.constant(q), tg.constant(v), attention_mask=mask) * w).numpy())

    with tg.GradientTape() as tape:
        target = tg.reduce_sum(layer(tg.constant(q), tg.constant(v), attention_mask=mask) * w)
    grads = tape.gradient(target, layer.trainable_weights)
    assert len(grads) == 8
    for var, g in zip(layer.trainable_weights, grads):
        np.testing.assert_allclose(g.numpy(), _numeric_variable_grad(loss, var), rtol=1e-6, atol=1e-8,
                                   err_msg=var.name)


def test_gradients_through_attention_and_additive_attention():
    q, v = _random((2, 3, 4), 0), _random((2, 4, 4), 1)
    vm = np.array([[1, 1, 0, 1], [0, 0, 0, 0]], bool)
    for layer in (layers.Attention(use_scale=True, dtype="float64"),
                  layers.Attention(score_mode="concat", dtype="float64"), layers.AdditiveAttention(dtype="float64")):
        layer([q, v])
        check_grad(lambda a, b, layer=layer: layer([a, b], mask=[None, vm], use_causal_mask=True), q, v,
                   rtol=1e-6, atol=1e-8)


# ---- saving ----------------------------------------------------------------------------------------

def test_keras_file_round_trip_of_a_model_with_every_attention_layer(tmp_path):
    inp = keras.Input((5, 8))
    h = layers.MultiHeadAttention(num_heads=2, key_dim=4, value_dim=3, output_shape=6, dropout=0.1,
                                  kernel_regularizer="l2", use_gate=True)(inp, inp, use_causal_mask=True)
    h = layers.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="e")(h)
    h = layers.Reshape((5, 6))(h)
    h = layers.Attention(use_scale=True, score_mode="concat")([h, h])
    h = layers.AdditiveAttention()([h, layers.EinsumDense("abc,cd->abd", output_shape=(5, 6))(inp)])
    out = layers.Softmax(axis=(1, 2))(h)
    model = keras.Model(inp, out)
    x = _random((3, 5, 8), 0, "float32")
    expected = model.predict(x, verbose=0)
    path = str(tmp_path / "attention.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), expected, rtol=1e-6, atol=1e-7)
    mha = next(l for l in loaded.layers if isinstance(l, layers.MultiHeadAttention))
    assert mha.get_config() == next(l for l in model.layers if isinstance(l, layers.MultiHeadAttention)).get_config()
    weights = str(tmp_path / "attention.weights.h5")
    model.save_weights(weights)
    import h5py

    with h5py.File(weights) as f:
        names = []
        f.visit(names.append)
    for sub in ("query_dense", "key_dense", "value_dense", "output_dense", "_gate_dense"):
        assert f"layers/multi_head_attention/{sub}/vars/0" in names, sub


# ---- the book's Transformer encoder and a GPT-style decoder block, trained ---------------------------------

class TransformerEncoder(layers.Layer):
    """Deep Learning with Python (2nd ed.), listing 11.21, as written for TensorFlow."""

    def __init__(self, embed_dim, dense_dim, num_heads, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = embed_dim
        self.dense_dim = dense_dim
        self.num_heads = num_heads
        self.attention = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
        self.dense_proj = keras.Sequential([layers.Dense(dense_dim, activation="relu"), layers.Dense(embed_dim)])
        self.layernorm_1 = layers.LayerNormalization()
        self.layernorm_2 = layers.LayerNormalization()

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = mask[:, tg.newaxis, :]
        attention_output = self.attention(inputs, inputs, attention_mask=mask)
        proj_input = self.layernorm_1(inputs + attention_output)
        proj_output = self.dense_proj(proj_input)
        return self.layernorm_2(proj_input + proj_output)

    def get_config(self):
        config = super().get_config()
        config.update({"embed_dim": self.embed_dim, "num_heads": self.num_heads, "dense_dim": self.dense_dim})
        return config


class DecoderBlock(layers.Layer):
    """A GPT-style block: pre-norm causal self-attention and a feed-forward net, with residuals."""

    def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1, **kwargs):
        super().__init__(**kwargs)
        self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim // num_heads, dropout=rate)
        self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="gelu"), layers.Dense(embed_dim)])
        self.ln_1 = layers.LayerNormalization(epsilon=1e-6)
        self.ln_2 = layers.LayerNormalization(epsilon=1e-6)
        self.drop = layers.Dropout(rate)

    def call(self, x, training=False):
        h = self.ln_1(x)
        x = x + self.drop(self.att(h, h, use_causal_mask=True, training=training), training=training)
        return x + self.ffn(self.ln_2(x))


class Classifier(keras.Model):
    def __init__(self, vocab, embed_dim):
        super().__init__()
        self.embedding = layers.Embedding(vocab, embed_dim, mask_zero=True)
        self.encoder = TransformerEncoder(embed_dim, 32, 2)
        self.pool = layers.GlobalMaxPooling1D()
        self.head = layers.Dense(1, activation="sigmoid")

    def call(self, tokens):
        x = self.embedding(tokens)
        x = self.encoder(x, mask=self.embedding.compute_mask(tokens))
        return self.head(self.pool(x))


class TinyGPT(keras.Model):
    def __init__(self, vocab, length, embed_dim):
        super().__init__()
        self.tokens = layers.Embedding(vocab, embed_dim)
        self.positions = layers.Embedding(length, embed_dim)
        self.block = DecoderBlock(embed_dim, 2, 32)
        self.logits = layers.Dense(vocab)

    def call(self, tokens, training=False):
        positions = tg.range(tokens.shape[1])
        x = self.tokens(tokens) + self.positions(positions)
        return self.logits(self.block(x, training=training))


def test_book_transformer_encoder_learns_a_padded_sequence_task():
    r = np.random.default_rng(0)
    n, length, vocab = 256, 8, 12
    tokens = r.integers(1, vocab, size=(n, length))
    lengths = r.integers(3, length + 1, size=n)
    tokens[np.arange(length)[None] >= lengths[:, None]] = 0  # padding
    labels = ((tokens == 5).any(1)).astype("float32")
    model = Classifier(vocab, 16)
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(tokens, labels, batch_size=32, epochs=8, verbose=0).history
    assert history["loss"][-1] < 0.6 * history["loss"][0], history["loss"]
    assert history["accuracy"][-1] > 0.8, history["accuracy"]
    # the padding mask works: what follows the padding id changes nothing
    encoder = model.encoder
    x = model.embedding(tokens)
    mask = model.embedding.compute_mask(tokens)
    before = encoder(x, mask=mask).numpy()
    x2 = x.numpy().copy()
    x2[tokens == 0] += 3.0  # change the padded positions' vectors
    after = encoder(tg.constant(x2), mask=mask).numpy()
    valid = tokens != 0
    np.testing.assert_allclose(after[valid], before[valid], rtol=1e-4, atol=1e-5)
    assert TransformerEncoder.from_config(encoder.get_config()).get_config()["dense_dim"] == 32


def test_gpt_style_decoder_block_learns_next_token_prediction():
    r = np.random.default_rng(1)
    n, length, vocab = 256, 9, 10
    start = r.integers(0, vocab, size=(n, 1))
    step = r.integers(1, 3, size=(n, 1))
    seq = (start + step * np.arange(length)[None]) % vocab  # the next token follows from the two before
    x, y = seq[:, :-1], seq[:, 1:]
    model = TinyGPT(vocab, length - 1, 32)
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, batch_size=32, epochs=10, verbose=0).history
    assert history["loss"][-1] < 0.5 * history["loss"][0], history["loss"]
    # causal: the logits at position t do not depend on later tokens
    changed = x.copy()
    changed[:, 5:] = (changed[:, 5:] + 3) % vocab
    a, b = model(tg.constant(x)).numpy(), model(tg.constant(changed)).numpy()
    np.testing.assert_allclose(a[:, :5], b[:, :5], rtol=1e-4, atol=1e-5)
    assert not np.allclose(a[:, 5:], b[:, 5:])
    # most next tokens are right after a few epochs
    accuracy = (a.argmax(-1) == y).mean()
    assert accuracy > 0.5, accuracy


def test_multi_head_attention_takes_its_tensors_by_keyword():
    x, v = _random((2, 4, 6), 0, "float32"), _random((2, 5, 6), 1, "float32")
    layer = layers.MultiHeadAttention(num_heads=2, key_dim=3)
    np.testing.assert_allclose(layer(query=x, value=v, key=v).numpy(), layer(x, v).numpy())
    np.testing.assert_allclose(layer(x, value=v).numpy(), layer(x, v).numpy())
    inp = keras.Input((4, 6))
    model = keras.Model(inp, layers.MultiHeadAttention(num_heads=2, key_dim=3)(query=inp, value=inp))
    assert model.predict(x, verbose=0).shape == (2, 4, 6)
    with pytest.raises(TypeError, match="needs `query` and `value`"):
        layer(query=x)

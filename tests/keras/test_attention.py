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

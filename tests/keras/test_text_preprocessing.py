"""Hashing, StringLookup, IntegerLookup and TextVectorization against Keras 3.15.

The references (fixtures/text_keras_reference.{npz,json}, and two .keras
models) come from fixtures/make_text_fixture.py, which runs the cases of
fixtures/text_cases.py in Keras on TensorFlow; this file runs the same cases
here. NumPy references check what the fixture does not pin down.
"""

import json
import os
import sys

import numpy as np
import pytest

import tensorgear as tg
from tensorgear import keras

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
sys.path.insert(0, FIXTURES)

import text_cases  # noqa: E402

L = keras.layers

with open(os.path.join(FIXTURES, "text_keras_reference.json"), encoding="utf-8") as _f:
    REFERENCE = json.load(_f)
ARRAYS = np.load(os.path.join(FIXTURES, "text_keras_reference.npz"))
CASES = {name: (make, adapt, inputs) for name, make, adapt, inputs in text_cases.text_cases(L)}


def values(out):
    return out.numpy() if hasattr(out, "numpy") else np.asarray(out)


# ---- every case against Keras ----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(CASES))
def test_case_matches_keras(name):
    make, adapt, inputs = CASES[name]
    record = REFERENCE["cases"][name]
    layer = make()
    if adapt is not None:
        layer.adapt(adapt)
    out = layer(inputs)
    if "strings" in record:  # StringLookup(invert=True): a NumPy array of str
        assert isinstance(out, np.ndarray) and out.dtype.kind == "U"
        assert out.tolist() == record["strings"]
    else:
        expected = ARRAYS[name]
        got = values(out)
        assert isinstance(out, tg.Tensor)
        assert got.shape == expected.shape
        if name.startswith(("tv_tf_idf", "sl_tf_idf", "il_tf_idf", "tv_vocab_tf_idf")):
            np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
        else:
            np.testing.assert_array_equal(got, expected)
        # ids are int64 (Hashing: its dtype); the counting modes are float32 (Keras's declared
        # output spec; Keras's eager TF path returns int64 counts for the lookup layers)
        if record["dtype"].startswith("int") and not name.startswith("h_"):
            if any(m in str(layer.get_config().get("output_mode")) for m in ("hot", "count")):
                assert out.dtype == tg.float32
            else:
                assert out.dtype == tg.int64
        elif name.startswith("h_"):
            assert out.dtype == (tg.int64 if layer.output_mode == "int" else tg.float32)
        else:
            assert out.dtype == tg.float32
    if "vocabulary" in record:
        assert layer.get_vocabulary() == record["vocabulary"]
        assert layer.vocabulary_size() == record["vocabulary_size"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_config_matches_keras(name):
    make, adapt, _ = CASES[name]
    layer = make()
    if adapt is not None:
        layer.adapt(adapt)
    config = json.loads(json.dumps(layer.get_config()))
    expected = dict(REFERENCE["cases"][name]["config"])
    for c in (config, expected):
        c.pop("name")
        c.pop("dtype", None)
    assert config == expected
    # from_config gives the same layer; an adapted one without its vocabulary (that is saved as an asset)
    clone = type(layer).from_config(layer.get_config())
    assert set(clone.get_config()) == set(layer.get_config())
    if config.get("vocabulary") is not None or isinstance(layer, L.Hashing):
        inputs = CASES[name][2]
        np.testing.assert_array_equal(np.asarray(values(clone(inputs))), np.asarray(values(layer(inputs))))


# ---- the hashes ----------------------------------------------------------------------------------

def _hash_strings():
    return [bytes.fromhex(h) for h in REFERENCE["hashes"]["strings_hex"]]


def test_fixture_strings_are_the_generator_strings():
    assert _hash_strings() == text_cases.hash_strings()
    lengths = {len(s) for s in _hash_strings()}
    assert set(range(81)) <= lengths and max(lengths) == 1000


@pytest.mark.parametrize("buckets", text_cases.HASH_BUCKETS)
def test_farmhash_fingerprint64_buckets_match_tensorflow(buckets):
    expected = REFERENCE["hashes"]["fast"][str(buckets)]
    got = tg._C.text.hash_buckets(_hash_strings(), buckets)
    assert got.dtype == np.int64
    assert got.tolist() == expected


@pytest.mark.parametrize("salt", text_cases.HASH_SALTS, ids=lambda s: f"{s[0]},{s[1]}")
@pytest.mark.parametrize("buckets", text_cases.HASH_BUCKETS)
def test_siphash_buckets_match_tensorflow(salt, buckets):
    expected = REFERENCE["hashes"]["strong"][f"{salt[0]},{salt[1]}"][str(buckets)]
    assert tg._C.text.hash_buckets(_hash_strings(), buckets, salt).tolist() == expected


def test_hashes_of_str_are_those_of_its_utf8_bytes():
    texts = text_cases.TEXTS
    encoded = [t.encode("utf-8") for t in texts]
    a = tg._C.text.fingerprint64(texts)
    assert a.dtype == np.uint64 and (a == tg._C.text.fingerprint64(encoded)).all()
    assert (tg._C.text.fingerprint64(texts, [3, 4]) == tg._C.text.fingerprint64(tuple(encoded), (3, 4))).all()
    assert not (tg._C.text.fingerprint64(texts, [3, 4]) == a).any()


def test_hash_binding_errors():
    with pytest.raises(TypeError, match="list or tuple"):
        tg._C.text.hash_buckets(np.array(["a"]), 3)
    with pytest.raises(TypeError, match="item 1 is a int"):
        tg._C.text.hash_buckets(["a", 3], 3)
    with pytest.raises(ValueError, match="num_buckets must be >= 1"):
        tg._C.text.hash_buckets(["a"], 0)
    with pytest.raises(ValueError, match="2 ints"):
        tg._C.text.hash_buckets(["a"], 3, [1])
    with pytest.raises(ValueError, match="int64"):
        tg._C.text.hash_buckets(["a"], 3, [1, 2 ** 64])
    assert tg._C.text.hash_buckets([], 3).shape == (0,)


def test_hashing_large_batch_is_the_same_in_parallel():
    strings = [f"token {i}" for i in range(20000)]
    whole = tg._C.text.hash_buckets(strings, 1 << 40)
    parts = np.concatenate([tg._C.text.hash_buckets(strings[i:i + 7], 1 << 40) for i in range(0, 20000, 7)])
    assert (whole == parts).all()


# ---- Hashing ---------------------------------------------------------------------------------------

def test_hashing_inputs_of_every_kind_agree():
    layer = L.Hashing(num_bins=11)
    words = ["a", "bb", "ccc", "dé"]
    expected = values(layer(np.array(words)))
    assert values(layer(words)).tolist() == expected.tolist()
    assert values(layer(np.array([w.encode() for w in words]))).tolist() == expected.tolist()
    assert values(layer(np.array(words, dtype=object))).tolist() == expected.tolist()
    assert values(layer("bb")).tolist() == expected[1]
    ints = np.array([3, -7, 12])
    assert values(layer(tg.constant(ints))).tolist() == values(layer(ints)).tolist() == \
        values(layer(["3", "-7", "12"])).tolist()


def test_hashing_output_shapes():
    x = np.array([["a", "b", "c"], ["d", "e", "f"]])
    assert L.Hashing(5)(x).shape == (2, 3)
    assert L.Hashing(5, output_mode="one_hot")(x).shape == (2, 3, 5)
    assert L.Hashing(5, output_mode="one_hot")(x[:, :1]).shape == (2, 5)
    assert L.Hashing(5, output_mode="multi_hot")(x).shape == (2, 5)
    assert L.Hashing(5, output_mode="count")(x).shape == (2, 5)
    assert L.Hashing(5, output_mode="count")("a").shape == (5,)
    assert L.Hashing(5, dtype="int32")(x).dtype == tg.int32
    assert L.Hashing(5).compute_output_shape((None, 3)) == (None, 3)
    assert L.Hashing(5, output_mode="count").compute_output_shape((None, 3)) == (None, 5)


def test_hashing_count_is_the_bincount_of_the_bins():
    words = np.array([["a", "b", "a", "c"], ["d", "d", "d", "e"]])
    bins = values(L.Hashing(6)(words))
    counts = values(L.Hashing(6, output_mode="count")(words))
    for row, c in zip(bins, counts):
        np.testing.assert_array_equal(c, np.bincount(row, minlength=6))
    np.testing.assert_array_equal(values(L.Hashing(6, output_mode="multi_hot")(words)), np.minimum(counts, 1))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"num_bins": 0}, ValueError, "num_bins"),
    ({"num_bins": None}, ValueError, "num_bins"),
    ({"num_bins": 3, "output_mode": "bad"}, ValueError, "output_mode"),
    ({"num_bins": 3, "dtype": "float32"}, ValueError, "integer type"),
    ({"num_bins": 3, "salt": "x"}, ValueError, "salt"),
    ({"num_bins": 3, "salt": [1, 2, 3]}, ValueError, "salt"),
    ({"num_bins": 3, "sparse": True}, ValueError, "sparse"),
    ({"num_bins": 3, "output_mode": "count", "sparse": True}, ValueError, "sparse"),
])
def test_hashing_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        L.Hashing(**kwargs)


def test_hashing_input_errors():
    with pytest.raises(TypeError, match="mask_value"):
        L.Hashing(3, mask_value="")(np.array([1, 2]))
    with pytest.raises(TypeError, match="mask_value"):
        L.Hashing(3, mask_value=0)(["a"])
    with pytest.raises(ValueError, match="rectangular"):
        L.Hashing(3)([["a"], ["b", "c"]])
    with pytest.raises(TypeError):
        L.Hashing(3)(np.array([{"a": 1}], dtype=object))


# ---- the lookups ------------------------------------------------------------------------------------

def test_string_lookup_adapt_orders_by_count_then_token_descending():
    layer = L.StringLookup()
    layer.adapt(["b", "a", "c", "a", "b", "d", "é"])
    # a and b twice (b before a), then c, d, é once: the highest token first (bytes order)
    assert layer.get_vocabulary() == ["[UNK]", "b", "a", "é", "d", "c"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["b", "a", "é", "d", "c"]


def test_lookup_tf_idf_weights_are_keras_formula():
    docs = [["a", "b", "a"], ["b", "c", "c"], ["a", "d", "e"]]
    layer = L.StringLookup(output_mode="tf_idf")
    layer.adapt(np.array(docs))
    vocab = layer.get_vocabulary()
    df = {t: sum(t in d for d in docs) for t in vocab[1:]}
    idf = np.array([np.log(1 + 3 / (1 + df[t])) for t in vocab[1:]], np.float32)
    idf = np.concatenate([[idf.mean()], idf])
    out = values(layer(np.array([["a", "a", "zz"]])))
    counts = np.zeros(len(vocab))
    counts[vocab.index("a")] = 2
    counts[0] = 1
    np.testing.assert_allclose(out[0], counts * idf, rtol=1e-6)


def test_lookup_adapt_from_dataset_and_steps():
    data = tg.data.Dataset.from_tensor_slices(np.array([["x"], ["y"], ["y"], ["z"]])).batch(2)
    layer = L.StringLookup()
    layer.adapt(data)
    assert layer.get_vocabulary() == ["[UNK]", "y", "z", "x"]
    layer.adapt(data, steps=1)
    assert layer.get_vocabulary() == ["[UNK]", "y", "x"]
    ints = L.IntegerLookup()
    ints.adapt(tg.data.Dataset.from_tensor_slices(np.array([4, 4, 9, 1])).batch(3))
    assert ints.get_vocabulary() == [-1, 4, 9, 1]


def test_integer_lookup_takes_tensors_and_numpy_ints():
    layer = L.IntegerLookup(vocabulary=[10, 20, 30])
    expected = [[1, 2, 0], [3, 0, 1]]
    assert values(layer(tg.constant(np.array([[10, 20, 5], [30, 7, 10]])))).tolist() == expected
    assert values(layer(np.array([[10, 20, 5], [30, 7, 10]], dtype=np.int32))).tolist() == expected
    assert values(layer([[10, 20, 5], [30, 7, 10]])).tolist() == expected
    assert values(layer(np.int64(20))).tolist() == 2
    assert values(layer(np.array([10.0, 30.0]))).tolist() == [1, 3]
    with pytest.raises(ValueError, match="integer values"):
        layer(np.array([1.5]))
    with pytest.raises(TypeError, match="expects integers"):
        layer(["a"])


def test_lookup_vocabulary_file_and_set_vocabulary(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("earth\nwind\nfire\n", encoding="utf-8")
    layer = L.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "earth", "wind", "fire"]
    assert values(layer(["fire", "water"])).tolist() == [3, 0]
    assert layer.get_config()["vocabulary"] is None
    layer.set_vocabulary(["a", "b"])
    assert layer.vocabulary_size() == 3
    layer.set_vocabulary(np.array(["[UNK]", "c"]))  # special tokens at the start are recognised
    assert layer.get_vocabulary() == ["[UNK]", "c"]
    ints = L.IntegerLookup()
    ints.set_vocabulary(tg.constant(np.array([5, 6])))
    assert ints.get_vocabulary() == [-1, 5, 6]


def test_lookup_output_shapes():
    layer = L.StringLookup(vocabulary=["a", "b", "c"], output_mode="multi_hot")
    assert layer.compute_output_shape((None, 4)) == (None, 4)
    assert L.StringLookup(vocabulary=["a"], output_mode="one_hot").compute_output_shape((None, 1)) == (None, 2)
    assert L.StringLookup(vocabulary=["a"]).compute_output_shape((None, 3)) == (None, 3)
    assert L.StringLookup(vocabulary=["a", "b"], output_mode="count", max_tokens=9,
                          pad_to_max_tokens=True)(["a"]).shape == (9,)
    assert values(L.StringLookup(vocabulary=["a", "b"])("b")).tolist() == 2
    three = np.array([[["a", "b"], ["b", "b"]]])
    assert L.StringLookup(vocabulary=["a", "b"], output_mode="count")(three).shape == (1, 2, 3)


@pytest.mark.parametrize("make, error, match", [
    (lambda: L.StringLookup(max_tokens=1), ValueError, "max_tokens"),
    (lambda: L.StringLookup(pad_to_max_tokens=True), ValueError, "pad_to_max_tokens"),
    (lambda: L.StringLookup(num_oov_indices=-1), ValueError, "num_oov_indices"),
    (lambda: L.StringLookup(output_mode="bad"), ValueError, "output_mode"),
    (lambda: L.StringLookup(invert=True, output_mode="count"), ValueError, "invert"),
    (lambda: L.StringLookup(sparse=True, output_mode="count"), ValueError, "sparse"),
    (lambda: L.StringLookup(idf_weights=[1.0], vocabulary=["a"]), ValueError, "idf_weights"),
    (lambda: L.StringLookup(vocabulary=["a"], output_mode="tf_idf"), ValueError, "idf_weights"),
    (lambda: L.StringLookup(vocabulary=[]), ValueError, "empty vocabulary"),
    (lambda: L.StringLookup(vocabulary=["a", "b", "a"]), ValueError, "repeated"),
    (lambda: L.StringLookup(vocabulary=["a", ""], mask_token=""), ValueError, "mask token"),
    (lambda: L.StringLookup(vocabulary=["a", "[UNK]"], invert=True), ValueError, "OOV token"),
    (lambda: L.StringLookup(vocabulary=["a", "b", "c"], max_tokens=3), ValueError, "maximum vocab size"),
    (lambda: L.StringLookup(vocabulary=["a"], idf_weights=[1.0, 2.0], output_mode="tf_idf"), ValueError,
     "same length"),
    (lambda: L.StringLookup(vocabulary="/nonexistent/vocab.txt"), ValueError, "does not exist"),
    (lambda: L.StringLookup(bogus=1), ValueError, "Unrecognized"),
    (lambda: L.IntegerLookup(vocabulary_dtype="int32"), ValueError, "int64"),
    (lambda: L.IntegerLookup(salt=3), ValueError, "farmhash"),
    (lambda: L.IntegerLookup(oov_method="modulo"), ValueError, "oov_method"),
])
def test_lookup_argument_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_lookup_call_errors():
    with pytest.raises(RuntimeError, match="must set the layer's vocabulary"):
        L.StringLookup(output_mode="multi_hot")(["a"])
    with pytest.raises(ValueError, match="all inputs should be in vocabulary, found OOV values \\['x'\\]"):
        L.StringLookup(vocabulary=["a"], num_oov_indices=0)(["a", "x"])
    assert values(L.StringLookup(vocabulary=["a"], num_oov_indices=0, mask_token="")(["a", ""])).tolist() == [1, 0]
    with pytest.raises(TypeError, match="expects strings"):
        L.StringLookup(vocabulary=["a"])(np.array([1, 2]))
    with pytest.raises(ValueError, match="Cannot adapt"):
        L.StringLookup(vocabulary=["a"]).adapt(["a"])
    layer = L.StringLookup(vocabulary=["a", "b"], output_mode="count")
    with pytest.raises(RuntimeError, match="cannot be changed"):
        layer.set_vocabulary(["a"])


# ---- TextVectorization ------------------------------------------------------------------------------

def test_text_vectorization_callables():
    def shout(text):
        assert isinstance(text, np.ndarray) and text.dtype.kind == "U"
        return np.char.upper(text)

    def on_commas(text):
        return [t.split(",") for t in text.tolist()]

    layer = L.TextVectorization(standardize=shout, split=on_commas, vocabulary=["A", "B C"])
    assert values(layer(["a,b c,d", "b c"])).tolist() == [[2, 3, 1], [3, 0, 0]]


def test_text_vectorization_adapt_sources_agree():
    corpus = text_cases.CORPUS
    expected = None
    for data in (corpus, np.array(corpus), np.array(corpus)[:, None], np.array(corpus, dtype=object),
                 tg.data.Dataset.from_tensor_slices(np.array(corpus)).batch(3)):
        layer = L.TextVectorization()
        layer.adapt(data)
        if expected is None:
            expected = layer.get_vocabulary()
        assert layer.get_vocabulary() == expected
    layer = L.TextVectorization()
    layer.adapt(tg.data.Dataset.from_tensor_slices(np.array(corpus)).batch(2), steps=1)
    assert set(layer.get_vocabulary()[2:]) == {"the", "cat", "sat", "on", "mat", "dog", "ate", "my", "homework"}


def test_text_vectorization_int_matches_numpy_reference():
    vocab = ["the", "cat", "sat"]
    layer = L.TextVectorization(vocabulary=vocab, output_sequence_length=5)
    texts = ["The cat, the CAT!", "a sat  cat the cat the", ""]
    index = {w: i + 2 for i, w in enumerate(vocab)}
    expected = np.zeros((3, 5), np.int64)
    for r, t in enumerate(texts):
        words = "".join(c for c in t.lower() if c.isalnum() or c.isspace()).split()[:5]
        expected[r, :len(words)] = [index.get(w, 1) for w in words]
    np.testing.assert_array_equal(values(layer(np.array(texts))), expected)


def test_text_vectorization_shapes():
    layer = L.TextVectorization(vocabulary=["a", "b"])
    assert layer(["a b a", "b"]).shape == (2, 3)
    assert layer(np.array([[""], [""]])).shape == (2, 0)
    assert layer(np.array([], dtype=str)).shape == (0, 0)
    assert layer.compute_output_shape((None, 1)) == (None, None)
    assert L.TextVectorization(vocabulary=["a"], output_sequence_length=7).compute_output_shape((None,)) == (None, 7)
    counts = L.TextVectorization(vocabulary=["a", "b"], output_mode="count")
    assert counts.compute_output_shape((None, 1)) == (None, 3)  # the true shape; Keras says (None, 1, 3)
    assert counts.compute_output_shape((None,)) == (None, 3)
    assert counts(["a b a"]).shape == (1, 3)
    assert counts("a b a").shape == (3,)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"ragged": True}, ValueError, "ragged=True is not supported"),
    ({"sparse": True}, ValueError, "sparse=True is not supported"),
    ({"standardize": "upper"}, ValueError, "standardize"),
    ({"split": "comma"}, ValueError, "split"),
    ({"output_mode": "one-hot"}, ValueError, "output_mode"),
    ({"ngrams": "2"}, ValueError, "ngrams"),
    ({"ngrams": (1, "2")}, ValueError, "ngrams"),
    ({"output_sequence_length": 3.0}, ValueError, "output_sequence_length"),
    ({"output_sequence_length": 3, "output_mode": "count"}, ValueError, "output_sequence_length"),
    ({"output_mode": "tf_idf", "vocabulary": ["a"]}, ValueError, "idf_weights"),
    ({"max_tokens": 1}, ValueError, "max_tokens"),
])
def test_text_vectorization_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        L.TextVectorization(**kwargs)


def test_text_vectorization_call_errors():
    layer = L.TextVectorization(vocabulary=["a"])
    with pytest.raises(ValueError, match="last shape dimension must be 1"):
        layer(np.array([["a", "b"]]))
    with pytest.raises(TypeError, match="expects strings"):
        layer(np.array([1, 2]))
    with pytest.raises(RuntimeError, match="vocabulary before calling"):
        L.TextVectorization(output_mode="tf_idf")(["a"])
    with pytest.raises(ValueError, match="rectangular"):
        layer([["a"], ["b", "c"]])


# ---- inside models, tg.data pipelines and .keras files -------------------------------------------

SENTIMENT_TEXTS = np.array(["good movie great", "bad film awful", "great great good", "awful bad", "good",
                            "bad"] * 8)
SENTIMENT_LABELS = np.array([1, 0, 1, 0, 1, 0] * 8)


def _adapted(**kwargs):
    layer = L.TextVectorization(**kwargs)
    layer.adapt(SENTIMENT_TEXTS)
    return layer


def _functional(shape=(1,)):
    inp = keras.Input(shape=shape, dtype="string")
    x = _adapted(max_tokens=20, output_sequence_length=4)(inp)
    x = L.Embedding(20, 8)(x)
    x = L.GlobalAveragePooling1D()(x)
    return keras.Model(inp, L.Dense(1, activation="sigmoid")(x))


@pytest.mark.parametrize("shape", [(1,), ()])
def test_text_vectorization_first_in_a_functional_model_fits_from_string_arrays(shape):
    tg.random.set_seed(3)
    model = _functional(shape)
    assert model.inputs[0].dtype == "string"
    assert model.layers[0].output.shape == (None, 4) and model.layers[0].output.dtype == "int64"
    x = SENTIMENT_TEXTS[:, None] if shape else SENTIMENT_TEXTS
    model.compile(keras.optimizers.Adam(0.03), "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x, SENTIMENT_LABELS, epochs=20, batch_size=8, shuffle=True, verbose=0)
    assert history.history["loss"][-1] < 0.3 * history.history["loss"][0]
    loss, accuracy = model.evaluate(x, SENTIMENT_LABELS, verbose=0)
    assert accuracy == 1.0
    probe = np.array(["good great", "awful bad"])
    out = model.predict(probe[:, None] if shape else probe, verbose=0)
    assert out.shape == (2, 1) and out[0, 0] > 0.5 > out[1, 0]
    # an object array of bytes (what TensorFlow's .numpy() gives) is the same data
    as_bytes = np.array([t.encode() for t in probe], dtype=object)
    np.testing.assert_allclose(model.predict(as_bytes[:, None] if shape else as_bytes, verbose=0), out)
    np.testing.assert_allclose(model.predict_on_batch(probe[:, None] if shape else probe), out)


def test_text_vectorization_first_in_a_sequential_model():
    vocab = ["good", "bad", "great", "awful"]
    model = keras.Sequential([keras.Input(shape=(), dtype=tg.string),
                              L.TextVectorization(output_mode="multi_hot", vocabulary=vocab), L.Dense(1)])
    assert model.inputs[0].dtype == "string" and model.output_shape == (None, 1)
    model.compile("adam", "mse")
    model.fit(SENTIMENT_TEXTS, SENTIMENT_LABELS.astype("float32"), epochs=1, verbose=0)
    assert model.predict(np.array(["good", "bad"]), verbose=0).shape == (2, 1)
    # no Input: the model builds on its first batch of strings
    lazy = keras.Sequential([L.TextVectorization(output_mode="count", vocabulary=vocab), L.Dense(2)])
    assert lazy.predict(["good good", "bad"], verbose=0).shape == (2, 2)
    assert lazy(np.array(["good"])).shape == (1, 2)


def test_string_lookup_and_hashing_in_models():
    inp = keras.Input(shape=(2,), dtype="string")
    ids = L.StringLookup(vocabulary=["a", "b", "c"])(inp)
    model = keras.Model(inp, L.Embedding(4, 3)(ids))
    assert model.predict(np.array([["a", "x"], ["c", "b"]]), verbose=0).shape == (2, 2, 3)
    hashed = keras.Model(inp, L.Hashing(8, output_mode="multi_hot")(inp))
    assert hashed.output_shape == (None, 8)
    np.testing.assert_array_equal(hashed.predict(np.array([["a", "b"]]), verbose=0),
                                  values(L.Hashing(8, output_mode="multi_hot")(np.array([["a", "b"]]))))


def test_numeric_models_are_unchanged_by_the_string_paths():
    model = keras.Sequential([keras.Input(shape=(3,)), L.Dense(2)])
    x = np.arange(12, dtype=np.int64).reshape(4, 3)  # integers still become the float type
    np.testing.assert_allclose(model.predict(x, verbose=0), values(model(x.astype("float32"))), rtol=1e-6)
    with pytest.raises(TypeError):
        model.predict(np.array([["a", "b", "c"]]), verbose=0)


def test_text_vectorization_in_a_data_pipeline_feeds_fit():
    layer = _adapted(max_tokens=20, output_sequence_length=4)
    ds = tg.data.Dataset.from_tensor_slices((SENTIMENT_TEXTS, SENTIMENT_LABELS)).batch(16)
    for x, y in ds.take(1):
        assert isinstance(x, np.ndarray) and x.dtype == object and x[0] == b"good movie great"
    mapped = ds.map(lambda x, y: (layer(x), y))
    first = next(iter(mapped))
    np.testing.assert_array_equal(values(first[0]), values(layer(SENTIMENT_TEXTS[:16])))
    assert mapped.element_spec[0].dtype == tg.int64
    model = keras.Sequential([keras.Input(shape=(4,), dtype="int64"), L.Embedding(20, 4),
                              L.GlobalAveragePooling1D(), L.Dense(1)])
    model.compile("adam", "mse")
    assert len(model.fit(mapped, epochs=2, verbose=0).history["loss"]) == 2
    # the raw strings straight into a model with the layer inside it
    text_model = _functional()
    text_model.compile("adam", "binary_crossentropy")
    raw = tg.data.Dataset.from_tensor_slices((SENTIMENT_TEXTS[:, None], SENTIMENT_LABELS)).shuffle(48).batch(16)
    text_model.fit(raw, epochs=1, verbose=0)
    assert np.isfinite(text_model.evaluate(raw, verbose=0))


def test_data_pipelines_carry_strings_as_bytes():
    ds = tg.data.Dataset.from_tensor_slices(np.array(["a b", "dé"]))
    assert ds.element_spec == tg.TensorSpec((), tg.string)
    assert list(ds.as_numpy_iterator()) == [b"a b", "dé".encode()]
    assert list(tg.data.Dataset.from_tensors("hi").as_numpy_iterator()) == [b"hi"]
    assert [x.tolist() for x in ds.batch(2).as_numpy_iterator()] == [[b"a b", "dé".encode()]]
    assert list(ds.batch(1).unbatch().as_numpy_iterator()) == [b"a b", "dé".encode()]
    gen = tg.data.Dataset.from_generator(lambda: iter(["x", b"y"]), output_signature=tg.TensorSpec((), tg.string))
    assert list(gen.as_numpy_iterator()) == [b"x", b"y"]
    with pytest.raises(TypeError, match="must hold strings"):
        tg.data.Dataset.from_tensor_slices(np.array(["a", 3], dtype=object))


def _predictions(model, x):
    return model.predict(x, verbose=0)


def test_keras_saved_text_models_load_and_match_keras():
    texts = np.array(text_cases.TEXTS)
    model = keras.models.load_model(os.path.join(FIXTURES, "text_vectorization_int.keras"))
    np.testing.assert_allclose(_predictions(model, texts[:, None]), ARRAYS["model_int_predictions"], rtol=1e-5,
                               atol=1e-6)
    np.testing.assert_array_equal(values(model.layers[0](texts)), ARRAYS["model_int_vectorized"])
    tf_idf = keras.models.load_model(os.path.join(FIXTURES, "text_vectorization_tf_idf.keras"))
    np.testing.assert_allclose(_predictions(tf_idf, texts), ARRAYS["model_tf_idf_predictions"], rtol=1e-5,
                               atol=1e-5)


@pytest.mark.parametrize("kind", ["int", "tf_idf", "lookup", "vocabulary_file"])
def test_keras_file_round_trip_keeps_the_vocabulary(tmp_path, kind):
    texts = np.array(text_cases.TEXTS)
    if kind == "int":
        model, x = _functional(), texts[:, None]
    elif kind == "tf_idf":
        tv = L.TextVectorization(output_mode="tf_idf", ngrams=2, max_tokens=30, pad_to_max_tokens=True)
        tv.adapt(np.array(text_cases.CORPUS))
        model, x = keras.Sequential([keras.Input(shape=(), dtype="string"), tv, L.Dense(3)]), texts
    elif kind == "lookup":
        lookup = L.StringLookup(output_mode="count", num_oov_indices=2, mask_token="")
        lookup.adapt(text_cases.WORDS_ADAPT)
        inp = keras.Input(shape=(4,), dtype="string")
        model, x = keras.Model(inp, L.Dense(2)(lookup(inp))), text_cases.WORDS_IN
    else:
        path = tmp_path / "words.txt"
        path.write_text("a\nb\nc\n", encoding="utf-8")
        inp = keras.Input(shape=(4,), dtype="string")
        model, x = keras.Model(inp, L.Embedding(5, 2)(L.StringLookup(vocabulary=str(path))(inp))), \
            text_cases.WORDS_IN
    expected = _predictions(model, x)
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(_predictions(loaded, x), expected, rtol=1e-6)
    first = [layer for layer in loaded.layers if hasattr(layer, "get_vocabulary")][0]
    original = [layer for layer in model.layers if hasattr(layer, "get_vocabulary")][0]
    assert first.get_vocabulary() == original.get_vocabulary()
    import zipfile

    names = zipfile.ZipFile(tmp_path / "m.keras").namelist()
    assert any(n.startswith("assets/layers/") and n.endswith("/vocabulary.txt") for n in names)


def test_weights_file_keeps_idf_weights(tmp_path):
    tv = L.TextVectorization(output_mode="tf_idf")
    tv.adapt(np.array(text_cases.CORPUS))
    model = keras.Sequential([keras.Input(shape=(), dtype="string"), tv, L.Dense(2)])
    model.save_weights(tmp_path / "w.weights.h5")
    other = L.TextVectorization(output_mode="tf_idf", vocabulary=tv.get_vocabulary()[1:],
                                idf_weights=np.ones(tv.vocabulary_size() - 1))
    clone = keras.Sequential([keras.Input(shape=(), dtype="string"), other, L.Dense(2)])
    clone.load_weights(tmp_path / "w.weights.h5")
    texts = np.array(text_cases.TEXTS)
    np.testing.assert_allclose(_predictions(clone, texts), _predictions(model, texts), rtol=1e-6)

"""The IMDB-style example (examples/text_classification.py) trains end to end from Python strings:
TextVectorization > Embedding(mask_zero) > Bidirectional(LSTM) > Dense, fed by a tg.data pipeline."""

import importlib.util
import os

import numpy as np

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "text_classification.py")


def _example():
    spec = importlib.util.spec_from_file_location("text_classification_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_text_classifier_learns_sentiment_from_strings(tmp_path):
    example = _example()
    model, accuracy = example.main(verbose=0)
    assert accuracy >= 0.85, accuracy
    # the whole model, vocabulary included, survives a .keras round trip
    texts, _ = example.make_reviews(20, seed=7)
    expected = model.predict(texts[:, None], verbose=0)
    model.save(tmp_path / "text.keras")
    from tensorgear import keras

    again = keras.models.load_model(tmp_path / "text.keras")
    np.testing.assert_allclose(again.predict(texts[:, None], verbose=0), expected, rtol=1e-5, atol=1e-6)

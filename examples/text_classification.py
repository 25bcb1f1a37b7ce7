"""An IMDB-style sentiment classifier trained end to end from Python strings, as in Deep Learning
with Python's text chapter: TextVectorization > Embedding(mask_zero) > Bidirectional(LSTM) >
Dropout > Dense(sigmoid), written for TensorFlow/Keras with only the imports changed.

The reviews are made up here (no download): sentences of neutral words with a few words of one
sentiment, some negated ("not good"), of varied lengths, so the model must read word order and
ignore padding to score well.

    python examples/text_classification.py [--reviews 4000] [--epochs 10]
"""

import argparse
import random

import numpy as np

import tensorgear as tf
from tensorgear import keras
from tensorgear.keras import layers

POSITIVE = ["good", "great", "excellent", "wonderful", "moving", "brilliant", "fun", "superb", "charming"]
NEGATIVE = ["bad", "awful", "boring", "terrible", "dull", "weak", "poor", "painful", "mediocre"]
NEUTRAL = ("the film story actor plot scene music camera script director cast ending was is a an and of "
           "with this that it its in on for by at as one two movie show part time").split()


def make_reviews(n, seed=0):
    """(texts, labels): label 1 for a positive review. A negated sentiment word counts as the other."""
    rng = random.Random(seed)
    texts, labels = [], []
    for _ in range(n):
        label = rng.random() < 0.5
        words = [rng.choice(NEUTRAL) for _ in range(rng.randint(8, 40))]
        for _ in range(rng.randint(1, 3)):
            negate = rng.random() < 0.3
            pool = POSITIVE if label != negate else NEGATIVE
            phrase = (["not"] if negate else []) + [rng.choice(pool)]
            at = rng.randint(0, len(words))
            words[at:at] = phrase
        text = " ".join(words)
        texts.append(text[0].upper() + text[1:] + rng.choice([".", "!", "..."]))
        labels.append(float(label))
    return np.array(texts), np.array(labels, dtype=np.float32)


def build_model(vectorize, max_tokens):
    inputs = keras.Input(shape=(1,), dtype="string")
    x = vectorize(inputs)
    x = layers.Embedding(max_tokens, 32, mask_zero=True)(x)
    x = layers.Bidirectional(layers.LSTM(16))(x)
    x = layers.Dropout(0.3)(x)
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def main(reviews=4000, epochs=10, seed=0, verbose=1):
    keras.utils.set_random_seed(seed)
    texts, labels = make_reviews(reviews, seed)
    split = int(0.8 * len(texts))
    max_tokens = 200
    vectorize = layers.TextVectorization(max_tokens=max_tokens, output_mode="int", output_sequence_length=48)
    vectorize.adapt(texts[:split])
    model = build_model(vectorize, max_tokens)
    train = tf.data.Dataset.from_tensor_slices((texts[:split, None], labels[:split])).shuffle(split, seed=seed).batch(32)
    model.fit(train, epochs=epochs, verbose=verbose)
    test = tf.data.Dataset.from_tensor_slices((texts[split:, None], labels[split:])).batch(32)
    loss, accuracy = model.evaluate(test, verbose=0)
    if verbose:
        print(f"test accuracy: {accuracy:.4f}")
    return model, accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=4000)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    main(args.reviews, args.epochs)

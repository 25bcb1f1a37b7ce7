"""The sequence models of the benchmark (issue 13), the same in every framework:

* ``lstm``: Embedding(10000, 128) > LSTM(64) > Dense(1, sigmoid) on IMDB-shaped data
  (sequences of 200 word ids), binary cross-entropy, Adam 1e-3, batch 32;
* ``transformer``: Embedding(10000, 128) > 2 Transformer encoder blocks (4 heads of 32,
  feed-forward 256, post-norm as in "Attention is all you need" and PyTorch's default,
  no dropout) > mean over the sequence > Dense(1, sigmoid), sequences of 128, same training.

The data are synthetic (no download): uniform word ids, the lower half of the vocabulary
"positive" words, a sequence labelled positive when most of its words are (a bag-of-words
sentiment). The benchmark times epochs; its few epochs on a few thousand sequences leave the
LSTM near chance on this task (the Transformer's mean over the sequence gets further), so the
accuracy column is a sanity check, not a target. Loaded by train_worker.py by file path: NumPy
only at import.
"""

import numpy as np

VOCAB = 10000
EMBED = 128
SEQUENCE_LENGTH = {"lstm": 200, "transformer": 128}
BATCH_SIZE = 32
N_TRAIN, N_TEST = 25000, 5000  # IMDB's split sizes (25k/25k); the test half is cut to 5k


def make_data(model, n_train=N_TRAIN, n_test=N_TEST, seed=0):
    """(x_train, y_train, x_test, y_test): int64 ids (0 never used: no padding) and float32 labels."""
    rng = np.random.default_rng(seed)
    length = SEQUENCE_LENGTH[model]
    x = rng.integers(1, VOCAB, (n_train + n_test, length), dtype=np.int64)
    y = ((x < VOCAB // 2).mean(axis=1) > 0.5).astype(np.float32)
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:]


def keras_model(keras, model):
    """The model in Keras (tensorgear.keras or Keras 3)."""
    L = keras.layers
    inputs = keras.Input((SEQUENCE_LENGTH[model],), dtype="int64")
    h = L.Embedding(VOCAB, EMBED)(inputs)
    if model == "lstm":
        h = L.LSTM(64)(h)
    else:
        for _ in range(2):
            h = L.LayerNormalization(epsilon=1e-5)(L.Add()([h, L.MultiHeadAttention(4, EMBED // 4)(h, h)]))
            ffn = L.Dense(EMBED)(L.Dense(256, activation="relu")(h))
            h = L.LayerNormalization(epsilon=1e-5)(L.Add()([h, ffn]))
        h = L.GlobalAveragePooling1D()(h)
    return keras.Model(inputs, L.Dense(1, activation="sigmoid")(h))


def torch_model(torch, model):
    """The model in PyTorch: logits out (BCEWithLogitsLoss fuses the sigmoid)."""
    nn = torch.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, EMBED)
            if model == "lstm":
                self.body = nn.LSTM(EMBED, 64, batch_first=True)
                width = 64
            else:
                layer = nn.TransformerEncoderLayer(EMBED, 4, 256, dropout=0.0, batch_first=True)
                self.body = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
                width = EMBED
            self.head = nn.Linear(width, 1)

        def forward(self, ids):
            h = self.embedding(ids)
            if model == "lstm":
                _, (h_last, _) = self.body(h)
                h = h_last[-1]
            else:
                h = self.body(h).mean(dim=1)
            return self.head(h)[:, 0]

    return Net()

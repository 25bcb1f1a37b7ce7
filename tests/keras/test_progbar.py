"""The progress bar: Keras's line format, verbose 0/1/2, TTY vs non-TTY output."""

import io

import numpy as np
import pytest

from tensorgear import keras
from tensorgear.keras import layers
from tensorgear.keras.utils.progbar import Progbar, format_time_per_unit, format_value

from keras_testdata import synthetic_digits


class FakeTTY(io.StringIO):
    def isatty(self):
        return True


def test_value_and_time_formatting():
    assert format_value(0.2) == " 0.2000"
    assert format_value(0.0) == " 0.0000e+00"
    assert format_value(1e-5) == " 1.0000e-05"
    assert format_time_per_unit(2.0) == "2s/step"
    assert format_time_per_unit(0.002) == "2ms/step"
    assert format_time_per_unit(0.0005) == "500us/step"


def test_final_line_format_non_tty():
    out = io.StringIO()
    bar = Progbar(469, stream=out, stateful_metrics="all")
    for step in range(1, 470):
        bar.update(step, {"loss": 0.2, "accuracy": 0.9})
    text = out.getvalue()
    assert text.count("\n") == 1  # only the finished line off a terminal
    line = text.rstrip("\n")
    assert line.startswith("469/469 [==============================] - ")
    assert line.endswith(" - loss: 0.2000 - accuracy: 0.9000")
    import re
    assert re.match(r"^469/469 \[=+\] - \d+s \d+(us|ms|s)/step - loss: 0\.2000 - accuracy: 0\.9000$", line)


def test_in_place_updates_on_a_tty():
    out = FakeTTY()
    bar = Progbar(10, stream=out, stateful_metrics="all", interval=0.0)
    for step in range(1, 11):
        bar.update(step, {"loss": 1.0 / step})
    text = out.getvalue()
    assert text.count("\r") == 10 and text.endswith("\n") and text.count("\n") == 1
    assert " 5/10 [==============>...............] - ETA: " in text
    assert "10/10 [==============================]" in text


def test_verbose_2_summary_line():
    out = io.StringIO()
    bar = Progbar(5, stream=out, verbose=2, stateful_metrics="all")
    for step in range(1, 6):
        bar.update(step, {"loss": 0.5})
    line = out.getvalue().rstrip("\n")
    import re
    assert re.match(r"^5/5 - \d+s - loss: 0\.5000 - \d+s/epoch - \d+(us|ms|s)/step$", line)


def test_non_stateful_values_are_averaged():
    out = io.StringIO()
    bar = Progbar(2, stream=out)
    bar.update(1, {"x": 1.0})
    bar.update(2, {"x": 3.0})
    assert "x: 2.0000" in out.getvalue()


@pytest.fixture
def fit_data():
    return synthetic_digits(256, features=6)


def _model():
    model = keras.Sequential([layers.Dense(10, activation="softmax")])
    model.compile("sgd", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_fit_verbose_1_prints_epoch_headers_and_bars(capsys, fit_data):
    x, y = fit_data
    _model().fit(x, y, epochs=2, batch_size=32)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert lines[1].startswith("8/8 [==============================] - ")
    assert " - loss: " in lines[1] and lines[1].index("loss") < lines[1].index("accuracy")
    assert lines[2] == "Epoch 2/2"
    assert len(lines) == 4


def test_fit_verbose_2_and_0(capsys, fit_data):
    x, y = fit_data
    _model().fit(x, y, epochs=2, batch_size=32, verbose=2, validation_split=0.25)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Epoch 1/2"
    assert lines[1].startswith("6/6 - ") and "val_loss" in lines[1] and lines[1].endswith("/step")
    _model().fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""


def test_single_epoch_has_no_epoch_header(capsys, fit_data):
    x, y = fit_data
    _model().fit(x, y, epochs=1, batch_size=256)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("1/1 [")


def test_evaluate_and_predict_bars(capsys, fit_data):
    x, y = fit_data
    model = _model()
    model.evaluate(x, y, batch_size=32)
    out = capsys.readouterr().out
    assert out.startswith("8/8 [==============================] - ") and "accuracy:" in out
    model.predict(x[:10])
    out = capsys.readouterr().out
    assert out.startswith("1/1 [==============================] - ") and out.rstrip().endswith("/step")
    model.predict(x, verbose=0)
    assert capsys.readouterr().out == ""


def test_fit_on_dataset_of_unknown_length_prints_unknown(capsys, fit_data):
    x, y = fit_data

    def gen():
        for i in range(0, 256, 64):
            yield x[i:i + 64], y[i:i + 64]

    _model().fit(gen(), epochs=1, verbose=1)
    out = capsys.readouterr().out
    assert "4/4 [" in out or "4/Unknown" in out

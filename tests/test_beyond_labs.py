"""Lesson 8's Keras labs: ``splice`` (a recurrent network against three baselines on the same crops of real
DNA) and ``attention`` (copying with and without attention, and the weights drawn as a heatmap)."""

import numpy as np
import pytest

from tutor.engine import registry
from tutor.engine import sequence_classify as sc
from tutor.engine.experiment import Cancelled, ParamError, RunContext


def run(name, **params):
    return registry.run(name, params, RunContext())


# -- the split ---------------------------------------------------------------------------------------------
def test_the_split_holds_each_window_once_and_no_test_window_trains():
    x, y = sc.distinct_windows()
    assert x.shape == (3000, 60) and len({row.tobytes() for row in x}) == 3000
    raw, raw_y = sc.load_splice()
    classes_of = {}
    for row, label in zip(raw, raw_y):
        classes_of.setdefault(row.tobytes(), set()).add(int(label))
    assert sum(len(c) > 1 for c in classes_of.values()) == 1  # the one window with two classes, dropped
    assert all(classes_of[row.tobytes()] == {int(label)} for row, label in zip(x, y))
    split = sc.splice_split()
    trained = {row.tobytes() for row in split.x_train}
    assert not any(row.tobytes() in trained for row in split.x_test)


# -- splice: parameters and data (no training) ------------------------------------------------------------
def test_splice_refuses_a_shift_and_a_min_length_together():
    with pytest.raises(ParamError) as err:
        registry.get("splice").validate({"shift": 10, "min_length": 30})
    assert err.value.name == "min_length"
    with pytest.raises(ParamError, match="four bases"):
        registry.get("splice").validate({"min_length": 3})


@pytest.mark.parametrize("shift", [0, 20])
def test_the_network_and_the_baselines_read_the_same_crops(monkeypatch, shift):
    from tutor.engine.experiments.beyond.splice import SpliceData

    seen = {}

    def record(x_train, y_train, x_test, y_test, **masks):
        seen.update(x_train=x_train, x_test=x_test, y_test=y_test)
        return {"chance": 0.0, "kmers": 0.0, "positional": 0.0}

    monkeypatch.setattr(sc, "baselines", record)
    data = SpliceData.make(shift, 0, seed=3)
    assert data.x_test.shape == (1000, 60 - shift, 4)
    assert np.array_equal(data.x_test.argmax(axis=2), seen["x_test"])  # the network's input, read back
    assert np.array_equal(data.x_train.argmax(axis=2), seen["x_train"])
    assert np.array_equal(data.y_test, seen["y_test"])
    if shift:  # the crops do move the junction: the windows differ from the aligned middle
        aligned = sc.splice_split().x_test[:, shift // 2: shift // 2 + 60 - shift]
        assert not np.array_equal(seen["x_test"], aligned)


def test_a_masked_crop_reads_zero_rows_where_it_is_padded():
    from tutor.engine.experiments.beyond.splice import SpliceData

    data = SpliceData.make(0, 30, seed=0)
    real = data.x_test.sum(axis=2)
    assert set(np.unique(real).tolist()) == {0.0, 1.0}
    lengths = real.sum(axis=1)
    assert lengths.min() >= 30 and lengths.max() <= 60 and np.all(real[:, :30] == 1)  # padded at the end


# -- splice: training ----------------------------------------------------------------------------------------
@pytest.mark.slow
def test_splice_aligned_beats_chance_widely_and_reports_every_key():
    r = run("splice", direction="bidirectional", units=16, epochs=15, learning_rate=0.01, time_limit=0, seed=0)
    assert r["accuracy"] > r["baselines"]["chance"] + 0.2
    assert set(r["baselines"]) == {"chance", "kmers", "positional"}
    assert [row["class"] for row in r["per_class"]] == list(sc.CLASSES)
    matrix = np.array(r["confusion"])
    assert matrix.shape == (3, 3) and matrix.sum() == 1000
    assert np.trace(matrix) / 1000 == pytest.approx(r["accuracy"])
    assert "confusion" in r["text"] and max(len(line) for line in r["text"].splitlines()) <= 80
    assert f"{r['accuracy']:.1%}" in r["summary"]


@pytest.mark.slow
def test_splice_stops_at_its_time_limit_and_says_so():
    r = run("splice", direction="forward", units=8, epochs=400, time_limit=1, seed=0)
    assert r["stopped_by_time_limit"] and r["epochs"] < 400 and "time limit" in r["summary"]


# -- attention: parameters (no training) --------------------------------------------------------------------
@pytest.mark.parametrize("digits", ["12a4", "3.14", "", "1" * 31, "١٢٣"])
def test_attention_refuses_what_is_not_digits_before_running(digits):
    with pytest.raises(ParamError) as err:
        registry.get("attention").validate({"digits": digits})
    assert err.value.name == "digits"


def test_attention_refuses_more_digits_than_the_longest_input_trained():
    with pytest.raises(ParamError) as err:
        registry.get("attention").validate({"digits": "123456789", "longest": 8})
    assert err.value.name == "digits" and "longest" in err.value.message
    assert registry.get("attention").validate({"digits": "1234 5678", "longest": 8})["digits"] == "12345678"


def test_the_cli_refuses_bad_digits_with_the_parameters_words(capsys):
    from tutor import cli

    assert cli.main(["run", "attention", "--digits", "12x"]) == 2
    assert "digits 0-9 only" in capsys.readouterr().err


# -- attention: training -----------------------------------------------------------------------------------
# Measured: with seeds 0 and 1, at 15 digits 80.5% and 81.5% copied exactly with attention, 0% without.
SMALL = {"longest": 15, "units": 64, "batch": 128, "steps": 200, "time_limit": 0, "digits": "9081726354"}


@pytest.fixture(scope="module", params=[0, 1])
def copied(request):
    return run("attention", seed=request.param, **SMALL)


@pytest.mark.slow
def test_attention_copies_the_longest_inputs_better(copied):
    longest = copied["lengths"][-1]
    assert longest["length"] == 15
    assert longest["with_attention"] >= longest["without_attention"] + 0.5


@pytest.mark.slow
def test_the_heatmap_draws_the_weights_it_returns(copied):
    weights = np.array(copied["weights"])
    assert weights.shape == (10, 10) and np.all(weights >= 0)
    assert np.allclose(weights.sum(axis=1), 1, atol=1e-5)  # all weight on real digits: padding gets none
    lines = copied["text"].splitlines()
    rows = [line for line in lines if line.startswith("wrote ")]
    header = next(line for line in lines if line.startswith("read →"))
    assert len(rows) == 10 and header.split()[2:] == list(SMALL["digits"])
    shades = " ░▒▓█"
    for line, row in zip(rows, weights):
        cells = line[len("wrote 9 "):][::2]
        assert [shades.index(c) for c in cells] == [min(4, int(w * 5)) for w in row]
    assert max(len(line) for line in lines) <= 80


@pytest.mark.slow
def test_attention_continues_its_kept_networks_and_stops_when_cancelled():
    from tutor.engine.experiments.beyond import attention

    attention._pairs.clear()
    small = {**SMALL, "steps": 50, "seed": 5}
    first = run("attention", **small)
    again = run("attention", **{**small, "steps": 100, "shades": "ascii"})  # how it draws is not the network
    assert first["steps"] == 50 and again["steps"] == 100 and again["steps_this_run"] == 50
    assert again["text"].isascii() and "read -> " + " ".join(SMALL["digits"]) in again["text"]
    with pytest.raises(Cancelled):
        registry.run("attention", {**small, "steps": 200}, RunContext(is_cancelled=lambda: True))
    assert run("attention", **{**small, "steps": 100})["steps_this_run"] == 0

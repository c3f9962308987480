"""What the review of lessons 1–5 found, each as a run that can show it is fixed.

- the NumPy initialisation builds the recurrent kernel as Keras does (one QR of the whole kernel);
- the series-parts summary reads its numbers (pure noise is not said to carry order);
- gradient-flow names the per-gate blocks of an LSTM's recurrent kernel, measured from the layer;
- lab parameters that only fail together are refused when the lesson loads, with the file and line;
- a lab that reaches its time limit stops and says so;
- the lstm-gates lab's default input has the length it was trained on, and its answer is close to the mark;
- the step table of rnn-step prints no negative zeros.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tutor.curriculum.loader import load_curriculum
from tutor.engine import registry
from tutor.engine.experiment import ParamError, RunContext
from tutor.engine.scratch import init_weights, recurrent_block_spectra


def run(name: str, **params):
    return registry.run(name, params, RunContext())


# -- the NumPy initialisation ------------------------------------------------------------------------------
@pytest.mark.parametrize("cell, gates", [("simple_rnn", 1), ("lstm", 4), ("gru", 3)])
def test_init_weights_makes_the_whole_recurrent_kernel_orthogonal_as_keras_does(cell, gates):
    units = 16
    recurrent = init_weights(cell, 3, units, np.random.default_rng(0))[1]
    assert recurrent.shape == (units, gates * units)
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(units), atol=1e-10)  # orthonormal rows
    blocks = recurrent_block_spectra(cell, recurrent)
    assert len(blocks) == gates
    if gates == 1:
        assert blocks[0]["largest_sv"] == pytest.approx(1.0) and blocks[0]["smallest_sv"] == pytest.approx(1.0)
    else:  # a slice of an orthonormal-row matrix is not orthogonal: every block shrinks some directions
        for block in blocks:
            assert block["largest_sv"] < 0.99
            assert block["smallest_sv"] < 0.2
            assert block["spectral_radius"] < block["largest_sv"]


# -- series-parts ------------------------------------------------------------------------------------------
def test_series_parts_summary_depends_on_the_autocorrelation():
    noise = run("series-parts", slope=0.0, amplitude1=0.0, amplitude2=0.0, noise=1.0)
    assert abs(noise["lag1_autocorrelation"]) < 0.2
    assert "close to the one before" not in noise["summary"]
    assert "uncorrelated" in noise["summary"]
    smooth = run("series-parts")
    assert smooth["lag1_autocorrelation"] > 0.8
    assert "close to the one before" in smooth["summary"]
    # a cycle of 4 steps: no resemblance to the next value, yet perfectly regular
    cycle = run("series-parts", slope=0.0, period1=4.0, amplitude1=5.0, amplitude2=0.0, noise=0.1)
    assert abs(cycle["lag1_autocorrelation"]) < 0.2
    assert "pure noise" not in cycle["summary"]
    assert "steps apart correlate" in cycle["summary"]


# -- rnn-step ------------------------------------------------------------------------------------------------
def test_rnn_step_prints_no_negative_zero():
    result = run("rnn-step", inputs=[1.0, 0.0, 0.0], recurrent_scale=0.0, step=2)
    assert not re.search(r"-0\.00(?!\d)", result["text"] + result["summary"])
    # with W_hh = 0 nothing is carried, and the summary must not say the state mixes in
    assert "no state is carried" in result["summary"] and "mixes" not in result["summary"]
    assert "mixes" in run("rnn-step", inputs=[1.0, 0.0, 0.0], step=2)["summary"]


# -- load-time cross-checks ---------------------------------------------------------------------------------
LESSON = '''+++
id = "tiny"
title = "Tiny"
order = 9
+++

## One

```lab
experiment = "windowing"
[params]
length = 20
window = 30
```
'''


def test_parameters_that_fail_together_are_refused_at_load_with_file_and_line(tmp_path: Path):
    (tmp_path / "09-tiny.md").write_text(LESSON, encoding="utf-8")
    result = load_curriculum(tmp_path)
    assert not result.lessons
    [error] = result.errors
    assert error.path.name == "09-tiny.md"
    assert error.line in (12, 13)  # the line of length or of window
    assert "window" in error.message


def test_the_same_cross_check_refuses_the_run():
    with pytest.raises(ParamError) as err:
        run("windowing", length=20, window=30)
    assert err.value.name in ("window", "length")


def test_gradient_flow_refuses_a_size_that_would_take_gigabytes():
    with pytest.raises(ParamError):
        registry.get("gradient-flow").validate({"cell": "lstm", "seq_len": 1000, "units": 256, "batch": 256})


# -- runs that train ---------------------------------------------------------------------------------------
@pytest.mark.slow
def test_gradient_flow_reports_the_lstm_gate_blocks():
    result = run("gradient-flow", cell="lstm", seq_len=5, units=8, batch=4)
    gates = [b["gate"] for b in result["recurrent_blocks"]]
    assert gates == ["i", "f", "c", "o"]
    for block in result["recurrent_blocks"]:
        assert block["largest_sv"] < 0.99  # not the "1.00" of the whole non-square kernel
    assert "W_hh" not in result["summary"]
    assert "forget" in result["summary"] or "f " in result["summary"]


@pytest.mark.slow
def test_a_lab_that_reaches_its_time_limit_stops_and_says_so():
    result = run("memory-task", distances=[10, 20], epochs=50, time_limit=1.0)
    assert result["stopped_by_time_limit"]
    assert "time limit" in result["summary"]


@pytest.mark.slow
def test_lstm_gates_default_input_has_the_trained_length_and_a_close_answer():
    exp = registry.get("lstm-gates")
    defaults = exp.defaults()
    result = run("lstm-gates", train_steps=1500)
    assert len(defaults["values"]) == result["trained_length"]
    assert abs(result["prediction"] - result["marked_value"]) < 0.05


# -- wording that reads the numbers ------------------------------------------------------------------------
def test_signed_never_prints_negative_zero():
    from tutor.engine.wording import signed

    assert signed(-0.001) == "+0.00"
    assert signed(-0.3) == "-0.30"


def test_autocorrelation_sentence_follows_the_number():
    from tutor.engine.wording import autocorrelation_sentence

    assert "close to the one before" in autocorrelation_sentence(0.95, 0.01)
    noise = autocorrelation_sentence(-0.003, 0.03)
    assert "uncorrelated" in noise and "close to" not in noise and "-0.00" not in noise
    assert "opposite" in autocorrelation_sentence(-0.6, 0.0)
    assert "pure noise" in autocorrelation_sentence(0.01, 0.0, {2: 0.1, 3: -0.3})
    cycle = autocorrelation_sentence(0.01, 0.0, {2: -0.98, 3: 0.0, 4: 0.97})
    assert "pure noise" not in cycle and "2 steps apart correlate at -0.98" in cycle
    assert "by chance" in autocorrelation_sentence(0.9, 0.4)


def test_memory_verdict_does_not_call_58_percent_chance():
    from tutor.engine.wording import memory_verdict

    assert "fell to chance from d=80" in memory_verdict([20, 40, 80], [1.0, 1.0, 0.51])
    near = memory_verdict([20, 40, 80], [1.0, 1.0, 0.58])
    assert "chance" not in near and "below 60%" in near


def test_time_limit_note_only_when_reached():
    from tutor.engine.limits import Deadline

    deadline = Deadline(0.0)
    assert not deadline.passed() and deadline.note() == ""
    past = Deadline(1.0, started=0.0)
    assert past.passed() and "time limit" in past.note()

"""Lesson 7's labs: the gradient check separates float64 from float32, and the NumPy network trains in step
with Keras from the same weights on the same batches."""

from __future__ import annotations

import json

import pytest

from tutor.cli import main
from tutor.engine import registry
from tutor.engine.experiment import RunContext


@pytest.mark.parametrize("cell", ["simple_rnn", "lstm", "gru"])
def test_gradient_check_float64_agrees_and_float32_does_not(cell):
    result = registry.run("gradient-check", {"cell": cell, "units": 3, "seq_len": 5}, RunContext())
    errors = result["errors"]
    assert set(errors["float64"]) == {"inputs", "kernel", "recurrent_kernel", "bias"}
    assert max(errors["float64"].values()) < 1e-7
    assert max(errors["float32"].values()) > 100 * max(errors["float64"].values())
    assert f"{max(errors['float64'].values()):.1e}" in result["summary"]
    assert result["figure"]["yscale"] == "log" and len(result["figure"]["series"]) == 2


def test_gradient_check_summary_follows_a_large_eps():
    result = registry.run("gradient-check", {"cell": "gru", "units": 3, "seq_len": 4, "eps": 0.05}, RunContext())
    assert max(result["errors"]["float64"].values()) > 1e-7
    assert "too large" in result["summary"]


def test_gradient_check_a_tiny_eps_is_lost_in_float32_only():
    result = registry.run("gradient-check", {"cell": "lstm", "units": 2, "seq_len": 3, "eps": 1e-8}, RunContext())
    assert result["zero_share"]["float32"] > 0.5 and result["zero_share"]["float64"] == 0
    assert f"{result['zero_share']['float32']:.0%}" in result["summary"]


def test_gradient_check_summary_names_the_eps_squared_term_when_both_dtypes_agree():
    result = registry.run("gradient-check", {"cell": "lstm", "units": 2, "seq_len": 3, "eps": 0.1}, RunContext())
    e64, e32 = (max(result["errors"][d].values()) for d in ("float64", "float32"))
    assert e64 > 1e-4 and 0.5 < e32 / e64 < 2  # truncation, not rounding: float32 is no worse
    assert "about the same as float64" in result["summary"] and "rounding at this ε" not in result["summary"]


def test_gradient_check_a_tiny_eps_reports_w_plus_eps_rounding_to_w():
    result = registry.run("gradient-check", {"cell": "gru", "units": 2, "seq_len": 3, "eps": 1e-8}, RunContext())
    assert result["unmoved_share"]["float64"] == 0 < result["unmoved_share"]["float32"]
    assert f"{result['unmoved_share']['float32']:.0%} of all entries w ± ε" in result["summary"]


def test_gradient_check_headless_json(capsys):
    assert main(["run", "gradient-check", "--cell", "simple_rnn", "--units", "2", "--seq-len", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["experiment"] == "gradient-check" and out["errors"]["float64"]["bias"] < 1e-7


@pytest.mark.slow
def test_scratch_and_keras_train_in_step():
    result = registry.run("scratch-vs-keras", {"cell": "lstm", "seq_len": 10, "units": 8, "steps": 40},
                          RunContext())
    assert len(result["losses_numpy"]) == len(result["losses_keras"]) == 40
    # Same weights, same batches, same Adam: float32 against float64 rounding is all that separates them.
    assert result["first_steps_gap"] < 1e-3
    assert abs(result["test_mse_numpy"] - result["test_mse_keras"]) < 0.05 * result["baseline_mse"]
    assert result["losses_numpy"][-1] < result["losses_numpy"][0]


def test_a_diverged_numpy_step_names_the_step_and_the_network():
    import numpy as np

    from tutor.engine.experiment import Diverged
    from tutor.engine.scratch_train import ScratchTrainer, TrainConfig

    trainer = ScratchTrainer(TrainConfig("gru", 4), features=2, where="the NumPy network")
    x = np.zeros((8, 5, 2))
    trainer.step(x, np.zeros((8, 1)))
    with pytest.raises(Diverged) as err:
        trainer.step(x, np.full((8, 1), np.nan))
    assert str(err.value) == ("The loss became nan at training step 2 in the NumPy network. Lower the learning "
                              "rate or clip the gradient norm.")
    assert trainer.history.steps == 1, "the step that diverged touched neither the weights nor the history"


@pytest.mark.slow
def test_scratch_vs_keras_stops_at_a_small_time_limit_and_says_so():
    # A limit of a nanosecond has passed once the first step is done, however fast the machine.
    result = registry.run("scratch-vs-keras", {"steps": 5000, "time_limit": 1e-9}, RunContext())
    assert result["stopped_by_time_limit"]
    assert 1 <= len(result["losses_numpy"]) == len(result["losses_keras"]) < 5000
    assert "It stopped at its time limit of 1e-09 s" in result["summary"]

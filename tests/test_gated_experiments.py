"""The LSTM and GRU lessons' experiments: small budgets, fixed seeds, and what each run must show."""

import threading

import numpy as np
import pytest

from tutor.engine import registry
from tutor.engine.experiment import Cancelled, ParamError, RunContext

pytestmark = pytest.mark.slow


def run(name, **params):
    return registry.run(name, params, RunContext())


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_beat_the_baseline_on_a_short_adding_problem(cell):
    result = run("adding-problem", cell=cell, seq_len=10, steps=400, units=16)
    assert result["baseline_mse"] == pytest.approx(1 / 6, rel=0.15)
    assert result["test_mse"] < 0.1 * result["baseline_mse"]
    assert result["steps"] == 400 and len(result["losses"]) == 400
    assert tuple(result["test_history"][-1]) == (400, result["test_mse"])
    from tutor.engine import runtime

    on_gpu = runtime.device_description().startswith("GPU")
    assert result["kernel"] == ("fused cuDNN kernel, as Keras's rules select it for these settings" if on_gpu else
                                "generic kernel (no GPU; by Keras's rules these settings would select cuDNN on one)")


def test_vanilla_rnn_stays_at_the_baseline_on_a_long_adding_problem():
    result = run("adding-problem", cell="simple_rnn", seq_len=60, steps=300, units=16)
    assert result["test_mse"] > 0.8 * result["baseline_mse"]


def test_time_limit_stops_training_early():
    result = run("adding-problem", cell="simple_rnn", seq_len=10, steps=50000, time_limit=1)
    assert result["stopped_by_time_limit"] and result["steps"] < 50000


def test_race_trains_the_three_cells_on_equal_terms():
    result = run("long-memory-race", seq_len=8, steps=200, units=8)
    cells = result["cells"]
    assert set(cells) == {"simple_rnn", "lstm", "gru"}
    assert all(len(c["losses"]) == 200 for c in cells.values())
    assert [s["label"] for s in result["figure"]["series"]] == ["vanilla RNN", "LSTM", "GRU", "predict the mean"]
    assert min(c["fraction_of_baseline"] for c in cells.values()) < 0.5, "at T=8 some cell learns within 200 steps"


def test_race_stops_when_asked_and_runs_again():
    stop = threading.Event()
    reports = []

    def progress(snapshot):
        reports.append(snapshot)
        if len(reports) >= 2:
            stop.set()

    with pytest.raises(Cancelled):
        registry.run("long-memory-race", {"seq_len": 8, "steps": 5000, "units": 8},
                     RunContext(on_progress=progress, is_cancelled=stop.is_set, min_interval=0))
    assert len(reports) >= 2
    again = run("long-memory-race", seq_len=8, steps=50, units=8)
    assert again["steps"] == 50


def test_training_opens_the_lstms_gradient_path_and_not_the_rnns():
    result = run("gradient-compare", seq_len=30, units=16, train_steps=400)
    rnn, lstm = result["cells"]["simple_rnn"], result["cells"]["lstm"]
    assert lstm["ratio_before"] < 1e-2, "an untrained LSTM's gradient decays too"
    assert lstm["ratio_after"] > 100 * lstm["ratio_before"], "training keeps the LSTM's path open"
    assert lstm["test_mse"] < 0.1 * result["baseline_mse"]
    assert rnn["ratio_after"] < 1e-2 and rnn["test_mse"] > 0.5 * result["baseline_mse"]
    assert len(result["figure"]["series"]) == 4


def test_lstm_gates_show_a_unit_that_writes_then_holds():
    result = run("lstm-gates", train_steps=500, marked=2)
    gates = result["gates"]
    assert result["test_mse"] < 0.05 * result["baseline_mse"]
    assert result["prediction"] == pytest.approx(result["keras_prediction"], abs=1e-4), "NumPy LSTM agrees with Keras"
    assert abs(result["prediction"] - result["marked_value"]) < 0.2
    assert max(result["unit_correlations"]) > 0.9
    i, f = np.array(gates["input_gate"]), np.array(gates["forget_gate"])
    assert i[2] > 0.5 and np.delete(i, 2).mean() < 0.2, "the input gate opens at the marked step only"
    assert f[3:].mean() > 0.9, "and the forget gate holds the value after it"
    with pytest.raises(ParamError) as err:
        run("lstm-gates", train_steps=500, values=[0.1, 0.2, 0.3], marked=3)
    assert err.value.name == "marked"


def test_kernel_report_names_what_rules_cudnn_out():
    from tutor.engine import runtime
    from tutor.engine.models import kernel_in_use

    keras = runtime.keras()
    assert "SimpleRNN" in kernel_in_use(keras.layers.SimpleRNN(4))
    assert "recurrent_dropout" in kernel_in_use(keras.layers.LSTM(4, recurrent_dropout=0.2))
    assert "reset_after=False" in kernel_in_use(keras.layers.GRU(4, reset_after=False))
    default = kernel_in_use(keras.layers.LSTM(4))
    if runtime.device_description().startswith("GPU"):
        assert default.startswith("fused cuDNN kernel")
    else:
        assert default.startswith("generic kernel (no GPU")

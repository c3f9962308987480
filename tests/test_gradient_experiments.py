"""The vanishing-gradients experiments compute what the lesson says they show (real Keras networks, fixed seeds)."""

import re

import numpy as np
import pytest

from tutor.engine import registry
from tutor.engine.experiment import Cancelled, Diverged, RunContext

pytestmark = pytest.mark.slow


def run(name, **params):
    return registry.run(name, params, RunContext())


def test_gradient_flow_vanishes_below_one_and_grows_above():
    small = run("gradient-flow", cell="simple_rnn", seq_len=40, recurrent_scale=0.5, units=16)
    large = run("gradient-flow", cell="simple_rnn", seq_len=40, recurrent_scale=2.5, units=16)
    assert len(small["grad_norms"]) == 40
    assert small["recurrent_blocks"][0]["largest_sv"] == pytest.approx(0.5, rel=1e-4)
    # Below 1: the first step's gradient is many orders of magnitude below the last's.
    assert small["grad_norms"][0] < 1e-8 * small["grad_norms"][-1]
    # Above 1: the early steps receive a larger gradient than the last one.
    assert large["grad_norms"][0] > large["grad_norms"][-1]
    assert np.all(np.diff(np.log(small["grad_norms"])) > 0), "decay is monotone going back in time"


def test_gradient_flow_matches_a_hand_written_bptt():
    """The tape's ‖∂L/∂h_t‖ equals the product of the Jacobians diag(1 - h²) W_hhᵀ applied by hand."""
    from tutor.engine import datasets, runtime
    from tutor.engine.models import hidden_state_gradients, recurrent_layer, seed_everything

    keras = runtime.keras()
    seed_everything(3)
    layer = recurrent_layer("simple_rnn", 5, 1.3)
    readout = keras.layers.Dense(1)
    keras.Sequential([keras.Input((12, 2)), layer, readout])
    x, y = datasets.adding_problem(4, 12, np.random.default_rng(3))
    norms = hidden_state_gradients(layer, readout, x, y, RunContext())
    w_x, w_h, b = (np.asarray(v, dtype=np.float64) for v in layer.get_weights())
    w_o, b_o = (np.asarray(v, dtype=np.float64) for v in readout.get_weights())
    h = np.zeros((4, 5))
    hs = []
    for t in range(12):
        h = np.tanh(x[:, t] @ w_x + h @ w_h + b)
        hs.append(h)
    pred = hs[-1] @ w_o + b_o
    g = 2 * (pred - y) / len(y) @ w_o.T
    expected = [0.0] * 12
    for t in range(11, -1, -1):
        expected[t] = np.linalg.norm(g)
        g = (g * (1 - hs[t] ** 2)) @ w_h.T
    np.testing.assert_allclose(norms, expected, rtol=1e-3)


def test_exploding_diverges_without_clipping_and_not_with_it():
    reports = []
    with pytest.raises(Diverged, match=r"at training step \d+\. With no clipping .*Clip the gradient norm") as err:
        registry.run("exploding-gradients", {"recurrent_scale": 2.0, "learning_rate": 0.1, "clip_norm": 0.0,
                                             "steps": 150}, RunContext(on_progress=reports.append))
    # a diverged run has no summary, so its message gives the largest gradient norm the lesson points to
    first, largest = (float(v) for v in re.findall(r"was ([\d.e+]+)", str(err.value)))
    assert largest > 1000 * first
    drawn = reports[-1]["figure"]["series"][0]["y"]
    assert drawn[-1] is None and all(v is not None for v in drawn[:-1]), "the chart ends at the diverged step"
    clipped = run("exploding-gradients", recurrent_scale=2.0, learning_rate=0.1, clip_norm=1.0, steps=150)
    assert np.isfinite(clipped["losses"]).all()
    assert clipped["max_grad_norm"] > 10, "the raw gradient is still large: clipping bounds the step, not it"
    assert clipped["clipped_steps"] > 0


def test_memory_task_learns_short_and_fails_long():
    result = run("memory-task", distances=[4, 150], units=16, epochs=8, samples=768)
    short, long = result["accuracies"]
    assert short > 0.9
    assert long < 0.65, "a vanilla RNN should not bridge 150 steps of noise in this budget"


def test_cancelled_run_stops():
    calls = {"n": 0}

    def cancelled():
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(Cancelled):
        registry.run("gradient-flow", {"seq_len": 200}, RunContext(is_cancelled=cancelled))


def test_train_steps_trains_exactly_that_many_steps():
    result = run("gradient-flow", cell="lstm", seq_len=10, units=8, train_steps=13)
    assert len(result["train_losses"]) == 13
    assert "after 13 training steps" in result["summary"]

"""The experiments of lessons 1 and 2 (NumPy only) compute what their lessons say they show."""

import numpy as np
import pytest

from tutor.engine import registry
from tutor.engine.experiment import ParamError, RunContext
from tutor.engine.experiments.vanilla_rnn import _rnn_weights
from tutor.engine.experiments.sequential_data import pad_and_truncate


def run(name, **params):
    return registry.run(name, params, RunContext())


# -- sequential-data -------------------------------------------------------------------------------------
def test_series_is_the_sum_of_its_parts_and_order_matters():
    result = run("series-parts", length=300, noise=0.2, seed=4)
    parts = result["parts"]
    total = np.sum([parts[k] for k in ("trend", "season1", "season2", "noise")], axis=0)
    assert np.allclose(total, result["series"])
    assert result["std"]["noise"] == pytest.approx(0.2, rel=0.2)
    assert result["lag1_autocorrelation"] > 0.9
    assert abs(result["lag1_autocorrelation_shuffled"]) < 0.2
    pure_noise = run("series-parts", length=2000, slope=0, amplitude1=0, amplitude2=0, noise=1.0)
    assert abs(pure_noise["lag1_autocorrelation"]) < 0.1, "white noise has no memory of its past"
    assert len(result["figure"]["series"]) == 5


def test_series_shows_only_what_was_asked():
    assert [s["label"] for s in run("series-parts", show="series")["figure"]["series"]] == ["series"]
    assert len(run("series-parts", show="parts")["figure"]["series"]) == 4


def test_text_to_sequences_vocabulary_padding_and_mask():
    result = run("text-to-sequences", sentences="the cat sat | the cat | a dog sat on the mat", length=4,
                 padding="pre", truncating="post")
    vocab = result["vocabulary"]
    assert vocab["<pad>"] == 0 and vocab["<unk>"] == 1
    assert vocab["the"] == 2  # the most frequent word gets the first id
    assert list(vocab)[2:5] == ["the", "cat", "sat"]  # ties keep the order of first appearance
    the, cat, sat = vocab["the"], vocab["cat"], vocab["sat"]
    assert result["sequences"][0] == [the, cat, sat]
    assert result["padded"][0] == [0, the, cat, sat]  # pre padding
    assert result["padded"][1] == [0, 0, the, cat]
    assert result["padded"][2] == [vocab["a"], vocab["dog"], sat, vocab["on"]]  # post truncating keeps the start
    assert result["mask"] == [[0, 1, 1, 1], [0, 0, 1, 1], [1, 1, 1, 1]]
    assert result["dropped"] == [0, 0, 2]


def test_text_to_sequences_char_level_unknown_tokens_and_longest():
    result = run("text-to-sequences", preset="dna", level="char", length=0, lowercase=False)
    assert set(result["vocabulary"]) == {"<pad>", "<unk>", "A", "C", "G", "T"}
    assert result["length"] == max(len(s) for s in result["sequences"])  # 0 pads to the longest
    assert sum(result["dropped"]) == 0
    small = run("text-to-sequences", sentences="a a a b b c", vocab_size=2, length=6)
    assert small["sequences"] == [[2, 2, 2, 3, 3, 1]]  # c is outside the two kept tokens


def test_text_to_sequences_refuses_empty_input():
    with pytest.raises(ParamError) as err:
        run("text-to-sequences", sentences="  |  ...  ")
    assert err.value.name == "sentences"


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_padding_matches_its_definition(padding, truncating):
    ids = [5, 6, 7, 8, 9]
    long = pad_and_truncate(ids, 3, padding, truncating)
    assert long == ([7, 8, 9] if truncating == "pre" else [5, 6, 7])
    short = pad_and_truncate(ids, 7, padding, truncating)
    assert short == ([0, 0, *ids] if padding == "pre" else [*ids, 0, 0])


def test_windowing_counts_pairs_and_cuts_the_right_values():
    result = run("windowing", length=100, window=10, horizon=3, sample=5)
    assert result["pairs"] == 100 - 10 - 3 + 1
    assert result["x_shape"] == [88, 10, 1]
    series = result["figure"]["series"][0]["y"]
    assert result["window_values"] == pytest.approx(series[5:15])
    assert result["target"] == pytest.approx(series[5 + 10 + 3 - 1])


def test_windowing_clamps_the_sample_and_refuses_a_window_too_long():
    result = run("windowing", length=50, window=10, horizon=1, sample=999)
    assert result["sample"] == 39 and result["set_params"] == {"sample": 39}
    with pytest.raises(ParamError) as err:
        run("windowing", length=20, window=20, horizon=1)
    assert err.value.name == "window"


# -- vanilla-rnn -----------------------------------------------------------------------------------------
def test_parameter_count_of_the_guides_example_and_the_gated_cells():
    result = run("param-count", input_size=3, units=4, output_size=2)
    assert result["totals"]["simple_rnn"] == 12 + 16 + 4 + 8 + 2 == 42
    f, u, o = 7, 5, 3
    counts = run("param-count", input_size=f, units=u, output_size=o)["totals"]
    readout = u * o + o
    assert counts["lstm"] == 4 * (u * (f + u) + u) + readout
    assert counts["gru"] == 3 * (u * (f + u) + 2 * u) + readout  # reset_after: a second bias


def test_rnn_step_follows_the_recurrence():
    inputs = [1.0, 0.0, -0.5, 0.25, 0.0]
    result = run("rnn-step", inputs=inputs, step=3, units=3, recurrent_scale=0.8, seed=2)
    kernel, recurrent, bias, readout = _rnn_weights(3, 1, 0.8, 2)
    h = np.zeros(3)
    for t in range(4):
        h = np.tanh(inputs[t] * kernel[0] + h @ recurrent + bias)
    assert result["h"][3] == pytest.approx(h.tolist())
    assert result["y"][3] == pytest.approx(float(h @ readout[:, 0]))
    assert len(result["h"]) == 4  # only the steps up to the one shown


def test_rnn_step_without_recurrence_forgets_and_clamps_the_step():
    result = run("rnn-step", inputs=[1.0, 0.0, 0.0], step=10, recurrent_scale=0.0)
    assert result["step"] == 2 and result["set_params"] == {"step": 2}
    assert result["h"][2] == pytest.approx([0.0] * 4), "with W_hh = 0 a zero input gives a zero state"


def test_memory_demo_forgets_faster_with_smaller_weights():
    result = run("memory-demo", scales=[0.0, 0.5, 0.9], seq_len=80, units=16, seed=1)
    no_memory = result["distances"]["0"]
    assert no_memory[0] > 0 and max(no_memory[1:]) == 0.0
    kept = result["steps_to_one_percent"]
    assert kept["0"] == 1
    assert kept["0.5"] < kept["0.9"]


def test_bptt_flow_is_a_product_of_jacobians_and_truncation_cuts_it():
    full = run("bptt-flow", seq_len=6, units=4, recurrent_scale=1.2, seed=3)
    kernel, recurrent, bias, readout = _rnn_weights(4, 1, 1.2, 3)
    rng = np.random.default_rng(3 + 1)
    x = rng.standard_normal((1, 6, 1))[0, :, 0]
    target = rng.standard_normal(6)[-1]
    hs, h = [], np.zeros(4)
    for t in range(6):
        h = np.tanh(x[t] * kernel[0] + h @ recurrent + bias)
        hs.append(h)
    g = (hs[-1] @ readout[:, 0] - target) * readout[:, 0]
    expected = []
    for t in range(5, -1, -1):
        expected.append(np.linalg.norm(g))
        g = (g * (1 - hs[t] ** 2)) @ recurrent.T  # one Jacobian back
    assert full["grad_norms"] == pytest.approx(expected[::-1])
    cut = run("bptt-flow", seq_len=6, units=4, recurrent_scale=1.2, seed=3, truncate=2)
    assert cut["truncated_grad_norms"][4:] == pytest.approx(full["grad_norms"][4:])
    assert cut["truncated_grad_norms"][:4] == [0.0] * 4
    assert "no gradient" in cut["summary"]


@pytest.mark.slow
def test_counts_and_padding_agree_with_keras():
    from tutor.engine import runtime

    keras = runtime.keras()
    f, u, o = 3, 4, 2
    totals = run("param-count", input_size=f, units=u, output_size=o)["totals"]
    for cell, layer in (("simple_rnn", keras.layers.SimpleRNN), ("lstm", keras.layers.LSTM),
                        ("gru", keras.layers.GRU)):
        model = keras.Sequential([keras.Input((None, f)), layer(u), keras.layers.Dense(o)])
        assert totals[cell] == model.count_params(), cell
    seqs = [[5, 6, 7, 8, 9], [1, 2], [3]]
    for padding in ("pre", "post"):
        for truncating in ("pre", "post"):
            expected = keras.utils.pad_sequences(seqs, maxlen=3, padding=padding, truncating=truncating)
            ours = [pad_and_truncate(s, 3, padding, truncating) for s in seqs]
            assert ours == expected.tolist()

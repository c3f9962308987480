"""Lesson 6: the shipped data, the NumPy parts (baselines, sampling, encoding, decoding) and what each lab's
training must show (small sizes, fixed seeds; the tests that train are marked slow)."""

import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

from tutor import data
from tutor.engine import addition, forecasting, registry, text
from tutor.engine.experiment import ParamError, RunContext

DATA_DIR = Path(data.__file__).parent


def run(name, **params):
    return registry.run(name, params, RunContext())


# -- data ------------------------------------------------------------------------------------------------
def test_co2_is_526_months_from_1958_03_to_2001_12():
    months, ppm = data.co2_monthly()
    assert len(months) == len(ppm) == 526 and months[0] == "1958-03" and months[-1] == "2001-12"
    assert 310 < ppm.min() < 320 and 365 < ppm.max() < 375  # the Keeling curve's range over those years
    steps = [int(m[:4]) * 12 + int(m[5:]) for m in months]
    assert np.all(np.diff(steps) == 1), "one value for every month, no gaps"


def test_sunspots_are_309_years_from_1700():
    years, spots = data.sunspots_yearly()
    assert len(years) == 309 and years[0] == "1700" and years[-1] == "2008"
    assert spots.min() >= 0 and 150 < spots.max() < 200


def test_text_is_genesis_and_exodus():
    text = data.kjv_text()
    assert len(text) == 366194 and text.count("\n") == 2746
    assert text.startswith("In the beginning God created the heaven and the earth.\n")
    assert len(set(text)) == 62 and not re.search(r"\d", text)


def test_files_match_the_checksums_in_data_md():
    doc = (DATA_DIR / "DATA.md").read_text()
    listed = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", doc, re.M))
    assert {"co2_monthly.csv", "sunspots_yearly.csv", "kjv_genesis_exodus.txt"} <= set(listed)
    for name, digest in listed.items():
        assert hashlib.sha256((DATA_DIR / name).read_bytes()).hexdigest() == digest, name


# -- forecasting parts -----------------------------------------------------------------------------------
def test_baselines():
    history = np.array([1.0, 2, 3, 4, 5, 6, 7, 8])
    assert forecasting.naive_forecast(history, 3).tolist() == [8, 8, 8]
    # the last season is (5, 6, 7, 8): the forecast repeats it, month by month
    assert forecasting.seasonal_naive_forecast(history, 6, 4).tolist() == [5, 6, 7, 8, 5, 6]
    season = np.tile([0.0, 1.0, 0.0, -1.0], 10)
    assert forecasting.mae(forecasting.seasonal_naive_forecast(season[:32], 8, 4), season[32:]) == 0.0


def test_windows_and_scaler():
    x, y = forecasting.series_windows(np.arange(10.0), 3)
    assert x.shape == (7, 3, 1) and y.shape == (7, 1)
    assert x[0, :, 0].tolist() == [0, 1, 2] and y[0, 0] == 3 and y[-1, 0] == 9
    scaler = forecasting.Scaler.fit(np.array([1.0, 3.0]))
    assert scaler(np.array([1.0, 3.0])).tolist() == [-1.0, 1.0]
    assert scaler.inverse(scaler(np.array([7.0])))[0] == pytest.approx(7.0)


# -- text and sampling -----------------------------------------------------------------------------------
def test_split_and_unigram_baseline():
    book = data.kjv_text()
    train, held = text.split_text(book)
    assert len(train) + len(held) == len(book) and 0.09 < len(held) / len(book) < 0.11
    vocab = text.Vocab(book)
    assert vocab.decode(vocab.encode("And God said")) == "And God said"
    bits = text.unigram_bits(vocab.encode(train), vocab.encode(held), len(vocab))
    assert 4.0 < bits < 4.6  # English letters: about 4 to 4.5 bits each


def entropy_bits(p):
    nz = p[p > 0]
    return float(-(nz * np.log2(nz)).sum())


def test_temperature_sharpens_and_flattens():
    z = np.array([2.0, 1.0, 0.0])
    assert text.softmax_t(z, 1.0) == pytest.approx(np.exp(z) / np.exp(z).sum())
    entropies = [entropy_bits(text.softmax_t(z, t)) for t in (0.1, 0.5, 1.0, 2.0, 10.0)]
    assert entropies == sorted(entropies) and entropies[-1] < np.log2(3)
    assert text.softmax_t(z, 0.0).tolist() == [1.0, 0.0, 0.0]
    assert text.softmax_t(z, 0.25)[0] == pytest.approx(0.98, abs=0.005)  # the check's figure


def _random_net(vocab_size, units=16, seed=0):
    rng = np.random.default_rng(seed)
    return text.LSTMStep(rng.normal(size=(vocab_size, 8)), rng.normal(size=(8, 4 * units)) * 0.5,
                         rng.normal(size=(units, 4 * units)) * 0.5, rng.normal(size=4 * units) * 0.1,
                         dense=(rng.normal(size=(units, vocab_size)) * 2, np.zeros(vocab_size)))


def test_samples_at_temperature_near_zero_are_the_argmax_path():
    vocab = text.Vocab("abcdefgh ")
    net = _random_net(len(vocab))
    prompt = "abc"
    state = net.run(vocab.encode(prompt)[None, :-1])
    current, path = np.array([vocab.index["c"]]), []
    for _ in range(30):
        state = net.step(current, state)
        current = np.argmax(net.logits(state[0]), axis=-1)
        path.append(int(current[0]))
    greedy = vocab.decode(path)
    rng = np.random.default_rng(1)
    cold, zero, hot = text.sample_text(net, vocab, prompt, [1e-3, 0.0, 5.0], 30, rng)
    assert cold == zero == greedy
    assert hot != greedy


# -- addition --------------------------------------------------------------------------------------------
def test_addition_data_holds_out_pairs_in_both_orders():
    d = addition.addition_data(2, train_size=9000, test_size=1000, reverse=False, seed=0)
    q, dec, tgt = d.train
    assert q.shape[1] == 5 and tgt.shape[1] == 3 and len(d.test[0]) == 1000 and 8800 < len(q) <= 9000
    assert np.all(dec[:, 0] == addition.START) and np.array_equal(dec[:, 1:], tgt[:, :-1])
    first = addition.ADD_VOCAB.decode(q[0])
    a, b = (int(v) for v in first.split("+"))
    assert addition.ADD_VOCAB.decode(tgt[0]).strip() == str(a + b)
    test_keys = {min(a, b) * 100 + max(a, b) for a, b in d.test_pairs}
    assert not test_keys & d.train_keys
    reversed_ = addition.addition_data(2, 9000, 1000, reverse=True, seed=0)
    assert addition.ADD_VOCAB.decode(reversed_.train[0][0]) == first[::-1]


def test_exact_match_is_the_same_greedy_or_teacher_forced_but_per_character_accuracy_is_not():
    # Random weights: many wrong answers, so the two decodings part after a first mistake.
    rng = np.random.default_rng(0)
    v, e, u = len(addition.ADD_VOCAB), 8, 16

    def lstm(dense=False):
        w = [rng.normal(0, 1.0, (v, e)), rng.normal(0, 0.5, (e, 4 * u)), rng.normal(0, 0.5, (u, 4 * u)),
             rng.normal(0, 0.5, 4 * u)]
        return text.LSTMStep(*w, dense=(rng.normal(0, 2.0, (u, v)), rng.normal(0, 1.0, v)) if dense else None)

    encoder, decoder = lstm(), lstm(dense=True)
    d = addition.addition_data(1, train_size=80, test_size=20, reverse=True, seed=0)
    q, dec, tgt = d.train
    greedy = addition.greedy_decode(encoder, decoder, q, d.a_len)
    state, forced = encoder.run(q), []
    for t in range(dec.shape[1]):  # the true previous character at every step
        state = decoder.step(dec[:, t], state)
        forced.append(np.argmax(decoder.logits(state[0]), axis=-1))
    forced = np.stack(forced, axis=1)
    assert np.array_equal(np.all(greedy == tgt, axis=1), np.all(forced == tgt, axis=1))
    assert addition.exact_match(greedy, tgt) == addition.exact_match(forced, tgt)
    assert not np.array_equal(greedy, forced), "the decodings part after a wrong character"
    assert addition.char_accuracy(tgt, tgt) == 1.0 and addition.char_accuracy(forced, tgt) < 1.0


def test_parse_sum():
    from tutor.engine.experiments.applications.seq2seq import parse_sum

    assert parse_sum("535+61", 3) == (535, 61)
    assert parse_sum(" 5 + 6 ", 1) == (5, 6)
    for bad in ("5-6", "a+b", "5+", "123+4"):
        with pytest.raises(ValueError):
            parse_sum(bad, 2)


def test_bad_question_and_prompt_are_refused_by_field():
    for name, params, field in (("seq2seq-addition", {"question": "100+1"}, "question"),
                                ("char-rnn", {"prompt": "In 1611"}, "prompt")):
        exp = registry.get(name)
        with pytest.raises(ParamError) as err:
            exp.fn(exp.validate(params), RunContext())  # refused before any TensorFlow is loaded
        assert err.value.name == field


# -- the labs, trained -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_forecast_beats_both_baselines_on_a_short_run():
    r = run("forecast", steps=100)
    assert r["series"] == "co2" and r["horizon"] == 24 and len(r["forecast"]) == 24
    assert r["model_mae"] < min(r["naive_mae"], r["seasonal_naive_mae"])
    # the scaler saw only the training part: the monthly changes before the held-out 24 months
    _, ppm = data.co2_monthly()
    assert r["scaler"]["mean"] == pytest.approx(np.mean(np.diff(ppm[:-24])))
    assert r["truth"] == pytest.approx(ppm[-24:].tolist())


@pytest.mark.slow
def test_char_rnn_falls_below_the_unigram_baseline_and_continues():
    from tutor.engine.experiments.applications import char_rnn

    char_rnn._char_nets.clear()
    small = dict(units=32, seq_len=32, batch=32, sample_every=60, sample_length=20, temperatures=[0, 1])
    r = run("char-rnn", steps=60, **small)
    assert r["steps"] == 60 and r["bits_per_char"] < 0.9 * r["unigram_bits_per_char"]
    assert [s["temperature"] for s in r["samples"]] == [0, 1] and all(len(s["text"]) == 20 for s in r["samples"])
    again = run("char-rnn", steps=80, **small)
    assert again["steps"] == 80 and again["steps_this_run"] == 20, "the same network trained on"
    assert len(again["train_bits"]) == 80 and again["train_bits"][:60] == r["train_bits"]


@pytest.mark.slow
def test_addition_rises_well_above_chance_and_numpy_decoding_matches_keras():
    from tutor.engine.experiments.applications import seq2seq

    seq2seq._adders.clear()
    p = dict(units=64, batch=64, steps=200, question="12+34")
    r = run("seq2seq-addition", **p)
    assert r["exact_match"] > 8 * r["chance"] and r["history"][0]["exact_match"] < 5 * r["chance"]
    assert len(r["examples"]) == 20 and r["answer"] and r["expected"] == "46"
    for h in r["history"]:  # the same both ways (a float32 near tie may flip one sum in a thousand)
        assert abs(h["exact_match"] - h["teacher_forced"]) <= 0.002
        assert 0 <= h["char_accuracy"] <= 1 and 0 <= h["teacher_forced_char_accuracy"] <= 1
    assert "Per character" in r["summary"] and r["char_accuracy"] == r["history"][-1]["char_accuracy"]
    adder = seq2seq._adders.get(seq2seq._key(registry.get("seq2seq-addition").validate(p))).network
    encoder, decoder = adder.steppers()
    q, dec, _ = adder.data.test
    state, logits = encoder.run(q[:50]), []
    for t in range(dec.shape[1]):  # the decoder fed the true previous characters: Keras's teacher forcing
        state = decoder.step(dec[:50, t], state)
        logits.append(decoder.logits(state[0]))
    keras_logits = adder.trainer.predict((q[:50], dec[:50]))
    assert np.allclose(np.stack(logits, axis=1), keras_logits, atol=1e-4)


def test_a_kept_network_that_diverged_is_dropped():
    from tutor.engine.experiment import Diverged
    from tutor.engine.training import KeptNetworks

    kept_networks: KeptNetworks[str] = KeptNetworks(2)
    kept = kept_networks.get_or_build(("k",), lambda: "a network")
    assert kept_networks.get_or_build(("k",), lambda: "another") is kept, "built once, then kept"
    with pytest.raises(Diverged, match="next run starts a fresh one"):
        with kept_networks.training(("k",), kept) as network:
            assert network == "a network"
            raise Diverged("The loss became nan at training step 3.")
    assert kept_networks.get(("k",)) is None and not kept.lock.locked()


def test_kept_networks_keep_the_newest_few():
    from tutor.engine.training import KeptNetworks

    kept_networks: KeptNetworks[int] = KeptNetworks(2)
    for key in (1, 2, 3):
        kept_networks.get_or_build(key, lambda key=key: key * 10)
    assert kept_networks.get(1) is None and [kept_networks.get(k).network for k in (2, 3)] == [20, 30]


# -- the verdicts, on both sides of every threshold -------------------------------------------------------
def test_forecast_verdict():
    from tutor.engine.wording import forecast_verdict

    assert forecast_verdict(0.9, 2.0, 1.0).startswith("It beats both baselines: its error is 90% of the better "
                                                      "one (seasonal naive)")
    assert forecast_verdict(1.0, 2.0, 1.0).startswith("It beats only the weaker baseline; seasonal naive")
    assert forecast_verdict(1.9, 1.0, 2.0).startswith("It beats only the weaker baseline; naive is better")
    assert forecast_verdict(2.0, 2.0, 1.0).startswith("It loses to both baselines")


@pytest.mark.parametrize(("held", "reading"), [
    (0.59, "far better than character frequencies"), (0.6, "some context"), (0.94, "some context"),
    (0.95, "barely better yet"), (0.99, "barely better yet"), (1.0, "no better yet"), (1.2, "no better yet")])
def test_bits_reading(held, reading):
    from tutor.engine.wording import bits_reading

    assert reading in bits_reading(held * 4.0, 4.0)


@pytest.mark.parametrize(("exact", "reading"), [
    (0.9, "learned to add"), (0.89, "some sums"), (0.3, "some sums"), (0.29, "well above guessing"),
    (0.051, "well above guessing"), (0.05, "no better than guessing"), (0.0, "no better than guessing")])
def test_addition_reading(exact, reading):
    from tutor.engine.wording import addition_reading

    assert reading in addition_reading(exact, chance=0.005)


@pytest.mark.parametrize(("fraction", "verdict"), [
    (0.049, "solved"), (0.05, "partly learned"), (0.39, "partly learned"), (0.4, "near half the baseline"),
    (0.74, "near half the baseline"), (0.75, "near the baseline")])
def test_adding_verdict(fraction, verdict):
    from tutor.engine.wording import adding_verdict

    assert adding_verdict(fraction).startswith(verdict)


def test_the_prompt_and_the_sum_are_refused_with_the_other_fields():
    """QA b1e7222 row 14: a bad prompt or sum was refused inside the run, after the lab had cleared what a
    33-second training had drawn; the form's one check refuses them first now."""
    from tutor.data import kjv_text
    from tutor.engine import registry
    from tutor.engine.experiments.applications.char_rnn import BOOK_CHARACTERS

    assert BOOK_CHARACTERS == set(kjv_text())
    _, bad = registry.get("char-rnn").validate_all({"prompt": "Moses@"})
    assert "the book has no '@'" in bad["prompt"]
    for question in ("53+61+1", "5+"):
        _, bad = registry.get("seq2seq-addition").validate_all({"question": question})
        assert "write a sum such as 53+61" in bad["question"]

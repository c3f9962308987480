"""Experiments of lesson 6: what recurrent networks are used for, each trained live against a baseline.

- ``forecast``: a GRU or LSTM forecasts the held-out tail of a real series (Mauna Loa CO₂, sunspots) or a
  synthetic one, recursively, against the naive and seasonal-naive forecasts.
- ``char-rnn``: a character-level LSTM on the King James Genesis and Exodus; samples at several temperatures
  while it trains; held-out bits per character against the unigram entropy. The network is kept between
  runs, so stopping and starting again continues training it.
- ``seq2seq-addition``: an LSTM encoder-decoder learns "53+61" -> "114" with teacher forcing; greedy
  decoding on held-out sums; exact-match accuracy over time. Also kept between runs.

Every network is trained by the one compiled training path (``models.Trainer``); the NumPy parts (data,
baselines, sampling, decoding) are in :mod:`tutor.engine.applied`.
"""

from __future__ import annotations

import textwrap
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

from tutor.engine.experiment import CELL_NAMES, SEED, Diverged, Param, ParamError, RunContext, figure, series
from tutor.engine.registry import experiment


def _trainer(model, loss: str, p: dict[str, Any]):
    """The project's one training path: a compiled Adam step, gradients clipped to global norm 1."""
    from tutor.engine.models import Trainer

    return Trainer(model, loss=loss, learning_rate=p["learning_rate"], clip_norm=1.0, seed=p["seed"])


def _layer(cell: str, units: int, **kwargs: Any):
    from tutor.engine.models import recurrent_layer

    return recurrent_layer(cell, units, **kwargs)


def _chunk_means(values: list[float], size: int) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for start in range(0, len(values), size):
        block = values[start: start + size]
        xs.append(start + len(block))
        ys.append(sum(block) / len(block))
    return xs, ys


class _Cache:
    """Trained networks kept between runs, keyed by the parameters that define them (at most ``size``)."""

    def __init__(self, size: int = 2) -> None:
        self.size = size
        self.items: dict[tuple, Any] = {}
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self.lock:
            return self.items.get(key)

    def put(self, key: tuple, value: Any) -> None:
        with self.lock:
            self.items.pop(key, None)
            while len(self.items) >= self.size:
                self.items.pop(next(iter(self.items)))
            self.items[key] = value

    def clear(self) -> None:
        with self.lock:
            self.items.clear()

    @contextmanager
    def training(self, key: tuple, entry: dict[str, Any]) -> Iterator[None]:
        """Train a kept network: one run at a time, and a network whose loss diverged is dropped (its weights
        are NaN), so the next run starts afresh."""
        with entry["lock"]:
            try:
                yield
            except Diverged as err:
                with self.lock:
                    if self.items.get(key) is entry:
                        del self.items[key]
                raise Diverged(f"{err} The network was discarded: the next run starts a fresh one.") from None


# -- forecasting -----------------------------------------------------------------------------------------
@experiment(
    "forecast",
    "Forecast the held-out tail of a real series, against naive and seasonal naive",
    [
        Param("series", "choice", "co2", "co2: Mauna Loa CO₂, monthly; sunspots: yearly; synthetic: made here",
              choices=("co2", "sunspots", "synthetic")),
        Param("cell", "choice", "gru", "recurrent cell", choices=("gru", "lstm")),
        Param("predict", "choice", "change", "what the network predicts: the change from the last value, or "
              "the level itself", choices=("change", "level")),
        Param("horizon", "int", 24, "steps forecast (and held out) at the end of the series", 1, 120),
        Param("window", "int", 24, "past steps the network reads for each prediction", 2, 120),
        Param("units", "int", 32, "hidden units", 1, 256),
        Param("steps", "int", 800, "Adam steps of 32 windows", 1, 20000),
        Param("learning_rate", "float", 0.005, "Adam's step size", 1e-5, 0.5),
        Param("time_limit", "float", 60.0, "stop training after this many seconds", 1, 600),
        SEED,
    ],
    uses_tensorflow=True,
)
def forecast(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    from tutor.engine import applied, runtime
    from tutor.engine.models import seed_everything

    s = applied.load_series(p["series"], p["seed"])
    horizon, window = p["horizon"], p["window"]
    n_train = len(s.y) - horizon
    signal = applied.model_signal(s.y[:n_train], p["predict"])
    if len(signal) - window < 20:
        raise ParamError("window", f"{s.name} leaves {n_train} training values after the held-out "
                                   f"{horizon}: too few for windows of {window}; shorten the window or horizon")
    scaler = applied.Scaler.fit(signal)  # training part only: the held-out tail must not shape the inputs
    x, y = applied.series_windows(scaler(signal), window)
    history, truth = s.y[:n_train], s.y[n_train:]
    naive = applied.naive_forecast(history, horizon)
    seasonal = applied.seasonal_naive_forecast(history, horizon, s.season)
    naive_mae, seasonal_mae = applied.mae(naive, truth), applied.mae(seasonal, truth)

    keras = runtime.keras()
    seed_everything(p["seed"])
    model = keras.Sequential([keras.Input((window, 1)), _layer(p["cell"], p["units"]), keras.layers.Dense(1)])
    trainer = _trainer(model, "mse", p)
    name = CELL_NAMES[p["cell"]]
    tail = s.season * 5  # seasons of history drawn before the forecast

    def model_forecast() -> np.ndarray:
        """Recursive: each prediction is appended to the input window and read back for the next step."""
        ctx_values = list(scaler(signal[-window:]))
        level = float(history[-1])
        out = []
        for _ in range(horizon):
            z = float(trainer.predict(np.array(ctx_values[-window:], np.float32)[None, :, None])[0, 0])
            ctx_values.append(z)
            value = scaler.inverse(np.array(z))
            level = level + float(value) if p["predict"] == "change" else float(value)
            out.append(level)
        return np.array(out)

    def snapshot(pred: np.ndarray, summary: str) -> dict[str, Any]:
        fx = s.x[n_train:]
        lines = [series("history", history[-tail:], s.x[n_train - tail: n_train]),
                 series("held-out truth", truth, fx),
                 series(f"{name} forecast", pred, fx),
                 series("naive", naive, fx),
                 series(f"seasonal naive ({s.season})", seasonal, fx)]
        return {"figure": figure(f"{s.describe}: the last {horizon} held out", lines, s.label, s.unit or "value"),
                "summary": summary}

    started = time.monotonic()
    stopped_by_time = False
    pred = model_forecast()
    mae_history: list[tuple[int, float]] = [(0, applied.mae(pred, truth))]
    while trainer.history.steps < p["steps"]:
        if time.monotonic() - started > p["time_limit"]:
            stopped_by_time = True
            break
        chunk = min(100, p["steps"] - trainer.history.steps)
        trainer.fit(x, y, chunk, ctx, batch_size=32, chunk=chunk,
                    advice="Lower the learning rate, or predict the change instead of the level.")
        pred = model_forecast()
        mae_history.append((trainer.history.steps, applied.mae(pred, truth)))
        ctx.report(snapshot(pred, f"step {trainer.history.steps}/{p['steps']}: training MSE "
                                  f"{trainer.history.losses[-1]:.3f} (scaled), forecast MAE "
                                  f"{mae_history[-1][1]:.3g} against seasonal naive {seasonal_mae:.3g}"),
                   force=True)  # one report per 100 steps: each is worth drawing
    seconds = time.monotonic() - started
    model_mae = applied.mae(pred, truth)
    best = min(naive_mae, seasonal_mae)
    best_name = "naive" if naive_mae <= seasonal_mae else "seasonal naive"
    unit = f" {s.unit}" if s.unit else ""
    if model_mae < best:
        verdict = (f"It beats both baselines: its error is {model_mae / best:.0%} of the better one "
                   f"({best_name}).")
    elif model_mae < max(naive_mae, seasonal_mae):
        verdict = (f"It beats only the weaker baseline; {best_name} is better, so this network is not worth "
                   f"using here as it is.")
    else:
        verdict = "It loses to both baselines: as trained, it is worth nothing here."
    # The held-out error is only watched during training, never used to pick the weights kept (that would tune
    # on the test). How much it moved over the second half of training says how far one number can be trusted.
    late = [m for step, m in mae_history[1:] if step > trainer.history.steps / 2]
    spread = ""
    if len(late) >= 2 and max(late) > 1.5 * min(late):
        spread = (f" Over its last {len(late)} checkpoints the forecast error moved between {min(late):.3g} and "
                  f"{max(late):.3g}: one held-out stretch and one run make a noisy test; try another seed.")
    summary = (f"{name} on {s.name}, predicting the {p['predict']}: mean absolute error over the held-out "
               f"{horizon} steps {model_mae:.3g}{unit}; naive {naive_mae:.3g}, seasonal naive {seasonal_mae:.3g}. "
               f"{verdict}{spread} {trainer.history.steps} steps in {seconds:.1f} s"
               + (" (stopped by the time limit)." if stopped_by_time else "."))
    lines = [f"mean absolute error over the last {horizon} steps ({s.unit or 'units'}):",
             f"  {name + ' forecast':<22}{model_mae:>9.3f}",
             f"  {'naive (last value)':<22}{naive_mae:>9.3f}",
             f"  {'seasonal naive':<22}{seasonal_mae:>9.3f}   (one season = {s.season} steps)",
             f"The scaler's mean and spread come from the first {n_train} values only."]
    result = snapshot(pred, summary)
    result.update(
        series=s.name, cell=p["cell"], predict=p["predict"], horizon=horizon, window=window,
        model_mae=model_mae, naive_mae=naive_mae, seasonal_naive_mae=seasonal_mae,
        forecast=pred.tolist(), truth=truth.tolist(), naive_forecast=naive.tolist(),
        seasonal_naive_forecast=seasonal.tolist(), season=s.season, forecast_x=s.x[n_train:].tolist(),
        losses=trainer.history.losses, mae_history=mae_history, steps=trainer.history.steps, seconds=seconds,
        stopped_by_time_limit=stopped_by_time, scaler={"mean": scaler.mean, "std": scaler.std},
        text="\n".join(lines),
    )
    return result


# -- character-level text generation ---------------------------------------------------------------------
_char_nets = _Cache()
CHAR_CHUNK = 25  # steps between two points of the training curve


def _wrap_sample(label: str, text: str, width: int = 68, lines: int = 3) -> list[str]:
    flat = text.replace("\n", "⏎")
    wrapped = textwrap.wrap(flat, width - len(label), drop_whitespace=False) or [""]
    out = [label + wrapped[0]] + [" " * len(label) + w for w in wrapped[1:lines]]
    return out


def _char_key(p: dict[str, Any]) -> tuple:
    return (p["units"], p["seq_len"], p["batch"], p["learning_rate"], p["seed"])


def _char_net_state(p: dict[str, Any], vocab_size: int) -> dict[str, Any]:
    key = _char_key(p)
    entry = _char_nets.get(key)
    if entry is not None:
        return entry
    import numpy as np

    from tutor.engine import runtime
    from tutor.engine.models import seed_everything

    keras = runtime.keras()
    seed_everything(p["seed"])
    model = keras.Sequential([
        keras.Input((None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, 32),
        _layer("lstm", p["units"], return_sequences=True),
        keras.layers.Dense(vocab_size),
    ])
    trainer = _trainer(model, "sparse_ce_logits", p)
    entry = {"model": model, "trainer": trainer, "rng": np.random.default_rng(p["seed"]), "evals": [],
             "seconds": 0.0, "lock": threading.Lock()}
    _char_nets.put(key, entry)
    return entry


@experiment(
    "char-rnn",
    "A character-level LSTM writes like its book: samples at several temperatures while it trains",
    [
        Param("prompt", "text", "And God said", "the text the network reads before it writes", max_length=80),
        Param("temperatures", "floats", [0.2, 0.5, 1.0], "sampling temperatures T (0: always the most "
              "likely character)", 0.0, 3.0, max_items=4),
        Param("steps", "int", 1000, "Adam steps of 64 windows the network should have trained in all "
              "(a stopped run continues to this)", 1, 100000),
        Param("time_limit", "float", 75.0, "stop training after this many seconds", 1, 600),
        Param("sample_every", "float", 5.0, "seconds between two rounds of samples", 1, 120),
        Param("sample_length", "int", 160, "characters per sample", 10, 400),
        Param("units", "int", 128, "LSTM units", 8, 256),
        Param("seq_len", "int", 64, "characters per training window (backpropagation through this many steps)",
              8, 200),
        Param("batch", "int", 64, "windows per Adam step", 8, 128),
        Param("learning_rate", "float", 0.01, "Adam's step size", 1e-5, 0.5),
        SEED,
    ],
    uses_tensorflow=True,
)
def char_rnn(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    from tutor import data
    from tutor.engine import applied

    text = data.kjv_text()
    vocab = applied.Vocab(text)
    bad = vocab.unknown(p["prompt"])
    if bad:
        raise ParamError("prompt", "the book has no " + " ".join(repr(c) for c in bad)
                         + " (it has letters, space, newline and . , ; : ? ! ' - ( ); no digits)")
    train_text, held_text = applied.split_text(text)
    train_ids, held_ids = vocab.encode(train_text), vocab.encode(held_text)
    unigram = applied.unigram_bits(train_ids, held_ids, len(vocab))
    x_held, y_held = applied.tiled_windows(held_ids, p["seq_len"])
    net = _char_net_state(p, len(vocab))
    trainer, model = net["trainer"], net["model"]
    start_steps = trainer.history.steps
    started = time.monotonic()
    sample_rng = np.random.default_rng(p["seed"] + 1 + start_steps)
    samples: list[dict[str, Any]] = []
    lines_last: list[str] = []

    def held_out_bits() -> float:
        return applied.bits(trainer.evaluate(x_held, y_held))

    def sample() -> list[dict[str, Any]]:
        emb, lstm, dense = model.layers[0], model.layers[1], model.layers[2]
        stepper = applied.LSTMStep(emb.get_weights()[0], *lstm.get_weights(), dense=tuple(dense.get_weights()))
        texts = applied.sample_text(stepper, vocab, p["prompt"], p["temperatures"], p["sample_length"],
                                    sample_rng)
        return [{"temperature": t, "text": s} for t, s in zip(p["temperatures"], texts)]

    def sample_lines(step: int) -> list[str]:
        out = [f"after {step} steps, from the prompt {p['prompt']!r} (⏎ is a new verse):"]
        for s in samples:
            out += _wrap_sample(f"T={s['temperature']:<4g} ", p["prompt"] + s["text"])
        return out

    def snapshot(summary: str) -> dict[str, Any]:
        xs, ys = _chunk_means([applied.bits(v) for v in trainer.history.losses], CHAR_CHUNK)
        end = max(p["steps"], trainer.history.steps)
        lines = [series("training", ys, xs),
                 series("held-out", [b for _, b in net["evals"]], [s for s, _ in net["evals"]], style="scatter"),
                 series("unigram baseline", [unigram, unigram], [0, end])]
        return {"figure": figure("Bits per character (lower is better)", lines, "training step", "bits/char"),
                "text": "\n".join(lines_last), "summary": summary}

    def evaluate_and_sample() -> None:
        nonlocal samples, lines_last
        steps = trainer.history.steps
        if not net["evals"] or net["evals"][-1][0] != steps:
            net["evals"].append((steps, held_out_bits()))
        samples = sample()
        lines_last = sample_lines(steps)

    def continue_note() -> str:
        return "t stops; t again continues training this same network"

    if trainer.history.steps:
        evaluate_and_sample()
        ctx.report(snapshot(f"The network has trained {trainer.history.steps} steps; held-out "
                            f"{net['evals'][-1][1]:.2f} bits/char. {continue_note()}."), force=True)
    stopped_by_time = False
    last_sample = time.monotonic() if trainer.history.steps else -1e9
    with _char_nets.training(_char_key(p), net):
        while trainer.history.steps < p["steps"]:
            if time.monotonic() - started > p["time_limit"]:
                stopped_by_time = True
                break
            chunk = min(CHAR_CHUNK, p["steps"] - trainer.history.steps)
            x, y = applied.char_windows(train_ids, p["seq_len"], chunk * p["batch"], net["rng"])
            t0 = time.monotonic()
            try:
                trainer.fit(x, y, chunk, ctx, batch_size=p["batch"], chunk=chunk,
                            advice="Lower the learning rate.")
            finally:
                net["seconds"] += time.monotonic() - t0
            steps = trainer.history.steps
            current = applied.bits(float(np.mean(trainer.history.losses[-chunk:])))
            if time.monotonic() - last_sample >= p["sample_every"]:
                evaluate_and_sample()
                last_sample = time.monotonic()
                ctx.report(snapshot(f"step {steps}/{p['steps']}: held-out {net['evals'][-1][1]:.2f} bits/char "
                                    f"(unigram {unigram:.2f}); {continue_note()}."), force=True)
            else:
                ctx.report(lambda: snapshot(f"step {steps}/{p['steps']}: training {current:.2f} bits/char "
                                            f"(unigram {unigram:.2f}); {continue_note()}."))
    evaluate_and_sample()
    seconds = time.monotonic() - started
    held = net["evals"][-1][1]
    ratio = held / unigram
    if ratio < 0.6:
        reading = "it predicts each character from its context far better than character frequencies alone"
    elif ratio < 0.95:
        reading = "it has learned some context beyond character frequencies"
    elif ratio < 1:
        reading = "it is barely better yet than knowing how often each character occurs"
    else:
        reading = "it is no better yet than knowing how often each character occurs"
    trained_now = trainer.history.steps - start_steps
    if trainer.history.steps >= p["steps"]:
        more = f"It has trained all {p['steps']} steps; raise steps and press t to train it further."
    else:
        more = f"Press t to continue training this same network towards {p['steps']} steps."
    summary = (f"Held-out {held:.2f} bits per character, {ratio:.0%} of the unigram baseline's {unigram:.2f}: "
               f"{reading}. This run trained {trained_now} steps in {seconds:.0f} s"
               + (" (stopped by the time limit)" if stopped_by_time else "")
               + f"; the network has {trainer.history.steps} in all. {more}")
    result = snapshot(summary)
    result.update(
        bits_per_char=held, unigram_bits_per_char=unigram, samples=samples, prompt=p["prompt"],
        eval_history=[list(e) for e in net["evals"]], steps=trainer.history.steps, steps_this_run=trained_now,
        seconds=seconds, stopped_by_time_limit=stopped_by_time, vocab_size=len(vocab),
        train_chars=len(train_text), held_out_chars=len(held_text),
        train_bits=[applied.bits(v) for v in trainer.history.losses],
    )
    return result


# -- addition as sequence to sequence --------------------------------------------------------------------
_adders = _Cache()


def _adder_key(p: dict[str, Any]) -> tuple:
    return (p["digits"], p["units"], p["batch"], p["learning_rate"], p["reverse"], p["seed"])


def _adder_state(p: dict[str, Any]) -> dict[str, Any]:
    key = _adder_key(p)
    entry = _adders.get(key)
    if entry is not None:
        return entry
    from tutor.engine import applied, runtime
    from tutor.engine.models import seed_everything

    keras = runtime.keras()
    pairs = 10 ** (2 * p["digits"])  # every (a, b): 100 for one digit, 10,000 for two
    test_size = min(1000, pairs // 10)
    data = applied.addition_data(p["digits"], train_size=min(50000, pairs - test_size), test_size=test_size,
                                 reverse=p["reverse"], seed=p["seed"])
    seed_everything(p["seed"])
    v = len(applied.ADD_VOCAB)
    question = keras.Input((data.q_len,), dtype="int32", name="question")
    answer_so_far = keras.Input((data.a_len,), dtype="int32", name="answer_so_far")
    enc_emb, dec_emb = keras.layers.Embedding(v, 16), keras.layers.Embedding(v, 16)
    encoder = _layer("lstm", p["units"], return_state=True)
    decoder = _layer("lstm", p["units"], return_sequences=True)
    dense = keras.layers.Dense(v)
    _, h, c = encoder(enc_emb(question))
    logits = dense(decoder(dec_emb(answer_so_far), initial_state=[h, c]))
    model = keras.Model([question, answer_so_far], logits)
    trainer = _trainer(model, "sparse_ce_logits", p)
    entry = {"data": data, "model": model, "trainer": trainer, "layers": (enc_emb, encoder, dec_emb, decoder, dense),
             "history": [], "lock": threading.Lock()}
    _adders.put(key, entry)
    return entry


def _steppers(entry: dict[str, Any]):
    from tutor.engine import applied

    enc_emb, encoder, dec_emb, decoder, dense = entry["layers"]
    return (applied.LSTMStep(enc_emb.get_weights()[0], *encoder.get_weights()),
            applied.LSTMStep(dec_emb.get_weights()[0], *decoder.get_weights(), dense=tuple(dense.get_weights())))


@experiment(
    "seq2seq-addition",
    "An encoder-decoder learns to add: teacher forcing in training, greedy decoding at test",
    [
        Param("question", "text", "53+61", "your own sum, answered by the network (e.g. 53+61)", max_length=12),
        Param("digits", "int", 2, "largest number of digits in each term", 1, 4),
        Param("steps", "int", 800, "Adam steps the network should have trained in all (a stopped run "
              "continues to this)", 1, 100000),
        Param("time_limit", "float", 80.0, "stop training after this many seconds", 1, 600),
        Param("reverse", "bool", True, "feed the question reversed (its last digits first)"),
        Param("units", "int", 128, "LSTM units of the encoder and of the decoder", 8, 512),
        Param("batch", "int", 256, "sums per Adam step", 8, 1024),
        Param("learning_rate", "float", 0.01, "Adam's step size (gradients clipped to norm 1)", 1e-5, 0.5),
        SEED,
    ],
    uses_tensorflow=True,
)
def seq2seq_addition(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    from tutor.engine import applied

    try:
        asked = applied.parse_sum(p["question"], p["digits"])
    except ValueError as err:
        raise ParamError("question", str(err)) from None
    entry = _adder_state(p)
    data, trainer = entry["data"], entry["trainer"]
    q_test, d_test, t_test = data.test
    start_steps = trainer.history.steps
    started = time.monotonic()
    shown = list(range(min(10, len(t_test))))
    state: dict[str, Any] = {}

    def measure() -> None:
        encoder, decoder = _steppers(entry)
        greedy = applied.greedy_decode(encoder, decoder, q_test, data.a_len)
        forced = np.argmax(trainer.predict((q_test, d_test)), axis=-1)
        steps = trainer.history.steps
        if not entry["history"] or entry["history"][-1][0] != steps:
            # Exact match is the same both ways (all right greedily <=> all right with the true prefix, up to
            # float32/float64 rounding at a near tie); per-character accuracy is where feeding back its own
            # guesses shows.
            entry["history"].append((steps, applied.exact_match(greedy, t_test), applied.exact_match(forced, t_test),
                                     applied.char_accuracy(greedy, t_test), applied.char_accuracy(forced, t_test)))
        mine = applied.encode_questions(np.array([asked]), p["digits"], p["reverse"])
        state.update(greedy=greedy, mine=applied.greedy_decode(encoder, decoder, mine, data.a_len)[0])

    def table() -> list[str]:
        greedy = state["greedy"]
        rows = ["held-out sums (never trained on, in either order):"]
        for i in shown:
            a, b = (int(v) for v in data.test_pairs[i])
            got = applied.ADD_VOCAB.decode(greedy[i]).strip()
            ok = got == str(a + b)
            rows.append(f"  {a:>{p['digits']}}+{b:<{p['digits']}} → {got:<{data.a_len}} "
                        + ("✓" if ok else f"✗ ({a + b})"))
        a, b = asked
        got = applied.ADD_VOCAB.decode(state["mine"]).strip()
        key = min(a, b) * 10 ** p["digits"] + max(a, b)
        where = "in the training set" if key in data.train_keys else "not in the training set"
        rows.append(f"your sum: {a}+{b} → {got}  " + ("✓" if got == str(a + b) else f"✗ ({a + b})")
                    + f"  ({where})")
        return rows

    def snapshot(summary: str) -> dict[str, Any]:
        h = entry["history"]
        end = max(p["steps"], trainer.history.steps)
        xs = [e[0] for e in h]
        lines = [series("exact match, greedy", [e[1] for e in h], xs),
                 series("per char, greedy", [e[3] for e in h], xs),
                 series("per char, teacher forced", [e[4] for e in h], xs),
                 series("90%", [0.9, 0.9], [0, end])]
        out = {"figure": figure(f"{len(t_test)} held-out sums: share right", lines, "training step",
                                "share right"), "summary": summary}
        if state:
            out["text"] = "\n".join(table())
        return out

    measure()
    if trainer.history.steps:
        ctx.report(snapshot(f"The network has trained {trainer.history.steps} steps: "
                            f"{entry['history'][-1][1]:.0%} of held-out sums right."), force=True)
    stopped_by_time = False
    with _adders.training(_adder_key(p), entry):
        while trainer.history.steps < p["steps"]:
            if time.monotonic() - started > p["time_limit"]:
                stopped_by_time = True
                break
            chunk = min(100, p["steps"] - trainer.history.steps)
            q, d, t = data.train
            trainer.fit((q, d), t, chunk, ctx, batch_size=p["batch"], chunk=chunk, advice="Lower the learning rate.")
            measure()
            ctx.report(snapshot(f"step {trainer.history.steps}/{p['steps']}: {entry['history'][-1][1]:.0%} of "
                                f"held-out sums right by greedy decoding; t stops, t again continues this "
                                f"network."), force=True)
    seconds = time.monotonic() - started
    steps, exact, forced, char_greedy, char_forced = entry["history"][-1]
    chance = 1 / (2 * 10 ** p["digits"] - 1)
    if exact >= 0.9:
        reading = "it has learned to add"
    elif exact >= 0.3:
        reading = "it adds some sums but not reliably yet"
    elif exact > 10 * chance:
        reading = "well above guessing, but far from adding"
    else:
        reading = "no better than guessing yet"
    lost = char_forced - char_greedy
    gap = (f" Per character it gets {char_greedy:.1%} right by greedy decoding and {char_forced:.1%} with the "
           f"true previous characters fed in (teacher forcing): "
           + (f"after a first wrong digit, going on from its own prefix costs it {100 * lost:.1f} "
               f"percentage points."
              if lost >= 0.005 else "its own earlier mistakes cost it next to nothing.")
           + (" Exact match is the same either way." if abs(forced - exact) < 0.005 else
              f" Exact match with teacher forcing: {forced:.1%} (a near tie decided otherwise in float32)."))
    reached = next((e[0] for e in entry["history"] if e[1] >= 0.9), None)
    summary = (f"{exact:.1%} of {len(t_test)} held-out {p['digits']}-digit sums exactly right (guessing a sum "
               f"uniformly: {chance:.2%}): {reading}.{gap} "
               + (f"It first reached 90% at step {reached}. " if reached else "")
               + f"This run trained {trainer.history.steps - start_steps} steps in {seconds:.0f} s"
               + (" (stopped by the time limit)" if stopped_by_time else "")
               + f"; the network has {steps} in all"
               + ("." if steps >= p["steps"] else "; press t to continue training it."))
    result = snapshot(summary)
    a, b = asked
    examples = []
    for i in range(min(20, len(t_test))):
        x1, x2 = (int(v) for v in data.test_pairs[i])
        got = applied.ADD_VOCAB.decode(state["greedy"][i]).strip()
        examples.append({"question": f"{x1}+{x2}", "answer": got, "expected": str(x1 + x2),
                         "correct": got == str(x1 + x2)})
    result.update(
        exact_match=exact, teacher_forced_exact_match=forced, chance=chance,
        char_accuracy=char_greedy, teacher_forced_char_accuracy=char_forced,
        history=[{"step": s, "exact_match": e, "teacher_forced": f, "char_accuracy": cg,
                  "teacher_forced_char_accuracy": cf} for s, e, f, cg, cf in entry["history"]],
        examples=examples, question=f"{a}+{b}", answer=applied.ADD_VOCAB.decode(state["mine"]).strip(),
        expected=str(a + b), digits=p["digits"], reverse=p["reverse"], steps=steps,
        steps_this_run=trainer.history.steps - start_steps, seconds=seconds, stopped_by_time_limit=stopped_by_time,
        train_size=len(data.train[0]), test_size=len(t_test), reached_90_at_step=reached,
    )
    return result

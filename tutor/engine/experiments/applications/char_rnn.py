"""``char-rnn``: a character-level LSTM on the King James Genesis and Exodus (lesson 6). It samples at several
temperatures while it trains and reports held-out bits per character against the unigram baseline. The
network is kept between runs, so stopping and starting again continues training it."""

from __future__ import annotations

import textwrap
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tutor.engine.experiment import SEED, Param, ParamError, ParsedParams, Report, Result, RunContext, figure, \
    series
from tutor.engine.limits import Deadline, time_limit_param
from tutor.engine.registry import experiment
from tutor.engine.training import Kept, KeptNetworks, TrainHistory
from tutor.engine.wording import bits_reading
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    import numpy as np

    from tutor import data
    from tutor.engine import models, runtime, text
else:
    np, data, text = lazy("numpy"), lazy("tutor.data"), lazy("tutor.engine.text")
    models, runtime = lazy("tutor.engine.models"), lazy("tutor.engine.runtime")

CHUNK = 25  # steps between two points of the training curve
KEPT = 2  # networks kept while the tutor runs, one per (units, seq_len, batch, learning_rate, seed)


@dataclass
class _CharNet:
    """A kept network: the model, its trainer (whose history spans every run), the generator that draws its
    training windows, and its held-out bits per character as (step, bits)."""

    model: Any
    trainer: models.Trainer
    rng: np.random.Generator
    evals: list[tuple[int, float]] = field(default_factory=list)

    @classmethod
    def build(cls, p: ParsedParams, vocab_size: int) -> _CharNet:
        keras = runtime.keras()
        models.seed_everything(p["seed"])
        model = keras.Sequential([
            keras.Input((None,), dtype="int32"),
            keras.layers.Embedding(vocab_size, 32),
            models.recurrent_layer("lstm", p["units"], return_sequences=True),
            keras.layers.Dense(vocab_size),
        ])
        trainer = models.Trainer(model, loss="sparse_ce_logits", learning_rate=p["learning_rate"], clip_norm=1.0,
                                 seed=p["seed"])
        return cls(model, trainer, np.random.default_rng(p["seed"]))


_char_nets: KeptNetworks[_CharNet] = KeptNetworks(KEPT)


def _wrap_sample(label: str, sample: str, width: int = 68, lines: int = 3) -> list[str]:
    flat = sample.replace("\n", "⏎")
    # A line that starts at a wrap point would start with the space the wrap fell on; drop only that one.
    wrapped = textwrap.wrap(flat, width - len(label), drop_whitespace=False) or [""]
    wrapped = wrapped[:1] + [w[1:] if w.startswith(" ") else w for w in wrapped[1:]]
    return [label + wrapped[0]] + [" " * len(label) + w for w in wrapped[1:lines]]


class _CharRun:
    """One run: the book split into training and held-out text, the kept network, and its latest samples."""

    def __init__(self, p: ParsedParams) -> None:
        self.p = p
        book = data.kjv_text()
        self.vocab = text.Vocab(book)
        self.train_text, self.held_text = text.split_text(book)
        self.train_ids, held_ids = self.vocab.encode(self.train_text), self.vocab.encode(self.held_text)
        self.unigram = text.unigram_bits(self.train_ids, held_ids, len(self.vocab))
        self.x_held, self.y_held = text.tiled_windows(held_ids, p["seq_len"])
        self.key = (p["units"], p["seq_len"], p["batch"], p["learning_rate"], p["seed"])
        self.kept: Kept[_CharNet] = _char_nets.get_or_build(self.key, lambda: _CharNet.build(p, len(self.vocab)))
        self.net = self.kept.network
        self.trainer = self.net.trainer
        self.start_steps = self.trainer.history.steps
        self.sample_rng = np.random.default_rng(p["seed"] + 1 + self.start_steps)
        self.samples: list[dict[str, Any]] = []
        self.sample_text: list[str] = []
        self.last_sample = -1e9

    def next_batch(self) -> tuple[np.ndarray, np.ndarray]:
        """Fresh random windows of the training text at every step."""
        return text.char_windows(self.train_ids, self.p["seq_len"], self.p["batch"], self.net.rng)

    def evaluate_and_sample(self) -> None:
        """Held-out bits per character (once per step count), and a new sample at each temperature."""
        steps, p = self.trainer.history.steps, self.p
        if not self.net.evals or self.net.evals[-1][0] != steps:
            self.net.evals.append((steps, text.bits(self.trainer.evaluate(self.x_held, self.y_held))))
        emb, lstm, dense = self.net.model.layers
        kernel, recurrent, bias = lstm.get_weights()
        w_out, b_out = dense.get_weights()
        stepper = text.LSTMStep(emb.get_weights()[0], kernel, recurrent, bias, dense=(w_out, b_out))
        drawn = text.sample_text(stepper, self.vocab, p["prompt"], p["temperatures"], p["sample_length"],
                                 self.sample_rng)
        self.samples = [{"temperature": t, "text": s} for t, s in zip(p["temperatures"], drawn)]
        self.sample_text = [f"after {steps} steps, from the prompt {p['prompt']!r} (⏎ is a new verse):"]
        for s in self.samples:
            self.sample_text += _wrap_sample(f"T={s['temperature']:<4g} ", p["prompt"] + s["text"])
        self.last_sample = time.monotonic()

    def snapshot(self, summary: str) -> Report:
        h, evals = self.trainer.history, self.net.evals
        xs, ys = models.chunk_means([text.bits(v) for v in h.losses], CHUNK)
        end = max(self.p["steps"], h.steps)
        lines = [series("training", ys, xs),
                 series("held-out", [b for _, b in evals], [s for s, _ in evals], style="scatter"),
                 series("unigram baseline", [self.unigram, self.unigram], [0, end])]
        return {"figure": figure("Bits per character (lower is better)", lines, "training step", "bits/char"),
                "text": "\n".join(self.sample_text), "summary": summary}

    def resume(self, ctx: RunContext) -> None:
        """A kept network that has trained already shows where it is before training on."""
        if self.trainer.history.steps:
            self.evaluate_and_sample()
            ctx.report(self.snapshot(f"The network has trained {self.trainer.history.steps} steps; held-out "
                                     f"{self.net.evals[-1][1]:.2f} bits/char. {_CONTINUE}."), force=True)

    def progress(self, ctx: RunContext, history: TrainHistory) -> None:
        """After every chunk: held-out bits and samples every ``sample_every`` seconds, training bits between."""
        p, steps = self.p, history.steps
        if time.monotonic() - self.last_sample >= p["sample_every"]:
            self.evaluate_and_sample()
            ctx.report(self.snapshot(f"step {steps}/{p['steps']}: held-out {self.net.evals[-1][1]:.2f} bits/char "
                                     f"(unigram {self.unigram:.2f}); {_CONTINUE}."), force=True)
        else:
            current = text.bits(float(np.mean(history.losses[-CHUNK:])))
            ctx.report(lambda: self.snapshot(f"step {steps}/{p['steps']}: training {current:.2f} bits/char "
                                             f"(unigram {self.unigram:.2f}); {_CONTINUE}."))

    def result(self, seconds: float, deadline: Deadline) -> Result:
        p, h = self.p, self.trainer.history
        held = self.net.evals[-1][1]
        trained_now = h.steps - self.start_steps
        if h.steps >= p["steps"]:
            more = f"It has trained all {p['steps']} steps; raise steps and press t to train it further."
        else:
            more = f"Press t to continue training this same network towards {p['steps']} steps."
        summary = (f"Held-out {held:.2f} bits per character, {held / self.unigram:.0%} of the unigram baseline's "
                   f"{self.unigram:.2f}: {bits_reading(held, self.unigram)}. This run trained {trained_now} steps "
                   f"in {seconds:.0f} s; the network has {h.steps} in all. {more}" + deadline.note())
        result: Result = dict(self.snapshot(summary))
        result.update(
            bits_per_char=held, unigram_bits_per_char=self.unigram, samples=self.samples, prompt=p["prompt"],
            eval_history=[list(e) for e in self.net.evals], steps=h.steps, steps_this_run=trained_now,
            seconds=seconds, stopped_by_time_limit=h.stopped_by_time_limit, vocab_size=len(self.vocab),
            train_chars=len(self.train_text), held_out_chars=len(self.held_text),
            train_bits=[text.bits(v) for v in h.losses],
        )
        return result


_CONTINUE = "t stops; t again continues training this same network"

# The book's characters (a test holds them equal to the file's). The form checks the prompt against them before a
# run clears the lab, and while the lessons are read, which must not load the book and NumPy for it.
BOOK_CHARACTERS = frozenset("\n !'(),-.:;?ABCDEFGHIJKLMNOPRSTUVWYZabcdefghijklmnopqrstuvwxyz")


def _check(p: dict[str, Any]) -> None:
    bad = sorted(set(p["prompt"]) - BOOK_CHARACTERS)
    if bad:
        raise ParamError("prompt", "the book has no " + " ".join(repr(c) for c in bad)
                         + " (it has letters, space, newline and . , ; : ? ! ' - ( ); no digits)")


@experiment(
    "char-rnn",
    "A character-level LSTM writes like its book: samples at several temperatures while it trains",
    [
        Param("prompt", "text", "And God said", "the text the network reads before it writes", max_length=80),
        Param("temperatures", "floats", [0.2, 0.5, 1.0], "sampling temperatures T (0: always the most "
              "likely character)", 0.0, 3.0, max_items=4),
        Param("steps", "int", 1000, "Adam steps of 64 windows the network should have trained in all "
              "(a stopped run continues to this)", 1, 100000),
        time_limit_param(75),
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
    check=_check,
)
def char_rnn(p: ParsedParams, ctx: RunContext) -> Result:
    run = _CharRun(p)
    deadline = Deadline(p["time_limit"])
    started = time.monotonic()
    with _char_nets.training(run.key, run.kept) as net:
        run.resume(ctx)
        net.trainer.fit(run.next_batch, p["steps"] - net.trainer.history.steps, ctx, deadline=deadline,
                        chunk=CHUNK, on_chunk=lambda history: run.progress(ctx, history),
                        advice="Lower the learning rate.")
    run.evaluate_and_sample()
    return run.result(time.monotonic() - started, deadline)

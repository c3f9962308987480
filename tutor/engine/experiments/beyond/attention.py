"""``attention``: an LSTM encoder–decoder with and without an attention read-out, trained on the same batches
for the same steps on copying random digits of mixed lengths; exact match and per-character accuracy by
length, and the attention weights of the learner's own digits drawn as a heatmap (lesson 8). Both networks
are kept between runs, so stopping and starting again continues training them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tutor.engine.experiment import SEED, Param, ParamError, ParsedParams, Report, Result, RunContext, \
    check_finite, figure, series
from tutor.engine.limits import Deadline, time_limit_param
from tutor.engine.registry import experiment
from tutor.engine.training import Kept, KeptNetworks, TrainHistory, recorded, train_steps
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    import numpy as np

    from tutor.engine import models, runtime
else:
    np, models, runtime = lazy("numpy"), lazy("tutor.engine.models"), lazy("tutor.engine.runtime")

PAD, START, VOCAB = 0, 11, 12  # token ids: padding, the decoder's start; digit d is d + 1
SHORTEST = 5  # the shortest input trained and tested
LONGEST = 30  # the most digits the lab takes
CHUNK = 50  # steps between two measurements
TEST_SIZE = 200  # test inputs per length
KEPT = 2  # pairs of networks kept while the tutor runs
ADVICE = "Lower the learning rate."
SHADES = {"blocks": " ░▒▓█", "ascii": " .:*#"}  # weight 0 .. 1 in five steps


class DigitsParam(Param):
    """A text parameter that must be digits, 1 to :data:`LONGEST` of them (spaces ignored): refused where the
    value is parsed (the form, the command line), before a run starts."""

    def parse(self, raw: Any) -> Any:
        value = "".join(str(super().parse(raw)).split())
        if not value.isascii() or not value.isdigit():
            bad = sorted({c for c in value if not (c.isascii() and c.isdigit())})
            raise ParamError(self.name, "digits 0-9 only; not " + " ".join(repr(c) for c in bad))
        if len(value) > LONGEST:
            raise ParamError(self.name, f"at most {LONGEST} digits, got {len(value)}")
        return value


def _check(p: dict[str, Any]) -> None:
    if len(p["digits"]) > p["longest"]:
        raise ParamError("digits", f"{len(p['digits'])} digits, longer than the longest input trained "
                                   f"(longest = {p['longest']}): raise longest or give fewer digits")


def copy_batch(rng: np.random.Generator, n: int, width: int, lengths: Any) -> tuple[Any, Any]:
    """``n`` random digit strings of the given lengths as ((source, decoder input), target), padded to
    ``width``: the decoder reads START then the true digits so far (teacher forcing) and must write each
    digit; the target is the source itself (PAD where there is no digit)."""
    lengths = np.broadcast_to(lengths, (n,))
    real = np.arange(width) < lengths[:, None]
    source = np.where(real, rng.integers(1, 11, (n, width)), PAD).astype(np.int32)
    decoder_in = np.concatenate([np.full((n, 1), START), source[:, :-1]], axis=1).astype(np.int32)
    decoder_in[~real] = PAD
    return (source, decoder_in), source


def encode(digits: str, width: int) -> Any:
    source = np.zeros((1, width), np.int32)
    source[0, :len(digits)] = [int(c) + 1 for c in digits]
    return source


@dataclass
class _Net:
    """One encoder–decoder: its trainer, and a model that gives the attention weights (None without)."""

    trainer: models.Trainer
    weights_model: Any

    def predict(self, x: Any) -> Any:
        return self.trainer.predict(x)

    def greedy(self, source: Any, lengths: Any) -> Any:
        """Decode by feeding back its own digits: as many as each input has (the output length is given)."""
        n, width = source.shape
        decoder_in = np.zeros_like(source)
        decoder_in[:, 0] = START
        out = np.zeros_like(source)
        for t in range(int(np.max(lengths))):
            out[:, t] = np.argmax(self.predict((source, decoder_in))[:, t], axis=-1)
            if t + 1 < width:
                decoder_in[:, t + 1] = np.where(t + 1 < lengths, out[:, t], PAD)
        return np.where(np.arange(width) < np.asarray(lengths).reshape(-1, 1), out, PAD), decoder_in


def _build(p: ParsedParams, attention: bool) -> _Net:
    keras = runtime.keras()
    tf = runtime.tensorflow()
    models.seed_everything(p["seed"])
    width = p["longest"]
    source = keras.Input((width,), dtype="int32", name="digits")
    decoder_in = keras.Input((width,), dtype="int32", name="written_so_far")
    # mask_zero: the encoder stops at the last digit, and attention gives padding no weight.
    states, h, c = models.recurrent_layer("lstm", p["units"], return_sequences=True, return_state=True)(
        keras.layers.Embedding(VOCAB, 32, mask_zero=True)(source))
    read = models.recurrent_layer("lstm", p["units"], return_sequences=True)(
        keras.layers.Embedding(VOCAB, 32)(decoder_in), initial_state=[h, c])
    weights = None
    if attention:
        layer = keras.layers.Attention() if p["score"] == "dot" else keras.layers.AdditiveAttention()
        context, weights = layer([read, states], return_attention_scores=True)
        read = keras.layers.Concatenate()([read, context])
    logits = keras.layers.Dense(VOCAB)(read)
    model = keras.Model([source, decoder_in], logits)

    def loss(y: Any, out: Any) -> Any:  # cross-entropy over the digits only, not the padding
        real = tf.cast(y != PAD, out.dtype)
        each = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(y, tf.int32), logits=out)
        return tf.reduce_sum(each * real) / tf.reduce_sum(real)

    trainer = models.Trainer(model, loss=loss, learning_rate=p["learning_rate"], clip_norm=1.0,
                             clip_per_variable=True, seed=p["seed"])
    return _Net(trainer, keras.Model([source, decoder_in], weights) if attention else None)


@dataclass
class _Pair:
    """The two kept networks, the generator of their training batches, and what they measured."""

    nets: dict[str, _Net]
    rng: np.random.Generator
    measured: list[tuple[int, dict[str, list[float]]]] = field(default_factory=list)  # (step, exact by length)

    @property
    def steps(self) -> int:
        return self.nets["with_attention"].trainer.history.steps


_pairs: KeptNetworks[_Pair] = KeptNetworks(KEPT)
NAMES = {"with_attention": "with attention", "without_attention": "without attention"}


def test_lengths(longest: int) -> list[int]:
    """Up to four lengths from :data:`SHORTEST` to ``longest``, evenly spread."""
    return sorted({round(v) for v in np.linspace(SHORTEST, longest, 4)})


class _AttentionRun:
    def __init__(self, p: ParsedParams) -> None:
        self.p, self.width = p, p["longest"]
        self.key = (p["longest"], p["units"], p["batch"], p["learning_rate"], p["score"], p["seed"])
        self.kept: Kept[_Pair] = _pairs.get_or_build(self.key, lambda: _Pair(
            {name: _build(p, name == "with_attention") for name in NAMES}, np.random.default_rng(p["seed"])))
        self.pair = self.kept.network
        self.start_steps = self.pair.steps
        self.lengths = test_lengths(p["longest"])
        rng = np.random.default_rng(10_000 + p["seed"])  # the same test inputs for every run of this pair
        self.tests = {n: copy_batch(rng, TEST_SIZE, self.width, n) for n in self.lengths}
        self.mine = encode(p["digits"], self.width)
        self.weights = np.zeros((0, 0))
        self.written = ""

    def next_batch(self) -> tuple[Any, Any]:
        lengths = self.pair.rng.integers(SHORTEST, self.width + 1, self.p["batch"])
        return copy_batch(self.pair.rng, self.p["batch"], self.width, lengths)

    def measure(self) -> None:
        """Exact match per length (with the true digits fed in: a copy is all right that way exactly when it is
        all right fed its own digits), and the weights for the learner's digits."""
        exact: dict[str, list[float]] = {}
        for name, net in self.pair.nets.items():
            exact[name] = []
            for n in self.lengths:
                x, y = self.tests[n]
                guess = np.argmax(net.predict(x), axis=-1)
                exact[name].append(float(np.mean(np.all((guess == y) | (y == PAD), axis=1))))
        if not self.pair.measured or self.pair.measured[-1][0] != self.pair.steps:
            self.pair.measured.append((self.pair.steps, exact))
        self.read_mine()

    def read_mine(self) -> None:
        """The attention network's copy of the learner's digits, decoded greedily, and the weights it used:
        one row per digit written, one column per digit read."""
        net, n = self.pair.nets["with_attention"], len(self.p["digits"])
        out, decoder_in = net.greedy(self.mine, np.array([n]))
        self.written = "".join(str(d - 1) if 1 <= d <= 10 else "?" for d in out[0, :n])
        self.weights = np.asarray(net.weights_model((self.mine, decoder_in), training=False))[0, :n, :n]

    def heatmap(self) -> list[str]:
        digits, shades = self.p["digits"], SHADES[self.p["shades"]]
        arrow, dots = ("→ ", "…") if self.p["shades"] == "blocks" else ("->", "...")
        lines = [f"Attention weights for your {len(digits)} digits: a row per digit written,",
                 f"a column per digit read ('{shades[1]}' little weight {dots} '{shades[-1]}' the most):",
                 f"read {arrow} " + " ".join(digits)]
        for i, row in enumerate(self.weights):
            cells = " ".join(shades[min(len(shades) - 1, int(w * len(shades)))] for w in row)
            lines.append(f"wrote {self.written[i]} {cells}")
        return lines

    def snapshot(self, summary: str) -> Report:
        step, exact = self.pair.measured[-1]
        lines = [series(NAMES[name], values, self.lengths) for name, values in exact.items()]
        return {"figure": figure(f"Copying {TEST_SIZE} test inputs per length, after {step} steps: exact match",
                                 lines, "input length (digits)", "share copied exactly"),
                "summary": summary, "text": "\n".join(self.heatmap())}

    def progress(self, ctx: RunContext) -> None:
        self.measure()
        exact = self.pair.measured[-1][1]
        ctx.report(self.snapshot(f"step {self.pair.steps}/{self.p['steps']}: at {self.lengths[-1]} digits "
                                 f"{exact['with_attention'][-1]:.0%} copied exactly with attention, "
                                 f"{exact['without_attention'][-1]:.0%} without; t stops, t again continues."),
                   force=True)

    def final(self) -> dict[str, dict[str, list[float]]]:
        """Greedy decoding of every test input: exact match and per-character accuracy, per length."""
        scores: dict[str, dict[str, list[float]]] = {}
        for name, net in self.pair.nets.items():
            scores[name] = {"exact": [], "chars": []}
            for n in self.lengths:
                (source, _), y = self.tests[n]
                out, _ = net.greedy(source, np.full(len(source), n))
                right = (out == y)[:, :n]
                scores[name]["exact"].append(float(np.mean(np.all(right, axis=1))))
                scores[name]["chars"].append(float(np.mean(right)))
        return scores

    def result(self, seconds: float, deadline: Deadline, stopped: TrainHistory) -> Result:
        scores = self.final()
        self.read_mine()
        longest, at = self.lengths[-1], -1
        w, wo = scores["with_attention"]["exact"][at], scores["without_attention"]["exact"][at]
        gap = 100 * (w - wo)
        if gap >= 0.5:
            verdict = f"attention copied {gap:.0f} points more of them exactly"
        elif gap <= -0.5:
            verdict = f"the plain model copied {-gap:.0f} points more of them exactly"
        else:
            verdict = "the two copied as many exactly"
        ok = self.written == self.p["digits"]
        diagonal = float(np.mean(np.argmax(self.weights, axis=1) == np.arange(len(self.weights))))
        summary = (f"At {longest} digits, {w:.0%} of the test inputs were copied exactly with attention and "
                   f"{wo:.0%} without ({scores['with_attention']['chars'][at]:.0%} and "
                   f"{scores['without_attention']['chars'][at]:.0%} of the digits): {verdict}. At "
                   f"{self.lengths[0]} digits: {scores['with_attention']['exact'][0]:.0%} and "
                   f"{scores['without_attention']['exact'][0]:.0%}. Your {len(self.p['digits'])} digits came back "
                   + ("right" if ok else f"as {self.written}") + f"; for {diagonal:.0%} of them the weight was "
                   f"largest on the digit in the same place. Each network has trained {self.pair.steps} steps; "
                   f"this run {self.pair.steps - self.start_steps} in {seconds:.0f} s"
                   + ("." if self.pair.steps >= self.p["steps"] else "; press t to continue training both.")
                   + deadline.note())
        result: Result = dict(self.snapshot(summary))
        result.update(
            lengths=[{"length": n, **{name: scores[name]["exact"][i] for name in NAMES},
                      **{f"{name}_chars": scores[name]["chars"][i] for name in NAMES}}
                     for i, n in enumerate(self.lengths)],
            weights=self.weights.tolist(), digits=self.p["digits"], written=self.written,
            history=[{"step": s, **e} for s, e in self.pair.measured], steps=self.pair.steps,
            steps_this_run=self.pair.steps - self.start_steps, seconds=seconds,
            stopped_by_time_limit=stopped.stopped_by_time_limit, score=self.p["score"],
        )
        return result


@experiment(
    "attention",
    "Copying digits: an encoder–decoder with and without attention, and where the attention looks",
    [
        DigitsParam("digits", "text", "31415926535897932384", "your own digits, copied by the attention model "
                    "(its weights drawn as a heatmap)", max_length=80),
        Param("longest", "int", 20, f"the longest input trained and tested (the shortest is {SHORTEST})",
              SHORTEST, LONGEST),
        Param("steps", "int", 300, "Adam steps each network should have trained in all (a stopped run continues "
              "to this)", 1, 100000),
        time_limit_param(90),
        Param("score", "choice", "dot", "how attention scores an input: dot product (Luong) or additive "
              "(Bahdanau)", choices=("dot", "additive")),
        Param("units", "int", 128, "LSTM units of the encoder and of the decoder", 8, 256),
        Param("batch", "int", 128, "inputs per Adam step", 8, 512),
        Param("learning_rate", "float", 0.01, "Adam's step size (each gradient clipped to norm 1)", 1e-5, 0.5),
        Param("shades", "choice", "blocks", "how the heatmap is drawn: block shades, or ASCII for a terminal "
              "without them", choices=tuple(SHADES)),
        SEED,
    ],
    uses_tensorflow=True,
    check=_check,
)
def attention(p: ParsedParams, ctx: RunContext) -> Result:
    run = _AttentionRun(p)
    deadline = Deadline(p["time_limit"])
    started = time.monotonic()
    stopped = TrainHistory()  # why this run stopped; each network's losses are in its own trainer's history
    with _pairs.training(run.key, run.kept) as pair:
        run.measure()
        if pair.steps:
            ctx.report(run.snapshot(f"Both networks have trained {pair.steps} steps; continuing."), force=True)

        def step() -> float:
            """One step of each network on the same batch."""
            x, y = run.next_batch()
            total = 0.0
            for name, net in pair.nets.items():
                loss, _ = net.trainer.step(x, y)
                check_finite(loss, net.trainer.history.steps, ADVICE, f"the network {NAMES[name]}")
                total += loss
            return total

        recorded(stopped, lambda: train_steps(step, p["steps"] - pair.steps, ctx, deadline=deadline, chunk=CHUNK,
                                              on_chunk=lambda: run.progress(ctx), advice=ADVICE,
                                              first_step=pair.steps + 1))
    return run.result(time.monotonic() - started, deadline, stopped)

"""``seq2seq-addition``: an LSTM encoder-decoder learns "53+61" -> "114" with teacher forcing, and is tested by
greedy decoding on held-out sums (lesson 6). The network is kept between runs, so stopping and starting again
continues training it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tutor.engine.experiment import SEED, Param, ParamError, ParsedParams, Report, Result, RunContext, figure, \
    series
from tutor.engine.limits import Deadline, time_limit_param
from tutor.engine.registry import experiment
from tutor.engine.training import Kept, KeptNetworks, TrainHistory
from tutor.engine.wording import addition_reading
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    import numpy as np

    from tutor.engine import addition, models, runtime, text
else:
    np, addition, text = lazy("numpy"), lazy("tutor.engine.addition"), lazy("tutor.engine.text")
    models, runtime = lazy("tutor.engine.models"), lazy("tutor.engine.runtime")

EVERY = 100  # training steps between two measurements on the held-out sums
KEPT = 2  # networks kept while the tutor runs, one per (digits, units, batch, learning_rate, reverse, seed)


@dataclass
class Measured:
    """The held-out sums' share right at one step: exact match and per character, greedy and teacher forced."""

    step: int
    exact: float
    forced_exact: float
    chars: float
    forced_chars: float


@dataclass
class _Adder:
    """A kept encoder-decoder: its data, model, trainer, layers (copied into NumPy for greedy decoding) and
    what it measured, step by step."""

    data: addition.AdditionData
    model: Any
    trainer: models.Trainer
    layers: tuple[Any, Any, Any, Any, Any]  # encoder embedding, encoder, decoder embedding, decoder, read-out
    measured: list[Measured] = field(default_factory=list)

    @classmethod
    def build(cls, p: ParsedParams) -> _Adder:
        keras = runtime.keras()
        pairs = 10 ** (2 * p["digits"])  # every (a, b): 100 for one digit, 10,000 for two
        test_size = min(1000, pairs // 10)
        data = addition.addition_data(p["digits"], train_size=min(50000, pairs - test_size), test_size=test_size,
                                      reverse=p["reverse"], seed=p["seed"])
        models.seed_everything(p["seed"])
        v = len(addition.ADD_VOCAB)
        question = keras.Input((data.q_len,), dtype="int32", name="question")
        answer_so_far = keras.Input((data.a_len,), dtype="int32", name="answer_so_far")
        enc_emb, dec_emb = keras.layers.Embedding(v, 16), keras.layers.Embedding(v, 16)
        encoder = models.recurrent_layer("lstm", p["units"], return_state=True)
        decoder = models.recurrent_layer("lstm", p["units"], return_sequences=True)
        dense = keras.layers.Dense(v)
        _, h, c = encoder(enc_emb(question))
        logits = dense(decoder(dec_emb(answer_so_far), initial_state=[h, c]))
        model = keras.Model([question, answer_so_far], logits)
        trainer = models.Trainer(model, loss="sparse_ce_logits", learning_rate=p["learning_rate"], clip_norm=1.0,
                                 seed=p["seed"])
        return cls(data, model, trainer, (enc_emb, encoder, dec_emb, decoder, dense))

    def steppers(self) -> tuple[text.LSTMStep, text.LSTMStep]:
        """The encoder and the decoder as NumPy LSTMs with the current weights."""
        enc_emb, encoder, dec_emb, decoder, dense = self.layers
        kernel, recurrent, bias = decoder.get_weights()
        w_out, b_out = dense.get_weights()
        return (text.LSTMStep(enc_emb.get_weights()[0], *encoder.get_weights()),
                text.LSTMStep(dec_emb.get_weights()[0], kernel, recurrent, bias, dense=(w_out, b_out)))


_adders: KeptNetworks[_Adder] = KeptNetworks(KEPT)


def _key(p: ParsedParams) -> tuple[Any, ...]:
    return (p["digits"], p["units"], p["batch"], p["learning_rate"], p["reverse"], p["seed"])


class _AdditionRun:
    """One run: the learner's sum, the kept network, and its latest greedy answers."""

    def __init__(self, p: ParsedParams) -> None:
        self.p = p
        self.asked = parse_sum(p["question"], p["digits"])
        self.key = _key(p)
        self.kept: Kept[_Adder] = _adders.get_or_build(self.key, lambda: _Adder.build(p))
        self.adder, self.trainer = self.kept.network, self.kept.network.trainer
        self.start_steps = self.trainer.history.steps
        self.greedy = np.zeros((0, 0), np.int64)
        self.mine = np.zeros(0, np.int64)

    def measure(self) -> None:
        """Greedy decoding of the held-out sums and of the learner's; the shares right, once per step count."""
        data, adder = self.adder.data, self.adder
        q_test, d_test, t_test = data.test
        encoder, decoder = adder.steppers()
        self.greedy = addition.greedy_decode(encoder, decoder, q_test, data.a_len)
        forced = np.argmax(self.trainer.predict((q_test, d_test)), axis=-1)
        steps = self.trainer.history.steps
        if not adder.measured or adder.measured[-1].step != steps:
            # Exact match is the same both ways (all right greedily <=> all right with the true prefix, up to
            # float32/float64 rounding at a near tie); per-character accuracy is where feeding back its own
            # guesses shows.
            adder.measured.append(Measured(steps, addition.exact_match(self.greedy, t_test),
                                           addition.exact_match(forced, t_test),
                                           addition.char_accuracy(self.greedy, t_test),
                                           addition.char_accuracy(forced, t_test)))
        mine = addition.encode_questions(np.array([self.asked]), self.p["digits"], self.p["reverse"])
        self.mine = addition.greedy_decode(encoder, decoder, mine, data.a_len)[0]

    def answer(self, ids: np.ndarray) -> str:
        return str(addition.ADD_VOCAB.decode(ids).strip())

    def table(self) -> list[str]:
        data, digits = self.adder.data, self.p["digits"]
        rows = ["held-out sums (never trained on, in either order):"]
        for i in range(min(10, len(data.test_pairs))):
            a, b = (int(v) for v in data.test_pairs[i])
            got = self.answer(self.greedy[i])
            rows.append(f"  {a:>{digits}}+{b:<{digits}} → {got:<{data.a_len}} "
                        + ("✓" if got == str(a + b) else f"✗ ({a + b})"))
        a, b = self.asked
        got = self.answer(self.mine)
        where = ("in the training set" if min(a, b) * 10 ** digits + max(a, b) in data.train_keys
                 else "not in the training set")
        rows.append(f"your sum: {a}+{b} → {got}  " + ("✓" if got == str(a + b) else f"✗ ({a + b})")
                    + f"  ({where})")
        return rows

    def snapshot(self, summary: str) -> Report:
        measured = self.adder.measured
        end = max(self.p["steps"], self.trainer.history.steps)
        xs = [m.step for m in measured]
        lines = [series("exact match, greedy", [m.exact for m in measured], xs),
                 series("per char, greedy", [m.chars for m in measured], xs),
                 series("per char, teacher forced", [m.forced_chars for m in measured], xs),
                 series("90%", [0.9, 0.9], [0, end])]
        return {"figure": figure(f"{len(self.adder.data.test[2])} held-out sums: share right", lines,
                                 "training step", "share right"),
                "summary": summary, "text": "\n".join(self.table())}

    def resume(self, ctx: RunContext) -> None:
        """A kept network that has trained already shows where it is before training on."""
        if self.trainer.history.steps:
            ctx.report(self.snapshot(f"The network has trained {self.trainer.history.steps} steps: "
                                     f"{self.adder.measured[-1].exact:.0%} of held-out sums right."), force=True)

    def progress(self, ctx: RunContext, history: TrainHistory) -> None:
        self.measure()
        ctx.report(self.snapshot(f"step {history.steps}/{self.p['steps']}: {self.adder.measured[-1].exact:.0%} of "
                                 "held-out sums right by greedy decoding; t stops, t again continues this "
                                 "network."), force=True)

    def summary(self, seconds: float, deadline: Deadline) -> str:
        p, last, n_test = self.p, self.adder.measured[-1], len(self.adder.data.test[2])
        chance = 1 / (2 * 10 ** p["digits"] - 1)
        lost = last.forced_chars - last.chars
        gap = (f" Per character it gets {last.chars:.1%} right by greedy decoding and {last.forced_chars:.1%} with "
               "the true previous characters fed in (teacher forcing): "
               + (f"after a first wrong digit, going on from its own prefix costs it {100 * lost:.1f} "
                  "percentage points." if lost >= 0.005 else "its own earlier mistakes cost it next to nothing.")
               + (" Exact match is the same either way." if abs(last.forced_exact - last.exact) < 0.005 else
                  f" Exact match with teacher forcing: {last.forced_exact:.1%} (a near tie decided otherwise in "
                  "float32)."))
        reached = self.reached_90()
        return (f"{last.exact:.1%} of {n_test} held-out sums of numbers up to {p['digits']} digits exactly right (guessing a sum "
                f"uniformly: {chance:.2%}): {addition_reading(last.exact, chance)}.{gap} "
                + (f"It had reached 90% by step {reached} (checked every 100 steps). " if reached else "")
                + f"This run trained {self.trainer.history.steps - self.start_steps} steps in {seconds:.0f} s"
                + f"; the network has {last.step} in all"
                + ("." if last.step >= p["steps"] else "; press t to continue training it.") + deadline.note())

    def reached_90(self) -> int | None:
        return next((m.step for m in self.adder.measured if m.exact >= 0.9), None)

    def result(self, seconds: float, deadline: Deadline) -> Result:
        p, data, last = self.p, self.adder.data, self.adder.measured[-1]
        examples = []
        for i in range(min(20, len(data.test_pairs))):
            a, b = (int(v) for v in data.test_pairs[i])
            got = self.answer(self.greedy[i])
            examples.append({"question": f"{a}+{b}", "answer": got, "expected": str(a + b),
                             "correct": got == str(a + b)})
        a, b = self.asked
        result: Result = dict(self.snapshot(self.summary(seconds, deadline)))
        result.update(
            exact_match=last.exact, teacher_forced_exact_match=last.forced_exact,
            chance=1 / (2 * 10 ** p["digits"] - 1), char_accuracy=last.chars,
            teacher_forced_char_accuracy=last.forced_chars,
            history=[{"step": m.step, "exact_match": m.exact, "teacher_forced": m.forced_exact,
                      "char_accuracy": m.chars, "teacher_forced_char_accuracy": m.forced_chars}
                     for m in self.adder.measured],
            examples=examples, question=f"{a}+{b}", answer=self.answer(self.mine), expected=str(a + b),
            digits=p["digits"], reverse=p["reverse"], steps=last.step,
            steps_this_run=self.trainer.history.steps - self.start_steps, seconds=seconds,
            stopped_by_time_limit=self.trainer.history.stopped_by_time_limit, train_size=len(data.train[0]),
            test_size=len(data.test[2]), reached_90_at_step=self.reached_90(),
        )
        return result


def parse_sum(text: str, digits: int) -> tuple[int, int]:
    """"535+61" -> (535, 61); raises ValueError with a learner-facing reason."""
    parts = text.replace(" ", "").split("+")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError("write a sum such as 53+61")
    a, b = int(parts[0]), int(parts[1])
    if max(a, b) >= 10 ** digits:
        raise ValueError(f"at most {10 ** digits - 1} + {10 ** digits - 1} (digits = {digits})")
    return a, b


def _check(p: dict[str, Any]) -> None:
    """The learner's sum is checked with the other fields, before a run clears what the lab shows."""
    try:
        parse_sum(p["question"], p["digits"])
    except ValueError as err:
        raise ParamError("question", str(err)) from None


@experiment(
    "seq2seq-addition",
    "An encoder-decoder learns to add: teacher forcing in training, greedy decoding at test",
    [
        Param("question", "text", "53+61", "your own sum, answered by the network (e.g. 53+61)", max_length=12),
        Param("digits", "int", 2, "largest number of digits in each term", 1, 4),
        Param("steps", "int", 800, "Adam steps the network should have trained in all (a stopped run "
              "continues to this)", 1, 100000),
        time_limit_param(80),
        Param("reverse", "bool", True, "feed the question reversed (its last digits first)"),
        Param("units", "int", 128, "LSTM units of the encoder and of the decoder", 8, 512),
        Param("batch", "int", 256, "sums per Adam step", 8, 1024),
        Param("learning_rate", "float", 0.01, "Adam's step size (gradients clipped to norm 1)", 1e-5, 0.5),
        SEED,
    ],
    uses_tensorflow=True,
    check=_check,
)
def seq2seq_addition(p: ParsedParams, ctx: RunContext) -> Result:
    run = _AdditionRun(p)
    deadline = Deadline(p["time_limit"])
    started = time.monotonic()
    with _adders.training(run.key, run.kept) as adder:
        run.measure()
        run.resume(ctx)
        q, d, t = adder.data.train
        adder.trainer.fit(((q, d), t), p["steps"] - adder.trainer.history.steps, ctx, batch_size=p["batch"],
                          deadline=deadline, chunk=EVERY, on_chunk=lambda history: run.progress(ctx, history),
                          advice="Lower the learning rate.")
    return run.result(time.monotonic() - started, deadline)

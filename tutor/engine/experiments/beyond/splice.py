"""``splice``: a recurrent network classifies real DNA windows (exon→intron, intron→exon, neither) against three
NumPy baselines scored on the same crops of the same fixed split (lesson 8). ``shift`` moves the junction
within the window; ``min_length`` crops windows to different lengths, padded and masked."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tutor.engine.experiment import CELL_NAMES, SEED, Param, ParamError, ParsedParams, Report, Result, RunContext, \
    figure, series
from tutor.engine.limits import Deadline, time_limit_param
from tutor.engine.registry import experiment
from tutor.engine.training import TrainHistory
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    import numpy as np

    from tutor.engine import models, runtime
    from tutor.engine import sequence_classify as sc
else:
    np, sc = lazy("numpy"), lazy("tutor.engine.sequence_classify")
    models, runtime = lazy("tutor.engine.models"), lazy("tutor.engine.runtime")

EVAL_EVERY = 5  # epochs between two measurements on the test windows
ADVICE = "Lower the learning rate."
BASELINE_NAMES = {"chance": "chance (always the majority class)", "kmers": "k-mer counts, linear",
                  "positional": "positional one-hot, linear"}


def _check(p: dict[str, Any]) -> None:
    if 0 < p["min_length"] < 4:
        raise ParamError("min_length", "0 (every window whole) or 4 to 60: a crop keeps the four bases around "
                                       "the junction")
    if p["shift"] and p["min_length"]:
        raise ParamError("min_length", "crop by shift or by min_length, not both: set one of them to 0")


@dataclass(frozen=True)
class SpliceData:
    """One run's crops of the fixed split, as the network reads them (one-hot; padded steps all zero), and
    the three baselines scored on the very same crops."""

    x_train: np.ndarray  # (n, width, 4) float32
    y_train: np.ndarray  # (n,) int32
    x_test: np.ndarray
    y_test: np.ndarray
    baselines: dict[str, float]

    @classmethod
    def make(cls, shift: int, min_length: int, seed: int) -> SpliceData:
        split = sc.splice_split()
        rng = np.random.default_rng(seed)  # one crop per window, for the network and the baselines alike
        mask_train = mask_test = None
        if min_length:
            train, mask_train = sc.junction_crop(split.x_train, min_length, rng)
            test, mask_test = sc.junction_crop(split.x_test, min_length, rng)
        else:
            train, test = sc.shift_crop(split.x_train, shift, rng), sc.shift_crop(split.x_test, shift, rng)
        scores = sc.baselines(train, split.y_train, test, split.y_test, mask_train=mask_train, mask_test=mask_test)
        return cls(sc.one_hot(train, mask_train), split.y_train.astype(np.int32), sc.one_hot(test, mask_test),
                   split.y_test.astype(np.int32), scores)


class _SpliceRun:
    """The run's data, the network, and its test accuracy by epoch."""

    def __init__(self, p: ParsedParams) -> None:
        self.p = p
        data = self.data = SpliceData.make(p["shift"], p["min_length"], p["seed"])
        self.x_train, self.y_train, self.x_test, self.y_test = data.x_train, data.y_train, data.x_test, data.y_test
        self.baselines = data.baselines
        self.masked = bool(p["min_length"]) and p["mask"]
        self.name = ("bidirectional " if p["direction"] == "bidirectional" else "forward ") + CELL_NAMES[p["cell"]]
        if p["layers"] == 2:
            self.name = "two-layer " + self.name
        models.seed_everything(p["seed"])
        self.model = self.build()
        self.trainer = models.Trainer(self.model, loss="sparse_ce_logits", learning_rate=p["learning_rate"],
                                      clip_norm=0.0, seed=p["seed"])
        self.per_epoch = len(self.y_train) // p["batch"]
        self.accuracies: list[tuple[float, float]] = []  # (epoch, test accuracy)
        self.predicted = np.zeros(0, np.int64)

    def build(self) -> Any:
        keras, p = runtime.keras(), self.p
        inputs = keras.Input(self.x_train.shape[1:])
        x = keras.layers.Masking(0.0)(inputs) if self.masked else inputs
        for i in range(p["layers"]):
            layer = models.recurrent_layer(p["cell"], p["units"], return_sequences=i < p["layers"] - 1)
            x = keras.layers.Bidirectional(layer)(x) if p["direction"] == "bidirectional" else layer(x)
        return keras.Model(inputs, keras.layers.Dense(len(sc.CLASSES))(x))

    def measure(self) -> None:
        """Test accuracy with the weights as they are now (watched, never used to choose weights)."""
        self.predicted = np.argmax(self.trainer.predict(self.x_test), axis=1)
        epoch = self.trainer.history.steps / self.per_epoch
        if not self.accuracies or self.accuracies[-1][0] != epoch:
            self.accuracies.append((epoch, float(np.mean(self.predicted == self.y_test))))

    def snapshot(self, summary: str) -> Report:
        end = max(self.p["epochs"], self.trainer.history.steps / self.per_epoch)
        lines = [series(f"{self.name}, test", [a for _, a in self.accuracies], [e for e, _ in self.accuracies])]
        lines += [series(BASELINE_NAMES[k], [v, v], [0, end]) for k, v in self.baselines.items()]
        return {"figure": figure(f"{len(self.y_test)} test windows ({self.crop()}): share right", lines, "epoch",
                                 "test accuracy"),
                "summary": summary}

    def crop(self) -> str:
        p, width = self.p, self.x_train.shape[1]
        if p["min_length"]:
            return f"{p['min_length']}–{width} bases, padded{', masked' if self.masked else ', not masked'}"
        return f"{width} bases, junction moved by up to {p['shift']}" if p["shift"] else "aligned, 60 bases"

    def progress(self, ctx: RunContext, history: TrainHistory) -> None:
        epoch = history.steps // self.per_epoch
        if epoch % EVAL_EVERY == 0:
            self.measure()
            ctx.report(self.snapshot(f"epoch {epoch}/{self.p['epochs']}: {self.accuracies[-1][1]:.1%} of the test "
                                     f"windows right; t stops."), force=True)

    def summary(self, accuracy: float, rows: list[dict[str, Any]], seconds: float, deadline: Deadline) -> str:
        b = self.baselines
        best_name, best = max((("k-mer", b["kmers"]), ("positional", b["positional"])), key=lambda kv: kv[1])
        other_name, other = ("positional", b["positional"]) if best_name == "k-mer" else ("k-mer", b["kmers"])
        if accuracy > best:
            verdict = (f"Recurrence paid here: {100 * (accuracy - best):.1f} points above the better linear "
                       f"baseline ({best_name}, {best:.1%}) and {100 * (accuracy - other):.1f} above the "
                       f"{other_name} one ({other:.1%}).")
        elif accuracy > other:
            verdict = (f"The {best_name} baseline ({best:.1%}) beat it by {100 * (best - accuracy):.1f} points; it "
                       f"beat the {other_name} one ({other:.1%}) by {100 * (accuracy - other):.1f}.")
        else:
            verdict = (f"Both linear baselines beat it: {best_name} {best:.1%}, {other_name} {other:.1%}.")
        weakest = min(rows, key=lambda r: r["f1"])
        return (f"The {self.name} classified {accuracy:.1%} of {len(self.y_test):,} test windows right "
                f"({self.crop()}; always guessing the majority class: {b['chance']:.1%}). {verdict} Its weakest "
                f"class is {weakest['class']} ({sc.CLASS_NAMES[weakest['class']]}, F1 {weakest['f1']:.2f}). "
                f"{self.trainer.history.steps // self.per_epoch} epochs in {seconds:.0f} s." + deadline.note())

    def result(self, seconds: float, deadline: Deadline) -> Result:
        self.measure()
        p, accuracy = self.p, float(np.mean(self.predicted == self.y_test))
        matrix = sc.confusion(self.y_test, self.predicted)
        rows = sc.per_class(matrix)
        lines = [f"{self.name} on {len(self.y_test):,} test windows ({self.crop()}):", *sc.table_lines(matrix), "",
                 "test accuracy, all on the same crops of the same windows:",
                 f"  {self.name:<36}{accuracy:>7.1%}"]
        lines += [f"  {BASELINE_NAMES[k]:<36}{v:>7.1%}" for k, v in self.baselines.items()]
        result: Result = dict(self.snapshot(self.summary(accuracy, rows, seconds, deadline)))
        result.update(
            accuracy=accuracy, baselines=dict(self.baselines), per_class=rows, confusion=matrix.tolist(),
            history=[{"epoch": e, "accuracy": a} for e, a in self.accuracies], text="\n".join(lines),
            cell=p["cell"], direction=p["direction"], layers=p["layers"], shift=p["shift"],
            min_length=p["min_length"], masked=self.masked, window=int(self.x_train.shape[1]),
            parameters=int(self.model.count_params()), epochs=self.trainer.history.steps / self.per_epoch,
            steps=self.trainer.history.steps, seconds=seconds,
            stopped_by_time_limit=self.trainer.history.stopped_by_time_limit, train_size=len(self.y_train),
            test_size=len(self.y_test),
        )
        return result


@experiment(
    "splice",
    "Classify real DNA: a recurrent network against chance, k-mers and a positional linear model",
    [
        Param("shift", "int", 0, "crop every window to 60 − shift bases at a random offset in 0..shift: the "
              "junction moves", 0, 40),
        Param("min_length", "int", 0, "0: every window one length; else crop each to a random length from this "
              "to 60 around the junction, padded at the end", 0, 60),
        Param("mask", "bool", True, "with min_length: tell the network where the padding is (a Masking layer)"),
        Param("direction", "choice", "bidirectional", "read the window forward only, or both ways",
              choices=("forward", "bidirectional")),
        Param("cell", "choice", "gru", "recurrent cell", choices=("gru", "lstm")),
        Param("layers", "int", 1, "recurrent layers stacked", 1, 2),
        Param("units", "int", 32, "units of each layer (each direction)", 4, 128),
        Param("epochs", "int", 40, "passes over the 2,000 training windows", 1, 400),
        Param("batch", "int", 64, "windows per Adam step", 8, 500),
        Param("learning_rate", "float", 0.003, "Adam's step size", 1e-5, 0.5),
        time_limit_param(60),
        SEED,
    ],
    uses_tensorflow=True,
    check=_check,
)
def splice(p: ParsedParams, ctx: RunContext) -> Result:
    started = time.monotonic()
    run = _SpliceRun(p)
    deadline = Deadline(p["time_limit"], started)
    run.measure()
    ctx.report(run.snapshot(f"baselines ready; training the {run.name}, t stops."), force=True)
    run.trainer.fit((run.x_train, run.y_train), p["epochs"] * run.per_epoch, ctx, batch_size=p["batch"],
                    deadline=deadline, chunk=run.per_epoch, on_chunk=lambda history: run.progress(ctx, history),
                    advice=ADVICE)
    return run.result(time.monotonic() - started, deadline)

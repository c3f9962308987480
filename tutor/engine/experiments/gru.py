"""Experiments of the GRU lesson (lesson 5), on real Keras networks trained live:

- ``adding-problem``: the adding problem of Hochreiter & Schmidhuber (1997, Experiment 4) in the simpler form
  later papers use (e.g. Le et al. 2015), for one cell: test MSE against the predict-the-mean baseline.
- ``long-memory-race``: the three cells trained side by side on the same adding problem, live.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from tutor.engine.experiment import CELL_NAMES, CELLS, SEED, Param, ParsedParams, Report, Result, RunContext, \
    cell_param, check_finite, figure, series
from tutor.engine.limits import Deadline, check_activation_memory, time_limit_param
from tutor.engine.registry import experiment
from tutor.engine.training import TrainHistory, recorded, train_steps
from tutor.engine.wording import adding_verdict
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    import numpy as np

    from tutor.engine import datasets, models
else:
    np, datasets, models = lazy("numpy"), lazy("tutor.engine.datasets"), lazy("tutor.engine.models")

CHUNK = 25  # training steps between two live updates (and one point of a smoothed loss curve)
TEST_EVERY = 100  # training steps between two test evaluations
ADVICE = "Lower the learning rate."


def _adding_params(seq_len: int, steps: int, time_limit: float) -> list[Param]:
    return [
        Param("seq_len", "int", seq_len, "sequence length T", 4, 1000),
        Param("units", "int", 32, "hidden units", 1, 256),
        Param("steps", "int", steps, "Adam steps of 64 sequences (for each cell)", 1, 50000),
        Param("learning_rate", "float", 0.01, "Adam's step size", 1e-5, 1.0),
        time_limit_param(time_limit),
        SEED,
    ]


class _AddingRun:
    """One cell learning the adding problem on data shared with its rivals: its trainer, its test MSE every
    :data:`TEST_EVERY` steps, and the seconds its own steps took."""

    def __init__(self, cell: str, p: ParsedParams, split: datasets.Split) -> None:
        models.seed_everything(p["seed"])
        model = models.build_model(cell, p["units"], input_dim=2, output_dim=1, seq_len=p["seq_len"])
        self.cell, self.name, self.split = cell, CELL_NAMES[cell], split
        self.kernel = models.kernel_in_use(model.layers[0])
        self.trainer = models.Trainer(model, learning_rate=p["learning_rate"], seed=p["seed"],
                                      clip_per_variable=True)
        self.losses = self.trainer.history.losses
        self.tests: list[tuple[int, float]] = []
        self.seconds = 0.0

    def test_now(self) -> None:
        """Record the test MSE when another :data:`TEST_EVERY` steps are done."""
        if len(self.losses) >= TEST_EVERY * (len(self.tests) + 1):
            self.tests.append((len(self.losses), self.test_mse()))

    def test_mse(self) -> float:
        return self.trainer.evaluate(self.split.x_test, self.split.y_test)

    def final_test(self) -> float:
        """The test MSE at the end, recorded unless the last scheduled test was at this very step."""
        test = self.test_mse()
        if not self.tests or self.tests[-1][0] != len(self.losses):
            self.tests.append((len(self.losses), test))
        return test


def _adding_split(p: ParsedParams) -> datasets.Split:
    return datasets.adding_split(10000, 1000, p["seq_len"], np.random.default_rng(p["seed"]))


def _check_adding_memory(p: dict[str, Any]) -> None:
    for cell in ([p["cell"]] if "cell" in p else CELLS):
        check_activation_memory(cell, 64, p["seq_len"], p["units"], batch_name="batch")


@experiment("adding-problem", "The adding problem (a variant of Hochreiter & Schmidhuber 1997, Exp. 4)",
            [cell_param("lstm"), *_adding_params(50, 1500, 90)], uses_tensorflow=True, check=_check_adding_memory)
def adding_problem(p: ParsedParams, ctx: RunContext) -> Result:
    split = _adding_split(p)
    baseline = split.baseline
    run = _AddingRun(p["cell"], p, split)
    deadline = Deadline(p["time_limit"])
    started = time.monotonic()

    def snapshot() -> Report:
        xs, ys = models.chunk_means(run.losses, CHUNK)
        lines = [series("training MSE", ys, xs),
                 series("test MSE", [m for _, m in run.tests], [s for s, _ in run.tests], style="scatter"),
                 series(split.baseline_name, [baseline, baseline], [0, p["steps"]])]
        return {"figure": figure(f"{run.name} on the adding problem, T={p['seq_len']}", lines, "training step",
                                 "MSE", "log"),
                "summary": f"step {len(run.losses)}/{p['steps']}, loss {run.losses[-1]:.4f}" if run.losses else ""}

    def progress(history: TrainHistory) -> None:
        run.test_now()
        ctx.report(snapshot)

    run.trainer.fit((split.x_train, split.y_train), p["steps"], ctx, batch_size=64, deadline=deadline,
                    chunk=CHUNK, on_chunk=progress, advice=ADVICE)
    test = run.final_test()
    seconds = time.monotonic() - started
    fraction = test / baseline
    result: Result = dict(snapshot())
    result.update(
        cell=p["cell"], seq_len=p["seq_len"], test_mse=test, baseline_mse=baseline, fraction_of_baseline=fraction,
        losses=run.losses, test_history=run.tests, steps=len(run.losses), seconds=seconds, kernel=run.kernel,
        stopped_by_time_limit=run.trainer.history.stopped_by_time_limit,
        summary=(f"{run.name}, T={p['seq_len']}: test MSE {test:.4f}, {fraction:.1%} of the {baseline:.4f} that "
                 f"predicting the mean gives — {adding_verdict(fraction)}. {len(run.losses)} steps in "
                 f"{seconds:.1f} s; {run.kernel}." + deadline.note()),
    )
    return result


@experiment("long-memory-race", "The long-memory race: vanilla RNN, LSTM and GRU on the adding problem",
            _adding_params(10, 1500, 240), uses_tensorflow=True, check=_check_adding_memory)
def long_memory_race(p: ParsedParams, ctx: RunContext) -> Result:
    split = _adding_split(p)
    baseline = split.baseline
    runs = [_AddingRun(cell, p, split) for cell in CELLS]
    # Each trainer draws its own batches from the same seed: the three see the same sequences at every step.
    batches = [run.trainer.batches(split.x_train, split.y_train, 64) for run in runs]
    deadline = Deadline(p["time_limit"])
    started = time.monotonic()
    race = TrainHistory()  # why the race stopped; each cell's losses are in its own trainer's history

    def snapshot(summary: str) -> Report:
        lines = []
        for run in runs:
            xs, ys = models.chunk_means(run.losses, CHUNK)
            lines.append(series(run.name, ys, xs))
        lines.append(series(split.baseline_name, [baseline, baseline], [0, p["steps"]]))
        return {"figure": figure(f"Training MSE on the adding problem, T={p['seq_len']}", lines, "training step",
                                 "MSE", "log"), "summary": summary}

    def step() -> float:
        """One step of each cell, on the same batch: the curves grow together."""
        losses = []
        for run, next_batch in zip(runs, batches):
            at = time.monotonic()
            loss, _ = run.trainer.step(*next_batch())
            run.seconds += time.monotonic() - at
            check_finite(loss, len(run.losses), ADVICE, f"the {run.name}")
            losses.append(loss)
        return sum(losses)

    def progress() -> None:
        for run in runs:
            run.test_now()
        ctx.report(lambda: snapshot(f"step {len(runs[0].losses)}/{p['steps']}: " +
                                    ", ".join(f"{r.name} {r.losses[-1]:.4f}" for r in runs)))

    recorded(race, lambda: train_steps(step, p["steps"], ctx, deadline=deadline, chunk=CHUNK, on_chunk=progress,
                                       advice=ADVICE))
    results: dict[str, dict[str, Any]] = {}
    for run in runs:
        test = run.test_mse()
        results[run.cell] = {"test_mse": test, "fraction_of_baseline": test / baseline, "seconds": run.seconds,
                             "losses": run.losses, "test_history": run.tests, "kernel": run.kernel}
    words = [f"{CELL_NAMES[c]} {r['fraction_of_baseline']:.1%} ({adding_verdict(r['fraction_of_baseline']).split(':')[0]})"
             for c, r in results.items()]
    result: Result = dict(snapshot(f"T={p['seq_len']}, {len(runs[0].losses)} steps each: test MSE as a share of "
                                   "the baseline — " + ", ".join(words) + "." + deadline.note()))
    result.update(cells=results, baseline_mse=baseline, seq_len=p["seq_len"], steps=len(runs[0].losses),
                  seconds=time.monotonic() - started, stopped_by_time_limit=race.stopped_by_time_limit)
    return result

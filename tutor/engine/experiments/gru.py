"""Experiments of the GRU lesson (lesson 5), on real Keras networks trained live:

- ``adding-problem``: the adding problem of Hochreiter & Schmidhuber (1997, Experiment 4) in the simpler form
  later papers use (e.g. Le et al. 2015), for one cell: test MSE against the predict-the-mean baseline.
- ``long-memory-race``: the three cells trained side by side on the same adding problem, live.
"""

from __future__ import annotations

import time
from typing import Any

from tutor.engine.experiment import CELL_NAMES, CELLS, SEED, Param, Report, RunContext, cell_param, figure, series
from tutor.engine.limits import check_activation_memory
from tutor.engine.registry import experiment

CHUNK = 25  # training steps between two live updates (and one point of a smoothed loss curve)
TEST_EVERY = 100  # training steps between two test evaluations


def _adding_params(seq_len: int, steps: int, time_limit: float) -> list[Param]:
    return [
        Param("seq_len", "int", seq_len, "sequence length T", 4, 1000),
        Param("units", "int", 32, "hidden units", 1, 256),
        Param("steps", "int", steps, "Adam steps of 64 sequences (for each cell)", 1, 50000),
        Param("learning_rate", "float", 0.01, "Adam's step size", 1e-5, 1.0),
        Param("time_limit", "float", float(time_limit), "stop training after this many seconds (0: no limit)",
              0, 3600),
        SEED,
    ]


class _AddingRun:
    """One cell learning the adding problem on data shared with its rivals."""

    def __init__(self, cell: str, p: dict[str, Any], split) -> None:
        from tutor.engine.models import Trainer, build_model, kernel_in_use, seed_everything

        seed_everything(p["seed"])
        model = build_model(cell, p["units"], input_dim=2, output_dim=1, seq_len=p["seq_len"])
        self.cell, self.name, self.split = cell, CELL_NAMES[cell], split
        self.kernel = kernel_in_use(model.layers[0])
        self.trainer = Trainer(model, learning_rate=p["learning_rate"], seed=p["seed"], clip_per_variable=True)
        self.losses = self.trainer.history.losses
        self.tests: list[tuple[int, float]] = []
        self.next_test_at = TEST_EVERY
        self.seconds = 0.0

    def train(self, steps: int, ctx: RunContext) -> None:
        started = time.monotonic()
        self.trainer.fit(self.split.x_train, self.split.y_train, steps, ctx, batch_size=64,
                         advice="Lower the learning rate.")
        if len(self.losses) >= self.next_test_at:
            self.tests.append((len(self.losses), self.test_mse()))
            self.next_test_at += TEST_EVERY
        self.seconds += time.monotonic() - started

    def test_mse(self) -> float:
        return self.trainer.evaluate(self.split.x_test, self.split.y_test)


def _adding_split(p: dict[str, Any]):
    import numpy as np

    from tutor.engine import datasets

    return datasets.adding_split(10000, 1000, p["seq_len"], np.random.default_rng(p["seed"]))


def _verdict(fraction: float) -> str:
    if fraction < 0.05:
        return "solved"
    if fraction < 0.5:
        return "partly learned"
    return "near the baseline: it did not learn to carry the values"


def _check_adding_memory(p: dict[str, Any]) -> None:
    for cell in ([p["cell"]] if "cell" in p else CELLS):
        check_activation_memory(cell, 64, p["seq_len"], p["units"], batch_name="batch")


@experiment("adding-problem", "The adding problem (a variant of Hochreiter & Schmidhuber 1997, Exp. 4)",
            [cell_param("lstm"), *_adding_params(50, 1500, 90)], uses_tensorflow=True, check=_check_adding_memory)
def adding_problem(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    from tutor.engine.models import chunk_means

    split = _adding_split(p)
    baseline = split.baseline
    run = _AddingRun(p["cell"], p, split)
    started = time.monotonic()

    def snapshot() -> Report:
        xs, ys = chunk_means(run.losses, CHUNK)
        lines = [series("training MSE", ys, xs),
                 series("test MSE", [m for _, m in run.tests], [s for s, _ in run.tests], style="scatter"),
                 series(split.baseline_name, [baseline, baseline], [0, p["steps"]])]
        return {"figure": figure(f"{run.name} on the adding problem, T={p['seq_len']}", lines, "training step",
                                 "MSE", "log"),
                "summary": f"step {len(run.losses)}/{p['steps']}, loss {run.losses[-1]:.4f}" if run.losses else ""}

    stopped_early = False
    while len(run.losses) < p["steps"]:
        if p["time_limit"] and time.monotonic() - started > p["time_limit"]:
            stopped_early = True
            break
        run.train(min(CHUNK, p["steps"] - len(run.losses)), ctx)
        ctx.report(snapshot)
    test = run.test_mse()
    if not run.tests or run.tests[-1][0] != len(run.losses):
        run.tests.append((len(run.losses), test))
    seconds = time.monotonic() - started
    fraction = test / baseline
    result: dict[str, Any] = dict(snapshot())
    result.update(
        cell=p["cell"], seq_len=p["seq_len"], test_mse=test, baseline_mse=baseline, fraction_of_baseline=fraction,
        losses=run.losses, test_history=run.tests, steps=len(run.losses), seconds=seconds, kernel=run.kernel,
        stopped_by_time_limit=stopped_early,
        summary=(f"{run.name}, T={p['seq_len']}: test MSE {test:.4f}, {fraction:.1%} of the {baseline:.4f} that "
                 f"predicting the mean gives — {_verdict(fraction)}. {len(run.losses)} steps in {seconds:.1f} s"
                 + (" (stopped by the time limit)" if stopped_early else "") + f"; {run.kernel}."),
    )
    return result


@experiment("long-memory-race", "The long-memory race: vanilla RNN, LSTM and GRU on the adding problem",
            _adding_params(10, 1500, 240), uses_tensorflow=True, check=_check_adding_memory)
def long_memory_race(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    from tutor.engine.models import chunk_means

    split = _adding_split(p)
    baseline = split.baseline
    runs = [_AddingRun(cell, p, split) for cell in CELLS]
    started = time.monotonic()

    def snapshot(summary: str) -> Report:
        lines = []
        for run in runs:
            xs, ys = chunk_means(run.losses, CHUNK)
            lines.append(series(run.name, ys, xs))
        lines.append(series(split.baseline_name, [baseline, baseline], [0, p["steps"]]))
        return {"figure": figure(f"Training MSE on the adding problem, T={p['seq_len']}", lines, "training step",
                                 "MSE", "log"), "summary": summary}

    stopped_early = False
    while len(runs[0].losses) < p["steps"]:
        if p["time_limit"] and time.monotonic() - started > p["time_limit"]:
            stopped_early = True
            break
        chunk = min(CHUNK, p["steps"] - len(runs[0].losses))
        for run in runs:  # the same number of steps for each, interleaved so the curves grow together
            run.train(chunk, ctx)
        ctx.report(lambda: snapshot(f"step {len(runs[0].losses)}/{p['steps']}: " +
                                    ", ".join(f"{r.name} {r.losses[-1]:.4f}" for r in runs)))
    results = {}
    for run in runs:
        test = run.test_mse()
        results[run.cell] = {"test_mse": test, "fraction_of_baseline": test / baseline, "seconds": run.seconds,
                             "losses": run.losses, "test_history": run.tests, "kernel": run.kernel}
    words = [f"{CELL_NAMES[c]} {r['fraction_of_baseline']:.1%} ({_verdict(r['fraction_of_baseline']).split(':')[0]})"
             for c, r in results.items()]
    result: dict[str, Any] = dict(snapshot(f"T={p['seq_len']}, {len(runs[0].losses)} steps each"
                                           + (" (stopped by the time limit)" if stopped_early else "")
                                           + ": test MSE as a share of the baseline — " + ", ".join(words) + "."))
    result.update(cells=results, baseline_mse=baseline, seq_len=p["seq_len"], steps=len(runs[0].losses),
                  seconds=time.monotonic() - started, stopped_by_time_limit=stopped_early)
    return result

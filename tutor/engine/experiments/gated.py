"""Experiments of the LSTM and GRU lessons, on real Keras networks trained live:

- ``lstm-gates``: an LSTM trained for a few seconds to remember a marked value; its gates, candidate and cell
  state over the learner's own input, computed by the NumPy LSTM from the Keras weights.
- ``gradient-compare``: ‖∂L/∂h_t‖ by BPTT for the vanilla RNN beside the LSTM (and GRU), before and after
  training on the adding problem.
- ``adding-problem``: Hochreiter & Schmidhuber (1997), Experiment 4, for one cell: test MSE against the
  predict-the-mean baseline.
- ``long-memory-race``: the three cells trained side by side on the same adding problem, live.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tutor.engine.experiment import Param, ParamError, RunContext, figure, series, signed_grid
from tutor.engine.registry import experiment

CELLS = ("simple_rnn", "lstm", "gru")
NAMES = {"simple_rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}
SEED = Param("seed", "int", 0, "random seed: the same seed gives the same run", 0, 2**31 - 1)
CHUNK = 25  # training steps between two live updates (and one point of a smoothed loss curve)


def _chunk_means(losses: list[float], size: int = CHUNK) -> tuple[list[float], list[float]]:
    """A loss curve averaged over blocks of ``size`` steps: (step at the block's end, mean loss)."""
    xs, ys = [], []
    for start in range(0, len(losses), size):
        block = losses[start: start + size]
        xs.append(start + len(block))
        ys.append(sum(block) / len(block))
    return xs, ys


# -- the LSTM's gates ------------------------------------------------------------------------------------
_trained: dict[tuple, dict[str, Any]] = {}  # (units, train_steps, seed) -> a trained LSTM's weights
_trained_lock = threading.Lock()
MARKED_TRAIN_LEN = 30  # long enough that holding a value needs a forget gate near 1


def _train_marked_lstm(units: int, train_steps: int, seed: int, ctx: RunContext) -> dict[str, Any]:
    """Train (or reuse) an LSTM on the marked-value task; keep its weights and how well it learned.

    It trains on sequences of 30 steps and then reads inputs of any length, so changing the learner's input
    needs no new training.
    """
    seq_len = MARKED_TRAIN_LEN
    key = (units, train_steps, seed)
    with _trained_lock:
        if key in _trained:
            return _trained[key]
    import numpy as np

    from tutor.engine import datasets, runtime
    from tutor.engine.models import StepTrainer, kernel_in_use, recurrent_layer, seed_everything

    keras = runtime.keras()
    seed_everything(seed)
    rng = np.random.default_rng(seed)
    x, y = datasets.marked_value(4096, seq_len, rng)
    x_test, y_test = datasets.marked_value(512, seq_len, rng)
    layer = recurrent_layer("lstm", units)
    model = keras.Sequential([keras.Input((None, 2)), layer, keras.layers.Dense(1)])
    trainer = StepTrainer(model, x, y, batch=64, learning_rate=1e-2, seed=seed)
    baseline = float(np.mean((y_test - y.mean()) ** 2))
    losses: list[float] = []
    while len(losses) < train_steps:
        losses += trainer.train(min(CHUNK, train_steps - len(losses)), ctx)
        xs, ys = _chunk_means(losses)
        ctx.report({"figure": figure("Training the LSTM to remember the marked value", [
            series("training MSE", ys, xs), series("predict the mean", [baseline, baseline], [0, train_steps])],
            "step", "MSE", "log"), "summary": f"training: step {len(losses)}/{train_steps}, loss {losses[-1]:.4f}"})
    entry = {
        "weights": [np.asarray(w, dtype=np.float64) for w in layer.get_weights()],
        "readout": [np.asarray(w, dtype=np.float64) for w in model.layers[-1].get_weights()],
        "test_mse": trainer.mse(x_test, y_test),
        "baseline_mse": baseline,
        "x_test": x_test.astype(np.float64),
        "y_test": y_test.astype(np.float64),
        "model": trainer,
        "kernel": kernel_in_use(layer),
    }
    with _trained_lock:
        if len(_trained) >= 4:
            _trained.pop(next(iter(_trained)))
        _trained[key] = entry
    return entry


@experiment(
    "lstm-gates",
    "Inside a trained LSTM: gates and cell state over time",
    [
        Param("values", "floats", [0.3, 0.1, 0.8, 0.5, 0.9, 0.2, 0.6, 0.4, 0.7, 0.1, 0.5, 0.3, 0.9, 0.2, 0.6, 0.4],
              "the input values x_t in [0, 1], one per step", 0.0, 1.0, max_items=30),
        Param("marked", "int", 2, "the step whose value the LSTM must remember", 0, 29),
        Param("units", "int", 4, "LSTM units", 1, 64),
        Param("train_steps", "int", 1500, "Adam steps of 64 sequences (30 steps long) before looking inside",
              10, 5000),
        SEED,
    ],
    uses_tensorflow=True,
)
def lstm_gates(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    from tutor.engine.scratch import LSTM

    values = np.asarray(p["values"], dtype=float)
    steps = len(values)
    if steps < 2:
        raise ParamError("values", "give at least two values: one to remember and one to wait through")
    if p["marked"] >= steps:
        raise ParamError("marked", f"the input has {steps} steps, numbered 0 to {steps - 1}")
    started = time.monotonic()
    trained = _train_marked_lstm(p["units"], p["train_steps"], p["seed"], ctx)
    ctx.check()
    cell = LSTM(*trained["weights"])
    w_out, b_out = trained["readout"]
    # The unit that carries the memory: its final cell state follows the marked value most closely.
    cell.forward(trained["x_test"])
    c_end = cell.internals["c"][:, -1, :]
    target = trained["y_test"][:, 0]
    corr = [abs(float(np.corrcoef(c_end[:, j], target)[0, 1])) if c_end[:, j].std() > 0 else 0.0
            for j in range(p["units"])]
    unit = int(np.argmax(corr))
    x = np.zeros((1, steps, 2))
    x[0, :, 0] = values
    x[0, p["marked"], 1] = 1.0
    hs = cell.forward(x)
    inn = {k: cell.internals[k][0, :, unit] for k in ("input_gate", "forget_gate", "output_gate", "candidate", "c")}
    numpy_answer = float(hs[0, -1] @ w_out[:, 0] + b_out[0])
    keras_answer = float(trained["model"].predict(x.astype(np.float32))[0, 0])
    after = inn["forget_gate"][p["marked"] + 1:]
    lines = [series("input x_t", values, style="scatter"),
             series("input gate i", inn["input_gate"]), series("forget gate f", inn["forget_gate"]),
             series("output gate o", inn["output_gate"]), series("candidate g", inn["candidate"]),
             series("cell state c", inn["c"])]
    marker_row = [1.0 if t == p["marked"] else 0.0 for t in range(steps)]
    text = [f"unit {unit} (the one whose final c follows the marked value best: |r| = {corr[unit]:.2f}):",
            *signed_grid([("x", values), ("mark", marker_row), ("i", inn["input_gate"]),
                          ("f", inn["forget_gate"]), ("g", inn["candidate"]), ("o", inn["output_gate"]),
                          ("c", inn["c"])]),
            "",
            "c_t = f·c_(t-1) + i·g: the forget gate f scales what is kept, i·g is what is written.",
            f"Keras's prediction {keras_answer:.4f}; the NumPy LSTM with the same weights {numpy_answer:.4f}.",
            f"Kernel: {trained['kernel']}."]
    m = p["marked"]
    others = np.delete(inn["input_gate"], m)
    if after.size:
        kept = float(np.prod(after))
        held = (f"after it the forget gate stayed at {after.mean():.2f} on average (lowest {after.min():.2f}), "
                f"so {kept:.0%} of the cell state written then survives the forget gates to the end")
    else:
        held = "the marked step was the last one, so nothing had to be held"
    learned = trained["test_mse"] / trained["baseline_mse"]
    return {
        "unit": unit,
        "unit_correlations": corr,
        "gates": {k: v.tolist() for k, v in inn.items()},
        "prediction": numpy_answer,
        "keras_prediction": keras_answer,
        "marked_value": float(values[p["marked"]]),
        "test_mse": trained["test_mse"],
        "baseline_mse": trained["baseline_mse"],
        "kernel": trained["kernel"],
        "figure": figure(f"Unit {unit}: gates and cell state (step {p['marked']} is marked)", lines,
                         "time step t", "activation"),
        "text": "\n".join(text),
        "summary": (f"The LSTM's test MSE is {learned:.1%} of predicting the mean. For your input it answered "
                    f"{numpy_answer:.2f} (the marked value was {values[m]:.2f}). Unit {unit}'s input gate was "
                    f"{inn['input_gate'][m]:.2f} at the marked step against {others.mean():.2f} elsewhere; {held} "
                    f"({time.monotonic() - started:.0f} s)."),
    }


# -- gradient flow, before and after training ---------------------------------------------------------------
@experiment(
    "gradient-compare",
    "Gradient flow of the vanilla RNN and the gated cells, before and after training",
    [
        Param("cells", "choice", "rnn+lstm", "which cells to compare (rnn: the vanilla RNN)",
              choices=("rnn+lstm", "rnn+gru", "all")),
        Param("seq_len", "int", 50, "sequence length T of the adding problem", 4, 300),
        Param("units", "int", 32, "hidden units", 1, 256),
        Param("train_steps", "int", 600, "Adam steps of 64 sequences between the two measurements", 0, 5000),
        SEED,
    ],
    uses_tensorflow=True,
)
def gradient_compare(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    from tutor.engine import datasets, runtime
    from tutor.engine.models import StepTrainer, hidden_state_gradients, recurrent_layer, seed_everything

    keras = runtime.keras()
    cells = CELLS if p["cells"] == "all" else ("simple_rnn", p["cells"].split("+")[1])
    seq_len = p["seq_len"]
    rng = np.random.default_rng(p["seed"])
    x, y = datasets.adding_problem(8192, seq_len, rng)
    x_probe, y_probe = datasets.adding_problem(64, seq_len, rng)
    x_test, y_test = datasets.adding_problem(512, seq_len, rng)
    baseline = float(np.mean((y_test - y.mean()) ** 2))
    lines: list[dict[str, Any]] = []
    measured: dict[str, dict[str, Any]] = {}

    def snapshot(summary: str) -> dict[str, Any]:
        return {"figure": figure(f"‖∂L/∂h_t‖ relative to the last step, T={seq_len}", lines, "time step t",
                                 "relative gradient norm", "log", note="measured"),
                "summary": summary}

    for cell in cells:
        name = NAMES[cell]
        seed_everything(p["seed"])
        layer, readout = recurrent_layer(cell, p["units"]), keras.layers.Dense(1)
        model = keras.Sequential([keras.Input((seq_len, 2)), layer, readout])
        before = hidden_state_gradients(layer, readout, x_probe, y_probe, ctx)
        lines.append(series(f"{name} untrained", before / before[-1]))
        ctx.report(snapshot(f"{name}: measured before training"), force=True)
        after, test = before, None
        if p["train_steps"]:
            trainer = StepTrainer(model, x, y, batch=64, learning_rate=1e-2, seed=p["seed"])
            while trainer.steps < p["train_steps"]:
                loss = trainer.train(min(CHUNK * 2, p["train_steps"] - trainer.steps), ctx)[-1]
                ctx.report(snapshot(f"{name}: training step {trainer.steps}/{p['train_steps']}, loss {loss:.4f}"))
            test = trainer.mse(x_test, y_test)
            after = hidden_state_gradients(layer, readout, x_probe, y_probe, ctx)
            lines.append(series(f"{name} trained", after / after[-1]))
            ctx.report(snapshot(f"{name}: measured after training"), force=True)
        measured[cell] = {"before": before.tolist(), "after": after.tolist(),
                          "ratio_before": float(before[0] / before[-1]), "ratio_after": float(after[0] / after[-1]),
                          "test_mse": test}
    words = []
    for cell, m in measured.items():
        part = f"{NAMES[cell]}: first/last {m['ratio_before']:.1e} untrained"
        if m["test_mse"] is not None:
            part += f", {m['ratio_after']:.1e} trained (test MSE {m['test_mse'] / baseline:.0%} of the baseline)"
        words.append(part)
    result = snapshot("; ".join(words) + ".")
    result.update(cells=measured, baseline_mse=baseline)
    return result


# -- the adding problem -----------------------------------------------------------------------------------
def _adding_params(seq_len: int, steps: int, time_limit: float) -> list[Param]:
    return [
        Param("seq_len", "int", seq_len, "sequence length T", 4, 1000),
        Param("units", "int", 32, "hidden units", 1, 256),
        Param("steps", "int", steps, "Adam steps of 64 sequences (for each cell)", 1, 50000),
        Param("learning_rate", "float", 0.01, "Adam's step size", 1e-5, 1.0),
        Param("time_limit", "float", time_limit, "stop training after this many seconds (0: no limit)", 0, 3600),
        SEED,
    ]


class _AddingRun:
    """One cell learning the adding problem on data shared with its rivals."""

    def __init__(self, cell: str, p: dict[str, Any], data: tuple) -> None:
        from tutor.engine import runtime
        from tutor.engine.models import StepTrainer, kernel_in_use, recurrent_layer, seed_everything

        keras = runtime.keras()
        seed_everything(p["seed"])
        x, y, self.x_test, self.y_test = data
        layer = recurrent_layer(cell, p["units"])
        model = keras.Sequential([keras.Input((p["seq_len"], 2)), layer, keras.layers.Dense(1)])
        self.cell, self.name = cell, NAMES[cell]
        self.kernel = kernel_in_use(layer)
        self.trainer = StepTrainer(model, x, y, batch=64, learning_rate=p["learning_rate"], seed=p["seed"])
        self.losses: list[float] = []
        self.tests: list[tuple[int, float]] = []
        self.seconds = 0.0

    def train(self, steps: int, ctx: RunContext) -> None:
        started = time.monotonic()
        self.losses += self.trainer.train(steps, ctx, advice="Lower the learning rate.")
        if len(self.losses) % 100 < steps:  # a test point every 100 steps
            self.tests.append((len(self.losses), self.test_mse()))
        self.seconds += time.monotonic() - started

    def test_mse(self) -> float:
        return self.trainer.mse(self.x_test, self.y_test)


def _adding_data(p: dict[str, Any]) -> tuple:
    import numpy as np

    from tutor.engine import datasets

    rng = np.random.default_rng(p["seed"])
    x, y = datasets.adding_problem(10000, p["seq_len"], rng)
    x_test, y_test = datasets.adding_problem(1000, p["seq_len"], rng)
    baseline = float(np.mean((y_test - y.mean()) ** 2))
    return (x, y, x_test, y_test), baseline


def _verdict(fraction: float) -> str:
    if fraction < 0.05:
        return "solved"
    if fraction < 0.5:
        return "partly learned"
    return "near the baseline: it did not learn to carry the values"


@experiment("adding-problem", "The adding problem (Hochreiter & Schmidhuber 1997, Exp. 4)",
            [Param("cell", "choice", "lstm", "recurrent cell", choices=CELLS), *_adding_params(50, 1500, 30)],
            uses_tensorflow=True)
def adding_problem(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    data, baseline = _adding_data(p)
    run = _AddingRun(p["cell"], p, data)
    started = time.monotonic()

    def snapshot() -> dict[str, Any]:
        xs, ys = _chunk_means(run.losses)
        lines = [series("training MSE", ys, xs),
                 series("test MSE", [m for _, m in run.tests], [s for s, _ in run.tests], style="scatter"),
                 series("predict the mean", [baseline, baseline], [0, p["steps"]])]
        return {"figure": figure(f"{run.name} on the adding problem, T={p['seq_len']}", lines, "training step",
                                 "MSE", "log"),
                "summary": f"step {len(run.losses)}/{p['steps']}, loss {run.losses[-1]:.4f}" if run.losses else ""}

    stopped_early = False
    while len(run.losses) < p["steps"]:
        if p["time_limit"] and time.monotonic() - started > p["time_limit"]:
            stopped_early = True
            break
        run.train(min(CHUNK, p["steps"] - len(run.losses)), ctx)
        ctx.report(snapshot())
    test = run.test_mse()
    if not run.tests or run.tests[-1][0] != len(run.losses):
        run.tests.append((len(run.losses), test))
    seconds = time.monotonic() - started
    fraction = test / baseline
    result = snapshot()
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
            _adding_params(10, 1500, 90), uses_tensorflow=True)
def long_memory_race(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    data, baseline = _adding_data(p)
    runs = [_AddingRun(cell, p, data) for cell in CELLS]
    started = time.monotonic()

    def snapshot(summary: str) -> dict[str, Any]:
        lines = []
        for run in runs:
            xs, ys = _chunk_means(run.losses)
            lines.append(series(run.name, ys, xs))
        lines.append(series("predict the mean", [baseline, baseline], [0, p["steps"]]))
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
        ctx.report(snapshot(f"step {len(runs[0].losses)}/{p['steps']}: " +
                            ", ".join(f"{r.name} {r.losses[-1]:.4f}" for r in runs)))
    results = {}
    for run in runs:
        test = run.test_mse()
        results[run.cell] = {"test_mse": test, "fraction_of_baseline": test / baseline, "seconds": run.seconds,
                             "losses": run.losses, "test_history": run.tests, "kernel": run.kernel}
    words = [f"{NAMES[c]} {r['fraction_of_baseline']:.1%} ({_verdict(r['fraction_of_baseline']).split(':')[0]})"
             for c, r in results.items()]
    result = snapshot(f"T={p['seq_len']}, {len(runs[0].losses)} steps each"
                      + (" (stopped by the time limit)" if stopped_early else "")
                      + ": test MSE as a share of the baseline — " + ", ".join(words) + ".")
    result.update(cells=results, baseline_mse=baseline, seq_len=p["seq_len"], steps=len(runs[0].losses),
                  seconds=time.monotonic() - started, stopped_by_time_limit=stopped_early)
    return result

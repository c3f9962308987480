"""Experiments of the LSTM lesson (lesson 4), on real Keras networks trained live:

- ``lstm-gates``: an LSTM trained live to remember a marked value; its gates, candidate and cell
  state over the learner's own input, computed by the NumPy LSTM from the Keras weights.
- ``gradient-compare``: ‖∂L/∂h_t‖ by BPTT for the vanilla RNN beside the LSTM (and GRU), before and after
  training on the adding problem.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tutor.engine.experiment import CELL_NAMES, CELLS, SEED, Param, ParamError, Report, RunContext, figure, series, \
    signed_grid
from tutor.engine.limits import Deadline, time_limit_param
from tutor.engine.registry import experiment
from tutor.engine.wording import length_note

CHUNK = 25  # training steps between two live updates (and one point of a smoothed loss curve)

# -- the LSTM's gates ------------------------------------------------------------------------------------
_trained: dict[tuple, dict[str, Any]] = {}  # (units, train_steps, seed) -> a trained LSTM's weights
_trained_lock = threading.Lock()
MARKED_TRAIN_LEN = 30  # long enough that holding a value needs a forget gate near 1


def _train_marked_lstm(units: int, train_steps: int, seed: int, ctx: RunContext,
                       deadline: Deadline | None = None) -> dict[str, Any]:
    """Train (or reuse) an LSTM on the marked-value task; keep its weights and how well it learned.

    It trains on sequences of 30 steps, so changing the learner's values needs no new training; it reads
    inputs of any length, but its answer is calibrated for 30 steps (the summary says so for other lengths).
    A run stopped by its time limit is not kept: its weights are unfinished.
    """
    key = (units, train_steps, seed)
    with _trained_lock:
        if key in _trained:
            return _trained[key]
    import numpy as np

    from tutor.engine import datasets
    from tutor.engine.models import TrainHistory, Trainer, build_model, chunk_means, kernel_in_use, \
        seed_everything

    seed_everything(seed)
    split = datasets.marked_value_split(4096, 512, MARKED_TRAIN_LEN, np.random.default_rng(seed))
    model = build_model("lstm", units, input_dim=2, output_dim=1)  # any length: the learner's input varies
    layer = model.layers[0]
    trainer = Trainer(model, learning_rate=1e-2, seed=seed, clip_per_variable=True)

    def progress(h: TrainHistory) -> None:
        def snapshot() -> Report:
            xs, ys = chunk_means(h.losses, CHUNK)
            return {"figure": figure("Training the LSTM to remember the marked value", [
                series("training MSE", ys, xs),
                series(split.baseline_name, [split.baseline, split.baseline], [0, train_steps])],
                "step", "MSE", "log"), "summary": f"training: step {h.steps}/{train_steps}, loss {h.losses[-1]:.4f}"}
        ctx.report(snapshot)

    deadline = deadline or Deadline(0)
    while trainer.history.steps < train_steps and not deadline.passed():
        trainer.fit(split.x_train, split.y_train, min(CHUNK, train_steps - trainer.history.steps), ctx,
                    batch_size=64, chunk=CHUNK, on_chunk=progress)
    entry = {
        "weights": [np.asarray(w, dtype=np.float64) for w in layer.get_weights()],
        "readout": [np.asarray(w, dtype=np.float64) for w in model.layers[-1].get_weights()],
        "test_mse": trainer.evaluate(split.x_test, split.y_test),
        "baseline_mse": split.baseline,
        "x_test": split.x_test.astype(np.float64),
        "y_test": split.y_test.astype(np.float64),
        "trainer": trainer,
        "kernel": kernel_in_use(layer),
        "steps": trainer.history.steps,
    }
    if deadline.reached:
        return entry
    with _trained_lock:
        if len(_trained) >= 4:
            _trained.pop(next(iter(_trained)))
        _trained[key] = entry
    return entry


def _check_gates(p: dict[str, Any]) -> None:
    steps = len(p["values"])
    if steps < 2:
        raise ParamError("values", "give at least two values: one to remember and one to wait through")
    if p["marked"] >= steps:
        raise ParamError("marked", f"the input has {steps} steps, numbered 0 to {steps - 1}")


GATES_VALUES = [0.3, 0.1, 0.8, 0.5, 0.9, 0.2, 0.6, 0.4, 0.7, 0.1, 0.5, 0.3, 0.9, 0.2, 0.6,
                0.4, 0.8, 0.3, 0.7, 0.5, 0.1, 0.9, 0.4, 0.6, 0.2, 0.8, 0.5, 0.3, 0.7, 0.4]


@experiment(
    "lstm-gates",
    "Inside a trained LSTM: gates and cell state over time",
    [
        # As many values as the training sequences have (MARKED_TRAIN_LEN): the read-out is calibrated for
        # that length, and on 16 steps its answer missed the mark by 0.07–0.12.
        Param("values", "floats", GATES_VALUES, "the input values x_t in [0, 1], one per step (trained on 30)",
              0.0, 1.0, max_items=MARKED_TRAIN_LEN),
        Param("marked", "int", 2, "the step whose value the LSTM must remember", 0, 29),
        Param("units", "int", 4, "LSTM units", 1, 64),
        Param("train_steps", "int", 1500, "Adam steps of 64 sequences (30 steps long) before looking inside",
              10, 5000),
        time_limit_param(180),
        SEED,
    ],
    uses_tensorflow=True,
    check=_check_gates,
)
def lstm_gates(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    from tutor.engine.scratch import LSTM

    values = np.asarray(p["values"], dtype=float)
    steps = len(values)
    started = time.monotonic()
    deadline = Deadline(p["time_limit"])
    trained = _train_marked_lstm(p["units"], p["train_steps"], p["seed"], ctx, deadline)
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
    keras_answer = float(trained["trainer"].predict(x.astype(np.float32))[0, 0])
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
        "trained_length": MARKED_TRAIN_LEN,
        "stopped_by_time_limit": deadline.reached,
        "figure": figure(f"Unit {unit}: gates and cell state (step {p['marked']} is marked)", lines,
                         "time step t", "activation"),
        "text": "\n".join(text),
        "summary": (f"The LSTM's test MSE is {learned:.1%} of predicting the mean. For your input it answered "
                    f"{numpy_answer:.2f} (the marked value was {values[m]:.2f}). Unit {unit}'s input gate was "
                    f"{inn['input_gate'][m]:.2f} at the marked step against {others.mean():.2f} elsewhere; {held} "
                    f"({time.monotonic() - started:.0f} s)." + length_note(MARKED_TRAIN_LEN, steps)
                    + deadline.note()),
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
        time_limit_param(300),
        SEED,
    ],
    uses_tensorflow=True,
)
def gradient_compare(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    from tutor.engine import datasets
    from tutor.engine.models import TrainHistory, Trainer, build_model, hidden_state_gradients, seed_everything

    cells = CELLS if p["cells"] == "all" else ("simple_rnn", p["cells"].split("+")[1])
    seq_len = p["seq_len"]
    deadline = Deadline(p["time_limit"])
    rng = np.random.default_rng(p["seed"])
    # Drawn in this order (training, probe, test) so a seed gives the run it always gave.
    x, y = datasets.adding_problem(8192, seq_len, rng)
    x_probe, y_probe = datasets.adding_problem(64, seq_len, rng)
    x_test, y_test = datasets.adding_problem(512, seq_len, rng)
    baseline = datasets.mean_baseline(y, y_test)
    lines: list = []
    measured: dict[str, dict[str, Any]] = {}

    def snapshot(summary: str) -> Report:
        return {"figure": figure(f"‖∂L/∂h_t‖ relative to the last step, T={seq_len}", lines, "time step t",
                                 "relative gradient norm", "log"),
                "summary": summary}

    for cell in cells:
        name = CELL_NAMES[cell]
        seed_everything(p["seed"])
        model = build_model(cell, p["units"], input_dim=2, output_dim=1, seq_len=seq_len)
        layer, readout = model.layers[0], model.layers[-1]
        before = hidden_state_gradients(layer, readout, x_probe, y_probe, ctx)
        lines.append(series(f"{name} untrained", before / before[-1]))
        ctx.report(snapshot(f"{name}: measured before training"), force=True)
        after, test = before, None
        if p["train_steps"]:
            trainer = Trainer(model, learning_rate=1e-2, seed=p["seed"], clip_per_variable=True)

            def progress(h: TrainHistory, name: str = name) -> None:
                ctx.report(lambda: snapshot(f"{name}: training step {h.steps}/{p['train_steps']}, "
                                            f"loss {h.losses[-1]:.4f}"))

            while trainer.history.steps < p["train_steps"] and not deadline.passed():
                trainer.fit(x, y, min(2 * CHUNK, p["train_steps"] - trainer.history.steps), ctx, batch_size=64,
                            chunk=2 * CHUNK, on_chunk=progress)
            test = trainer.evaluate(x_test, y_test)
            after = hidden_state_gradients(layer, readout, x_probe, y_probe, ctx)
            lines.append(series(f"{name} trained", after / after[-1]))
            ctx.report(snapshot(f"{name}: measured after training"), force=True)
        measured[cell] = {"before": before.tolist(), "after": after.tolist(),
                          "ratio_before": float(before[0] / before[-1]), "ratio_after": float(after[0] / after[-1]),
                          "test_mse": test}
    words = []
    for cell, m in measured.items():
        part = f"{CELL_NAMES[cell]}: first/last {m['ratio_before']:.1e} untrained"
        if m["test_mse"] is not None:
            part += f", {m['ratio_after']:.1e} trained (test MSE {m['test_mse'] / baseline:.0%} of the baseline)"
        words.append(part)
    result: dict[str, Any] = dict(snapshot("; ".join(words) + "." + deadline.note()))
    result.update(cells=measured, baseline_mse=baseline, stopped_by_time_limit=deadline.reached)
    return result

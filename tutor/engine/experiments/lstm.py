"""Experiments of the LSTM lesson (lesson 4), on real Keras networks trained live:

- ``lstm-gates``: an LSTM trained live to remember a marked value; its gates, candidate and cell
  state over the learner's own input, computed by the NumPy LSTM from the Keras weights.
- ``gradient-compare``: ‖∂L/∂h_t‖ by BPTT for the vanilla RNN beside the LSTM (and GRU), before and after
  training on the adding problem.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tutor.engine.experiment import CELL_NAMES, CELLS, SEED, Param, ParamError, ParsedParams, Report, Result, \
    RunContext, Series, figure, series, signed_grid
from tutor.engine.limits import Deadline, time_limit_param
from tutor.engine.registry import experiment
from tutor.engine.training import KeptNetworks, TrainHistory
from tutor.engine.wording import length_note
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    import numpy as np

    from tutor.engine import datasets, models, scratch
else:
    np, datasets, models, scratch = (lazy("numpy"), lazy("tutor.engine.datasets"), lazy("tutor.engine.models"),
                                     lazy("tutor.engine.scratch"))

CHUNK = 25  # training steps between two live updates (and one point of a smoothed loss curve)

# -- the LSTM's gates ------------------------------------------------------------------------------------
MARKED_TRAIN_LEN = 30  # long enough that holding a value needs a forget gate near 1
KEPT_LSTMS = 4  # trained LSTMs kept while the tutor runs, one per (units, train_steps, seed)


@dataclass
class _MarkedLSTM:
    """An LSTM learning the marked-value task on sequences of 30 steps. It reads inputs of any length, so
    changing the learner's values needs no new training, but its answer is calibrated for 30 steps (the
    summary says so for other lengths)."""

    split: datasets.Split
    model: Any
    trainer: models.Trainer

    @classmethod
    def build(cls, units: int, seed: int) -> _MarkedLSTM:
        models.seed_everything(seed)
        split = datasets.marked_value_split(4096, 512, MARKED_TRAIN_LEN, np.random.default_rng(seed))
        model = models.build_model("lstm", units, input_dim=2, output_dim=1)  # any length: the input varies
        return cls(split, model, models.Trainer(model, learning_rate=1e-2, seed=seed, clip_per_variable=True))


# Kept between runs; a run stopped by its time limit keeps its network too, and the next run continues it.
_marked_lstms: KeptNetworks[_MarkedLSTM] = KeptNetworks(KEPT_LSTMS)


def _trained_marked_lstm(p: ParsedParams, ctx: RunContext, deadline: Deadline) -> _MarkedLSTM:
    """The kept LSTM of these parameters, trained (on) to ``train_steps``."""
    key, steps = (p["units"], p["train_steps"], p["seed"]), p["train_steps"]
    kept = _marked_lstms.get_or_build(key, lambda: _MarkedLSTM.build(p["units"], p["seed"]))
    with _marked_lstms.training(key, kept) as net:
        split = net.split

        def progress(h: TrainHistory) -> None:
            def snapshot() -> Report:
                xs, ys = models.chunk_means(h.losses, CHUNK)
                return {"figure": figure("Training the LSTM to remember the marked value", [
                    series("training MSE", ys, xs),
                    series(split.baseline_name, [split.baseline, split.baseline], [0, steps])],
                    "step", "MSE", "log"), "summary": f"training: step {h.steps}/{steps}, loss {h.losses[-1]:.4f}"}
            ctx.report(snapshot)

        net.trainer.fit((split.x_train, split.y_train), steps - net.trainer.history.steps, ctx, batch_size=64,
                        deadline=deadline, chunk=CHUNK, on_chunk=progress)
        return net


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
def lstm_gates(p: ParsedParams, ctx: RunContext) -> Result:
    values = np.asarray(p["values"], dtype=float)
    steps = len(values)
    started = time.monotonic()
    deadline = Deadline(p["time_limit"])
    net = _trained_marked_lstm(p, ctx, deadline)
    ctx.check()
    layer, readout = net.model.layers[0], net.model.layers[-1]
    cell = scratch.LSTM(*(np.asarray(w, dtype=np.float64) for w in layer.get_weights()))
    w_out, b_out = (np.asarray(w, dtype=np.float64) for w in readout.get_weights())
    kernel = models.kernel_in_use(layer)
    test_mse = net.trainer.evaluate(net.split.x_test, net.split.y_test)
    # The unit that carries the memory: its final cell state follows the marked value most closely.
    cell.forward(net.split.x_test.astype(np.float64))
    c_end = cell.internals["c"][:, -1, :]
    target = net.split.y_test[:, 0].astype(np.float64)
    corr = [abs(float(np.corrcoef(c_end[:, j], target)[0, 1])) if c_end[:, j].std() > 0 else 0.0
            for j in range(p["units"])]
    unit = int(np.argmax(corr))
    x = np.zeros((1, steps, 2))
    x[0, :, 0] = values
    x[0, p["marked"], 1] = 1.0
    hs = cell.forward(x)
    gates = {k: cell.internals[k][0, :, unit] for k in ("input_gate", "forget_gate", "output_gate", "candidate", "c")}
    numpy_answer = float(hs[0, -1] @ w_out[:, 0] + b_out[0])
    keras_answer = float(net.trainer.predict(x.astype(np.float32))[0, 0])
    after = gates["forget_gate"][p["marked"] + 1:]
    lines = [series("input x_t", values, style="scatter"),
             series("input gate i", gates["input_gate"]), series("forget gate f", gates["forget_gate"]),
             series("output gate o", gates["output_gate"]), series("candidate g", gates["candidate"]),
             series("cell state c", gates["c"])]
    marker_row = [1.0 if t == p["marked"] else 0.0 for t in range(steps)]
    text = [f"unit {unit} (the one whose final c follows the marked value best: |r| = {corr[unit]:.2f}):",
            *signed_grid([("x", list(values)), ("mark", marker_row), ("i", list(gates["input_gate"])),
                          ("f", list(gates["forget_gate"])), ("g", list(gates["candidate"])),
                          ("o", list(gates["output_gate"])), ("c", list(gates["c"]))]),
            "",
            "c_t = f·c_(t-1) + i·g: the forget gate f scales what is kept, i·g is what is written.",
            f"Keras's prediction {keras_answer:.4f}; the NumPy LSTM with the same weights {numpy_answer:.4f}.",
            f"Kernel: {kernel}."]
    m = p["marked"]
    others = np.delete(gates["input_gate"], m)
    if after.size:
        kept = float(np.prod(after))
        held = (f"after it the forget gate stayed at {after.mean():.2f} on average (lowest {after.min():.2f}), "
                f"so {kept:.0%} of the cell state written then survives the forget gates to the end; c went from "
                f"{gates['c'][m]:+.2f} at the marked step to {gates['c'][-1]:+.2f} at the end, of which the forget "
                f"gates kept {kept * gates['c'][m]:+.2f}")
    else:
        held = "the marked step was the last one, so nothing had to be held"
    learned = test_mse / net.split.baseline
    return {
        "unit": unit,
        "unit_correlations": corr,
        "gates": {k: v.tolist() for k, v in gates.items()},
        "prediction": numpy_answer,
        "keras_prediction": keras_answer,
        "marked_value": float(values[p["marked"]]),
        "test_mse": test_mse,
        "baseline_mse": net.split.baseline,
        "kernel": kernel,
        "trained_length": MARKED_TRAIN_LEN,
        "stopped_by_time_limit": deadline.reached,
        "figure": figure(f"Unit {unit}: gates and cell state (step {p['marked']} is marked)", lines,
                         "time step t", "activation"),
        "text": "\n".join(text),
        "summary": (f"The LSTM's test MSE is {learned:.1%} of predicting the mean. For your input it answered "
                    f"{numpy_answer:.2f} (the marked value was {values[m]:.2f}). Unit {unit}'s input gate was "
                    f"{gates['input_gate'][m]:.2f} at the marked step against {others.mean():.2f} elsewhere; {held} "
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
def gradient_compare(p: ParsedParams, ctx: RunContext) -> Result:
    cells = CELLS if p["cells"] == "all" else ("simple_rnn", p["cells"].split("+")[1])
    seq_len = p["seq_len"]
    deadline = Deadline(p["time_limit"])
    rng = np.random.default_rng(p["seed"])
    # Drawn in this order (training, probe, test) so a seed gives the run it always gave.
    x, y = datasets.adding_problem(8192, seq_len, rng)
    x_probe, y_probe = datasets.adding_problem(64, seq_len, rng)
    x_test, y_test = datasets.adding_problem(512, seq_len, rng)
    baseline = datasets.mean_baseline(y, y_test)
    lines: list[Series] = []
    measured: dict[str, dict[str, Any]] = {}

    def snapshot(summary: str) -> Report:
        return {"figure": figure(f"‖∂L/∂h_t‖ relative to the last step, T={seq_len}", lines, "time step t",
                                 "relative gradient norm", "log"),
                "summary": summary}

    for cell in cells:
        name = CELL_NAMES[cell]
        models.seed_everything(p["seed"])
        model = models.build_model(cell, p["units"], input_dim=2, output_dim=1, seq_len=seq_len)
        layer, readout = model.layers[0], model.layers[-1]
        before = models.hidden_state_gradients(layer, readout, x_probe, y_probe, ctx)
        lines.append(series(f"{name} untrained", before / before[-1]))
        ctx.report(snapshot(f"{name}: measured before training"), force=True)
        after, test = before, None
        if p["train_steps"]:
            trainer = models.Trainer(model, learning_rate=1e-2, seed=p["seed"], clip_per_variable=True)

            def progress(h: TrainHistory, name: str = name) -> None:
                ctx.report(lambda: snapshot(f"{name}: training step {h.steps}/{p['train_steps']}, "
                                            f"loss {h.losses[-1]:.4f}"))

            trainer.fit((x, y), p["train_steps"], ctx, batch_size=64, deadline=deadline, chunk=2 * CHUNK,
                        on_chunk=progress)
            test = trainer.evaluate(x_test, y_test)
            after = models.hidden_state_gradients(layer, readout, x_probe, y_probe, ctx)
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
    result: Result = dict(snapshot("; ".join(words) + "." + deadline.note()))
    result.update(cells=measured, baseline_mse=baseline, stopped_by_time_limit=deadline.reached)
    return result

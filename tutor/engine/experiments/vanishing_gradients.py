"""Experiments of the vanishing-gradients lesson (lesson 3).

- ``scalar-decay``: the textbook scalar model (scale × tanh′)^k — a first intuition, computed, labelled as such.
- ``gradient-flow``: the measured ‖∂L/∂h_t‖ for every step of a real Keras network, by BPTT.
- ``exploding-gradients``: training with a large recurrent scale, with and without clipping by norm.
- ``memory-task``: a recurrent cell trained to recall its first input at several distances.
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from tutor.engine.experiment import CELL_NAMES, SEED, Diverged, Param, ParsedParams, Report, Result, RunContext, \
    cell_param, figure, series
from tutor.engine.limits import Deadline, check_activation_memory, time_limit_param
from tutor.engine.registry import experiment
from tutor.engine.training import TrainHistory
from tutor.engine.wording import memory_verdict, recurrent_blocks_sentence
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    import numpy as np

    from tutor.engine import datasets, models, scratch
else:
    np, datasets, models, scratch = (lazy("numpy"), lazy("tutor.engine.datasets"), lazy("tutor.engine.models"),
                                     lazy("tutor.engine.scratch"))

# With the defaults below, the vanilla RNN's recall ends inside this range (measured at seed 0: held to d=60,
# chance at d=80), so the chart shows a limit, and other cells' runs overlay on the same distances.
MEMORY_DISTANCES = [20.0, 40.0, 60.0, 80.0]


@experiment(
    "scalar-decay",
    "The scalar model of gradient decay",
    [
        Param("scales", "floats", [0.5, 1.0, 1.5, 2.0, 2.5], "recurrent weight scales to compare", 0.0, 10.0),
        Param("tanh_slope", "float", 0.5, "assumed tanh′(a) at every step (tutorials often take 0.5)", 0.01, 1.0),
        Param("steps", "int", 50, "how many steps back", 1, 500),
    ],
)
def scalar_decay(p: ParsedParams, ctx: RunContext) -> Result:
    k = np.arange(p["steps"] + 1)
    lines = []
    factors = {}
    for scale in p["scales"]:
        ctx.check()
        factor = scale * p["tanh_slope"]
        factors[f"{scale:g}"] = (factor ** k).tolist()
        lines.append(series(f"w={scale:g}: ({factor:g})^k", factor ** k, k))
    balance = 1.0 / p["tanh_slope"]
    return {
        "factors": factors,
        "break_even_scale": balance,
        "figure": figure("Simplified model: (w · tanh′)^k — not a measurement", lines, "steps back k",
                         "gradient factor", "log"),
        "summary": (f"In this model the factor per step is w × {p['tanh_slope']:g}; it stays at 1 only for "
                    f"w = {balance:g}. Below, it vanishes geometrically; above, it explodes. Real networks "
                    "multiply Jacobians, not scalars — the next lab measures them."),
    }


@experiment(
    "gradient-flow",
    "Measured gradient flow through time",
    [
        cell_param(),
        Param("seq_len", "int", 50, "sequence length T", 2, 1000),
        Param("units", "int", 32, "hidden units", 1, 256),
        Param("recurrent_scale", "float", 1.0, "gain of Keras's orthogonal recurrent initialiser "
              "(vanilla RNN: every singular value of W_hh)", 0.01, 10.0),
        Param("batch", "int", 16, "sequences in the batch", 1, 256),
        Param("train_steps", "int", 0, "Adam steps on the adding problem before measuring (0: untrained)",
              0, 5000),
        time_limit_param(120),
        SEED,
    ],
    uses_tensorflow=True,
    check=lambda p: check_activation_memory(p["cell"], p["batch"], p["seq_len"], p["units"]),
)
def gradient_flow(p: ParsedParams, ctx: RunContext) -> Result:
    deadline = Deadline(p["time_limit"])
    models.seed_everything(p["seed"])
    rng = np.random.default_rng(p["seed"])
    seq_len, name = p["seq_len"], CELL_NAMES[p["cell"]]
    model = models.build_model(p["cell"], p["units"], input_dim=2, output_dim=1, seq_len=seq_len,
                        recurrent_scale=p["recurrent_scale"])
    layer, readout = model.layers[0], model.layers[-1]
    losses: list[float] = []
    if p["train_steps"] > 0:
        x_train, y_train = datasets.adding_problem(max(256, p["batch"]), seq_len, rng)
        trainer = models.Trainer(model, learning_rate=1e-2, clip_norm=0, seed=p["seed"])

        def progress(history: TrainHistory) -> None:
            ctx.report(lambda: {
                "summary": f"training {name}: step {history.steps}/{p['train_steps']}, loss {history.losses[-1]:.4f}",
                "figure": figure(f"Training the {name} first", [series("loss", history.losses)], "step", "MSE",
                                 "log")})

        trainer.fit((x_train, y_train), p["train_steps"], ctx, batch_size=32, deadline=deadline, on_chunk=progress,
                    advice="Lower the recurrent scale.")
        losses = trainer.history.losses
    ctx.report({"summary": f"measuring ‖∂L/∂h_t‖ over {seq_len} steps…"}, force=True)
    x, y = datasets.adding_problem(p["batch"], seq_len, rng)
    norms = models.hidden_state_gradients(layer, readout, x, y, ctx)
    # The matrices that act on h_(t-1): W_hh itself, or each gate's U×U block of the LSTM/GRU kernel.
    blocks = scratch.recurrent_block_spectra(p["cell"], np.asarray(layer.cell.recurrent_kernel.numpy(), dtype=float))
    trained = f", after {len(losses)} training steps" if losses else ", untrained"
    label = f"{name} w={p['recurrent_scale']:g}{'' if p['train_steps'] == 0 else ' trained'}"
    first, last = float(norms[0]), float(norms[-1])
    overflow = not np.all(np.isfinite(norms))
    ratio = first / last if last > 0 and not overflow else float("inf")
    if overflow:
        steps_ok = int(np.argmax(~np.isfinite(norms[::-1])))
        verdict = (f"the gradient exploded past what float32 can hold {steps_ok} steps back "
                   "(the chart stops where it overflowed)")
    elif ratio < 1e-3:
        verdict = "the gradient vanishes on the way back"
    elif ratio > 1e3:
        verdict = "the gradient explodes on the way back"
    else:
        verdict = ("the gradient shrinks on the way back, by less than three orders of magnitude" if ratio < 1
                   else "the gradient grows on the way back, by less than three orders of magnitude")
    return {
        "cell": p["cell"],
        "grad_norms": norms.tolist(),
        "ratio_first_to_last": ratio,
        "overflowed": bool(overflow),
        "recurrent_blocks": blocks,
        "stopped_by_time_limit": deadline.reached,
        "train_losses": losses,
        "figure": figure(f"‖∂L/∂h_t‖ by BPTT, {name}{trained}", [series(label, norms)], "time step t",
                         "‖∂L/∂h_t‖", "log"),
        "summary": (f"{name}, T={seq_len}{trained}: " +
                    (f"‖∂L/∂h_0‖ / ‖∂L/∂h_(T−1)‖ = {ratio:.2e} — " if not overflow else "") + f"{verdict}. "
                    f"{recurrent_blocks_sentence(p['cell'], blocks)}." + deadline.note()),
    }


def _norms_before(norms: list[float]) -> str:
    """The gradient norms a diverged run saw before its loss overflowed, in one sentence."""
    finite = [(n, step) for step, n in enumerate(norms, start=1) if math.isfinite(n)]
    if not finite:
        return ""
    largest, at = max(finite)
    return (f" The gradient norm was {finite[0][0]:.3g} at step 1; the largest before the loss overflowed was "
            f"{largest:.3g}, at step {at}.")


@experiment(
    "exploding-gradients",
    "Exploding gradients and clipping by norm",
    [
        Param("recurrent_scale", "float", 2.0, "scale of the orthogonal recurrent weights", 0.01, 10.0),
        Param("clip_norm", "float", 0.0, "clip the global gradient norm to this (0: no clipping)", 0.0, 1000.0),
        Param("learning_rate", "float", 0.1, "SGD learning rate", 1e-5, 10.0),
        Param("steps", "int", 200, "training steps", 1, 5000),
        Param("seq_len", "int", 30, "sequence length", 2, 500),
        Param("units", "int", 32, "hidden units", 1, 256),
        time_limit_param(120),
        SEED,
    ],
    uses_tensorflow=True,
)
def exploding_gradients(p: ParsedParams, ctx: RunContext) -> Result:
    models.seed_everything(p["seed"])
    rng = np.random.default_rng(p["seed"])
    model = models.build_model("simple_rnn", p["units"], input_dim=2, output_dim=1, seq_len=p["seq_len"],
                        recurrent_scale=p["recurrent_scale"])
    x_all, y_all = datasets.adding_problem(2048, p["seq_len"], rng)
    clip = p["clip_norm"]
    tag = f"clip {clip:g}" if clip > 0 else "no clipping"
    trainer = models.Trainer(model, optimizer="sgd", learning_rate=p["learning_rate"], clip_norm=clip, seed=p["seed"])
    history = trainer.history

    def snapshot() -> Report:
        return {"figure": figure(f"Training a vanilla RNN, w={p['recurrent_scale']:g}, {tag}",
                                 [series("loss", history.losses),
                                  series("‖gradient‖ before clipping", history.grad_norms)],
                                 "training step", "", "log")}

    def progress(h: TrainHistory) -> None:
        # A diverged run is drawn up to the step where the loss left the finite range.
        ctx.report(snapshot, force=not math.isfinite(h.losses[-1]))

    # Batches in order, 32 at a time: every run of a seed meets the same sequences at the same step, so two
    # runs that differ only in clipping differ only by what clipping does.
    deadline = Deadline(p["time_limit"])
    try:
        trainer.fit((x_all, y_all), p["steps"], ctx, batch_size=32, deadline=deadline, chunk=5, on_chunk=progress,
                    shuffle=False,
                    advice=(f"With {tag} and learning rate {p['learning_rate']:g}, a gradient step was so "
                            "large that the weights left the range where the loss is finite. Clip the "
                            "gradient norm (try 1), or lower the learning rate."))
    except Diverged as err:
        # The lesson points to the largest gradient norm; a diverged run has no summary, so its message says it.
        raise Diverged(f"{err}{_norms_before(history.grad_norms)}") from None
    losses, norms = history.losses, history.grad_norms
    result: Result = dict(snapshot())
    largest = max(norms)
    clipped = int(sum(n > clip for n in norms)) if clip > 0 else 0
    result.update(
        losses=losses, grad_norms=norms, max_grad_norm=largest, clipped_steps=clipped,
        summary=(f"{tag}: largest gradient norm {largest:.3g}, final loss {losses[-1]:.4f} "
                 f"(predicting the mean gives {1 / 6:.4f})."
                 + (f" Clipping rescaled {clipped} of {len(norms)} steps." if clip > 0 else "")
                 + deadline.note()),
        stopped_by_time_limit=deadline.reached,
    )
    return result


@experiment(
    "memory-task",
    "How far back can a recurrent cell remember?",
    [
        Param("distances", "floats", MEMORY_DISTANCES,
              "distances (steps) between the signal and the answer", 2, 300),
        Param("units", "int", 16, "hidden units", 1, 128),
        Param("epochs", "int", 12, "training epochs per distance", 1, 200),
        Param("samples", "int", 1024, "training sequences per distance", 64, 20000),
        cell_param(),
        time_limit_param(300),
        SEED,
    ],
    uses_tensorflow=True,
)
def memory_task(p: ParsedParams, ctx: RunContext) -> Result:
    distances = [int(round(d)) for d in p["distances"]]
    name = CELL_NAMES[p["cell"]]
    batch = 64
    steps = p["epochs"] * -(-p["samples"] // batch)  # an epoch: every sequence once (the last batch full)
    accuracies: list[float] = []
    started = time.monotonic()
    deadline = Deadline(p["time_limit"])
    label = f"{name} {p['units']}u {p['epochs']}ep"  # runs overlay on the chart: say which run is which

    def snapshot(current: str = "") -> Report:
        done = distances[: len(accuracies)]
        lines = [series("chance", [0.5, 0.5], [min(distances), max(distances)]),
                 series(label, accuracies, done, style="scatter" if len(done) < 2 else "line")]
        return {"figure": figure(f"Recall the first input after d steps ({name})", lines, "distance d",
                                 "accuracy", "linear"),
                "summary": current}

    for d in distances:
        models.seed_everything(p["seed"])
        split = datasets.recall_split(p["samples"], 512, d, np.random.default_rng(p["seed"] + d))
        # One logit out; the sigmoid is inside the loss, which is steadier than a sigmoid layer.
        trainer = models.Trainer(models.build_model(p["cell"], p["units"], input_dim=2, output_dim=1, seq_len=d),
                          loss="bce_logits", learning_rate=1e-2, clip_norm=0, seed=p["seed"] + d)

        def progress(h: TrainHistory, d: int = d) -> None:
            ctx.report(lambda: snapshot(f"distance {d}: training step {h.steps}/{steps}, loss {h.losses[-1]:.3f}"))

        trainer.fit((split.x_train, split.y_train), steps, ctx, batch_size=batch, deadline=deadline, chunk=5,
                    on_chunk=progress, advice="Lower the learning rate or the number of units.")
        if trainer.history.stopped_by_time_limit:  # a half-trained network's accuracy would read as a limit of the cell
            break
        acc = float(np.mean((trainer.predict(split.x_test) > 0) == (split.y_test > 0.5)))
        accuracies.append(acc)
        ctx.report(snapshot(f"distance {d}: test accuracy {acc:.2f}"), force=True)
    learned = [d for d, a in zip(distances, accuracies) if a >= 0.9]
    if accuracies:
        verdict = memory_verdict(distances[: len(accuracies)], accuracies)
    else:
        verdict = "no distance finished training"
    result: Result = dict(snapshot(f"{name}, {p['units']} units, {p['epochs']} epochs per distance: "
                                           f"{verdict} ({time.monotonic() - started:.0f} s)." + deadline.note()))
    result.update(distances=distances, accuracies=accuracies, learned_up_to=max(learned) if learned else 0,
                  stopped_by_time_limit=deadline.reached)
    return result

"""Experiments of the vanilla-RNN lesson, on the from-scratch NumPy cells (no TensorFlow, instant):

- ``param-count``: the parameters of a recurrent layer and its read-out, counted from the weight shapes Keras creates, for
  the three cells; and what sharing them across time saves.
- ``rnn-step``: one time step per key press — x_t, the pre-activation, h_t and y_t.
- ``memory-demo``: two inputs that differ only at the first step; how long the difference lasts in h_t.
- ``bptt-flow``: ∂L/∂h_t flowing back through a short unrolled sequence, full and truncated.
"""

from __future__ import annotations

from math import prod
from typing import TYPE_CHECKING, Any

from tutor.engine.experiment import CELL_NAMES, SEED, Param, ParsedParams, Result, RunContext, cell_param, figure, \
    series, step_grid
from tutor.engine.registry import experiment
from tutor.engine.wording import signed
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    import numpy as np

    from tutor.engine import scratch
else:
    np, scratch = lazy("numpy"), lazy("tutor.engine.scratch")


def _rnn_weights(units: int, features: int, scale: float,
                 seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Keras's default SimpleRNN initialisation (from the scratch engine) with W_hh scaled by ``scale``, and a
    Glorot-uniform read-out to one output."""
    rng = np.random.default_rng(seed)
    kernel, recurrent, bias = scratch.init_weights("simple_rnn", features, units, rng)
    return kernel, recurrent * scale, bias, scratch.glorot_uniform(units, 1, rng)


def _vec(values: np.ndarray, width: int = 5) -> str:
    return "[" + " ".join(signed(v).rjust(width) for v in values) + "]"


# -- parameter count ---------------------------------------------------------------------------------------
def layer_parameters(cell: str, features: int, units: int) -> dict[str, int]:
    """Sizes of the weight arrays Keras creates for the cell (the scratch engine's layout, checked against
    Keras's own count by the tests)."""
    shapes = scratch.weight_shapes(cell, features, units)
    return {name: prod(shape) for name, shape in zip(("input", "recurrent", "bias"), shapes)}


@experiment(
    "param-count",
    "Counting the parameters of a recurrent layer",
    [
        Param("input_size", "int", 3, "features per time step", 1, 10000),
        Param("units", "int", 4, "hidden units", 1, 10000),
        Param("output_size", "int", 2, "outputs of the dense read-out", 1, 10000),
        cell_param("simple_rnn", "the cell to spell out"),
        Param("seq_len", "int", 50, "sequence length, for the unshared comparison", 1, 10000),
    ],
)
def param_count(p: ParsedParams, ctx: RunContext) -> Result:
    features, units, outputs = p["input_size"], p["units"], p["output_size"]
    readout = units * outputs + outputs
    counts = {cell: layer_parameters(cell, features, units) for cell in CELL_NAMES}
    ctx.check()
    totals = {cell: sum(parts.values()) + readout for cell, parts in counts.items()}
    rows = [("input W_x (F×gU)", "input"), ("recurrent W_h (U×gU)", "recurrent"), ("bias", "bias")]
    text = [f"{'':<22}" + "".join(f"{CELL_NAMES[c]:>13}" for c in CELL_NAMES)]
    for label, key in rows:
        text.append(f"{label:<22}" + "".join(f"{counts[c][key]:>13,}" for c in CELL_NAMES))
    text.append(f"{'read-out W_y, b_y':<22}" + f"{readout:>13,}" * 3)
    text.append(f"{'total':<22}" + "".join(f"{totals[c]:>13,}" for c in CELL_NAMES))
    text.append("")
    text.append("g = gate blocks: 1 (vanilla), 4 (LSTM: i, f, c, o), 3 (GRU: z, r, h).")
    text.append("The GRU's bias has two rows (Keras's reset_after=True): one for x_t W, one for h_{t-1} U.")
    cell = p["cell"]
    part = counts[cell]
    spelled = " + ".join(f"{v:,}" for v in (part["input"], part["recurrent"], part["bias"], units * outputs, outputs))
    steps = list(range(1, p["seq_len"] + 1))
    layer = sum(part.values())
    shared = [totals[cell]] * len(steps)
    unshared = [t * layer + readout for t in steps]
    chart = figure(f"{CELL_NAMES[cell]}: parameters against sequence length", [
        series("shared across time (what an RNN does)", shared, steps),
        series("a separate copy per step", unshared, steps),
    ], "sequence length T", "parameters", "log")
    return {
        "counts": counts,
        "readout": readout,
        "totals": totals,
        "figure": chart,
        "text": "\n".join(text),
        "summary": (f"{CELL_NAMES[cell]} with input {features}, hidden {units}, output {outputs}: "
                    f"{spelled} = {totals[cell]:,} parameters — the same for T = 1 or T = {p['seq_len']:,}; "
                    f"one copy per step would need {unshared[-1]:,}."),
    }


# -- stepping through a sequence -----------------------------------------------------------------------------
SHOWN_STEPS = 20  # the "h over time" table shows the steps up to t, the last 20 of them: two blocks at most
BLOCK = 10  # columns a block of that table holds at most in an 80-column lab


def _state_table(hs: np.ndarray, xs: np.ndarray, t: int) -> list[str]:
    """h and x for the steps up to ``t`` (the last :data:`SHOWN_STEPS`), in blocks of equal width: 12 steps
    were a block of 10 and a lone block of one, and the window of 11 dropped t = 0 from a 12-step sequence."""
    first = max(0, t + 1 - SHOWN_STEPS)
    count = t + 1 - first
    blocks = -(-count // BLOCK)
    per_block = -(-count // blocks)
    rows = [(f"h[{j}]", hs[first: t + 1, j].tolist()) for j in range(hs.shape[1])] + [("x", xs[first: t + 1].tolist())]
    label = max(len(name) for name, _ in rows) + 1
    return step_grid(rows, 6, signed, first_step=first, width=label + 6 * per_block)


def _step_sentence(t: int, from_h: np.ndarray) -> str:
    """What h_t is made of at step t, read from h_{t-1}·W_hh (zero when recurrent_scale is 0)."""
    if t == 0:
        return "Step 0: the first state depends on x_0 alone. "
    if max(abs(float(v)) for v in from_h) < 5e-3:  # prints as 0.00 in the table
        return f"Step {t}: h_{{t-1}}·W_hh is 0, so no state is carried: h_t depends on this input alone. "
    return f"Step {t}: h_t mixes this input with the state carried from step {t - 1}. "


@experiment(
    "rnn-step",
    "A vanilla RNN, one time step at a time",
    [
        Param("inputs", "floats", [1.0, 0.0, 0.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.5, 0.5, 0.0, 0.0],
              "the input sequence x_0, x_1, … (one number per step)", -10.0, 10.0, max_items=40),
        Param("step", "int", 0, "the time step t to show (, and . step)", 0, 39),
        Param("units", "int", 4, "hidden units", 1, 8),
        Param("recurrent_scale", "float", 1.0, "scale of the orthogonal W_hh", 0.0, 5.0),
        SEED,
    ],
)
def rnn_step(p: ParsedParams, ctx: RunContext) -> Result:
    xs = np.asarray(p["inputs"], dtype=float)
    steps = len(xs)
    t = min(p["step"], steps - 1)
    kernel, recurrent, bias, readout = _rnn_weights(p["units"], 1, p["recurrent_scale"], p["seed"])
    cell = scratch.SimpleRNN(kernel, recurrent, bias)
    hs = cell.forward(xs[None, :, None])[0]
    ctx.check()
    pre = cell.internals["pre_activation"][0]
    ys = hs @ readout[:, 0]
    h_prev = hs[t - 1] if t > 0 else np.zeros(p["units"])
    from_x = xs[t] * kernel[0]
    from_h = h_prev @ recurrent
    shown = list(range(t + 1))
    lines = [series("input x_t (all steps)", xs, style="scatter")]
    lines += [series(f"h_t[{j}]", hs[: t + 1, j], shown) for j in range(p["units"])]
    lines.append(series("output y_t", ys[: t + 1], shown))
    text = [
        f"t = {t}:  x_{t} = {signed(xs[t])}" + ("   (h_{-1} = 0: the state starts empty)" if t == 0 else ""),
        f"x_t·W_xh            = {_vec(from_x)}",
        f"h_{{t-1}}·W_hh        = {_vec(from_h)}",
        f"b_h                 = {_vec(bias)}",
        f"a_t (their sum)     = {_vec(pre[t])}",
        f"h_t = tanh(a_t)     = {_vec(hs[t])}",
        f"y_t = h_t·W_hy      = {signed(ys[t], 3)}",
        "",
        "h over time (a row per unit" + (f"; the last {SHOWN_STEPS} steps):" if t >= SHOWN_STEPS else "):"),
        *_state_table(hs, xs, t),
    ]
    result: dict[str, Any] = {
        "step": t,
        "x": xs.tolist(),
        "h": hs[: t + 1].tolist(),
        "y": ys[: t + 1].tolist(),
        "pre_activation": pre[t].tolist(),
        "figure": figure(f"Step {t} of 0–{steps - 1}: the same weights at every step", lines, "time step t",
                         "value"),
        "text": "\n".join(text),
        "summary": _step_sentence(t, from_h)
                   + ("Press . for the next step." if t < steps - 1 else "That was the last step; , goes back."),
    }
    if t != p["step"]:
        result["set_params"] = {"step": t}
    return result


# -- memory demo -----------------------------------------------------------------------------------------
@experiment(
    "memory-demo",
    "How long does a difference at the first step last?",
    [
        Param("scales", "floats", [0.5, 0.9, 1.0, 1.5], "scales of the orthogonal W_hh to compare", 0.0, 5.0),
        Param("seq_len", "int", 60, "sequence length", 2, 1000),
        Param("units", "int", 32, "hidden units", 1, 512),
        Param("difference", "float", 2.0, "how far apart the two first inputs are", 0.0, 100.0),
        Param("input_noise", "float", 1.0, "std. dev. of the inputs both sequences share after step 0", 0.0, 10.0),
        SEED,
    ],
)
def memory_demo(p: ParsedParams, ctx: RunContext) -> Result:
    steps = p["seq_len"]
    shared = np.random.default_rng(p["seed"] + 1).standard_normal(steps) * p["input_noise"]
    x = np.stack([shared, shared])
    x[0, 0], x[1, 0] = p["difference"] / 2, -p["difference"] / 2
    lines, distances, lasting, moves, words = [], {}, {}, {}, []
    mirrored = steps > 1
    for scale in p["scales"]:
        ctx.check()
        kernel, recurrent, bias, _ = _rnn_weights(p["units"], 1, scale, p["seed"])
        hs = scratch.SimpleRNN(kernel, recurrent, bias).forward(x[:, :, None])
        gap = np.linalg.norm(hs[0] - hs[1], axis=-1)
        key = f"{scale:g}"
        distances[key] = gap.tolist()
        below = np.nonzero(gap < 0.01 * gap[0])[0] if gap[0] > 0 else np.array([0])
        lasting[key] = int(below[0]) if below.size else None
        # how far the last step still moved each run's state: a latch has stopped moving
        moves[key] = float(np.linalg.norm(hs[:, -1] - hs[:, -2], axis=-1).max()) if steps > 1 else 0.0
        mirrored = mirrored and bool(np.array_equal(hs[1], -hs[0]))
        lines.append(series(f"w={key}", gap))
        if lasting[key] is not None:
            words.append(f"w={key}: under 1% after {lasting[key]} steps")
            continue
        end = gap[-1] / gap[0] if gap[0] > 0 else 0.0
        words.append(f"w={key}: still {end:.0%} of it after {steps - 1} steps, "
                     + _settled(hs, moves[key], noisy=p["input_noise"] > 0))
    summary = "; ".join(words) + "."
    if mirrored:
        summary += (" The inputs after step 0 are all zero and the bias is zero, so the second run is exactly the "
                    "negative of the first at every step (h′_t = −h_t): the distance is twice the length of h_t.")
    return {
        "distances": distances,
        "steps_to_one_percent": lasting,
        "last_step_change": moves,
        "mirrored": mirrored,
        "figure": figure("‖h_t − h′_t‖: two inputs that differ only at t = 0", lines, "time step t",
                         "distance between the states", "log"),
        "summary": summary,
    }


SETTLED = 1e-6  # a state the last step moved by less than this has stopped (a slow creep towards 0 moves more)
HELD = 10  # with input noise, a one-unit latch holds if each run kept its sign over this many last steps


def _settled(hs: Any, move: float, noisy: bool) -> str:
    """Whether the two runs (``hs``: run, step, unit) have settled, or with input noise whether each has kept
    to its own side; and where they ended (the values, for one unit)."""
    final = hs[:, -1]
    if final.shape[-1] == 1:
        where = f"the runs end at {signed(final[0, 0])} and {signed(final[1, 0])}"
    else:
        lengths = np.linalg.norm(final, axis=-1)
        where = f"the runs end at states of length {lengths[0]:.2f} and {lengths[1]:.2f}"
    if noisy:  # the noise moves the state at every step, so stillness cannot be the test
        if final.shape[-1] > 1:
            return f"{where}; with input noise the state moves at every step, so settling is not measured"
        signs = np.sign(hs[:, -HELD:, 0])
        if np.all(signs == signs[:, -1:]) and signs[0, -1] != signs[1, -1]:
            return (f"{where}: each run has stayed on its own side for the last {signs.shape[1]} steps (the "
                    f"noise still moves them by up to {move:.2g} a step)")
        return f"{where}; over the last {signs.shape[1]} steps they did not each keep to one side"
    if move < SETTLED:
        return f"{where}, where both have settled (the last step moved neither by {SETTLED:g})"
    return f"{where} and have not settled (the last step still moved one by {move:.2g})"


# -- backpropagation through time ------------------------------------------------------------------------------
def _unrolled(steps: int, norms: np.ndarray, loss_at: str) -> list[str]:
    """The unrolled network as text, with ‖∂L/∂h_t‖ under each state (long sequences are elided)."""
    shown = list(range(steps)) if steps <= 7 else [0, 1, 2, None, steps - 2, steps - 1]
    rows = ["", "", "", "", ""]
    for t in shown:
        if t is None:
            cells, width = ["", "", "", "…  ---> ", ""], 8
        else:
            arrow = " ---> " if t != shown[-1] else ""
            cells, width = [f" x_{t}", "  |", "  v", f" h_{t}{arrow}", f"{norms[t]:.1e}"], 11
        for i, cell in enumerate(cells):
            rows[i] += cell.ljust(width)
    rows = [r.rstrip() for r in rows]
    rows[3] += " ---> L" if loss_at == "last" else " ---> L = Σ_t L_t"
    if loss_at == "every":
        rows.append("(every h_t also feeds its own output y_t and loss L_t)")
    rows[4] += "   ‖∂L/∂h_t‖"
    return rows


@experiment(
    "bptt-flow",
    "∂L/∂h_t flowing back through the unrolled network",
    [
        Param("seq_len", "int", 8, "sequence length T", 2, 200),
        Param("units", "int", 8, "hidden units", 1, 256),
        Param("recurrent_scale", "float", 1.0, "scale of the orthogonal W_hh", 0.0, 5.0),
        Param("truncate", "int", 0, "truncated BPTT: carry the gradient this many steps (0: full; T − 1 at most)",
              0, 200),
        Param("loss_at", "choice", "last", "a loss on the last step only, or on every step",
              choices=("last", "every")),
        SEED,
    ],
)
def bptt_flow(p: ParsedParams, ctx: RunContext) -> Result:
    steps, units = p["seq_len"], p["units"]
    rng = np.random.default_rng(p["seed"] + 1)
    x = rng.standard_normal((1, steps, 1))
    targets = rng.standard_normal(steps)
    kernel, recurrent, bias, readout = _rnn_weights(units, 1, p["recurrent_scale"], p["seed"])
    cell = scratch.SimpleRNN(kernel, recurrent, bias)
    hs = cell.forward(x)
    y = hs[0] @ readout[:, 0]
    # L = ½ Σ (y_t − target_t)² over the steps that carry a loss; its direct gradient at each h_t:
    direct = np.zeros_like(hs)
    weighted = range(steps) if p["loss_at"] == "every" else [steps - 1]
    for t in weighted:
        direct[0, t] = (y[t] - targets[t]) * readout[:, 0]
    cell.backward(direct)
    full = np.linalg.norm(cell.internals["dh"][0], axis=-1)
    ctx.check()
    # truncate ≥ T cuts nothing: it is full BPTT under another name, so . stops at T − 1 (as rnn-step stops at
    # the last step) instead of wrapping round to full BPTT and then 1 with no word said.
    truncate = min(p["truncate"], steps - 1)
    jacobian = [float(np.linalg.norm((1 - hs[0, t] ** 2)[:, None] * recurrent.T, 2)) for t in range(steps)]
    lines = [series("full BPTT", full, style="line")]
    cut = None
    if truncate:
        cell.backward(direct, truncate=truncate)
        cut = np.linalg.norm(cell.internals["dh"][0], axis=-1)
        lines.append(series(f"truncated to {truncate} step{'s' if truncate > 1 else ''}", cut, style="scatter"))
        blocked_steps = [t for t in range(steps) if cut[t] == 0]
        if blocked_steps:  # zero has no place on a log axis: mark those steps along the bottom instead
            floor = float(full[full > 0].min()) / 3 if np.any(full > 0) else 1e-3
            lines.append(series("cut off: no gradient", [floor] * len(blocked_steps), blocked_steps,
                                style="scatter"))
    text = _unrolled(steps, full, p["loss_at"])
    text += ["", "J_t = ∂h_t/∂h_{t-1} = diag(1 − h_t²)·W_hhᵀ; going back one step multiplies by one J:"]
    text.append("  ∂L/∂h_{t-1} = ∂L/∂h_t · J_t" + (" + the direct term of L_{t-1}" if p["loss_at"] == "every" else ""))
    text.append("")
    text.append(" t    ‖∂L/∂h_t‖ full" + ("   truncated" if truncate else "") + "    ‖J_t‖ (largest singular value)")
    for t in range(steps) if steps <= 12 else [*range(4), None, *range(steps - 6, steps)]:
        if t is None:
            text.append(" …")
            continue
        extra = f"   {cut[t]:9.2e}" if cut is not None else ""
        text.append(f"{t:>2}    {full[t]:14.2e}{extra}    {jacobian[t]:.3f}")
    first, last = full[0], full[-1]
    summary = (f"From the last step back to the first, ‖∂L/∂h_t‖ went from {last:.2e} to {first:.2e} "
               f"(× {first / last:.2e})" if last > 0 else "The last step got no gradient")
    if truncate:
        blocked = int(np.sum(cut == 0))
        summary += (f"; truncated BPTT stops the recurrent path "
                    + ("at every step" if truncate == 1 else f"every {truncate} steps")
                    + (f", so {blocked} early {'step gets' if blocked == 1 else 'steps get'} no gradient at all"
                       if blocked else "")
                    + " — cheaper, but no gradient reaches across a cut, so nothing trains the network to keep "
                      "information across it")
    summary += "."
    if truncate == steps - 1:
        longest = f"truncating at T = {steps} or more cuts nothing (0 is full BPTT); , goes back."
        summary += (f" That was the longest truncation: {longest}" if truncate == p["truncate"] else
                    f" The truncation {p['truncate']} was set to {truncate}, the longest: {longest}")
    result = {
        "grad_norms": full.tolist(),
        "truncated_grad_norms": None if cut is None else cut.tolist(),
        "jacobian_norms": jacobian,
        "figure": figure("‖∂L/∂h_t‖ by backpropagation through time (NumPy)", lines, "time step t",
                         "‖∂L/∂h_t‖", "log"),
        "text": "\n".join(text),
        "summary": summary,
    }
    if truncate != p["truncate"]:
        result["set_params"] = {"truncate": truncate}
    return result

"""Experiments of the from-scratch lesson (lesson 7): the NumPy cells checked, trained, and set beside Keras.

- ``scratch-train``: a from-scratch SimpleRNN, LSTM or GRU learning the adding problem (SGD or Adam, clipping,
  truncated BPTT), against the predict-the-mean baseline.
- ``gradient-check``: finite differences against BPTT for every array a cell's gradient touches (the inputs,
  kernel, recurrent kernel and bias), in float64 and in float32, the relative error of each array on a log
  chart. NumPy only.
- ``scratch-vs-keras``: the NumPy network of :mod:`tutor.engine.scratch_train` and the same network in Keras
  (:class:`tutor.engine.models.Trainer`), started from the same weights and trained on the same mini-batches
  with the same optimizer, their loss curves side by side.
"""

from __future__ import annotations

from typing import Any

from tutor.engine.experiment import CELL_NAMES, SEED, Param, Report, RunContext, cell_param, figure, series
from tutor.engine.limits import Deadline, time_limit_param
from tutor.engine.registry import experiment


@experiment(
    "scratch-train",
    "Train a from-scratch NumPy cell on the adding problem",
    [
        cell_param("lstm", "recurrent cell (NumPy)"),
        Param("seq_len", "int", 20, "sequence length", 2, 400),
        Param("units", "int", 16, "hidden units", 1, 128),
        Param("steps", "int", 400, "optimiser steps of 32 sequences", 1, 20000),
        Param("optimizer", "choice", "adam", "update rule", choices=("adam", "sgd")),
        Param("learning_rate", "float", 0.01, "step size", 1e-5, 5.0),
        Param("clip_norm", "float", 1.0, "global gradient-norm cap (0: none)", 0.0, 1000.0),
        Param("truncate", "int", 0, "truncated BPTT: carry gradients this many steps (0: full BPTT)", 0, 400),
        time_limit_param(300),
        SEED,
    ],
)
def scratch_train(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    from tutor.engine import datasets
    from tutor.engine.scratch_train import TrainConfig, train

    split = datasets.adding_split(2048, 512, p["seq_len"], np.random.default_rng(p["seed"])).astype(np.float64)
    x, y, x_test, y_test = split.x_train, split.y_train, split.x_test, split.y_test
    config = TrainConfig(p["cell"], p["units"], p["steps"], 32, p["optimizer"], p["learning_rate"],
                         p["clip_norm"], p["truncate"] or None, p["seed"])
    baseline = datasets.mean_baseline(y, y_test)  # in float64, like the training

    def snapshot(history: dict[str, list[float]]) -> Report:
        return {"figure": figure(f"From-scratch {p['cell']} on the adding problem (T={p['seq_len']})",
                                 [series("training MSE", history["loss"]),
                                  series("predict-the-mean MSE", [baseline, baseline], [0, p["steps"] - 1])],
                                 "step", "MSE", "log"),
                "summary": f"step {len(history['loss'])}/{p['steps']}, loss {history['loss'][-1]:.4f}"}

    deadline = Deadline(p["time_limit"])
    model, history = train(config, x, y, ctx, snapshot, should_stop=deadline.passed)
    test_mse = float(np.mean((model.predict(x_test) - y_test) ** 2))
    result: dict[str, Any] = dict(snapshot(history))
    result.update(test_mse=test_mse, baseline_mse=baseline, losses=history["loss"],
                  summary=(f"NumPy {CELL_NAMES[p['cell']]}, no TensorFlow: test MSE {test_mse:.4f} against "
                           f"{baseline:.4f} for always predicting the mean ({test_mse / baseline:.1%} of it)."
                           + deadline.note()),
                  stopped_by_time_limit=deadline.reached)
    return result


ARRAYS = ("inputs", "kernel", "recurrent_kernel", "bias")
FEATURES = 3
BATCH = 2


def gradient_errors(cell: str, units: int, seq_len: int, eps: float, seed: int, dtype: Any,
                    ctx: RunContext | None = None) -> tuple[dict[str, float], float, float]:
    """Relative error between BPTT and central differences, per array, for L = Σ h ⊙ dh, all in ``dtype``;
    the share of entries whose finite difference came out exactly 0 (the nudge lost to rounding); and the
    share whose w + ε and w − ε both rounded back to w itself in ``dtype`` (ε below half the spacing of
    the numbers near w)."""
    import numpy as np

    from tutor.engine.scratch import CELL_CLASSES, init_weights, relative_error

    rng = np.random.default_rng(seed)
    weights = init_weights(cell, FEATURES, units, rng)
    weights[2] = weights[2] + rng.normal(0, 0.2, weights[2].shape)  # a non-zero bias, so its gradient is tested
    x = rng.normal(size=(BATCH, seq_len, FEATURES))
    dh = rng.normal(size=(BATCH, seq_len, units))
    arrays = {"inputs": x.astype(dtype), **{k: w.astype(dtype) for k, w in zip(ARRAYS[1:], weights)}}
    dh = dh.astype(dtype)

    def loss() -> float:
        model = CELL_CLASSES[cell](arrays["kernel"], arrays["recurrent_kernel"], arrays["bias"], dtype=dtype)
        return np.sum(model.forward(arrays["inputs"]) * dh, dtype=dtype)  # summed in dtype: its rounding counts

    model = CELL_CLASSES[cell](arrays["kernel"], arrays["recurrent_kernel"], arrays["bias"], dtype=dtype)
    model.forward(arrays["inputs"])
    analytic = model.backward(dh)
    errors = {}
    zeros = unmoved = total = 0
    step = dtype(eps)
    for name in ARRAYS:
        target = arrays[name]
        numeric = np.zeros(target.shape)
        for k in np.ndindex(target.shape):
            if ctx is not None:
                ctx.check()
            kept = target[k]
            unmoved += bool(kept + step == kept and kept - step == kept)
            target[k] = kept + step
            up = loss()
            target[k] = kept - step
            down = loss()
            target[k] = kept
            numeric[k] = (float(up) - float(down)) / (2 * float(step))
        errors[name] = relative_error(analytic[name], numeric)
        zeros += int(np.count_nonzero(numeric == 0))
        total += numeric.size
    return errors, zeros / total, unmoved / total


def _times(ratio: float) -> str:
    """A ratio for a sentence: "about 900 times", "about 5 × 10^8 times"."""
    if ratio == float("inf"):
        return "infinitely many times"
    if ratio < 1e4:
        return f"about {ratio:,.0f} times"
    mantissa, exponent = f"{ratio:.0e}".split("e")
    return f"about {mantissa} × 10^{int(exponent)} times"


def gradient_check_summary(eps: float, results: dict[str, dict[str, float]], lost32: float,
                           unmoved32: float) -> str:
    """What the two dtypes' errors say. The central difference's error is about c·ε² (the Taylor remainder,
    the same in both dtypes) plus u·|L|/ε (rounding, u the dtype's unit roundoff): the sentence names the
    term the numbers point to rather than assuming one."""
    worst64 = max(ARRAYS, key=lambda a: results["float64"][a])
    worst32 = max(ARRAYS, key=lambda a: results["float32"][a])
    e64, e32 = results["float64"][worst64], results["float32"][worst32]
    if e64 < 1e-7:
        verdict64 = "below 1e-7, the usual bar: BPTT and the finite differences agree"
    elif eps >= 1e-4:
        verdict64 = ("above 1e-7, the usual bar: ε is too large for the curvature here (the ε² term), "
                     "try a smaller one")
    elif eps <= 1e-7:
        verdict64 = ("above 1e-7, the usual bar: ε is so small that rounding (the 1/ε term) takes over, "
                     "try a larger one")
    else:
        verdict64 = "above 1e-7, the usual bar: try other ε; if none gets below it, suspect the backward pass"
    ratio = e32 / e64 if e64 > 0 else float("inf")
    head = (f"float64: the largest relative error is {e64:.1e} ({worst64}), {verdict64}. "
            f"float32: {e32:.1e} ({worst32}), ")
    if lost32 > 0.5:
        cause = (f" For {unmoved32:.0%} of all entries w ± ε itself rounded back to w: ε is below half the "
                 "spacing of float32 numbers near w." if unmoved32 > 0 else "")
        return (head + f"{_times(ratio)} the float64 error — the nudge is lost: for {lost32:.0%} of the entries "
                "L(w+ε) and L(w−ε) came out equal in float32, a finite difference of exactly 0." + cause)
    if ratio < 3:
        return (head + "about the same as float64: at this ε the ε² term, which does not depend on the dtype, "
                "outweighs float32's rounding.")
    if e32 > 1e-4:
        return (head + f"{_times(ratio)} the float64 error: with about 7 significant digits, L(w+ε) − L(w−ε) "
                "loses most of them to rounding at this ε.")
    return head + f"{_times(ratio)} the float64 error, close enough at this ε for a rough check."


@experiment(
    "gradient-check",
    "Finite differences against BPTT, per array, in float64 and float32",
    [
        cell_param("lstm", "the from-scratch cell to check"),
        Param("units", "int", 4, "hidden units", 1, 16),
        Param("seq_len", "int", 8, "time steps the gradient flows back through", 1, 30),
        Param("eps", "float", 1e-5, "finite-difference step ε", 1e-9, 0.1),
        Param("seed", "int", 0, "random weights and inputs", 0, 2**31 - 1),
    ],
)
def gradient_check(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    results: dict[str, dict[str, float]] = {}
    lost: dict[str, float] = {}
    unmoved: dict[str, float] = {}
    xs = list(range(len(ARRAYS)))
    for dtype in (np.float64, np.float32):
        name = np.dtype(dtype).name
        results[name], lost[name], unmoved[name] = gradient_errors(p["cell"], p["units"], p["seq_len"],
                                                                   p["eps"], p["seed"], dtype, ctx)
        ctx.report({"summary": f"{np.dtype(dtype).name} done…"}, force=True)
    floor = 1e-17  # a log chart cannot show an exact 0
    # Lines rather than single dots, which braille draws too small to see; the title names the x positions.
    fig = figure(f"{CELL_NAMES[p['cell']]}, ε={p['eps']:g}: 0 inputs 1 kernel 2 recurrent 3 bias",
                 [series(name, [max(errs[a], floor) for a in ARRAYS], xs) for name, errs in results.items()],
                 "array", "relative error", "log")
    text = ["array              float64     float32"]
    text += [f"{a:<17} {results['float64'][a]:9.1e}   {results['float32'][a]:9.1e}" for a in ARRAYS]
    summary = gradient_check_summary(p["eps"], results, lost["float32"], unmoved["float32"])
    return {"figure": fig, "text": "\n".join(text), "summary": summary, "errors": results,
            "zero_share": lost, "unmoved_share": unmoved}


@experiment(
    "scratch-vs-keras",
    "The NumPy network and Keras on the same data, seed and optimizer",
    [
        cell_param("gru", "recurrent cell"),
        Param("seq_len", "int", 20, "adding problem: sequence length", 2, 200),
        Param("units", "int", 16, "hidden units", 1, 64),
        Param("steps", "int", 300, "optimiser steps of 32 sequences", 1, 5000),
        Param("optimizer", "choice", "adam", "update rule", choices=("adam", "sgd")),
        Param("learning_rate", "float", 0.01, "step size", 1e-5, 2.0),
        Param("clip_norm", "float", 1.0, "global gradient-norm cap (0: none)", 0.0, 100.0),
        Param("seed", "int", 0, "weights and batches", 0, 2**31 - 1),
    ],
    uses_tensorflow=True,
)
def scratch_vs_keras(p: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    import numpy as np

    from tutor.engine import datasets
    from tutor.engine.experiment import check_finite
    from tutor.engine.models import Trainer, build_model, seed_everything
    from tutor.engine.scratch_train import SGD, Adam, ScratchModel, TrainConfig, clip_by_global_norm

    batch = 32
    split = datasets.adding_split(2048, 512, p["seq_len"], np.random.default_rng(p["seed"]))
    x, y, x_test, y_test, baseline = split.x_train, split.y_train, split.x_test, split.y_test, split.baseline

    config = TrainConfig(p["cell"], p["units"], p["steps"], batch, p["optimizer"], p["learning_rate"],
                         p["clip_norm"], None, p["seed"])
    numpy_model = ScratchModel(config, x.shape[-1])
    opt = Adam(p["learning_rate"]) if p["optimizer"] == "adam" else SGD(p["learning_rate"])

    seed_everything(p["seed"])
    keras_model = build_model(p["cell"], p["units"], input_dim=x.shape[-1], output_dim=1, seq_len=p["seq_len"])
    # The same starting point: NumPy's weights, in Keras's layout, copied into the Keras layers.
    keras_model.layers[0].set_weights([w.astype(np.float32) for w in numpy_model.cell.weights])
    keras_model.layers[-1].set_weights([numpy_model.w_out.astype(np.float32), numpy_model.b_out.astype(np.float32)])
    trainer = Trainer(keras_model, loss="mse", optimizer=p["optimizer"], learning_rate=p["learning_rate"],
                      clip_norm=p["clip_norm"], seed=p["seed"])

    batches = np.random.default_rng(p["seed"] + 1)
    losses_np: list[float] = []
    losses_keras: list[float] = []
    x32, y32 = x.astype(np.float32), y.astype(np.float32)
    advice = "Lower the learning rate or clip the gradient norm."

    def snapshot() -> dict[str, Any]:
        n = len(losses_np)
        return {"figure": figure(f"{CELL_NAMES[p['cell']]} on the adding problem (T={p['seq_len']}): same start, "
                                 f"same batches", [series("NumPy (float64)", losses_np),
                                                   series("Keras (float32)", losses_keras),
                                                   series("predict the mean", [baseline, baseline], [0, max(1, n - 1)])],
                                 "step", "training MSE", "log"),
                "summary": f"step {n}/{p['steps']}: NumPy {losses_np[-1]:.4f}, Keras {losses_keras[-1]:.4f}"}

    for step in range(p["steps"]):
        ctx.check()
        idx = batches.integers(0, len(x), batch)
        loss, grads = numpy_model.loss_and_grads(x[idx], y[idx])
        check_finite(loss, f"in the NumPy network at step {step + 1}", advice)
        grads, _ = clip_by_global_norm(grads, p["clip_norm"])
        opt.step(numpy_model.params, grads)
        keras_loss, _ = trainer.step(x32[idx], y32[idx])
        check_finite(keras_loss, f"in the Keras network at step {step + 1}", advice)
        losses_np.append(loss)
        losses_keras.append(keras_loss)
        ctx.report(snapshot())

    test_np = float(np.mean((numpy_model.predict(x_test) - y_test) ** 2))
    test_keras = trainer.evaluate(x_test.astype(np.float32), y_test.astype(np.float32))
    a, b = np.array(losses_np), np.array(losses_keras)
    gaps = np.abs(a - b) / np.maximum(np.abs(a), 1e-12)
    first = gaps[: min(10, len(gaps))].max()
    diverge = next((i for i, g in enumerate(gaps) if g > 0.01), None)
    apart = (f"they stay within 1% of each other for all {len(gaps)} steps" if diverge is None else
             f"they first differ by more than 1% at step {diverge + 1}")
    learned = [name for name, mse in (("NumPy", test_np), ("Keras", test_keras)) if mse < 0.5 * baseline]
    verdict = ("neither is below half of it: in these steps neither network learned the task" if not learned
               else "both are below half of it" if len(learned) == 2
               else f"only the {learned[0]} network is below half of it")
    result = snapshot()
    result.update(test_mse_numpy=test_np, test_mse_keras=test_keras, baseline_mse=baseline,
                  losses_numpy=losses_np, losses_keras=losses_keras, first_steps_gap=float(first),
                  summary=(f"Over the first {min(10, len(gaps))} steps the two losses differ by at most "
                           f"{first:.1e} (relative); {apart}. Held-out MSE: NumPy {test_np:.4f}, Keras "
                           f"{test_keras:.4f}, predicting the mean {baseline:.4f}; {verdict}."))
    return result

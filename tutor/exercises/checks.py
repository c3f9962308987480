"""What each exercise must compute, compared with :mod:`tutor.exercises.reference` (the NumPy engine) on random
float64 inputs of several shapes. The first difference found is reported precisely: the function, the array,
the index, the value expected and the value received (or the shapes). Runs inside the checker's subprocess.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

import numpy as np

from tutor.exercises import reference as ref

RTOL = 1e-6  # relative: a result off by 1e-3 fails by three orders of magnitude
SHAPES = ((1, 1, 1), (4, 3, 5), (3, 7, 2))  # (batch, features, units)


class CheckFailed(Exception):
    """The learner's code ran but computed something else (or has the wrong shape, or no such function)."""


def _describe(inputs: dict[str, Any]) -> str:
    parts = []
    for name, value in inputs.items():
        if isinstance(value, np.ndarray):
            parts.append(f"{name} {tuple(value.shape)}")
        elif isinstance(value, list):
            parts.append(f"{name} [" + ", ".join(str(tuple(np.shape(v))) for v in value) + "]")
        else:
            parts.append(f"{name}={value!r}")
    return ", ".join(parts)


def _num(value: float) -> str:
    return f"{value:.10g}"


def compare(function: str, what: str, expected: Any, got: Any, inputs: dict[str, Any]) -> None:
    """Raise :class:`CheckFailed` naming the first entry of ``got`` that differs from ``expected``."""
    where = f"{function}(…) with {_describe(inputs)}"
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        raise CheckFailed(f"{where}: {what} is None — did you forget `return`?\n"
                          f"Expected an array of shape {tuple(expected.shape)}.")
    try:
        got_array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{where}: {what} should be an array of numbers of shape {tuple(expected.shape)}, "
                          f"got a {type(got).__name__}.") from None
    if got_array.shape != expected.shape:
        raise CheckFailed(f"{where}: {what} has the wrong shape.\n"
                          f"  expected shape {tuple(expected.shape)}\n  received shape {tuple(got_array.shape)}")
    scale = 1e-9 * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.abs(got_array - expected) <= RTOL * np.abs(expected) + scale
    ok &= np.isfinite(got_array) | ~np.isfinite(expected)
    if ok.all():
        return
    bad = np.argwhere(~ok)
    index = tuple(int(i) for i in bad[0])
    shown = f"{what}[{', '.join(map(str, index))}]" if index else what
    e, g = float(expected[index]), float(got_array[index])
    rel = abs(g - e) / abs(e) if e != 0 and np.isfinite(g) else float("inf")
    more = f" ({len(bad) - 1} more of {ok.size} entries differ too)" if len(bad) > 1 else ""
    raise CheckFailed(f"{where}: {shown} differs{more}.\n"
                      f"  expected {_num(e)}\n  got      {_num(g)}"
                      + (f"   (off by {rel:.1e} relative; allowed {RTOL:g})" if np.isfinite(rel) else ""))


def function_of(module: ModuleType, name: str) -> Callable[..., Any]:
    fn = getattr(module, name, None)
    if not callable(fn):
        raise CheckFailed(f"There is no function `{name}` in your file. Keep the names (and the arguments) "
                          f"the exercise gives; `rnn-tutor reset` restores the original.")
    return fn


def _copies(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in inputs.items()}


def _call(module: ModuleType, name: str, inputs: dict[str, Any]) -> Any:
    # Copies, so a learner's in-place change cannot alter what the reference sees.
    return function_of(module, name)(**_copies(inputs))


def _weights(rng: np.random.Generator, f: int, u: int, gates: int, gru: bool = False) -> dict[str, np.ndarray]:
    return {"kernel": rng.normal(0, 0.6, (f, gates * u)),
            "recurrent_kernel": rng.normal(0, 0.6, (u, gates * u)),
            "bias": rng.normal(0, 0.5, (2, gates * u) if gru else (gates * u,))}


def _pair(got: Any, function: str, names: tuple[str, str]) -> tuple[Any, Any]:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = "None" if got is None else type(got).__name__
        raise CheckFailed(f"{function} must return a pair ({names[0]}, {names[1]}); it returned {kind}.")
    return got[0], got[1]


# -- the exercises ---------------------------------------------------------------------------------------

def check_rnn_step(m: ModuleType, rng: np.random.Generator) -> int:
    for b, f, u in SHAPES:
        inputs = {"x_t": rng.normal(size=(b, f)), "h_prev": rng.uniform(-1, 1, (b, u)), **_weights(rng, f, u, 1)}
        compare("rnn_step", "h_t", ref.rnn_step(**inputs), _call(m, "rnn_step", inputs), inputs)
    return len(SHAPES)


def check_lstm_step(m: ModuleType, rng: np.random.Generator) -> int:
    a = np.array([-1000.0, -30.0, -1.0, 0.0, 0.5, 30.0, 1000.0])
    inputs = {"a": a}
    with np.errstate(over="raise", invalid="raise"):
        try:
            got = _call(m, "sigmoid", inputs)
        except FloatingPointError as err:
            raise CheckFailed(f"sigmoid(a) with a = {a.tolist()}: NumPy reports {err}. Write it so that "
                              f"large |a| cannot overflow (the first hint says how).") from None
    compare("sigmoid", "result", ref.sigmoid(a), got, inputs)
    for b, f, u in SHAPES:
        inputs = {"x_t": rng.normal(size=(b, f)), "h_prev": rng.uniform(-1, 1, (b, u)),
                  "c_prev": rng.normal(0, 1.5, (b, u)), **_weights(rng, f, u, 4)}
        h, c = _pair(_call(m, "lstm_step", inputs), "lstm_step", ("h_t", "c_t"))
        want_h, want_c = ref.lstm_step(**inputs)
        compare("lstm_step", "c_t", want_c, c, inputs)
        compare("lstm_step", "h_t", want_h, h, inputs)
    return len(SHAPES) + 1


def check_gru_step(m: ModuleType, rng: np.random.Generator) -> int:
    for b, f, u in SHAPES:
        inputs = {"x_t": rng.normal(size=(b, f)), "h_prev": rng.uniform(-1, 1, (b, u)),
                  **_weights(rng, f, u, 3, gru=True)}
        compare("gru_step", "h_t", ref.gru_step(**inputs), _call(m, "gru_step", inputs), inputs)
    return len(SHAPES)


def check_clip_norm(m: ModuleType, rng: np.random.Generator) -> int:
    cases = 0
    for clip, scale in ((1.0, 3.0), (5.0, 0.1), (0.0, 3.0), (0.5, 1.0)):
        grads = [rng.normal(0, scale, (3, 4)), rng.normal(0, scale, (4,)), rng.normal(0, scale, (2, 2, 3))]
        kept = [g.copy() for g in grads]
        inputs = {"grads": grads, "clip_norm": clip}
        got = function_of(m, "clip_by_global_norm")(grads, clip)
        for i, (g, k) in enumerate(zip(grads, kept)):
            if not np.array_equal(g, k):
                raise CheckFailed(f"clip_by_global_norm(…) with {_describe(inputs)} changed grads[{i}] in place. "
                                  f"Return new arrays and leave the ones you are given as they were.")
        clipped, norm = _pair(got, "clip_by_global_norm", ("clipped", "norm"))
        want_clipped, want_norm = ref.clip_by_global_norm(kept, clip)
        compare("clip_by_global_norm", "norm", want_norm, norm, inputs)
        if not isinstance(clipped, (list, tuple)) or len(clipped) != len(kept):
            raise CheckFailed(f"clip_by_global_norm(…) with {_describe(inputs)}: `clipped` must be a list of "
                              f"{len(kept)} arrays, one per gradient.")
        for i, (want, have) in enumerate(zip(want_clipped, clipped)):
            compare("clip_by_global_norm", f"clipped[{i}]", want, have, inputs)
        cases += 1
    return cases


def check_temperature(m: ModuleType, rng: np.random.Generator) -> int:
    cases = 0
    for shape, temperature, spread in (((5,), 1.0, 2.0), ((3, 6), 0.5, 2.0), ((4,), 2.0, 1.0),
                                       ((2, 3), 1.0, 1000.0)):
        inputs = {"logits": rng.normal(0, spread, shape), "temperature": temperature}
        compare("softmax_with_temperature", "p", ref.softmax_with_temperature(**inputs),
                _call(m, "softmax_with_temperature", inputs), inputs)
        cases += 1
    logits = rng.normal(0, 1.5, 6)
    for temperature in (0.0, 0.5, 1.0, 3.0):
        seed = int(rng.integers(2**31))
        want = [ref.sample(logits, temperature, np.random.default_rng(seed + k)) for k in range(40)]
        sample = function_of(m, "sample")
        for k in range(40):
            got = sample(logits.copy(), temperature, np.random.default_rng(seed + k))
            if not isinstance(got, (int, np.integer)) or int(got) != want[k]:
                raise CheckFailed(
                    f"sample(logits (6,), temperature={temperature}, rng seeded {seed + k}) returned {got!r}; "
                    f"expected {want[k]}.\n  logits = {np.round(logits, 3).tolist()}"
                    + ("\n  At temperature 0 the answer is the argmax." if temperature == 0 else
                       "\n  Draw one u = rng.random() and take the first index whose cumulative "
                       "probability exceeds u."))
        cases += 1
    return cases


def check_grad_check(m: ModuleType, rng: np.random.Generator) -> int:
    cases = 0
    for shape in ((3,), (2, 3), (1, 1)):
        a = rng.normal(size=shape[-1:] + (4,))
        c = rng.normal(size=(4,))

        def f(w, a=a, c=c):
            return float(np.sum(np.tanh(3.0 * np.atleast_2d(w) @ a) * c) + np.sum(np.atleast_2d(w) ** 3))

        x = rng.normal(size=shape)
        inputs = {"f": "tanh and cubes", "x": x, "eps": 1e-4}
        held = x.copy()
        got = function_of(m, "numerical_gradient")(f, x, 1e-4)
        if not np.array_equal(x, held):
            raise CheckFailed(f"numerical_gradient(f, x {shape}, eps=1e-4) left x changed: put every entry "
                              f"back after its two calls to f.")
        compare("numerical_gradient", "gradient", ref.numerical_gradient(f, held.copy(), 1e-4), got,
                {"x": held, "eps": 1e-4})
        cases += 1
    for scale in (1.0, 1e-8, 0.0):
        a, b = rng.normal(size=(3, 2)) * scale, rng.normal(size=(3, 2)) * scale
        inputs = {"a": a, "b": b}
        try:
            compare("relative_error", "result", ref.relative_error(a, b), _call(m, "relative_error", inputs),
                    inputs)
        except CheckFailed as failed:
            if scale != 0.0:
                raise
            raise CheckFailed(f"{failed}\n  Here a and b are both all zeros: ‖a‖ + ‖b‖ = 0.") from None
        cases += 1
    return cases


def check_rnn_bptt(m: ModuleType, rng: np.random.Generator) -> int:
    cases = 0
    for (b, f, u), steps in zip(SHAPES, (1, 6, 4)):
        w = _weights(rng, f, u, 1)
        x = rng.normal(size=(b, steps, f))
        inputs = {"x": x, **w}
        compare("rnn_forward", "hs", ref.rnn_forward(**inputs), _call(m, "rnn_forward", inputs), inputs)
        hs = ref.rnn_forward(**inputs)
        dh = rng.normal(size=hs.shape)
        want = ref.rnn_backward(x, w["kernel"], w["recurrent_kernel"], w["bias"], dh)
        inputs = {"x": x, "hs": hs, "dh": dh, "kernel": w["kernel"], "recurrent_kernel": w["recurrent_kernel"]}
        got = _call(m, "rnn_backward", inputs)
        _grads("rnn_backward", want, got, ("inputs", "kernel", "recurrent_kernel", "bias"), inputs)
        cases += 1
    return cases


def check_lstm_backward(m: ModuleType, rng: np.random.Generator) -> int:
    for b, f, u in SHAPES:
        inputs = {"x_t": rng.normal(size=(b, f)), "h_prev": rng.uniform(-1, 1, (b, u)),
                  "c_prev": rng.normal(0, 1.5, (b, u)), **_weights(rng, f, u, 4),
                  "dh": rng.normal(size=(b, u)), "dc": rng.normal(size=(b, u))}
        _grads("lstm_step_backward", ref.lstm_step_backward(**inputs), _call(m, "lstm_step_backward", inputs),
               ("x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias"), inputs)
    return len(SHAPES)


def _grads(function: str, want: dict[str, Any], got: Any, keys: tuple[str, ...], inputs: dict[str, Any]) -> None:
    if not isinstance(got, dict):
        kind = "None" if got is None else type(got).__name__
        raise CheckFailed(f"{function} must return a dict with the keys {', '.join(map(repr, keys))}; "
                          f"it returned {kind}.")
    missing = [k for k in keys if k not in got]
    if missing:
        raise CheckFailed(f"{function} returned a dict without {', '.join(map(repr, missing))} "
                          f"(it has {', '.join(map(repr, got)) or 'no keys'}).")
    for key in keys:
        compare(function, f'grads["{key}"]', want[key], got[key], inputs)


CHECKS: dict[str, Callable[[ModuleType, np.random.Generator], int]] = {
    "rnn_step": check_rnn_step,
    "lstm_step": check_lstm_step,
    "gru_step": check_gru_step,
    "clip_norm": check_clip_norm,
    "temperature": check_temperature,
    "grad_check": check_grad_check,
    "rnn_bptt": check_rnn_bptt,
    "lstm_backward": check_lstm_backward,
}

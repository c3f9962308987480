"""What each exercise must compute, and how a result is judged. Runs in the tutor's process, never the learner's.

Each exercise is a list of :class:`Case`: a call of one of the learner's functions on random float64 inputs
(several shapes, plus the inputs where code tends to break: logits of ±1000, an all-zero gradient, a large
``eps``), with the engine's answer for it (:mod:`tutor.exercises.reference`). The subprocess
(:mod:`tutor.exercises.runner`) only computes; :func:`judge` compares what it returned here. The first problem
found is reported precisely, in the learner's terms where one applies: the function, the array and the entry,
both values; the dtype; the argument changed in place; the LSTM or GRU gate that differs, or the other
library's convention the result matches; the time step where BPTT first goes wrong.

Probe cases (``main=False``) are run too but only judged to explain a failure: an LSTM or GRU step with all
gates but one pinned at 0 or 1 (a bias of ±50 saturates σ and tanh exactly in float64) shows which gate's
block the learner computes differently.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from tutor.exercises import reference as ref
from tutor.exercises.runner import FUNCTIONS

RTOL = 1e-6  # relative: a result off by 1e-3 fails by three orders of magnitude
SHAPES = ((1, 1, 1), (4, 3, 5), (3, 7, 2))  # (batch, features, units)
PIN = 50.0  # a pre-activation this far from 0 gives σ = 0 or 1 and tanh = ±1 exactly in float64
LSTM_GATES = ("i (input gate)", "f (forget gate)", "c (candidate)", "o (output gate)")
GRU_GATES = ("z (update gate)", "r (reset gate)", "h (candidate)")


class CheckFailed(Exception):
    """The learner's code ran but computed something else (or has the wrong shape, or no such function)."""


@dataclass(frozen=True)
class Fn:
    """A function argument, rebuilt in the subprocess from its name and arrays (see ``runner.FUNCTIONS``)."""
    name: str
    of: tuple[np.ndarray, ...]
    label: str

    def build(self) -> Callable[[np.ndarray], float]:
        return FUNCTIONS[self.name](*self.of)


@dataclass(frozen=True)
class Rng:
    seed: int


@dataclass
class Case:
    call: str
    params: tuple[str, ...]
    args: tuple[Any, ...]
    expected: Any
    returns: Any  # "h_t"; ("h_t", "c_t") for a pair; {"keys": (...)} for a dict of gradients; [n] for samples
    main: bool = True
    tag: str = ""
    seeds: list[int] | None = None
    strict_warnings: str = ""  # if set: NumPy warnings fail the case, with this advice
    note: str = ""  # said with any failure of this case
    in_place: str = "Return new arrays and leave the ones you are given as they were."

    def inputs(self) -> dict[str, Any]:
        return dict(zip(self.params, self.args))


# -- messages ------------------------------------------------------------------------------------------------

def _describe(inputs: dict[str, Any]) -> str:
    parts = []
    for name, value in inputs.items():
        if isinstance(value, np.ndarray):
            parts.append(f"{name} {tuple(value.shape)}")
        elif isinstance(value, list):
            parts.append(f"{name} [" + ", ".join(str(tuple(np.shape(v))) for v in value) + "]")
        elif isinstance(value, Fn):
            parts.append(f"{name}={value.label}")
        elif isinstance(value, Rng):
            parts.append(f"{name}=rng seeded {value.seed}")
        else:
            parts.append(f"{name}={value!r}")
    return ", ".join(parts)


def _num(value: float) -> str:
    return f"{value:.10g}"


def _close(expected: Any, got: Any) -> np.ndarray:
    expected = np.asarray(expected, dtype=np.float64)
    got = np.asarray(got, dtype=np.float64)
    scale = 1e-9 * max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.abs(got - expected) <= RTOL * np.abs(expected) + scale
    return ok & (np.isfinite(got) | ~np.isfinite(expected))


def same(expected: Any, got: Any) -> bool:
    """Whether ``got`` is ``expected`` within the checker's tolerance (shape included)."""
    try:
        got_array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return got_array.shape == np.shape(expected) and bool(_close(expected, got_array).all())


def compare(function: str, what: str, expected: Any, got: Any, inputs: dict[str, Any]) -> None:
    """Raise :class:`CheckFailed` naming the first entry of ``got`` that differs from ``expected``."""
    where = f"{function}(…) with {_describe(inputs)}"
    expected = np.asarray(expected, dtype=np.float64)
    if got is None:
        raise CheckFailed(f"{where}: {what} is None — did you forget `return`?\n"
                          f"Expected an array of shape {tuple(expected.shape)}.")
    if isinstance(got, Foreign):
        raise CheckFailed(f"{where}: {what} should be an array of numbers of shape {tuple(expected.shape)}, "
                          f"got {got.kind}.")
    dtype = getattr(got, "dtype", None)
    if dtype is not None and dtype.kind == "f" and dtype != np.float64:
        raise CheckFailed(f"{where}: {what} is {dtype.name}; the engine computes in float64. Keep the dtype of "
                          f"the inputs you are given: no {dtype.name} buffers (np.zeros(…, dtype=…)) and no "
                          f".astype({dtype.name}).")
    try:
        got_array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        raise CheckFailed(f"{where}: {what} should be an array of numbers of shape {tuple(expected.shape)}, "
                          f"got a {type(got).__name__}.") from None
    if got_array.shape != expected.shape:
        raise CheckFailed(f"{where}: {what} has the wrong shape.\n"
                          f"  expected shape {tuple(expected.shape)}\n  received shape {tuple(got_array.shape)}")
    ok = _close(expected, got_array)
    if ok.all():
        return
    bad = np.argwhere(~ok)
    index = tuple(int(i) for i in bad[0])
    shown = f"{what}[{', '.join(map(str, index))}]" if index else what
    e, g = float(expected[index]), float(got_array[index])
    rel = abs(g - e) / abs(e) if e != 0 and np.isfinite(g) else float("inf")
    more = f" ({len(bad) - 1} more of {ok.size} entries differ too)" if len(bad) > 1 else ""
    message = (f"{where}: {shown} differs{more}.\n  expected {_num(e)}\n  got      {_num(g)}"
               + (f"   (off by {rel:.1e} relative; allowed {RTOL:g})" if np.isfinite(rel) else ""))
    with np.errstate(all="ignore"):
        worst = float(np.max(np.abs(got_array - expected) / np.maximum(np.abs(expected), 1e-300)))
    if np.all(np.isfinite(got_array)) and worst < 1e-4:
        message += ("\n  Differences this small are the size of float32 rounding: is part of it computed in "
                    "float32?")
    raise CheckFailed(message)


# -- what comes back from the subprocess ---------------------------------------------------------------------

@dataclass(frozen=True)
class Foreign:
    """A returned value that is not numbers (a string, an object array, …), described by its kind."""
    kind: str


def decode(desc: dict[str, Any], arrays: Any) -> Any:
    if "array" in desc:
        return np.asarray(arrays[desc["array"]])
    if "value" in desc:
        value = desc["value"]
        if desc.get("dtype") not in (None, "float64"):
            return np.asarray(value, dtype=desc["dtype"])[()]
        return value
    for kind in ("tuple", "list"):
        if kind in desc:
            items = [decode(d, arrays) for d in desc[kind]]
            return tuple(items) if kind == "tuple" else items
    if "dict" in desc:
        return {k: decode(v, arrays) for k, v in desc["dict"].items()}
    return Foreign(f"a {desc.get('type', 'value')}")


def _pair(got: Any, function: str, names: tuple[str, str]) -> tuple[Any, Any]:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        kind = "None" if got is None else got.kind if isinstance(got, Foreign) else type(got).__name__
        raise CheckFailed(f"{function} must return a pair ({names[0]}, {names[1]}); it returned {kind}.")
    return got[0], got[1]


def _grads(function: str, want: dict[str, Any], got: Any, keys: tuple[str, ...], inputs: dict[str, Any]) -> None:
    if not isinstance(got, dict):
        kind = "None" if got is None else got.kind if isinstance(got, Foreign) else type(got).__name__
        raise CheckFailed(f"{function} must return a dict with the keys {', '.join(map(repr, keys))}; "
                          f"it returned {kind}.")
    missing = [k for k in keys if k not in got]
    if missing:
        raise CheckFailed(f"{function} returned a dict without {', '.join(map(repr, missing))} "
                          f"(it has {', '.join(map(repr, got)) or 'no keys'}).")
    for key in keys:
        compare(function, f'grads["{key}"]', want[key], got[key], inputs)


def judge_case(case: Case, got: Any) -> None:
    """Raise :class:`CheckFailed` unless ``got`` is the case's expected result."""
    inputs = case.inputs()
    if isinstance(case.returns, tuple):
        pair = _pair(got, case.call, case.returns)
        for position in (1, 0):  # the second value first: an LSTM's h_t is computed from its c_t
            compare(case.call, case.returns[position], case.expected[position], pair[position], inputs)
    elif isinstance(case.returns, dict):
        _grads(case.call, case.expected, got, case.returns["keys"], inputs)
    elif isinstance(case.returns, list):  # sampled indices, one per seed
        for k, (want, have) in enumerate(zip(case.expected, got)):
            if not isinstance(have, int) or isinstance(have, bool) or have != want:
                seed = case.seeds[k] if case.seeds else 0
                raise CheckFailed(
                    f"{case.call}({_describe({**inputs, 'rng': Rng(seed)})}) returned "
                    f"{have if not isinstance(have, Foreign) else have.kind!r}; expected {want}."
                    f"\n  logits = {np.round(case.args[0], 3).tolist()}")
    else:
        compare(case.call, case.returns, case.expected, got, inputs)


# -- the exercises: their cases ------------------------------------------------------------------------------

def _weights(rng: np.random.Generator, f: int, u: int, gates: int, gru: bool = False) -> dict[str, np.ndarray]:
    return {"kernel": rng.normal(0, 0.6, (f, gates * u)),
            "recurrent_kernel": rng.normal(0, 0.6, (u, gates * u)),
            "bias": rng.normal(0, 0.5, (2, gates * u) if gru else (gates * u,))}


STEP = ("x_t", "h_prev", "kernel", "recurrent_kernel", "bias")
LSTM_STEP = ("x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias")


def cases_rnn_step(rng: np.random.Generator) -> list[Case]:
    cases = []
    for b, f, u in SHAPES:
        w = _weights(rng, f, u, 1)
        args = (rng.normal(size=(b, f)), rng.uniform(-1, 1, (b, u)), w["kernel"], w["recurrent_kernel"], w["bias"])
        cases.append(Case("rnn_step", STEP, args, ref.rnn_step(*args), "h_t"))
    return cases


def _lstm_pinned(args: tuple[Any, ...], gate: int) -> tuple[Any, ...]:
    """The same step with every gate but ``gate`` pinned so that the result shows that gate alone."""
    bias = np.array(args[5])
    u = bias.shape[0] // 4
    pins = {0: {1: -PIN, 2: PIN, 3: PIN},   # i: f = 0, g = 1, o = 1  ->  c_t = i
            1: {0: -PIN, 3: PIN},           # f: i = 0, o = 1         ->  c_t = f * c_prev
            2: {0: PIN, 1: -PIN, 3: PIN},   # c: i = 1, f = 0, o = 1  ->  c_t = g
            3: {0: PIN, 1: -PIN, 2: PIN}}   # o: c_t = 1              ->  h_t = o * tanh(1)
    for block, value in pins[gate].items():
        bias[block * u:(block + 1) * u] = value
    return (*args[:5], bias)


def cases_lstm_step(rng: np.random.Generator) -> list[Case]:
    a = np.array([-1000.0, -30.0, -1.0, 0.0, 0.5, 30.0, 1000.0])
    cases = [Case("sigmoid", ("a",), (a,), ref.sigmoid(a), "result",
                  strict_warnings="Write it so that large |a| cannot overflow (the first hint says how).")]
    for b, f, u in SHAPES:
        w = _weights(rng, f, u, 4)
        args = (rng.normal(size=(b, f)), rng.uniform(-1, 1, (b, u)), rng.normal(0, 1.5, (b, u)),
                w["kernel"], w["recurrent_kernel"], w["bias"])
        cases.append(Case("lstm_step", LSTM_STEP, args, ref.lstm_step(*args), ("h_t", "c_t")))
    base = cases[2].args
    for gate in range(4):
        args = _lstm_pinned(base, gate)
        cases.append(Case("lstm_step", LSTM_STEP, args, ref.lstm_step(*args), ("h_t", "c_t"), main=False,
                          tag=f"gate {gate}"))
    return cases


def _gru_pinned(args: tuple[Any, ...], gate: int) -> tuple[Any, ...]:
    bias = np.array(args[4])
    u = bias.shape[1] // 3
    pins = {0: {2: PIN},           # z: candidate = 1       ->  h_t = z * h_prev + (1 - z)
            1: {0: -PIN},          # r: z = 0               ->  h_t = tanh(x_h + r * h_h)
            2: {0: -PIN, 1: PIN}}  # h: z = 0, r = 1        ->  h_t = tanh(x_h + h_h)
    for block, value in pins[gate].items():
        bias[0, block * u:(block + 1) * u] = value
    return (*args[:4], bias)


def cases_gru_step(rng: np.random.Generator) -> list[Case]:
    cases = []
    for b, f, u in SHAPES:
        w = _weights(rng, f, u, 3, gru=True)
        args = (rng.normal(size=(b, f)), rng.uniform(-1, 1, (b, u)), w["kernel"], w["recurrent_kernel"], w["bias"])
        cases.append(Case("gru_step", STEP, args, ref.gru_step(*args), "h_t"))
    base = cases[1].args
    for gate in range(3):
        args = _gru_pinned(base, gate)
        cases.append(Case("gru_step", STEP, args, ref.gru_step(*args), "h_t", main=False, tag=f"gate {gate}"))
    return cases


def cases_clip_norm(rng: np.random.Generator) -> list[Case]:
    cases = []
    for clip, scale in ((1.0, 3.0), (5.0, 0.1), (0.0, 3.0), (0.5, 1.0), (1.0, 0.0)):
        grads = [rng.normal(0, scale, (3, 4)), rng.normal(0, scale, (4,)), rng.normal(0, scale, (2, 2, 3))]
        want_clipped, want_norm = ref.clip_by_global_norm([g.copy() for g in grads], clip)
        cases.append(Case("clip_by_global_norm", ("grads", "clip_norm"), (grads, clip),
                          {"norm": want_norm, "clipped": want_clipped}, "clip",
                          note="Here every gradient is zero, so the norm is 0 and nothing needs clipping."
                          if scale == 0 else ""))
    return cases


def cases_temperature(rng: np.random.Generator) -> list[Case]:
    cases = []
    wide = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 999.0, 1000.0]])
    for logits, temperature in ((rng.normal(0, 2.0, (5,)), 1.0), (rng.normal(0, 2.0, (3, 6)), 0.5),
                                (rng.normal(0, 1.0, (4,)), 2.0), (wide, 1.0), (wide, 0.5)):
        is_wide = logits is wide
        cases.append(Case("softmax_with_temperature", ("logits", "temperature"), (logits, temperature),
                          ref.softmax_with_temperature(logits, temperature), "p",
                          strict_warnings="Subtract each row's maximum before np.exp (the first hint): then "
                                          "no logit can overflow." if is_wide else ""))
    logits = rng.normal(0, 1.5, 6)
    logits[0] = logits.max() + 1.0  # argmax at 0 ...
    for values, temperature in ((np.roll(logits, 3), 0.0), (np.roll(logits, 5), 0.0), (logits, 0.5),
                                (logits, 1.0), (logits, 3.0)):  # ... and, at temperature 0, away from it
        seeds = [int(s) for s in rng.integers(2**31, size=40)]
        want = [ref.sample(values, temperature, np.random.default_rng(s)) for s in seeds]
        cases.append(Case("sample", ("logits", "temperature", "rng"), (values, temperature, Rng(0)), want,
                          [len(seeds)], seeds=seeds,
                          note=f"  At temperature 0 the answer is the argmax, {int(np.argmax(values))} here; "
                               f"without a branch for it, logits / 0 gives NaN probabilities."
                          if temperature == 0 else
                          "  Draw one u = rng.random() and take the first index whose cumulative probability "
                          "exceeds u (rng.choice(len(p), p=p) does the same)."))
    return cases


def cases_grad_check(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape, eps in (((3,), 1e-4), ((2, 3), 1e-4), ((1, 1), 1e-4), ((3,), 1e-2)):
        fn = Fn("tanh_cubes", (rng.normal(size=shape[-1:] + (4,)), rng.normal(size=(4,))), "tanh and cubes")
        x = rng.normal(size=shape)
        cases.append(Case("numerical_gradient", ("f", "x", "eps"), (fn, x, eps),
                          ref.numerical_gradient(fn.build(), x.copy(), eps), "gradient",
                          in_place="Put every entry back after its two calls to f."))
    for scale in (1.0, 1e-8, 0.0):
        a, b = rng.normal(size=(3, 2)) * scale, rng.normal(size=(3, 2)) * scale
        cases.append(Case("relative_error", ("a", "b"), (a, b), ref.relative_error(a, b), "result",
                          note="  Here a and b are both all zeros: ‖a‖ + ‖b‖ = 0." if scale == 0 else ""))
    return cases


def cases_rnn_bptt(rng: np.random.Generator) -> list[Case]:
    cases = []
    for (b, f, u), steps in zip(SHAPES, (1, 6, 4)):
        w = _weights(rng, f, u, 1)
        x = rng.normal(size=(b, steps, f))
        hs = ref.rnn_forward(x, w["kernel"], w["recurrent_kernel"], w["bias"])
        cases.append(Case("rnn_forward", ("x", "kernel", "recurrent_kernel", "bias"),
                          (x, w["kernel"], w["recurrent_kernel"], w["bias"]), hs, "hs"))
        dh = rng.normal(size=hs.shape)
        want = ref.rnn_backward(x, w["kernel"], w["recurrent_kernel"], w["bias"], dh)
        cases.append(Case("rnn_backward", ("x", "hs", "dh", "kernel", "recurrent_kernel"),
                          (x, hs, dh, w["kernel"], w["recurrent_kernel"]), want,
                          {"keys": ("inputs", "kernel", "recurrent_kernel", "bias")}))
    return cases


def cases_lstm_backward(rng: np.random.Generator) -> list[Case]:
    cases = []
    for b, f, u in SHAPES:
        w = _weights(rng, f, u, 4)
        args = (rng.normal(size=(b, f)), rng.uniform(-1, 1, (b, u)), rng.normal(0, 1.5, (b, u)),
                w["kernel"], w["recurrent_kernel"], w["bias"], rng.normal(size=(b, u)), rng.normal(size=(b, u)))
        cases.append(Case("lstm_step_backward", (*LSTM_STEP, "dh", "dc"), args, ref.lstm_step_backward(*args),
                          {"keys": ("x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias")}))
    return cases


CASES: dict[str, Callable[[np.random.Generator], list[Case]]] = {
    "rnn_step": cases_rnn_step,
    "lstm_step": cases_lstm_step,
    "gru_step": cases_gru_step,
    "clip_norm": cases_clip_norm,
    "temperature": cases_temperature,
    "grad_check": cases_grad_check,
    "rnn_bptt": cases_rnn_bptt,
    "lstm_backward": cases_lstm_backward,
}


def cases_for(name: str) -> list[Case]:
    return CASES[name](np.random.default_rng(20240607))


# -- explaining a failure in the learner's terms -------------------------------------------------------------

def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def _lstm_variant(args: tuple[Any, ...], order: str = "ifco", candidate: Callable[[np.ndarray], np.ndarray] = np.tanh,
                  squash_c: bool = True, input_from: str = "i") -> tuple[np.ndarray, np.ndarray]:
    """An LSTM step as code with another convention computes it: ``order`` is how it reads the 4 blocks."""
    x_t, h_prev, c_prev, kernel, recurrent_kernel, bias = args
    blocks = dict(zip(order, np.split(x_t @ kernel + h_prev @ recurrent_kernel + bias, 4, axis=-1)))
    i, f, g, o = _sigmoid(blocks[input_from]), _sigmoid(blocks["f"]), candidate(blocks["c"]), _sigmoid(blocks["o"])
    c_t = f * c_prev + i * g
    return o * (np.tanh(c_t) if squash_c else c_t), c_t


LSTM_CONVENTIONS = (
    ({"order": "ifoc"}, "the gate blocks read in the order i, f, o, c (CS231n's order, i f o g)", 2),
    ({"order": "fcio"}, "the gate blocks read in the order f, c, i, o (the order f, g, i, o of "
                        "Deep Learning from Scratch 2)", 2),
    ({"order": "icfo"}, "the gate blocks read in the order i, c, f, o (TensorFlow 1's i, j, f, o)", 2),
    ({"candidate": _sigmoid}, "the candidate g through σ instead of tanh", 3),
    ({"squash_c": False}, "h_t = o ⊙ c_t, without the tanh", 3),
    ({"input_from": "f"}, "the input gate computed from the forget gate's block (i = σ(z_f))", 2),
)


def _gru_variant(args: tuple[Any, ...], reset_before: bool = False, swap_z: bool = False,
                 order: str = "zrh") -> np.ndarray:
    """A GRU step as code with another convention computes it: ``order`` is how it reads the 3 blocks."""
    x_t, h_prev, kernel, recurrent_kernel, bias = args
    xs = dict(zip(order, np.split(x_t @ kernel + bias[0], 3, axis=-1)))
    hs = dict(zip(order, np.split(h_prev @ recurrent_kernel + bias[1], 3, axis=-1)))
    z, r = _sigmoid(xs["z"] + hs["z"]), _sigmoid(xs["r"] + hs["r"])
    if reset_before:  # r scales h_prev before its product with the candidate's block of the recurrent kernel
        kernel_h = dict(zip(order, np.split(recurrent_kernel, 3, axis=-1)))["h"]
        bias_h = dict(zip(order, np.split(bias[1], 3)))["h"]
        candidate = np.tanh(xs["h"] + (r * h_prev) @ kernel_h + bias_h)
    else:
        candidate = np.tanh(xs["h"] + r * hs["h"])
    return (1.0 - z) * h_prev + z * candidate if swap_z else z * h_prev + (1.0 - z) * candidate


GRU_CONVENTIONS = (
    ({"reset_before": True}, "the reset gate applied before the recurrent matrix product (reset_after=False, "
                             "as in d2l and Cho et al.'s first version); this exercise applies it after", 2),
    ({"swap_z": True}, "h_t = (1 − z) ⊙ h_prev + z ⊙ h̃, the other convention; in Keras z keeps the old state", 3),
    ({"order": "rzh"}, "the blocks read in the order r, z, h (PyTorch's r, z, n); Keras's order is z, r, h", 1),
)


def _gates_that_differ(probes: list[tuple[Case, Any]], gates: tuple[str, ...], lstm: bool) -> list[str]:
    named = []
    for case, got in probes:
        gate = int(case.tag.split()[-1])
        try:
            if lstm:
                h, c = _pair(got, case.call, ("h_t", "c_t"))
                right = same(case.expected[0], h) if gate == 3 else same(case.expected[1], c)
            else:
                right = same(case.expected, got)
        except CheckFailed:
            right = False
        if not right:
            named.append(gates[gate])
    return named


def _explain_step(case: Case, got: Any, probes: list[tuple[Case, Any]]) -> str:
    """The other library's convention the learner's step matches, else the gates the probes find different."""
    lstm = case.call == "lstm_step"
    for options, words, hint in LSTM_CONVENTIONS if lstm else GRU_CONVENTIONS:
        with np.errstate(all="ignore"):
            if lstm:
                want_h, want_c = _lstm_variant(case.args, **options)
                matches = isinstance(got, (tuple, list)) and len(got) == 2 and same(want_h, got[0]) \
                    and same(want_c, got[1])
            else:
                matches = same(_gru_variant(case.args, **options), got)
        if matches:
            return (f"  Your result is exactly what a step computes with {words}. "
                    f"See hint {hint} (`rnn-tutor hint {case.call}`).")
    names = LSTM_GATES if lstm else GRU_GATES
    gates = _gates_that_differ([p for p in probes if p[0].call == case.call], names, lstm)
    if not gates:
        return ""
    if len(gates) == len(names):
        return ("  With the other gates held at 0 or 1, every gate differs: look at the shared part first "
                "(the projections, the bias, the split into blocks).")
    right = [g.split()[0] for g in names if g not in gates]
    return (f"  With the other gates held at 0 or 1, the {' and the '.join(gates)} "
            f"{'differs' if len(gates) == 1 else 'differ'}; {', '.join(right)} "
            f"{'is' if len(right) == 1 else 'are'} right.")


def _explain_bptt(case: Case, got: Any) -> str:
    if case.call == "rnn_forward" and isinstance(got, np.ndarray) and got.shape == case.expected.shape:
        wrong = [t for t in range(got.shape[1]) if not same(case.expected[:, t], got[:, t])]
        if wrong and wrong[0] > 0:
            return (f"  hs[:, t] is right up to t = {wrong[0] - 1} and first differs at t = {wrong[0]}: is the "
                    f"state of step t − 1 carried into step t?")
        if wrong:
            return "  The very first step (t = 0, from h = 0) already differs: start from exercise 1's step."
    if case.call == "rnn_backward" and isinstance(got, dict) and isinstance(got.get("inputs"), np.ndarray):
        want, have = case.expected["inputs"], got["inputs"]
        if have.shape == want.shape:
            steps = want.shape[1]
            wrong = [t for t in range(steps) if not same(want[:, t], have[:, t])]
            if wrong and wrong[-1] < steps - 1:
                right = (f"at the last step (t = {steps - 1})" if wrong[-1] == steps - 2 else
                         f"from the last step (t = {steps - 1}) back to t = {wrong[-1] + 1}")
                return (f"  grads[\"inputs\"] is right {right} and first differs at t = {wrong[-1]}, going "
                        f"backward: is the carry from step t + 1 added to dh[:, t]?")
            if wrong:
                return (f"  grads[\"inputs\"] already differs at the last step (t = {steps - 1}), where no carry "
                        f"comes in yet: look at da_t = (dh[:, t] + carry) ⊙ (1 − h_t²) first.")
    return ""


def _explain_lstm_backward(case: Case, got: Any) -> str:
    if not isinstance(got, dict) or not isinstance(got.get("bias"), np.ndarray):
        return ""
    want, have = case.expected["bias"], got["bias"]
    if have.shape != want.shape:
        return ""
    blocks_w, blocks_h = np.split(want, 4), np.split(have, 4)
    wrong = [k for k in range(4) if not same(blocks_w[k], blocks_h[k])]
    if not wrong:
        return ""
    names = [LSTM_GATES[k] for k in wrong]
    line = (f"  grads[\"bias\"] is the sum of dz over the batch: its block{'s' if len(wrong) > 1 else ''} "
            f"{', '.join(names)} {'differ' if len(wrong) > 1 else 'differs'}.")
    if wrong == [2, 3] and same(blocks_w[3], blocks_h[2]) and same(blocks_w[2], blocks_h[3]):
        line += " They are the c and o blocks swapped: join dz in the order i, f, c, o (hint 2)."
    elif wrong == [0, 1, 2]:
        line += (" Only o is right, and i, f and c all reach the loss through c_t: is dc_total = dc + "
                 "dh ⊙ o ⊙ (1 − tanh²(c_t)), with the incoming dc?")
    return line


def _explain_grad_check(case: Case, got: Any) -> str:
    if case.call != "numerical_gradient" or case.args[2] == 1e-4:
        return ""
    fn, x = case.args[0], case.args[1]
    for eps in (1e-5, 1e-4, 1e-6):
        if same(ref.numerical_gradient(fn.build(), x.copy(), eps), got):
            return (f"  Your result is the central difference for eps = {eps:g}, not the eps = {case.args[2]:g} "
                    f"you were given: use the eps argument.")
    return ""


def explain(case: Case, got: Any, probes: list[tuple[Case, Any]]) -> str:
    """A line or two in the learner's terms about why ``got`` is wrong ('' if nothing more is known)."""
    if case.call in ("lstm_step", "gru_step"):
        return _explain_step(case, got, probes)
    if case.call in ("rnn_forward", "rnn_backward"):
        return _explain_bptt(case, got)
    if case.call == "lstm_step_backward":
        return _explain_lstm_backward(case, got)
    if case.call == "numerical_gradient":
        return _explain_grad_check(case, got)
    if case.call == "softmax_with_temperature" and isinstance(got, np.ndarray) and got.dtype.kind == "f" \
            and not np.all(np.isfinite(got)):
        return ("  p has NaN or infinite entries: subtract each row's maximum before np.exp (the first hint), and "
                "take the maximum and the sum along the last axis.")
    return ""


def judge_clip(case: Case, got: Any) -> None:
    inputs = case.inputs()
    clipped, norm = _pair(got, "clip_by_global_norm", ("clipped", "norm"))
    compare("clip_by_global_norm", "norm", case.expected["norm"], norm, inputs)
    want = case.expected["clipped"]
    if not isinstance(clipped, (list, tuple)) or len(clipped) != len(want):
        raise CheckFailed(f"clip_by_global_norm(…) with {_describe(inputs)}: `clipped` must be a list of "
                          f"{len(want)} arrays, one per gradient.")
    for i, (w, h) in enumerate(zip(want, clipped)):
        compare("clip_by_global_norm", f"clipped[{i}]", w, h, inputs)


def write_cases(cases: list[Case], work: Path) -> None:
    """``cases.json`` (what to call, with which arguments) and ``inputs.npz`` (the arrays) for the runner."""
    arrays: dict[str, Any] = {}  # Any: np.savez's stubs read a ** of ndarrays as its allow_pickle

    def put(value: np.ndarray) -> str:
        key = f"a{len(arrays)}"
        arrays[key] = np.asarray(value)
        return key

    def arg(value: Any) -> dict[str, Any]:
        if isinstance(value, np.ndarray):
            return {"array": put(value)}
        if isinstance(value, list):
            return {"arrays": [put(v) for v in value]}
        if isinstance(value, Fn):
            return {"fn": value.name, "of": [put(v) for v in value.of]}
        if isinstance(value, Rng):
            return {"rng": value.seed}
        return {"value": value}

    spec = [{"call": c.call, "params": list(c.params), "args": [arg(a) for a in c.args], "seeds": c.seeds}
            for c in cases]
    (work / "cases.json").write_text(json.dumps(spec), encoding="utf-8")
    np.savez(work / "inputs.npz", **arrays)


# -- judging a whole run -------------------------------------------------------------------------------------

def _own_file(path: str, package: Path) -> bool:
    try:
        return bool(path) and Path(path).resolve().is_relative_to(package)
    except OSError:
        return False


def judge(name: str, cases: list[Case], result: dict[str, Any], outputs: Path, package: Path,
          learner: Path) -> tuple[bool, str]:
    """Whether the learner's results are right, and what to tell them: the first problem found, or the pass.

    ``result`` is the runner's ``result.json`` and ``outputs`` its ``outputs.npz``; ``package`` is the tutor's
    folder, where no function the learner hands in may come from unless it is ``learner``, their file.
    """
    if "load_error" in result:
        return False, str(result["load_error"])
    imported = [m for m in result.get("tutor_modules", []) if m not in ("tutor", "tutor.exercises")]
    if imported:
        return False, (f"Your file imports the tutor's own code ({', '.join(imported[:3])}). The check wants your "
                       f"own code, not the tutor's: write your own.")
    for function, origin in result.get("origins", {}).items():
        where = origin.get("file", "")
        if where != str(learner.resolve()) and (_own_file(where, package)
                                                or str(origin.get("module", "")).startswith("tutor.")):
            return False, (f"{function} comes from the tutor's own files ({origin.get('file') or origin['module']})"
                           f". The check wants your own code: write your own.")
    results = result.get("results", [])
    with np.load(outputs, allow_pickle=False) as arrays:
        decoded = [decode(r["out"], arrays) if r.get("status") == "ok" else None for r in results]
    probes = [(c, g) for c, r, g in zip(cases, results, decoded) if not c.main and r.get("status") == "ok"]
    count = 0
    for case, outcome, got in zip(cases, results, decoded):
        status = outcome.get("status")
        note = f"\n  {case.note.strip()}" if case.note else ""
        if status == "missing":
            return False, (f"There is no function `{case.call}` in your file. Keep the names the exercise gives; "
                           f"`rnn-tutor reset {name}` restores the original.")
        if status != "ok":
            return False, str(outcome.get("error", "Your code stopped with an error.")) + note
        if not case.main:
            continue
        changed = [case.params[k] for k in outcome.get("changed", [])]
        if changed:
            return False, (f"{case.call}(…) with {_describe(case.inputs())} changed its argument "
                           f"{' and '.join(changed)} in place. {case.in_place}")
        said = outcome.get("warnings", [])
        try:
            (judge_clip if case.call == "clip_by_global_norm" else judge_case)(case, got)
        except CheckFailed as failed:
            lines = [str(failed), explain(case, got, probes)]
            odd = [d for d in outcome.get("called_with", []) if d != "float64"]
            if odd:
                lines.append(f"  Your code called f with {' and '.join(odd)} arrays: perturb x itself, which is "
                             f"float64, not a copy in another dtype.")
            if said:
                lines.append(f"  NumPy also warned while your code ran: {'; '.join(said)}.")
            return False, "\n".join(line for line in lines if line) + note
        if said and case.strict_warnings:
            return False, (f"{case.call}(…) with {_describe(case.inputs())}: your values are right, but NumPy "
                           f"warned while computing them ({'; '.join(said)}). {case.strict_warnings}")
        count += 1
    if len(results) < len(cases):
        return False, "The checker stopped before every case ran."
    return True, (f"{name}: all {count} checks pass against the NumPy engine (float64, relative tolerance "
                  f"{RTOL:g}).")

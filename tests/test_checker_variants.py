"""The exercise checker against code it has never seen (after shared/reviews/exercises-outside-code.md).

Each case is the project's own minimal code written after an idea named in its comment (no third-party code
is copied): correct variants that must pass whatever their names and layout, realistic bugs that must fail
with words that point at the bug (the gate, the time step, the dtype, the convention), and the ways to fake
a pass that the review found, each of which must fail now that the learner's code only computes.
"""

from __future__ import annotations

import pytest

from tutor.exercises import workspace
from tutor.exercises.checker import check


def solution(name: str) -> str:
    return workspace.solution(name).read_text(encoding="utf-8")


def edit(name: str, *pairs: tuple[str, str]) -> str:
    text = solution(name)
    for old, new in pairs:
        assert old in text, f"{old!r} is not in the {name} solution"
        text = text.replace(old, new, 1)
    return text


def run(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.py"
    path.write_text(text, encoding="utf-8")
    return check(name, path)


STABLE_SIGMOID = '''
def sigmoid(x):  # exp of a non-positive number only (the stable form in CS231n's rnn_layers)
    out = np.empty_like(x, dtype=np.float64)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    out[~pos] = e / (1.0 + e)
    return out
'''

# -- correct code in other shapes: every one must pass --------------------------------------------------------

CORRECT = {
    # CS231n's parameter names (x, prev_h, Wx, Wh, b): called positionally, the names are the learner's.
    "rnn_step renamed parameters": ("rnn_step", edit(
        "rnn_step", ("def rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):\n    return np.tanh("
                     "x_t @ kernel + h_prev @ recurrent_kernel + bias)",
                     "def rnn_step(x, prev_h, Wx, Wh, b):\n    return np.tanh(x @ Wx + prev_h @ Wh + b)"))),
    # min-char-rnn's column vectors: W·x with the batch as columns, transposed back at the end.
    "rnn_step column vectors": ("rnn_step", "import numpy as np\n\n\ndef rnn_step(x_t, h_prev, kernel, "
                                "recurrent_kernel, bias):\n    h = np.tanh(kernel.T @ x_t.T + recurrent_kernel.T @ "
                                "h_prev.T + bias[:, None])\n    return h.T\n"),
    # A stable sigmoid whose parameter is x, and four per-gate column slices (as d2l keeps separate weights).
    "lstm_step per-gate slices": ("lstm_step", "import numpy as np\n" + STABLE_SIGMOID + '''

def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    u = h_prev.shape[1]
    def block(k):
        cols = slice(k * u, (k + 1) * u)
        return x_t @ kernel[:, cols] + h_prev @ recurrent_kernel[:, cols] + bias[cols]
    i, f, g, o = sigmoid(block(0)), sigmoid(block(1)), np.tanh(block(2)), sigmoid(block(3))
    c = f * c_prev + i * g
    return o * np.tanh(c), c
'''),
    # CS231n's order i, f, o, g, re-ordered correctly for Keras's layout.
    "lstm_step reordered unpacking": ("lstm_step", edit(
        "lstm_step", ("z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)",
                      "a_i, a_f, a_g, a_o = np.split(z, 4, axis=-1)\n    z_i, z_f, z_o, z_c = a_i, a_f, a_o, a_g"))),
    # Keras's GRUCell, implementation 1: one slice of each kernel per gate.
    "gru_step per-gate kernels": ("gru_step", edit("gru_step", ("    u = h_prev.shape[-1]\n", "    u = h_prev.shape[-1]\n"),
        ("x_proj = x_t @ kernel + bias[0]", "x_proj = np.concatenate([x_t @ kernel[:, k * u:(k + 1) * u] for k in "
                                            "range(3)], axis=-1) + bias[0]"))),
    # PyTorch's GRU formulas (r, z, n) mapped onto Keras's blocks z, r, h with z keeping the old state.
    "gru_step torch formulas": ("gru_step", '''import numpy as np


def sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    u = h_prev.shape[1]
    w_iz, w_ir, w_in = np.split(kernel, 3, axis=1)
    w_hz, w_hr, w_hn = np.split(recurrent_kernel, 3, axis=1)
    b_iz, b_ir, b_in = np.split(bias[0], 3)
    b_hz, b_hr, b_hn = np.split(bias[1], 3)
    r = sigmoid(x_t @ w_ir + b_ir + h_prev @ w_hr + b_hr)
    z = sigmoid(x_t @ w_iz + b_iz + h_prev @ w_hz + b_hz)
    n = np.tanh(x_t @ w_in + b_in + r * (h_prev @ w_hn + b_hn))
    assert n.shape[1] == u
    return (1 - z) * n + z * h_prev
'''),
    # TensorFlow's documented rule t * clip / max(norm, clip), with its own parameter name.
    "clip_norm tensorflow rule": ("clip_norm", '''import numpy as np


def clip_by_global_norm(t_list, clip_norm):
    norm = float(np.sqrt(sum(np.sum(t * t) for t in t_list)))
    if clip_norm == 0:
        return [t.copy() for t in t_list], norm
    return [t * clip_norm / max(norm, clip_norm) for t in t_list], norm
'''),
    # PyTorch's coefficient clip / (norm + 1e-6), clamped at 1.
    "clip_norm torch coefficient": ("clip_norm", '''import numpy as np


def clip_by_global_norm(grads, clip_norm):
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads)))
    coef = min(1.0, clip_norm / (norm + 1e-6)) if clip_norm > 0 else 1.0
    return [g * coef for g in grads], norm
'''),
    # Generator.choice draws one u and searches the cumulative sum, the protocol the docstring describes.
    "temperature with rng.choice": ("temperature", edit(
        "temperature", ('u = rng.random()\n    index = int(np.searchsorted(np.cumsum(p), u, side="right"))\n'
                        '    return min(index, len(p) - 1)', "return int(rng.choice(len(p), p=p))"))),
    # Sharpening the probabilities instead of the logits: p ** (1 / T), renormalised, is the same distribution.
    "temperature as a power": ("temperature", edit(
        "temperature", ("a = np.asarray(logits, dtype=np.float64) / temperature",
                        "a = np.asarray(logits, dtype=np.float64)"),
        ("return e / e.sum(axis=-1, keepdims=True)",
         "p = (e / e.sum(axis=-1, keepdims=True)) ** (1.0 / temperature)\n    return p / p.sum(axis=-1, keepdims=True)"))),
    # min-char-rnn keeps its own names for the sequence (hs_in, dh_in): positional calls take them.
    "rnn_bptt renamed parameters": ("rnn_bptt", edit(
        "rnn_bptt", ("def rnn_backward(x, hs, dh, kernel, recurrent_kernel):",
                     "def rnn_backward(x, hs_in, dh_in, kernel, recurrent_kernel):\n    hs, dh = hs_in, dh_in"))),
    # Deep Learning from Scratch 2 slices its dz blocks and stacks them with hstack.
    "lstm_backward hstack": ("lstm_backward", edit(
        "lstm_backward", ("dz = np.concatenate([", "dz = np.hstack(["), ("dh * tc * o * (1.0 - o)], axis=-1)",
                                                                         "dh * tc * o * (1.0 - o)])"))),
}


@pytest.mark.parametrize("label", list(CORRECT))
def test_correct_code_in_another_shape_passes(tmp_path, label):
    name, text = CORRECT[label]
    result = run(tmp_path, name, text)
    assert result.passed, f"{label}: {result.message}"


# -- bugs: each must fail, with the words that point at it ----------------------------------------------------

BUGS = {
    "rnn_step: recurrent kernel transposed": ("rnn_step", edit("rnn_step", ("h_prev @ recurrent_kernel",
                                                                           "h_prev @ recurrent_kernel.T")),
                                              ["h_t[", "differs"]),
    "rnn_step: computed in float32": ("rnn_step", edit("rnn_step", (
        "return np.tanh(x_t @ kernel + h_prev @ recurrent_kernel + bias)",
        "f = np.float32\n    return np.tanh(x_t.astype(f) @ kernel.astype(f) + h_prev.astype(f) @ "
        "recurrent_kernel.astype(f) + bias.astype(f))")), ["float32"]),
    "rnn_step: returned as float32": ("rnn_step", edit("rnn_step", ("+ bias)", "+ bias).astype(np.float32)")),
                                      ["float32"]),
    "rnn_step: column vectors returned": ("rnn_step", edit("rnn_step", ("+ bias)", "+ bias).T")), ["wrong shape"]),
    "lstm_step: CS231n gate order kept": ("lstm_step", edit("lstm_step", ("z_i, z_f, z_c, z_o", "z_i, z_f, z_o, z_c")),
                                          ["i, f, o, c", "hint 2"]),
    "lstm_step: candidate through sigmoid": ("lstm_step", edit("lstm_step", ("np.tanh(z_c)", "sigmoid(z_c)")),
                                             ["candidate g through σ instead of tanh", "hint 3"]),
    "lstm_step: tanh of c forgotten": ("lstm_step", edit("lstm_step", ("h_t = o * np.tanh(c_t)", "h_t = o * c_t")),
                                       ["without the tanh"]),
    "lstm_step: copy-paste input gate": ("lstm_step", edit("lstm_step", ("i, f, g, o = sigmoid(z_i)",
                                                                        "i, f, g, o = sigmoid(z_f)")),
                                         ["input gate computed from the forget gate's block", "hint 2"]),
    "lstm_step: sigmoid that overflows": ("lstm_step", edit("lstm_step", ("return 0.5 * (1.0 + np.tanh(0.5 * a))",
                                                                         "return 1.0 / (1.0 + np.exp(-a))")),
                                          ["your values are right", "overflow"]),
    # d2l's GRU resets h_prev before the product and adds one bias.
    "gru_step: reset before the product": ("gru_step", edit("gru_step", (
        "candidate = np.tanh(x_proj[:, 2 * u:] + r * h_proj[:, 2 * u:])",
        "candidate = np.tanh(x_proj[:, 2 * u:] + (r * h_prev) @ recurrent_kernel[:, 2 * u:] + bias[1, 2 * u:])")),
                                           ["reset gate applied before", "hint 2"]),
    "gru_step: z and 1 - z swapped": ("gru_step", edit("gru_step", ("return z * h_prev + (1.0 - z) * candidate",
                                                                   "return (1.0 - z) * h_prev + z * candidate")),
                                      ["(1 − z)", "hint 3"]),
    "gru_step: torch block order": ("gru_step", edit("gru_step", ("z = sigmoid(x_proj[:, :u] + h_proj[:, :u])",
                                                                 "z = sigmoid(x_proj[:, u:2 * u] + h_proj[:, u:2 * u])"),
                                                     ("r = sigmoid(x_proj[:, u:2 * u] + h_proj[:, u:2 * u])",
                                                      "r = sigmoid(x_proj[:, :u] + h_proj[:, :u])")),
                                    ["r, z, h"]),
    "clip_norm: each array by its own norm": ("clip_norm", edit("clip_norm", (
        "return [g * (clip_norm / norm) for g in grads], norm",
        "return [g * min(1.0, clip_norm / float(np.linalg.norm(g))) for g in grads], norm")), ["clipped[0]"]),
    # A notebook's `grad *= clip_coef`.
    "clip_norm: in place": ("clip_norm", edit("clip_norm", ("return [g * (clip_norm / norm) for g in grads], norm",
                                                           "for g in grads:\n            g *= clip_norm / norm\n"
                                                           "        return grads, norm")), ["in place", "grads"]),
    "clip_norm: norm after clipping": ("clip_norm", edit("clip_norm", (
        "return [g * (clip_norm / norm) for g in grads], norm", "return [g * (clip_norm / norm) for g in grads], "
                                                                "clip_norm")), ["norm differs"]),
    "clip_norm: divides by a zero norm": ("clip_norm", '''import numpy as np


def clip_by_global_norm(grads, clip_norm):
    norm = float(np.sqrt(sum(float(np.sum(g * g)) for g in grads)))
    if clip_norm == 0:
        return [g.copy() for g in grads], norm
    scale = min(1.0, clip_norm / norm)
    return [g * scale for g in grads], norm
''', ["ZeroDivisionError", "every gradient is zero"]),
    "temperature: applied to the probabilities": ("temperature", edit("temperature", (
        "return e / e.sum(axis=-1, keepdims=True)", "p = e / e.sum(axis=-1, keepdims=True) / temperature\n"
                                                    "    return p / p.sum(axis=-1, keepdims=True)"),
        ("a = np.asarray(logits, dtype=np.float64) / temperature", "a = np.asarray(logits, dtype=np.float64)")),
                                                  ["p[", "differs"]),
    "temperature: logits times T": ("temperature", edit("temperature", ("/ temperature", "* temperature")),
                                    ["p[", "differs"]),
    "temperature: no branch for 0": ("temperature", edit("temperature", (
        "    if temperature == 0:\n        return int(np.argmax(logits))\n", "")), ["argmax"]),
    "temperature: no max subtracted": ("temperature", edit("temperature", (
        "    a = a - a.max(axis=-1, keepdims=True)\n", "")), ["NaN", "subtract each row's maximum"]),
    "grad_check: one-sided difference": ("grad_check", edit("grad_check", (
        "grad[k] = (up - down) / (2 * eps)", "grad[k] = (up - f(x)) / eps")), ["gradient[", "differs"]),
    "grad_check: x not put back": ("grad_check", edit("grad_check", ("        x[k] = kept\n", "")),
                                   ["changed its argument x in place", "Put every entry back"]),
    "grad_check: a loop over rows": ("grad_check", edit("grad_check", ("for k in np.ndindex(x.shape):",
                                                                      "for k in range(len(x)):")), ["gradient"]),
    # A min-char-rnn copy divides by |a + b|.
    "grad_check: norm of the sum": ("grad_check", edit("grad_check", (
        "np.linalg.norm(a) + np.linalg.norm(b)", "np.linalg.norm(a + b)")), ["result differs"]),
    "grad_check: perturbs a float32 copy": ("grad_check", edit("grad_check", (
        "    for k in np.ndindex(x.shape):", "    x = x.astype(np.float32)\n    for k in np.ndindex(x.shape):")),
                                            ["float32"]),
    "grad_check: eps ignored": ("grad_check", edit("grad_check", ("def numerical_gradient(f, x, eps=1e-5):",
                                                                 "def numerical_gradient(f, x, eps=1e-5):\n"
                                                                 "    eps = 1e-5")), ["eps argument"]),
    # A reported bug in a makemore-style loop: the state is never carried.
    "rnn_bptt: state never carried": ("rnn_bptt", edit("rnn_bptt", (
        "h = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)",
        "hs[:, t] = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)"), ("        hs[:, t] = h\n", "")),
                                      ["first differs at t = 1", "carried"]),
    "rnn_bptt: carry forgotten": ("rnn_bptt", edit("rnn_bptt", ("total = dh[:, t] + carry", "total = dh[:, t]")),
                                  ["carry", "t = 5"]),
    "rnn_bptt: h_t in the recurrent gradient": ("rnn_bptt", edit("rnn_bptt", (
        'grads["recurrent_kernel"] += h_prev.T @ da', 'grads["recurrent_kernel"] += hs[:, t].T @ da')),
                                                ['grads["recurrent_kernel"]']),
    "rnn_bptt: caller's dh changed": ("rnn_bptt", edit("rnn_bptt", ("total = dh[:, t] + carry",
                                                                   "dh[:, t] += carry\n        total = dh[:, t]")),
                                      ["dh", "in place"]),
    # min-char-rnn clips inside its loss function.
    "rnn_bptt: gradients clipped": ("rnn_bptt", edit("rnn_bptt", ("    return grads\n",
                                                                 "    for key in grads:\n        np.clip(grads[key], "
                                                                 "-0.1, 0.1, out=grads[key])\n    return grads\n")),
                                    ["differs"]),
    "rnn_bptt: bias not accumulated": ("rnn_bptt", edit("rnn_bptt", ('grads["bias"] += da.sum(axis=0)',
                                                                    'grads["bias"] = da.sum(axis=0)')),
                                       ['grads["bias"]']),
    # A notebook's LSTM backward took tanh' at the activation, not the pre-activation.
    "lstm_backward: derivative at the activation": ("lstm_backward", edit("lstm_backward", (
        "dc_total * i * (1.0 - g ** 2)", "dc_total * i * (1.0 - np.tanh(g) ** 2)")), ["c (candidate)"]),
    "lstm_backward: c_prev without f": ("lstm_backward", edit("lstm_backward", ('"c_prev": dc_total * f',
                                                                               '"c_prev": dc_total')),
                                        ['grads["c_prev"]']),
    "lstm_backward: dc not added": ("lstm_backward", edit("lstm_backward", ("dc_total = dc + dh", "dc_total = dh")),
                                    ["Only o is right", "dc_total"]),
    "lstm_backward: dz joined i, f, o, c": ("lstm_backward", edit("lstm_backward", (
        "                         dc_total * i * (1.0 - g ** 2),\n                         dh * tc * o * (1.0 - o)]",
        "                         dh * tc * o * (1.0 - o),\n                         dc_total * i * (1.0 - g ** 2)]")),
                                            ["c and o blocks swapped"]),
}


@pytest.mark.parametrize("label", list(BUGS))
def test_a_bug_fails_with_words_that_point_at_it(tmp_path, label):
    name, text, words = BUGS[label]
    result = run(tmp_path, name, text)
    assert not result.passed, f"{label} passed: {result.message}"
    for word in words:
        assert word in result.message, f"{label}: {word!r} not in\n{result.message}"


# -- ways to fake a pass: none may pass -----------------------------------------------------------------------

FAKES = {
    "import the shipped solution": ("rnn_step", "from tutor.exercises.solutions.rnn_step import rnn_step\n",
                                    "write your own"),
    "import the checker's reference": ("lstm_step", "from tutor.exercises.reference import lstm_step, sigmoid\n",
                                       "write your own"),
    "patch the comparison": ("rnn_step", "import tutor.exercises.checks as checks\n"
                                         "checks.compare = lambda *a, **k: None\n\n\ndef rnn_step(*args):\n"
                                         "    return None\n", "write your own"),
    "replace the exercise's check": ("lstm_backward", "from tutor.exercises import checks\n"
                                                      "checks.CASES['lstm_backward'] = lambda rng: []\n", ""),
    "patch np.abs": ("rnn_step", "import numpy as np\nnp.abs = lambda a: np.zeros(np.shape(a))\n\n\n"
                                 "def rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):\n"
                                 "    return np.zeros((x_t.shape[0], kernel.shape[1]))\n", "differs"),
    "patch np.allclose": ("rnn_step", "import numpy as np\nnp.allclose = np.isclose = lambda *a, **k: True\n\n\n"
                                      "def rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):\n"
                                      "    return np.ones((x_t.shape[0], kernel.shape[1]))\n", "differs"),
    "a passing line on stdout, then os._exit": (
        "rnn_step", "import json, os, sys\nsys.__stdout__.write(json.dumps({'passed': True, 'message': 'ok', "
                    "'cases': 3}) + '\\n')\nsys.__stdout__.flush()\nos._exit(0)\n", "stopped the checker"),
    "an atexit handler that writes a pass": (
        "rnn_step", "import atexit, json, sys\n\natexit.register(lambda: sys.__stdout__.write(json.dumps("
                    "{'passed': True, 'message': 'ok', 'cases': 3}) + '\\n'))\n\n\n"
                    "def rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):\n    return x_t\n", ""),
    "read the expected values from the caller's frame": (
        "temperature", "import sys\n\n\ndef softmax_with_temperature(logits, temperature):\n"
                       "    frame = sys._getframe(1)\n    return frame.f_locals.get('want', frame.f_locals.get('expected'))"
                       "\n\n\ndef sample(logits, temperature, rng):\n    return sys._getframe(1).f_locals['want'][0]\n",
        ""),
    "sys.exit(0) at import": ("rnn_step", "import sys\nsys.exit(0)\n", "SystemExit"),
    "os._exit(0) at import": ("rnn_step", "import os\nos._exit(0)\n", "stopped the checker"),
    "replace CheckFailed": ("rnn_step", "from tutor.exercises import checks\nchecks.CheckFailed = KeyError\n", ""),
    "write the runner's result file": (
        "rnn_step", "import json, os, sys\nwork = sys.argv[-1]\nopen(os.path.join(work, 'result.json'), 'w').write("
                    "json.dumps({'results': [], 'origins': {}, 'tutor_modules': []}))\nos._exit(0)\n", ""),
}


@pytest.mark.parametrize("label", list(FAKES))
def test_a_way_to_fake_a_pass_fails(tmp_path, label):
    name, text, words = FAKES[label]
    result = run(tmp_path, name, text)
    assert not result.passed, f"{label} passed: {result.message}"
    assert words in result.message, result.message


def test_the_probes_name_a_gate_no_convention_explains(tmp_path):
    # A slip no library makes: the output gate read from the input gate's block.
    text = edit("lstm_step", ("sigmoid(z_o)", "sigmoid(z_i)"))
    result = run(tmp_path, "lstm_step", text)
    assert not result.passed
    assert "the o (output gate) differs; i, f, c are right" in result.message, result.message


def test_a_pass_written_into_progress_by_hand_does_not_unlock_the_solution(capsys):
    # The review's last fake, with the status now in progress.json: a recorded pass whose file does not pass.
    from tutor.exercises.cli import cmd_solution
    from tutor.paths import progress_file
    from tutor.progress import ProgressStore

    workspace.ensure()
    store = ProgressStore(progress_file())
    store.record_pass("rnn_step")
    store.flush(timeout=5)
    assert ProgressStore(progress_file()).exercise_passed("rnn_step")
    assert cmd_solution("rnn_step") == 1
    assert "once your own file passes" in capsys.readouterr().err
    workspace.path("rnn_step").write_text(solution("rnn_step"), encoding="utf-8")
    assert cmd_solution("rnn_step") == 0
    assert "np.tanh" in capsys.readouterr().out

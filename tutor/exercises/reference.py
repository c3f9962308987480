"""What the checker compares a learner's code with: the project's NumPy engine (``tutor.engine.scratch``).

Where the engine already computes the quantity (a whole sequence's forward and backward pass, clipping by
global norm) it is called directly. A single step from an arbitrary state is not something the engine's
sequence classes expose, so the step functions below are written from the engine's own formulas; the test
suite proves that chaining them over a sequence reproduces the engine's forward pass and its BPTT gradients
to rounding. NumPy only: this runs in the checker's subprocess, which must start fast.
"""

from __future__ import annotations

import numpy as np

from tutor.engine.scratch import LSTM, SimpleRNN, relative_error, sigmoid  # noqa: F401  (relative_error: grad_check's)
from tutor.engine.scratch_train import clip_by_global_norm  # noqa: F401  (the reference for clip_norm)


def rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    # The engine's SimpleRNN from a zero state, with h_prev folded into the input and recurrent_kernel into
    # the kernel: x·W + h_prev·R + b is then exactly its first step's pre-activation.
    joined = np.concatenate([x_t, h_prev], axis=1)[:, None, :]
    cell = SimpleRNN(np.concatenate([kernel, recurrent_kernel]), recurrent_kernel, bias)
    return cell.forward(joined)[:, 0]


def lstm_gates(x_t, h_prev, kernel, recurrent_kernel, bias):
    """i, f, g, o of one step, from the engine's LSTM (the same folding as :func:`rnn_step`)."""
    joined = np.concatenate([x_t, h_prev], axis=1)[:, None, :]
    cell = LSTM(np.concatenate([kernel, recurrent_kernel]), recurrent_kernel, bias)
    cell.forward(joined)
    inn = cell.internals
    return tuple(inn[k][:, 0] for k in ("input_gate", "forget_gate", "candidate", "output_gate"))


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    i, f, g, o = lstm_gates(x_t, h_prev, kernel, recurrent_kernel, bias)
    c_t = f * c_prev + i * g
    return o * np.tanh(c_t), c_t


def lstm_step_backward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, dh, dc):
    i, f, g, o = lstm_gates(x_t, h_prev, kernel, recurrent_kernel, bias)
    tc = np.tanh(f * c_prev + i * g)
    dc_total = dc + dh * o * (1.0 - tc ** 2)
    dz = np.concatenate([dc_total * g * i * (1.0 - i), dc_total * c_prev * f * (1.0 - f),
                         dc_total * i * (1.0 - g ** 2), dh * tc * o * (1.0 - o)], axis=-1)
    return {"x_t": dz @ kernel.T, "h_prev": dz @ recurrent_kernel.T, "c_prev": dc_total * f,
            "kernel": x_t.T @ dz, "recurrent_kernel": h_prev.T @ dz, "bias": dz.sum(axis=0)}


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    u = h_prev.shape[-1]
    xp = x_t @ kernel + bias[0]
    rec = h_prev @ recurrent_kernel + bias[1]
    zr = sigmoid(xp[:, : 2 * u] + rec[:, : 2 * u])
    z, r = zr[:, :u], zr[:, u:]
    candidate = np.tanh(xp[:, 2 * u:] + r * rec[:, 2 * u:])
    return z * h_prev + (1.0 - z) * candidate


def rnn_forward(x, kernel, recurrent_kernel, bias):
    return SimpleRNN(kernel, recurrent_kernel, bias).forward(x)


def rnn_backward(x, kernel, recurrent_kernel, bias, dh):
    cell = SimpleRNN(kernel, recurrent_kernel, bias)
    cell.forward(x)
    return cell.backward(dh)


def softmax_with_temperature(logits, temperature):
    a = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sample(logits, temperature, rng):
    if temperature == 0:
        return int(np.argmax(logits))
    p = softmax_with_temperature(logits, temperature)
    return min(int(np.searchsorted(np.cumsum(p), rng.random(), side="right")), len(p) - 1)


def numerical_gradient(f, x, eps=1e-5):
    grad = np.zeros(x.shape)
    for k in np.ndindex(x.shape):
        kept = x[k]
        x[k] = kept + eps
        up = f(x)
        x[k] = kept - eps
        down = f(x)
        x[k] = kept
        grad[k] = (up - down) / (2 * eps)
    return grad

"""What the checker compares a learner's code with: the project's NumPy engine (``tutor.engine.scratch``).

Every function here is the engine itself, called: a cell's ``step`` for the step exercises, one step of its
forward pass and BPTT for the LSTM's backward step, a whole sequence's forward and backward pass, clipping by
global norm, the relative error and the central-difference gradient. The sampler is the one exception (see
:func:`sample`). NumPy only: this runs in the checker's subprocess, which must start fast.
"""

from __future__ import annotations

import numpy as np

from tutor.engine.scratch import GRU, LSTM, SimpleRNN, sigmoid  # noqa: F401  (sigmoid: lstm_step's)
from tutor.engine.scratch import numerical_gradient, relative_error  # noqa: F401  (grad_check's)
from tutor.engine.scratch_train import clip_by_global_norm  # noqa: F401  (the reference for clip_norm)


def rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    return SimpleRNN(kernel, recurrent_kernel, bias).step(x_t, h_prev)[0]


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    return LSTM(kernel, recurrent_kernel, bias).step(x_t, (h_prev, c_prev))[1]  # the state (h_t, c_t)


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    return GRU(kernel, recurrent_kernel, bias).step(x_t, h_prev)[0]


def lstm_step_backward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias, dh, dc):
    # The engine's BPTT over a sequence of one step that starts from (h_prev, c_prev): dh reaches h_t, and dc
    # reaches c_t as the gradient of the final state.
    cell = LSTM(kernel, recurrent_kernel, bias)
    cell.forward(x_t[:, None], initial_state=(h_prev, c_prev))
    grads = cell.backward(dh[:, None], d_final_state=(np.zeros_like(dh), dc))
    d_h_prev, d_c_prev = cell.d_initial_state
    return {"x_t": grads["inputs"][:, 0], "h_prev": d_h_prev, "c_prev": d_c_prev, "kernel": grads["kernel"],
            "recurrent_kernel": grads["recurrent_kernel"], "bias": grads["bias"]}


def rnn_forward(x, kernel, recurrent_kernel, bias):
    return SimpleRNN(kernel, recurrent_kernel, bias).forward(x)


def rnn_backward(x, kernel, recurrent_kernel, bias, dh):
    cell = SimpleRNN(kernel, recurrent_kernel, bias)
    cell.forward(x)
    return cell.backward(dh)


# The temperature exercise's sampler: one uniform draw u and the first index whose cumulative probability
# exceeds it, so that a learner's sampler and this one agree draw for draw from the same seed. The lesson-6
# generator (tutor.engine.experiments.applied) has its own softmax_t and samples with rng.choice.
def softmax_with_temperature(logits, temperature):
    a = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(a - a.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sample(logits, temperature, rng):
    if temperature == 0:
        return int(np.argmax(logits))
    p = softmax_with_temperature(logits, temperature)
    return min(int(np.searchsorted(np.cumsum(p), rng.random(), side="right")), len(p) - 1)

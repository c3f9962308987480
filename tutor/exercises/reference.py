"""What the checker compares a learner's code with: the project's NumPy engine (``tutor.engine.scratch``).

Every function here is the engine itself, called: a cell's ``step`` for the step exercises, one step of its
forward pass and BPTT for the LSTM's backward step, a whole sequence's forward and backward pass, clipping by
global norm, the relative error, the central-difference gradient, and the softmax with temperature and the
sampler of lesson 6's text generator (``tutor.engine.text``). NumPy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tutor.engine.scratch import GRU, LSTM, SimpleRNN, sigmoid  # noqa: F401  (sigmoid: lstm_step's)
from tutor.engine.scratch import numerical_gradient, relative_error  # noqa: F401  (grad_check's)
from tutor.engine.scratch_train import clip_by_global_norm  # noqa: F401  (the reference for clip_norm)
from tutor.engine.text import sample  # noqa: F401  (temperature's)
from tutor.engine.text import softmax_t as softmax_with_temperature  # noqa: F401  (temperature's)


def rnn_step(x_t: np.ndarray, h_prev: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray,
             bias: np.ndarray) -> Any:
    return SimpleRNN(kernel, recurrent_kernel, bias).step(x_t, h_prev)[0]


def lstm_step(x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, kernel: np.ndarray,
              recurrent_kernel: np.ndarray, bias: np.ndarray) -> Any:
    return LSTM(kernel, recurrent_kernel, bias).step(x_t, (h_prev, c_prev))[1]  # the state (h_t, c_t)


def gru_step(x_t: np.ndarray, h_prev: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray,
             bias: np.ndarray) -> Any:
    return GRU(kernel, recurrent_kernel, bias).step(x_t, h_prev)[0]


def lstm_step_backward(x_t: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray, kernel: np.ndarray,
                       recurrent_kernel: np.ndarray, bias: np.ndarray, dh: np.ndarray, dc: np.ndarray) -> Any:
    # The engine's BPTT over a sequence of one step that starts from (h_prev, c_prev): dh reaches h_t, and dc
    # reaches c_t as the gradient of the final state.
    cell = LSTM(kernel, recurrent_kernel, bias)
    cell.forward(x_t[:, None], initial_state=(h_prev, c_prev))
    grads = cell.backward(dh[:, None], d_final_state=(np.zeros_like(dh), dc))
    d_h_prev, d_c_prev = cell.d_initial_state
    return {"x_t": grads["inputs"][:, 0], "h_prev": d_h_prev, "c_prev": d_c_prev, "kernel": grads["kernel"],
            "recurrent_kernel": grads["recurrent_kernel"], "bias": grads["bias"]}


def rnn_forward(x: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray) -> Any:
    return SimpleRNN(kernel, recurrent_kernel, bias).forward(x)


def rnn_backward(x: np.ndarray, kernel: np.ndarray, recurrent_kernel: np.ndarray, bias: np.ndarray,
                 dh: np.ndarray) -> Any:
    cell = SimpleRNN(kernel, recurrent_kernel, bias)
    cell.forward(x)
    return cell.backward(dh)

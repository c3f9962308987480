"""The exercises, in order of difficulty, with their graded hints."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    name: str  # the file is NAME.py; `rnn-tutor check NAME`
    title: str
    functions: tuple[str, ...]  # what the learner writes, in the order they are checked
    hints: tuple[str, ...]


EXERCISES: tuple[Exercise, ...] = (
    Exercise("rnn_step", "One step of the vanilla RNN", ("rnn_step",), (
        "Two matrix products plus the bias, then np.tanh. Rows are examples, so the inputs come first: "
        "x_t @ kernel, not kernel @ x_t.",
        "The bias (U,) broadcasts over the batch rows by itself: x_t @ kernel + h_prev @ recurrent_kernel "
        "+ bias has shape (B, U).",
        "h_t has shape (B, U), like h_prev: if yours is (U, B) or (B, B), a product is the wrong way round.",
    )),
    Exercise("lstm_step", "One step of the LSTM (gate order i, f, c, o)", ("sigmoid", "lstm_step"), (
        "Write sigmoid first. 1 / (1 + np.exp(-a)) overflows for a = -1000; the identity "
        "σ(a) = (1 + tanh(a/2)) / 2 never does.",
        "z = x_t @ kernel + h_prev @ recurrent_kernel + bias has 4U columns; "
        "np.split(z, 4, axis=-1) gives the four blocks in Keras's order i, f, c, o.",
        "The candidate uses tanh, the three gates sigmoid. Then c_t = f * c_prev + i * g and "
        "h_t = o * np.tanh(c_t); return (h_t, c_t).",
    )),
    Exercise("gru_step", "One step of the GRU, reset_after=True", ("gru_step",), (
        "Keep the two projections apart: x_t @ kernel + bias[0] and h_prev @ recurrent_kernel + bias[1], "
        "each (B, 3U), blocks z, r, h.",
        "z and r take the sum of their blocks of both projections; the candidate is "
        "tanh(x-block h + r * recurrent-block h): r multiplies the recurrent projection after the product.",
        "Keras's update: h_t = z * h_prev + (1 - z) * candidate, as in Cho et al. (2014). Writing "
        "(1 - z) * h_prev + z * candidate is the other convention (Chung et al. 2014, many textbooks) "
        "and gives different numbers.",
    )),
    Exercise("clip_norm", "Clipping gradients by their global norm", ("clip_by_global_norm",), (
        "One norm for all arrays together: the square root of the sum of every array's sum of squares.",
        "The norm is a plain float: add up the squares of every entry of every array, then take one square "
        "root. Scale only when clip_norm > 0 and the norm is above it, by clip_norm / norm.",
        "Return (clipped, norm): a list with one array per gradient, each scaled (g * factor makes a new "
        "array), or the given arrays unchanged when nothing is clipped, and the norm before clipping as a "
        "float; an all-zero gradient has norm 0 and needs no scaling. Never scale the given arrays in place.",
    )),
    Exercise("temperature", "Softmax with temperature, and sampling", ("softmax_with_temperature", "sample"), (
        "Divide the logits by the temperature, subtract the maximum along the last axis (keepdims=True), "
        "exponentiate, divide by the sum along the last axis.",
        "sample: if temperature == 0 return int(np.argmax(logits)) without touching rng.",
        "Otherwise draw one u = rng.random() and return the first index whose cumulative probability "
        "exceeds u (np.searchsorted, side='right'); guard the last index against rounding.",
    )),
    Exercise("grad_check", "A finite-difference gradient checker", ("numerical_gradient", "relative_error"), (
        "grad = np.zeros(x.shape); for k in np.ndindex(x.shape): keep x[k], set it to kept + eps, call f, "
        "set it to kept - eps, call f, put kept back.",
        "The central difference is (f_plus - f_minus) / (2 * eps). A forward difference "
        "(f(x + eps) - f(x)) / eps is off by about eps/2 times the second derivative: the check notices.",
        "relative_error: np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)), and 0.0 when "
        "that denominator is 0.",
    )),
    Exercise("rnn_bptt", "BPTT through a whole sequence (vanilla RNN)", ("rnn_forward", "rnn_backward"), (
        "rnn_forward is exercise 1 in a loop: h = zeros (B, U); for t in range(T): h = tanh(...); "
        "hs[:, t] = h.",
        "rnn_backward loops t from T-1 down to 0 (range(T - 1, -1, -1)). The carry starts at zeros and "
        "is da_t @ recurrent_kernel.T after each step.",
        "h_{t-1} is hs[:, t - 1] for t > 0 and zeros for t = 0. Accumulate into zero arrays of the weights' "
        "shapes: grads[\"kernel\"] += x[:, t].T @ da, grads[\"recurrent_kernel\"] += h_prev.T @ da, "
        "grads[\"bias\"] += da.sum(axis=0).",
    )),
    Exercise("lstm_backward", "The backward pass of one LSTM step", ("lstm_step_backward",), (
        "Recompute the forward step first (z, then i, f, g, o, c_t); keep tanh(c_t).",
        "The docstring gives dz's four blocks; join them with np.concatenate(..., axis=-1) in the order "
        "i, f, c, o. Then x_t gets dz @ kernel.T and h_prev gets dz @ recurrent_kernel.T.",
        "c_prev enters c_t as f * c_prev, so its gradient is dc_total * f. kernel: x_t.T @ dz; "
        "recurrent_kernel: h_prev.T @ dz; bias: dz.sum(axis=0).",
    )),
)

BY_NAME = {exercise.name: exercise for exercise in EXERCISES}


def get(name: str) -> Exercise | None:
    return BY_NAME.get(name)

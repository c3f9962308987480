"""Exercise 7 · rnn_bptt — reference solution."""

import numpy as np


def rnn_forward(x, kernel, recurrent_kernel, bias):
    batch, steps, _ = x.shape
    h = np.zeros((batch, kernel.shape[1]))
    hs = np.empty((batch, steps, kernel.shape[1]))
    for t in range(steps):
        h = np.tanh(x[:, t] @ kernel + h @ recurrent_kernel + bias)
        hs[:, t] = h
    return hs


def rnn_backward(x, hs, dh, kernel, recurrent_kernel):
    batch, steps, _ = x.shape
    grads = {"inputs": np.zeros_like(x), "kernel": np.zeros_like(kernel),
             "recurrent_kernel": np.zeros_like(recurrent_kernel),
             "bias": np.zeros(kernel.shape[1])}
    carry = np.zeros((batch, kernel.shape[1]))
    for t in range(steps - 1, -1, -1):
        total = dh[:, t] + carry
        da = total * (1.0 - hs[:, t] ** 2)
        h_prev = hs[:, t - 1] if t > 0 else np.zeros_like(hs[:, 0])
        grads["kernel"] += x[:, t].T @ da
        grads["recurrent_kernel"] += h_prev.T @ da
        grads["bias"] += da.sum(axis=0)
        grads["inputs"][:, t] = da @ kernel.T
        carry = da @ recurrent_kernel.T
    return grads

"""Exercise 8 · lstm_backward — reference solution."""

import numpy as np


def sigmoid(a):
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def lstm_step_backward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias,
                       dh, dc):
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)
    c_t = f * c_prev + i * g
    tc = np.tanh(c_t)
    dc_total = dc + dh * o * (1.0 - tc ** 2)
    dz = np.concatenate([dc_total * g * i * (1.0 - i),
                         dc_total * c_prev * f * (1.0 - f),
                         dc_total * i * (1.0 - g ** 2),
                         dh * tc * o * (1.0 - o)], axis=-1)
    return {"x_t": dz @ kernel.T,
            "h_prev": dz @ recurrent_kernel.T,
            "c_prev": dc_total * f,
            "kernel": x_t.T @ dz,
            "recurrent_kernel": h_prev.T @ dz,
            "bias": dz.sum(axis=0)}

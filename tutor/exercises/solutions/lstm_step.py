"""Exercise 2 · lstm_step — reference solution."""

import numpy as np


def sigmoid(a):
    # 1 / (1 + e^-a), written with tanh: no overflow for any a.
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    z = x_t @ kernel + h_prev @ recurrent_kernel + bias
    z_i, z_f, z_c, z_o = np.split(z, 4, axis=-1)
    i, f, g, o = sigmoid(z_i), sigmoid(z_f), np.tanh(z_c), sigmoid(z_o)
    c_t = f * c_prev + i * g
    h_t = o * np.tanh(c_t)
    return h_t, c_t

"""Exercise 3 · gru_step — one step of the GRU as Keras computes it
(reset_after=True, the default).

Write the function below, then run `rnn-tutor check gru_step`.

The bias has two rows: bias[0] for the input projection, bias[1] for
the recurrent one. Blocks of U columns, in this order: z, r, h.

    x_proj = x_t · kernel + bias[0]                  (B, 3U)
    h_proj = h_prev · recurrent_kernel + bias[1]     (B, 3U)
    z  = σ(x_proj_z + h_proj_z)          update gate
    r  = σ(x_proj_r + h_proj_r)          reset gate
    h̃  = tanh(x_proj_h + r ⊙ h_proj_h)   candidate: the reset gate
                                         acts AFTER the recurrent
                                         projection (reset_after)
    h_t = z ⊙ h_prev + (1 − z) ⊙ h̃

Note the last line: in Keras, z keeps the OLD state.

Shapes (B = batch, F = features, U = units):

    x_t               (B, F)
    h_prev            (B, U)
    kernel            (F, 3U)
    recurrent_kernel  (U, 3U)
    bias              (2, 3U)
    returns h_t       (B, U)
"""

import numpy as np


def sigmoid(a):
    # 1 / (1 + e^-a), with a clipped so that e^-a cannot overflow.
    return 1.0 / (1.0 + np.exp(-np.clip(a, -500.0, 500.0)))


def gru_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    # Replace the line below with your code.
    raise NotImplementedError("gru_step is not written yet")

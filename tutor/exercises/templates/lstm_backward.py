"""Exercise 8 · lstm_backward — the backward pass of ONE LSTM step.

Write the function below, then run `rnn-tutor check lstm_backward`.

The forward step is the one of exercise 2 (gate order i, f, c, o):

    z = x_t · kernel + h_prev · recurrent_kernel + bias
    i, f, g, o = σ(z_i), σ(z_f), tanh(z_c), σ(z_o)
    c_t = f ⊙ c_prev + i ⊙ g
    h_t = o ⊙ tanh(c_t)

The loss is L = Σ h_t ⊙ dh + Σ c_t ⊙ dc: dh and dc are the gradients
reaching h_t and c_t from later steps and the loss. Recompute the
forward step, then:

    dc_total = dc + dh ⊙ o ⊙ (1 − tanh(c_t)²)
    dz_i = dc_total ⊙ g ⊙ i(1 − i)
    dz_f = dc_total ⊙ c_prev ⊙ f(1 − f)
    dz_c = dc_total ⊙ i ⊙ (1 − g²)
    dz_o = dh ⊙ tanh(c_t) ⊙ o(1 − o)
    dz = [dz_i, dz_f, dz_c, dz_o]                   (B, 4U)

and from dz the gradients of everything the step read.

Shapes (B = batch, F = features, U = units):

    x_t (B, F); h_prev, c_prev, dh, dc (B, U)
    kernel (F, 4U); recurrent_kernel (U, 4U); bias (4U,)

returns a dict of ∂L/∂(each input), shaped like it, with the keys
"x_t", "h_prev", "c_prev", "kernel", "recurrent_kernel", "bias".
(The gradient for c_prev is the one the cell-state "highway" carries
to the step before: look at how c_prev enters c_t.)
"""

import numpy as np


def sigmoid(a):
    # 1 / (1 + e^-a), with a clipped so that e^-a cannot overflow.
    return 1.0 / (1.0 + np.exp(-np.clip(a, -500.0, 500.0)))


def lstm_step_backward(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias,
                       dh, dc):
    # Replace the line below with your code.
    raise NotImplementedError("lstm_step_backward is not written yet")

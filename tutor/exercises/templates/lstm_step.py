"""Exercise 2 · lstm_step — one step of the LSTM, in Keras's layout.

Write the function below, then run `rnn-tutor check lstm_step`.

    z = x_t · kernel + h_prev · recurrent_kernel + bias     (B, 4U)
    split z into four blocks of U columns, in this order:
        i = σ(z_i)      input gate
        f = σ(z_f)      forget gate
        g = tanh(z_c)   candidate
        o = σ(z_o)      output gate
    c_t = f ⊙ c_prev + i ⊙ g
    h_t = o ⊙ tanh(c_t)

σ is the logistic sigmoid 1 / (1 + e^-a); ⊙ multiplies elementwise.

Shapes (B = batch, F = features, U = units):

    x_t               (B, F)
    h_prev, c_prev    (B, U)
    kernel            (F, 4U)  columns: i, f, c, o
    recurrent_kernel  (U, 4U)  columns: i, f, c, o
    bias              (4U,)
    returns (h_t, c_t), each (B, U)

sigmoid must not overflow or give NaN for large |a|: the checker
calls it with a = ±1000 and treats NumPy's overflow warning as an
error (np.exp(1000) overflows; np.exp(700) does not).
"""

import numpy as np


def sigmoid(a):
    # Replace the line below with your code.
    raise NotImplementedError("sigmoid is not written yet")


def lstm_step(x_t, h_prev, c_prev, kernel, recurrent_kernel, bias):
    # Replace the line below with your code.
    raise NotImplementedError("lstm_step is not written yet")

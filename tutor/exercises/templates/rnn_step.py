"""Exercise 1 · rnn_step — one step of the vanilla RNN.

Write the function below, then run `rnn-tutor check rnn_step`.

    h_t = tanh(x_t · kernel + h_prev · recurrent_kernel + bias)

Shapes (B = batch, F = features, U = units):

    x_t               (B, F)   this step's inputs, a row per sequence
    h_prev            (B, U)   the hidden state of the step before
    kernel            (F, U)   Keras's SimpleRNN `kernel`
    recurrent_kernel  (U, U)   Keras's SimpleRNN `recurrent_kernel`
    bias              (U,)     Keras's SimpleRNN `bias`
    returns h_t       (B, U)

Rows are examples, so the weights multiply from the right
(x_t @ kernel), as Keras stores them. Use NumPy only; the inputs
are float64.
"""

import numpy as np


def rnn_step(x_t, h_prev, kernel, recurrent_kernel, bias):
    # Replace the line below with your code.
    raise NotImplementedError("rnn_step is not written yet")
